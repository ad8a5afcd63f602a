//! Elementary file identifiers of ICAO 9303-10.

use std::fmt;

/// An elementary file of an eMRTD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EfId {
    /// EF.CardAccess (master file).
    CardAccess,
    /// EF.ATR/INFO (master file).
    AtrInfo,
    /// EF.CardSecurity (master file).
    CardSecurity,
    /// EF.COM.
    Com,
    /// EF.SOD.
    Sod,
    /// DG1 … DG16.
    Dg(u8),
    /// EF.CVCA (LDS1 application): the CVCA key references the chip trusts for Terminal
    /// Authentication.
    Cvca,
}

impl EfId {
    /// File identifier.
    pub fn fid(self) -> u16 {
        match self {
            EfId::CardAccess => 0x011C,
            EfId::AtrInfo => 0x2F01,
            EfId::CardSecurity => 0x011D,
            EfId::Com => 0x011E,
            EfId::Sod => 0x011D,
            EfId::Dg(n) => 0x0100 + n as u16,
            EfId::Cvca => 0x011C,
        }
    }

    /// Short EF identifier.
    pub fn sfi(self) -> u8 {
        match self {
            EfId::CardAccess => 0x1C,
            EfId::AtrInfo => 0x01,
            EfId::CardSecurity => 0x1D,
            EfId::Com => 0x1E,
            EfId::Sod => 0x1D,
            EfId::Dg(n) => n,
            EfId::Cvca => 0x1C,
        }
    }

    /// Does the file live in the master file (rather than the LDS1 application)?
    pub fn in_master_file(self) -> bool {
        matches!(self, EfId::CardAccess | EfId::AtrInfo | EfId::CardSecurity)
    }

    /// All data groups 1..=16.
    pub fn data_groups() -> impl Iterator<Item = EfId> {
        (1..=16).map(EfId::Dg)
    }

    /// Name used in dump folders: `COM`, `SOD`, `DG1`, `CardAccess`, …
    pub fn name(self) -> String {
        self.to_string()
    }

    /// Parse a dump-folder name.
    pub fn from_name(name: &str) -> Option<EfId> {
        match name {
            "COM" => Some(EfId::Com),
            "SOD" => Some(EfId::Sod),
            "CardAccess" => Some(EfId::CardAccess),
            "CardSecurity" => Some(EfId::CardSecurity),
            "ATRInfo" => Some(EfId::AtrInfo),
            "CVCA" => Some(EfId::Cvca),
            _ => {
                let n: u8 = name.strip_prefix("DG")?.parse().ok()?;
                (1..=16).contains(&n).then_some(EfId::Dg(n))
            }
        }
    }
}

impl fmt::Display for EfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EfId::CardAccess => f.write_str("CardAccess"),
            EfId::AtrInfo => f.write_str("ATRInfo"),
            EfId::CardSecurity => f.write_str("CardSecurity"),
            EfId::Com => f.write_str("COM"),
            EfId::Sod => f.write_str("SOD"),
            EfId::Dg(n) => write!(f, "DG{n}"),
            EfId::Cvca => f.write_str("CVCA"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for id in [
            EfId::CardAccess,
            EfId::AtrInfo,
            EfId::CardSecurity,
            EfId::Com,
            EfId::Sod,
        ]
        .into_iter()
        .chain(EfId::data_groups())
        {
            assert_eq!(EfId::from_name(&id.name()), Some(id));
        }
        assert_eq!(EfId::from_name("DG17"), None);
        assert_eq!(EfId::from_name("DG0"), None);
        assert_eq!(EfId::Dg(2).fid(), 0x0102);
        assert_eq!(EfId::Dg(14).sfi(), 0x0E);
    }
}
