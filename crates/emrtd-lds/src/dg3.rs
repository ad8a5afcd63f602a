//! DG3 (ICAO 9303-10 §4.7.3): encoded fingerprints, ISO/IEC 19794-4 finger image records
//! ("FIR\0", data block `5F2E`) or ISO/IEC 39794-4 finger image data (`7F2E`) in CBEFF
//! templates. The records are kept as bytes.

use crate::cbeff::{raw_biometric_dg, BIOMETRIC_TYPE_FINGERPRINT, FORMAT_TYPE_FINGER_19794};

raw_biometric_dg!(
    /// Decoded DG3.
    Dg3,
    0x63,
    "DG3",
    [FORMAT_TYPE_FINGER_19794],
    BIOMETRIC_TYPE_FINGERPRINT,
    b"FIR\0",
    crate::iso19794_4::FingerImageRecord,
    crate::iso39794_4_6::FingerImageData
);

use crate::iso19794_4::{FingerImageRecord, StoredImage};

impl Dg3 {
    /// The ISO/IEC 19794-4 finger image records (data blocks `5F2E`), one per template.
    pub fn finger_records(&self) -> Result<Vec<FingerImageRecord>, crate::LdsError> {
        self.group
            .templates
            .iter()
            .filter(|t| t.bdb_tag != crate::cbeff::BDB_CONSTRUCTED_TAG)
            .map(|t| FingerImageRecord::decode(&t.data))
            .collect()
    }

    /// The ISO/IEC 39794-4 finger image data blocks (`7F2E`), one per template.
    pub fn finger_data_39794(
        &self,
    ) -> Result<Vec<crate::iso39794_4_6::FingerImageData>, crate::LdsError> {
        self.group
            .templates
            .iter()
            .filter(|t| t.bdb_tag == crate::cbeff::BDB_CONSTRUCTED_TAG)
            .map(|t| crate::iso39794_4_6::FingerImageData::decode(&t.data, "DG3"))
            .collect()
    }

    /// Every finger image as stored (WSQ, JPEG, JPEG 2000, PNG or raw), named for export, in
    /// template order, from 19794-4 records and 39794-4 data blocks alike.
    pub fn images(&self) -> Result<Vec<StoredImage>, crate::LdsError> {
        let mut out = Vec::new();
        for (i, t) in self.group.templates.iter().enumerate() {
            if t.bdb_tag == crate::cbeff::BDB_CONSTRUCTED_TAG {
                let data = crate::iso39794_4_6::FingerImageData::decode(&t.data, "DG3")?;
                out.extend(crate::iso39794_4_6::finger_images(i + 1, &data));
                continue;
            }
            let rec = FingerImageRecord::decode(&t.data)?;
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
