//! Every LDS decoder of `emrtd_lds` on arbitrary bytes. The first byte picks the decoder:
//! 0 EF.COM, 1-16 DG1-DG16, 17 EF.SOD, 18 EF.CVCA, 19 EF.ATR/INFO (all through `decode_file`),
//! 20 ISO/IEC 19794-5 facial record, 21 ISO/IEC 39794-5 face image data, 22 Active
//! Authentication public key (SubjectPublicKeyInfo), 23 the file named by the content's tag.
//! Decoded files are checked, re-encoded and decoded again. Asserts only "no panic".
#![no_main]

use emrtd_lds::dg15::AaPublicKey;
use emrtd_lds::iso19794_5::FacialRecord;
use emrtd_lds::iso39794_5::FaceImageData;
use emrtd_lds::{decode_file, FileId, ImageFormat, LdsFile};
use libfuzzer_sys::fuzz_target;

fn exercise(id: FileId, bytes: &[u8]) {
    let Ok(file) = decode_file(id, bytes) else {
        return;
    };
    let _ = file.check();
    let _ = file.raw();
    match &file {
        LdsFile::Com(f) => {
            let _ = f.data_groups();
        }
        LdsFile::Dg1(f) => {
            let _ = f.mrz();
        }
        LdsFile::Dg2(f) => {
            for face in f.faces() {
                let _ = ImageFormat::detect(face.image);
            }
        }
        LdsFile::Dg14(f) => {
            let _ = f.security_infos();
        }
        LdsFile::Dg15(f) => {
            let _ = f.encode();
        }
        _ => {}
    }
    let encoded = file.encode();
    let _ = decode_file(id, &encoded);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 24 {
        0 => exercise(FileId::Com, rest),
        n @ 1..=16 => exercise(FileId::Dg(n), rest),
        17 => exercise(FileId::Sod, rest),
        18 => exercise(FileId::Cvca, rest),
        19 => exercise(FileId::AtrInfo, rest),
        20 => {
            if let Ok(r) = FacialRecord::decode(rest, "DG2") {
                let _ = FacialRecord::decode(&r.encode(), "DG2");
            }
        }
        21 => {
            if let Ok(d) = FaceImageData::decode(rest, "DG2") {
                for r in &d.representations {
                    let _ = r.image_2d();
                }
                let _ = FaceImageData::decode(&d.encode(), "DG2");
            }
        }
        22 => {
            if let Ok(k) = AaPublicKey::from_spki(rest) {
                let _ = AaPublicKey::from_spki(&k.to_spki());
            }
        }
        _ => {
            if let Some(id) = rest.first().and_then(|t| FileId::from_tag(*t)) {
                exercise(id, rest);
            }
        }
    }
});
