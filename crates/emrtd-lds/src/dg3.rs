//! DG3 (ICAO 9303-10 §4.7.3): encoded fingerprints, ISO/IEC 19794-4 finger image records
//! ("FIR\0") in CBEFF templates. The records are kept as bytes.

use crate::cbeff::{raw_biometric_dg, BIOMETRIC_TYPE_FINGERPRINT, FORMAT_TYPE_FINGER_19794};

raw_biometric_dg!(
    /// Decoded DG3.
    Dg3,
    0x63,
    "DG3",
    [FORMAT_TYPE_FINGER_19794],
    BIOMETRIC_TYPE_FINGERPRINT,
    b"FIR\0",
    crate::iso19794_4::FingerImageRecord
);

use crate::iso19794_4::{FingerImageRecord, StoredImage};

impl Dg3 {
    /// The ISO/IEC 19794-4 finger image records, one per biometric template.
    pub fn finger_records(&self) -> Result<Vec<FingerImageRecord>, crate::LdsError> {
        self.records()
            .into_iter()
            .map(FingerImageRecord::decode)
            .collect()
    }

    /// Every finger image as stored (WSQ, JPEG, JPEG 2000, PNG or raw), named for export.
    pub fn images(&self) -> Result<Vec<StoredImage>, crate::LdsError> {
        let mut out = Vec::new();
        for (i, rec) in self.finger_records()?.into_iter().enumerate() {
            let declared = rec.compression();
            for img in rec.images {
                out.push(StoredImage::new(
                    format!(
                        "finger-{}-pos-{}-view-{}",
                        i + 1,
                        img.position,
                        img.view_number
                    ),
                    declared,
                    img.data,
                ));
            }
        }
        Ok(out)
    }
}
