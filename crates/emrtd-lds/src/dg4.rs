//! DG4 (ICAO 9303-10 §4.7.4): encoded irises, ISO/IEC 19794-6 iris image records ("IIR\0",
//! data block `5F2E`) or ISO/IEC 39794-6 iris image data (`7F2E`) in CBEFF templates. The
//! records are kept as bytes.

use crate::cbeff::{raw_biometric_dg, BIOMETRIC_TYPE_IRIS, FORMAT_TYPE_IRIS_19794};

raw_biometric_dg!(
    /// Decoded DG4.
    Dg4,
    0x76,
    "DG4",
    [FORMAT_TYPE_IRIS_19794],
    BIOMETRIC_TYPE_IRIS,
    b"IIR\0",
    crate::iso19794_6::IrisImageRecord,
    crate::iso39794_4_6::IrisImageData
);

use crate::iso19794_4::StoredImage;
use crate::iso19794_6::{Eye, IrisImageRecord};

impl Dg4 {
    /// The ISO/IEC 19794-6 iris image records (data blocks `5F2E`), one per template.
    pub fn iris_records(&self) -> Result<Vec<IrisImageRecord>, crate::LdsError> {
        self.group
            .templates
            .iter()
            .filter(|t| t.bdb_tag != crate::cbeff::BDB_CONSTRUCTED_TAG)
            .map(|t| IrisImageRecord::decode(&t.data))
            .collect()
    }

    /// The ISO/IEC 39794-6 iris image data blocks (`7F2E`), one per template.
    pub fn iris_data_39794(
        &self,
    ) -> Result<Vec<crate::iso39794_4_6::IrisImageData>, crate::LdsError> {
        self.group
            .templates
            .iter()
            .filter(|t| t.bdb_tag == crate::cbeff::BDB_CONSTRUCTED_TAG)
            .map(|t| crate::iso39794_4_6::IrisImageData::decode(&t.data, "DG4"))
            .collect()
    }

    /// Every iris image as stored (JPEG, JPEG-LS, JPEG 2000, PNG or raw), named for export, in
    /// template order, from 19794-6 records and 39794-6 data blocks alike.
    pub fn images(&self) -> Result<Vec<StoredImage>, crate::LdsError> {
        let mut out = Vec::new();
        for (i, t) in self.group.templates.iter().enumerate() {
            if t.bdb_tag == crate::cbeff::BDB_CONSTRUCTED_TAG {
                let data = crate::iso39794_4_6::IrisImageData::decode(&t.data, "DG4")?;
                out.extend(crate::iso39794_4_6::iris_images(i + 1, &data));
                continue;
            }
            let rec = IrisImageRecord::decode(&t.data)?;
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
