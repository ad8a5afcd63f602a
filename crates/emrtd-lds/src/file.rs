//! One entry point for every elementary file of the eMRTD application: [`decode_file`] turns
//! bytes read from a file into the typed [`LdsFile`].

use crate::atr_info::EfAtrInfo;
use crate::check::Issue;
use crate::com::EfCom;
use crate::cvca::EfCvca;
use crate::dg1::Dg1;
use crate::dg11::Dg11;
use crate::dg12::Dg12;
use crate::dg14::Dg14;
use crate::dg15::Dg15;
use crate::dg16::Dg16;
use crate::dg2::Dg2;
use crate::dg3::Dg3;
use crate::dg4::Dg4;
use crate::displayed::{Dg5, Dg7};
use crate::opaque::OpaqueDg;
use crate::sod::Sod;
use crate::LdsError;

/// An elementary file of the LDS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum FileId {
    /// EF.COM (FID 011E).
    Com,
    /// EF.DG1 .. EF.DG16 (FID 0101 .. 0110).
    Dg(u8),
    /// EF.SOD (FID 011D).
    Sod,
    /// EF.CVCA (FID 011C in the eMRTD application).
    Cvca,
    /// EF.ATR/INFO (FID 2F01 in the master file).
    AtrInfo,
}

impl FileId {
    /// File identifier (the application files 0101..0110, 011C, 011D, 011E; EF.ATR/INFO 2F01).
    pub fn fid(self) -> u16 {
        match self {
            FileId::Com => 0x011E,
            FileId::Dg(n) => 0x0100 + n as u16,
            FileId::Sod => 0x011D,
            FileId::Cvca => 0x011C,
            FileId::AtrInfo => 0x2F01,
        }
    }

    /// Short file identifier, if the file has one.
    pub fn sfi(self) -> Option<u8> {
        match self {
            FileId::Com => Some(0x1E),
            FileId::Dg(n) if (1..=16).contains(&n) => Some(n),
            FileId::Sod => Some(0x1D),
            FileId::Cvca => Some(0x1C),
            FileId::AtrInfo => Some(0x01),
            FileId::Dg(_) => None,
        }
    }

    /// The file with this identifier (eMRTD application files, and 2F01 for EF.ATR/INFO).
    pub fn from_fid(fid: u16) -> Option<FileId> {
        match fid {
            0x011E => Some(FileId::Com),
            0x011D => Some(FileId::Sod),
            0x011C => Some(FileId::Cvca),
            0x2F01 => Some(FileId::AtrInfo),
            0x0101..=0x0110 => Some(FileId::Dg((fid - 0x0100) as u8)),
            _ => None,
        }
    }

    /// The file whose content starts with this tag (`60` EF.COM, `61`.. data groups, `77` EF.SOD).
    pub fn from_tag(tag: u8) -> Option<FileId> {
        match tag {
            0x60 => Some(FileId::Com),
            0x77 => Some(FileId::Sod),
            t => crate::com::dg_number_from_tag(t).map(FileId::Dg),
        }
    }

    /// Name as used in ICAO 9303, e.g. "EF.COM", "DG2".
    pub fn name(self) -> String {
        match self {
            FileId::Com => "EF.COM".into(),
            FileId::Dg(n) => format!("DG{n}"),
            FileId::Sod => "EF.SOD".into(),
            FileId::Cvca => "EF.CVCA".into(),
            FileId::AtrInfo => "EF.ATR/INFO".into(),
        }
    }
}

/// A decoded elementary file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LdsFile {
    /// EF.COM: LDS version and the list of data groups.
    Com(EfCom),
    /// DG1: the MRZ.
    Dg1(Dg1),
    /// DG2: encoded face(s).
    Dg2(Box<Dg2>),
    /// DG3: encoded fingers (Extended Access Control).
    Dg3(Box<Dg3>),
    /// DG4: encoded irises (Extended Access Control).
    Dg4(Box<Dg4>),
    /// DG5: displayed portrait.
    Dg5(Dg5),
    /// DG6, DG8, DG9, DG10 or DG13.
    Opaque(OpaqueDg),
    /// DG7: displayed signature or usual mark.
    Dg7(Dg7),
    /// DG11: additional personal details.
    Dg11(Box<Dg11>),
    /// DG12: additional document details.
    Dg12(Box<Dg12>),
    /// DG14: security options (Chip Authentication keys, PACE information).
    Dg14(Dg14),
    /// DG15: the Active Authentication public key.
    Dg15(Dg15),
    /// DG16: persons to notify.
    Dg16(Dg16),
    /// EF.SOD: the Document Security Object (hashes of the data groups, signed).
    Sod(Box<Sod>),
    /// EF.CVCA: the CVCA key references for Terminal Authentication.
    Cvca(EfCvca),
    /// EF.ATR/INFO: the chip's capabilities (extended length, buffer sizes).
    AtrInfo(EfAtrInfo),
}

/// Decode the bytes read from file `id`.
pub fn decode_file(id: FileId, bytes: &[u8]) -> Result<LdsFile, LdsError> {
    Ok(match id {
        FileId::Com => LdsFile::Com(EfCom::decode(bytes)?),
        FileId::Sod => LdsFile::Sod(Box::new(Sod::parse(bytes)?)),
        FileId::Cvca => LdsFile::Cvca(EfCvca::decode(bytes)?),
        FileId::AtrInfo => LdsFile::AtrInfo(EfAtrInfo::decode(bytes)?),
        FileId::Dg(n) => match n {
            1 => LdsFile::Dg1(Dg1::decode(bytes)?),
            2 => LdsFile::Dg2(Box::new(Dg2::decode(bytes)?)),
            3 => LdsFile::Dg3(Box::new(Dg3::decode(bytes)?)),
            4 => LdsFile::Dg4(Box::new(Dg4::decode(bytes)?)),
            5 => LdsFile::Dg5(Dg5::decode(bytes)?),
            7 => LdsFile::Dg7(Dg7::decode(bytes)?),
            11 => LdsFile::Dg11(Box::new(Dg11::decode(bytes)?)),
            12 => LdsFile::Dg12(Box::new(Dg12::decode(bytes)?)),
            14 => LdsFile::Dg14(Dg14::decode(bytes)?),
            15 => LdsFile::Dg15(Dg15::decode(bytes)?),
            16 => LdsFile::Dg16(Dg16::decode(bytes)?),
            _ => LdsFile::Opaque(OpaqueDg::decode(n, bytes)?),
        },
    })
}

impl LdsFile {
    /// Encode the file from its typed content (EF.SOD, which cannot be re-signed here, gives
    /// back the bytes it was decoded from).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            LdsFile::Com(f) => f.encode(),
            LdsFile::Dg1(f) => f.encode(),
            LdsFile::Dg2(f) => f.encode(),
            LdsFile::Dg3(f) => f.encode(),
            LdsFile::Dg4(f) => f.encode(),
            LdsFile::Dg5(f) => f.encode(),
            LdsFile::Opaque(f) => f.encode(),
            LdsFile::Dg7(f) => f.encode(),
            LdsFile::Dg11(f) => f.encode(),
            LdsFile::Dg12(f) => f.encode(),
            LdsFile::Dg14(f) => f.encode(),
            LdsFile::Dg15(f) => f.encode(),
            LdsFile::Dg16(f) => f.encode(),
            LdsFile::Sod(f) => f.raw.clone(),
            LdsFile::Cvca(f) => f.encode(),
            LdsFile::AtrInfo(f) => f.encode(),
        }
    }

    /// The bytes the file was decoded from.
    pub fn raw(&self) -> &[u8] {
        match self {
            LdsFile::Com(f) => &f.raw,
            LdsFile::Dg1(f) => &f.raw,
            LdsFile::Dg2(f) => &f.raw,
            LdsFile::Dg3(f) => &f.raw,
            LdsFile::Dg4(f) => &f.raw,
            LdsFile::Dg5(f) => &f.raw,
            LdsFile::Opaque(f) => &f.raw,
            LdsFile::Dg7(f) => &f.raw,
            LdsFile::Dg11(f) => &f.raw,
            LdsFile::Dg12(f) => &f.raw,
            LdsFile::Dg14(f) => &f.raw,
            LdsFile::Dg15(f) => &f.raw,
            LdsFile::Dg16(f) => &f.raw,
            LdsFile::Sod(f) => &f.raw,
            LdsFile::Cvca(f) => &f.raw,
            LdsFile::AtrInfo(f) => &f.raw,
        }
    }

    /// Conformance findings (see [`crate::check`]); empty for files without checks.
    pub fn check(&self) -> Vec<Issue> {
        match self {
            LdsFile::Com(f) => f.check(),
            LdsFile::Dg1(f) => f.check(),
            LdsFile::Dg2(f) => f.check(),
            LdsFile::Dg3(f) => f.check(),
            LdsFile::Dg4(f) => f.check(),
            LdsFile::Dg11(f) => f.check(),
            LdsFile::Dg12(f) => f.check(),
            LdsFile::Dg14(f) => f.check(),
            LdsFile::Dg16(f) => f.check(),
            LdsFile::Cvca(f) => f.check(),
            LdsFile::AtrInfo(f) => f.check(),
            LdsFile::Dg5(_)
            | LdsFile::Dg7(_)
            | LdsFile::Opaque(_)
            | LdsFile::Dg15(_)
            | LdsFile::Sod(_) => Vec::new(),
        }
    }
}
