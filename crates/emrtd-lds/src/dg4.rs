//! DG4 (ICAO 9303-10 §4.7.4): encoded irises, ISO/IEC 19794-6 iris image records ("IIR\0") in
//! CBEFF templates. The records are kept as bytes.

use crate::cbeff::{raw_biometric_dg, BIOMETRIC_TYPE_IRIS, FORMAT_TYPE_IRIS_19794};

raw_biometric_dg!(
    /// Decoded DG4.
    Dg4,
    0x76,
    "DG4",
    [FORMAT_TYPE_IRIS_19794],
    BIOMETRIC_TYPE_IRIS,
    b"IIR\0",
    crate::iso19794_6::IrisImageRecord
);

use crate::iso19794_4::StoredImage;
use crate::iso19794_6::{Eye, IrisImageRecord};

impl Dg4 {
    /// The ISO/IEC 19794-6 iris image records, one per biometric template.
    pub fn iris_records(&self) -> Result<Vec<IrisImageRecord>, crate::LdsError> {
        self.records()
            .into_iter()
            .map(IrisImageRecord::decode)
            .collect()
    }

    /// Every iris image as stored (JPEG, JPEG-LS, JPEG 2000 or raw), named for export.
    pub fn images(&self) -> Result<Vec<StoredImage>, crate::LdsError> {
        let mut out = Vec::new();
        for (i, rec) in self.iris_records()?.into_iter().enumerate() {
            let declared = rec.image_format().map(|(f, _)| f);
            for img in rec.images {
                let eye = match img.eye {
                    Eye::Right => "right".to_string(),
                    Eye::Left => "left".to_string(),
                    Eye::Undefined => "eye".to_string(),
                    Eye::Other(n) => format!("eye{n}"),
                };
                out.push(StoredImage::new(
                    format!("iris-{}-{eye}-{}", i + 1, img.sequence_number),
                    declared,
                    img.data,
                ));
            }
        }
        Ok(out)
    }
}
