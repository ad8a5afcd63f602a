//! The document read from a chip.

use crate::verify::{CheckResult, TrustStore, Verdict};
use crate::{AccessInfo, EmrtdError, MrzInfo};
use emrtd_lds::dg11::Dg11;
use emrtd_lds::dg12::Dg12;
use emrtd_lds::dg2::Dg2;
use emrtd_reader::EfId;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Encoding of a face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ImageFormat {
    /// JPEG: Android `BitmapFactory` and iOS `UIImage` decode it directly.
    Jpeg,
    /// JPEG 2000 (JP2 container): convert with `face_to_png` on Android.
    Jp2,
    /// Raw JPEG 2000 codestream: convert with `face_to_png`.
    J2k,
    /// Not recognised.
    Unknown,
}

/// A face image from DG2.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FaceImage {
    /// The encoded image exactly as stored on the chip.
    pub image: Vec<u8>,
    /// Encoding of `image`, recognised from its first bytes.
    pub format: ImageFormat,
    /// `image/jpeg`, `image/jp2`, `image/j2k` or `application/octet-stream`.
    pub mime_type: String,
    /// Width in pixels, as declared in the record.
    pub width: Option<u64>,
    /// Height in pixels, as declared in the record.
    pub height: Option<u64>,
}

/// DG11: additional personal details (every element is optional).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PersonalDetails {
    /// Full name, primary and secondary identifiers separated by `<<`.
    pub full_name: Option<String>,
    /// Other names, each in the same form as `full_name`.
    pub other_names: Vec<String>,
    /// Personal number (national identity number).
    pub personal_number: Option<String>,
    /// `YYYYMMDD`.
    pub full_date_of_birth: Option<String>,
    /// Place of birth, as stored (its parts separated by `<`).
    pub place_of_birth: Option<String>,
    /// Permanent address, as stored (its parts separated by `<`).
    pub address: Option<String>,
    /// Telephone number.
    pub telephone: Option<String>,
    /// Profession.
    pub profession: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Personal summary.
    pub personal_summary: Option<String>,
    /// Image of a proof of citizenship (JPEG/JPEG 2000).
    pub proof_of_citizenship: Option<Vec<u8>>,
    /// Numbers of other valid travel documents, as stored (separated by `<`).
    pub other_td_numbers: Option<String>,
    /// Custody information.
    pub custody: Option<String>,
}

impl From<Dg11> for PersonalDetails {
    fn from(d: Dg11) -> Self {
        PersonalDetails {
            full_name: d.full_name,
            other_names: d.other_names,
            personal_number: d.personal_number,
            full_date_of_birth: d.full_date_of_birth,
            place_of_birth: d.place_of_birth,
            address: d.address,
            telephone: d.telephone,
            profession: d.profession,
            title: d.title,
            personal_summary: d.personal_summary,
            proof_of_citizenship: d.proof_of_citizenship,
            other_td_numbers: d.other_td_numbers,
            custody: d.custody,
        }
    }
}

/// DG12: additional document details (every element is optional).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DocumentDetails {
    /// Issuing authority.
    pub issuing_authority: Option<String>,
    /// `YYYYMMDD`.
    pub date_of_issue: Option<String>,
    /// Names of other persons included in the document.
    pub other_persons: Vec<String>,
    /// Endorsements and observations.
    pub endorsements: Option<String>,
    /// Tax or exit requirements.
    pub tax_exit_requirements: Option<String>,
    /// Image of the front of the document (JPEG/JPEG 2000).
    pub image_front: Option<Vec<u8>>,
    /// Image of the rear of the document (JPEG/JPEG 2000).
    pub image_rear: Option<Vec<u8>>,
    /// `YYYYMMDDhhmmss`.
    pub personalisation_time: Option<String>,
    /// Serial number of the personalisation system.
    pub personalisation_device: Option<String>,
}

impl From<Dg12> for DocumentDetails {
    fn from(d: Dg12) -> Self {
        DocumentDetails {
            issuing_authority: d.issuing_authority,
            date_of_issue: d.date_of_issue,
            other_persons: d.other_persons,
            endorsements: d.endorsements,
            tax_exit_requirements: d.tax_exit_requirements,
            image_front: d.image_front,
            image_rear: d.image_rear,
            personalisation_time: d.personalisation_time,
            personalisation_device: d.personalisation_device,
        }
    }
}

/// Convert a face (or other LDS) image — JPEG, JP2 or a JPEG 2000 codestream — to PNG (cargo
/// feature `images`).
#[cfg(feature = "images")]
#[uniffi::export]
pub fn face_to_png(image: Vec<u8>) -> Result<Vec<u8>, EmrtdError> {
    emrtd_lds::face_to_png(&image).map_err(|e| EmrtdError::Image(e.to_string()))
}

/// What was read from a chip: the raw files and their decoded content.
#[derive(Debug, uniffi::Object)]
pub struct Document {
    inner: emrtd_reader::Document,
}

impl Document {
    pub(crate) fn new(inner: emrtd_reader::Document) -> Self {
        Document { inner }
    }

    /// The document as the Rust reader returned it.
    pub fn as_reader_document(&self) -> &emrtd_reader::Document {
        &self.inner
    }

    fn data_group(&self, n: u8) -> Option<&[u8]> {
        self.inner.files.get(&EfId::Dg(n)).map(Vec::as_slice)
    }
}

#[uniffi::export]
impl Document {
    /// How the chip was opened.
    pub fn access(&self) -> AccessInfo {
        AccessInfo::from(&self.inner.access)
    }

    /// The MRZ stored in DG1 (`None` when DG1 was not read).
    pub fn mrz(&self) -> Result<Option<MrzInfo>, EmrtdError> {
        match &self.inner.dg1 {
            Some(dg1) => Ok(Some(MrzInfo::from(&dg1.mrz()?))),
            None => Ok(None),
        }
    }

    /// DG11 (`None` when the chip has none or it was not read).
    pub fn personal_details(&self) -> Result<Option<PersonalDetails>, EmrtdError> {
        self.data_group(11)
            .map(|b| Dg11::decode(b).map(PersonalDetails::from))
            .transpose()
            .map_err(EmrtdError::from)
    }

    /// DG12 (`None` when the chip has none or it was not read).
    pub fn document_details(&self) -> Result<Option<DocumentDetails>, EmrtdError> {
        self.data_group(12)
            .map(|b| Dg12::decode(b).map(DocumentDetails::from))
            .transpose()
            .map_err(EmrtdError::from)
    }

    /// The face images of DG2, in file order (empty when DG2 was not read).
    pub fn faces(&self) -> Result<Vec<FaceImage>, EmrtdError> {
        let Some(bytes) = self.data_group(2) else {
            return Ok(Vec::new());
        };
        let dg2 = Dg2::decode(bytes)?;
        Ok(dg2
            .faces()
            .into_iter()
            .map(|f| {
                use emrtd_lds::ImageFormat as F;
                let format = match f.format {
                    Some(F::Jpeg) => ImageFormat::Jpeg,
                    Some(F::Jp2) => ImageFormat::Jp2,
                    Some(F::J2k) => ImageFormat::J2k,
                    Some(_) | None => ImageFormat::Unknown,
                };
                FaceImage {
                    image: f.image.to_vec(),
                    format,
                    mime_type: f
                        .format
                        .map(F::mime_type)
                        .unwrap_or("application/octet-stream")
                        .into(),
                    width: f.width,
                    height: f.height,
                }
            })
            .collect())
    }

    /// Every file read, by name (`COM`, `SOD`, `DG1`, `CardAccess`, …), exactly as the chip
    /// sent it.
    pub fn files(&self) -> HashMap<String, Vec<u8>> {
        self.inner
            .files
            .iter()
            .map(|(ef, b)| (ef.name(), b.clone()))
            .collect()
    }

    /// Names of the files read, in file order.
    pub fn file_names(&self) -> Vec<String> {
        self.inner.files.keys().map(|ef| ef.name()).collect()
    }

    /// One file by name (`None` when it was not read).
    pub fn file(&self, name: String) -> Option<Vec<u8>> {
        let ef = EfId::from_name(name.trim())?;
        self.inner.files.get(&ef).cloned()
    }

    /// Files the chip refused, with why (for example DG3/DG4, which need Extended Access
    /// Control).
    pub fn refused(&self) -> HashMap<String, String> {
        self.inner
            .refused
            .iter()
            .map(|(ef, why)| (ef.name(), why.to_string()))
            .collect()
    }

    /// How often the read was resumed after a tag loss.
    pub fn resumes(&self) -> u32 {
        u32::try_from(self.inner.resumes).unwrap_or(u32::MAX)
    }

    /// Chip Authentication result (`None` when the chip has no DG14 key).
    pub fn chip_authentication(&self) -> Option<CheckResult> {
        self.inner
            .chip_authentication
            .as_ref()
            .map(CheckResult::from)
    }

    /// Active Authentication result (`None` when the chip has no DG15).
    pub fn active_authentication(&self) -> Option<CheckResult> {
        self.inner
            .active_authentication
            .as_ref()
            .map(CheckResult::from)
    }

    /// Verify the document against the trust store: Passive Authentication (EF.SOD signature,
    /// certificate chain, data-group hashes), EF.CardSecurity, and the anti-cloning checks run
    /// during the read.
    pub fn verify(&self, trust: Arc<TrustStore>) -> Verdict {
        trust.with(|t| Verdict::from(emrtd_reader::verify_document(&self.inner, t)))
    }

    /// Write every file read to the folder as `NAME.bin` (`COM.bin`, `SOD.bin`, `DG1.bin`, …)
    /// for offline verification with `verify_dump`. Creates the folder if needed and
    /// returns the paths written.
    pub fn save_dump(&self, directory: String) -> Result<Vec<String>, EmrtdError> {
        let dir = Path::new(&directory);
        let io = |what: &Path, e: std::io::Error| {
            EmrtdError::Io(format!(
                "cannot write {}: {e}; choose a folder the app may write to",
                what.display()
            ))
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut written = Vec::new();
        for (ef, bytes) in &self.inner.files {
            let path = dir.join(format!("{}.bin", ef.name()));
            std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
            written.push(path.display().to_string());
        }
        Ok(written)
    }
}

#[cfg(feature = "images")]
#[uniffi::export]
impl Document {
    /// The first face image converted to PNG (`None` without a face image; cargo feature
    /// `images`).
    pub fn face_png(&self) -> Result<Option<Vec<u8>>, EmrtdError> {
        self.faces()?
            .into_iter()
            .next()
            .map(|f| face_to_png(f.image))
            .transpose()
    }
}
