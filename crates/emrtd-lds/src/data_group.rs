//! [`DataGroup`]: the number of a data group, DG1 … DG16, checked once where it is made.

use std::fmt;
use std::str::FromStr;

/// A data group of the LDS1 application, DG1 … DG16.
///
/// Reports and verdicts key data groups by this type, not by their name: a `DataGroup` can
/// only hold 1 … 16, orders by number (DG2 before DG11), and becomes the name `"DG2"` only
/// where it is shown or serialised (it serialises as that string, so it can key a JSON object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataGroup(u8);

impl DataGroup {
    /// DG1, the MRZ.
    pub const DG1: DataGroup = DataGroup(1);
    /// DG2, the encoded face.
    pub const DG2: DataGroup = DataGroup(2);
    /// DG3, the encoded fingers.
    pub const DG3: DataGroup = DataGroup(3);
    /// DG4, the encoded irises.
    pub const DG4: DataGroup = DataGroup(4);
    /// DG14, the security options (Chip Authentication).
    pub const DG14: DataGroup = DataGroup(14);
    /// DG15, the Active Authentication public key.
    pub const DG15: DataGroup = DataGroup(15);

    /// The data group with this number; `None` outside 1 … 16.
    pub const fn new(number: u8) -> Option<DataGroup> {
        if number >= 1 && number <= 16 {
            Some(DataGroup(number))
        } else {
            None
        }
    }

    /// Its number, 1 … 16.
    pub const fn number(self) -> u8 {
        self.0
    }

    /// DG1 … DG16 in order.
    pub fn all() -> impl Iterator<Item = DataGroup> {
        (1..=16).map(DataGroup)
    }
}

impl fmt::Display for DataGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DG{}", self.0)
    }
}

/// The name is not `DG1` … `DG16`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a data group name (expected DG1 … DG16): {0:?}")]
pub struct NotADataGroup(pub String);

impl FromStr for DataGroup {
    type Err = NotADataGroup;

    /// `"DG1"` … `"DG16"` exactly (no `DG01`, no `dg2`, no sign).
    fn from_str(s: &str) -> Result<DataGroup, NotADataGroup> {
        let bad = || NotADataGroup(s.chars().take(16).collect());
        let digits = s.strip_prefix("DG").ok_or_else(bad)?;
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        digits
            .parse::<u8>()
            .ok()
            .and_then(DataGroup::new)
            .ok_or_else(bad)
    }
}

impl serde::Serialize for DataGroup {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_sixteen_are_data_groups() {
        assert_eq!(DataGroup::new(0), None);
        assert_eq!(DataGroup::new(17), None);
        assert_eq!(DataGroup::new(16).map(DataGroup::number), Some(16));
        assert_eq!(DataGroup::all().count(), 16);
    }

    #[test]
    fn names_round_trip_and_other_spellings_are_refused() {
        for dg in DataGroup::all() {
            assert_eq!(dg.to_string().parse::<DataGroup>(), Ok(dg));
        }
        for bad in [
            "DG0", "DG17", "DG01", "dg2", "DG+2", "DG", "2", "DG2 ", "DG300",
        ] {
            assert!(bad.parse::<DataGroup>().is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_by_number_and_keys_json_objects_by_name() {
        let mut v = vec![DataGroup::new(11).unwrap(), DataGroup::DG2, DataGroup::DG1];
        v.sort();
        assert_eq!(
            v,
            [DataGroup::DG1, DataGroup::DG2, DataGroup::new(11).unwrap()]
        );
        let map: std::collections::BTreeMap<DataGroup, u8> =
            [(DataGroup::DG14, 1), (DataGroup::DG2, 2)].into();
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"DG2":2,"DG14":1}"#
        );
    }
}
