//! The read session: access key, options, progress, cancellation.

use crate::transport::CallbackTransport;
use crate::{Document, EmrtdError, NfcTransport};
use emrtd_apdu::Transport;
use emrtd_reader::{EfId, Progress};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// The secret that opens the chip: the CAN printed on the card, or the MRZ.
///
/// The key is checked when it is made (digits of a CAN, check digits of an MRZ) and wiped from
/// memory when the object is released.
#[derive(Debug, uniffi::Object)]
pub struct AccessKey {
    inner: emrtd_reader::AccessKey,
}

#[uniffi::export]
impl AccessKey {
    /// Key from the card access number (6 digits on ID cards).
    #[uniffi::constructor]
    pub fn from_can(can: String) -> Result<Arc<Self>, EmrtdError> {
        let can = Zeroizing::new(can);
        let inner = emrtd_reader::AccessKey::from_can(can.trim())?;
        Ok(Arc::new(AccessKey { inner }))
    }

    /// Key from the whole MRZ as printed (2 or 3 lines). The check digits of the document
    /// number, date of birth and date of expiry must be right.
    #[uniffi::constructor]
    pub fn from_mrz(mrz: String) -> Result<Arc<Self>, EmrtdError> {
        let text = Zeroizing::new(mrz);
        let mrz = emrtd_mrz::Mrz::parse(&text)?;
        let key_fields = ["document_number", "date_of_birth", "date_of_expiry"];
        if key_fields
            .iter()
            .any(|f| mrz.checks.get(*f).is_some_and(|ok| !ok))
        {
            let first = mrz
                .check_failures()
                .into_iter()
                .map(|e| e.to_string())
                .next()
                .unwrap_or_else(|| "a check digit is wrong".into());
            return Err(EmrtdError::InvalidMrz(first));
        }
        let inner = emrtd_reader::AccessKey::from_mrz(&mrz)?;
        Ok(Arc::new(AccessKey { inner }))
    }

    /// Key from the document number, date of birth (`YYMMDD`) and date of expiry (`YYMMDD`),
    /// as typed by the user (upper case, without check digits).
    #[uniffi::constructor]
    pub fn from_mrz_fields(
        document_number: String,
        date_of_birth: String,
        date_of_expiry: String,
    ) -> Result<Arc<Self>, EmrtdError> {
        let (document_number, date_of_birth, date_of_expiry) = (
            Zeroizing::new(document_number),
            Zeroizing::new(date_of_birth),
            Zeroizing::new(date_of_expiry),
        );
        let inner = emrtd_reader::AccessKey::from_mrz_fields(
            document_number.trim(),
            date_of_birth.trim(),
            date_of_expiry.trim(),
        )?;
        Ok(Arc::new(AccessKey { inner }))
    }

    /// `CAN` or `MRZ`.
    pub fn kind(&self) -> String {
        self.inner.kind().to_string()
    }
}

impl AccessKey {
    pub(crate) fn reader_key(&self) -> &emrtd_reader::AccessKey {
        &self.inner
    }
}

/// How to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ReadOptions {
    /// Files to read by name (`SOD`, `DG1`, `DG2`, `DG11`, …); `None` reads EF.SOD and every
    /// data group EF.COM lists.
    #[uniffi(default = None)]
    pub files: Option<Vec<String>>,
    /// Largest READ BINARY block to use (the reader steps down when the chip refuses).
    #[uniffi(default = None)]
    pub max_block: Option<u32>,
    /// The NFC link carries extended-length APDUs (Android:
    /// `IsoDep.isExtendedLengthApduSupported`). Faster reads of large files when the chip
    /// supports them too; leave `false` when unsure.
    #[uniffi(default = false)]
    pub extended_length: bool,
}

impl ReadOptions {
    pub(crate) fn to_reader(&self) -> Result<emrtd_reader::ReadOptions, EmrtdError> {
        let files = match &self.files {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|n| {
                        EfId::from_name(n.trim()).ok_or_else(|| {
                            EmrtdError::InvalidArgument(format!(
                                "unknown file {n:?}: use COM, SOD, CardAccess, CardSecurity or \
                                 DG1 … DG16"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(emrtd_reader::ReadOptions {
            files,
            max_block: self.max_block.map(|b| b as usize),
            no_extended_length: !self.extended_length,
            // Terminal Authentication is not offered through the FFI yet.
            terminal_authentication: None,
            ..emrtd_reader::ReadOptions::default()
        })
    }
}

/// The access control protocol that opened the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum AccessProtocol {
    /// Basic Access Control (ICAO 9303-11 §4.3): the chip has no PACE.
    Bac,
    /// PACE (ICAO 9303-11 §4.4).
    Pace,
    /// The chip has no access control: the data was read without secure messaging.
    NoAccessControl,
}

/// PACE mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum PaceMapping {
    /// Generic Mapping.
    Gm,
    /// Integrated Mapping.
    Im,
    /// Chip Authentication Mapping.
    Cam,
}

/// Secure messaging cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum CipherSuite {
    /// Two-key 3DES with the ISO 9797-1 retail MAC.
    Tdes,
    /// AES with a 128-bit key, CMAC.
    Aes128,
    /// AES with a 192-bit key, CMAC.
    Aes192,
    /// AES with a 256-bit key, CMAC.
    Aes256,
    /// No secure messaging (a chip without access control).
    NoSecureMessaging,
}

/// The password used for access control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum PasswordKind {
    /// The key derived from the MRZ (document number, date of birth, date of expiry).
    Mrz,
    /// The card access number.
    Can,
    /// No password (a chip without access control).
    NoPassword,
}

/// The outcome of a check the reader ran on the chip while reading (PACE-CAM).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum CheckOutcome {
    /// The check ran and the chip passed it.
    Verified,
    /// The check ran and the chip failed it.
    Failed {
        /// Why it failed, in words.
        reason: String,
    },
    /// The check could not be run.
    NotPerformed {
        /// Why it could not run, in words.
        reason: String,
    },
    /// The chip does not offer the check.
    NotSupported,
}

/// How the chip was opened.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccessInfo {
    /// PACE or BAC.
    pub protocol: AccessProtocol,
    /// PACE mapping; `None` for BAC.
    pub mapping: Option<PaceMapping>,
    /// PACE standardized domain parameter id.
    pub parameter_id: Option<u32>,
    /// PACE domain parameters, e.g. `brainpoolP256r1`.
    pub domain_parameters: Option<String>,
    /// Secure messaging cipher suite.
    pub cipher_suite: CipherSuite,
    /// CAN or MRZ.
    pub password: PasswordKind,
    /// Why BAC was used instead of PACE, when it was.
    pub note: Option<String>,
    /// PACE-CAM chip authentication, or `None` without CAM.
    pub chip_authentication_mapping: Option<CheckOutcome>,
    /// The same, in words for display (`passed`, `failed: …`).
    pub chip_authentication_mapping_text: Option<String>,
}

impl From<emrtd_reader::AccessProtocol> for AccessProtocol {
    fn from(p: emrtd_reader::AccessProtocol) -> Self {
        match p {
            emrtd_reader::AccessProtocol::Bac => AccessProtocol::Bac,
            emrtd_reader::AccessProtocol::Pace => AccessProtocol::Pace,
            _ => AccessProtocol::NoAccessControl,
        }
    }
}

impl From<emrtd_reader::PaceMapping> for PaceMapping {
    fn from(m: emrtd_reader::PaceMapping) -> Self {
        match m {
            emrtd_reader::PaceMapping::Generic => PaceMapping::Gm,
            emrtd_reader::PaceMapping::Integrated => PaceMapping::Im,
            _ => PaceMapping::Cam,
        }
    }
}

impl From<emrtd_reader::CipherSuite> for CipherSuite {
    fn from(c: emrtd_reader::CipherSuite) -> Self {
        match c {
            emrtd_reader::CipherSuite::Tdes => CipherSuite::Tdes,
            emrtd_reader::CipherSuite::Aes128 => CipherSuite::Aes128,
            emrtd_reader::CipherSuite::Aes192 => CipherSuite::Aes192,
            emrtd_reader::CipherSuite::Aes256 => CipherSuite::Aes256,
            _ => CipherSuite::NoSecureMessaging,
        }
    }
}

impl From<emrtd_reader::Password> for PasswordKind {
    fn from(p: emrtd_reader::Password) -> Self {
        match p {
            emrtd_reader::Password::Mrz => PasswordKind::Mrz,
            emrtd_reader::Password::Can => PasswordKind::Can,
            _ => PasswordKind::NoPassword,
        }
    }
}

impl From<&emrtd_reader::CheckOutcome> for CheckOutcome {
    fn from(c: &emrtd_reader::CheckOutcome) -> Self {
        match c {
            emrtd_reader::CheckOutcome::Verified => CheckOutcome::Verified,
            emrtd_reader::CheckOutcome::Failed(reason) => CheckOutcome::Failed {
                reason: reason.clone(),
            },
            emrtd_reader::CheckOutcome::NotPerformed(why) => CheckOutcome::NotPerformed {
                reason: why.reason().to_string(),
            },
            // NotSupported, and any outcome added later: never reported as verified.
            _ => CheckOutcome::NotSupported,
        }
    }
}

impl From<&emrtd_reader::AccessReport> for AccessInfo {
    fn from(a: &emrtd_reader::AccessReport) -> Self {
        AccessInfo {
            protocol: a.protocol.into(),
            mapping: a.mapping.map(PaceMapping::from),
            parameter_id: a.parameter_id,
            domain_parameters: a.domain_parameters.clone(),
            cipher_suite: a.cipher_suite.into(),
            password: a.password.into(),
            note: a.note.clone(),
            chip_authentication_mapping: a
                .chip_authentication_mapping
                .as_ref()
                .map(CheckOutcome::from),
            chip_authentication_mapping_text: a
                .chip_authentication_mapping
                .as_ref()
                .map(ToString::to_string),
        }
    }
}

/// What happens during a read, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ReadProgress {
    /// Access control is running.
    Opening,
    /// The chip is open.
    Opened {
        /// How the chip was opened.
        access: AccessInfo,
    },
    /// Bytes of a file read so far.
    Reading {
        /// File name: `COM`, `SOD`, `DG1` … `DG16`, `CardAccess`, `CardSecurity`.
        file: String,
        /// Bytes read so far.
        done: u64,
        /// Size of the file, in bytes.
        total: u64,
    },
    /// A file was read completely.
    FileDone {
        /// File name, as in `Reading`.
        file: String,
        /// Size of the file, in bytes.
        size: u64,
    },
    /// The document left the field; the transport's `reconnect` is waiting for it.
    CardLost {
        /// How many times the document has left the field during this read, this time
        /// included.
        attempt: u32,
        /// How many losses the read survives.
        max: u32,
    },
    /// The document is back and the read goes on.
    Resumed {
        /// The file being read when the document left (`None`: between files).
        file: Option<String>,
        /// Where reading that file goes on, in bytes.
        offset: u64,
    },
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl ReadProgress {
    /// The record of an engine progress report; `None` for a kind of report this binding does
    /// not know yet (`Progress` is `#[non_exhaustive]`): it is not shown rather than shown wrong.
    pub(crate) fn of(p: Progress) -> Option<ReadProgress> {
        Some(match p {
            Progress::Opening => ReadProgress::Opening,
            Progress::Opened(a) => ReadProgress::Opened {
                access: AccessInfo::from(&a),
            },
            Progress::Reading { file, done, total } => ReadProgress::Reading {
                file: file.name(),
                done: count(done),
                total: count(total),
            },
            Progress::FileDone { file, size } => ReadProgress::FileDone {
                file: file.name(),
                size: count(size),
            },
            Progress::CardLost { attempt, max } => ReadProgress::CardLost {
                attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
                max: u32::try_from(max).unwrap_or(u32::MAX),
            },
            Progress::Resumed { file, offset } => ReadProgress::Resumed {
                file: file.map(EfId::name),
                offset: count(offset),
            },
            _ => return None,
        })
    }
}

/// Receives progress reports during a read (on the reading thread). It must not throw.
#[uniffi::export(callback_interface)]
pub trait ProgressListener: Send + Sync {
    /// One progress report; return quickly (post it to the UI thread, do not block).
    fn on_progress(&self, progress: ReadProgress);
}

/// One read of a document over the app's NFC transport.
///
/// `read` blocks until the document is read: call it on a background thread.
/// `cancel` may be called from any thread; the read then stops before its next
/// command to the chip with `EmrtdError.Cancelled`.
#[derive(uniffi::Object)]
pub struct ReadSession {
    transport: Mutex<Box<dyn NfcTransport>>,
    key: Arc<AccessKey>,
    options: ReadOptions,
    cancelled: AtomicBool,
}

#[uniffi::export]
impl ReadSession {
    /// A session on the transport with the key; nothing is sent before `read`.
    #[uniffi::constructor(default(options = None))]
    pub fn new(
        transport: Box<dyn NfcTransport>,
        key: Arc<AccessKey>,
        options: Option<ReadOptions>,
    ) -> Arc<Self> {
        Arc::new(ReadSession {
            transport: Mutex::new(transport),
            key,
            options: options.unwrap_or_default(),
            cancelled: AtomicBool::new(false),
        })
    }

    /// Open the chip (PACE, or BAC when the chip has no PACE), read EF.COM, EF.SOD and the
    /// data groups, and run the chip's anti-cloning checks. Resumes after a tag loss when the
    /// transport's `reconnect` brings the document back.
    #[uniffi::method(default(listener = None))]
    pub fn read(
        &self,
        listener: Option<Box<dyn ProgressListener>>,
    ) -> Result<Arc<Document>, EmrtdError> {
        let options = self.options.to_reader()?;
        let guard = self.transport.lock().unwrap_or_else(|e| e.into_inner());
        let mut transport = CallbackTransport {
            inner: guard.as_ref(),
            cancelled: &self.cancelled,
            extended_length: self.options.extended_length,
        };
        let mut report = |p: Progress| {
            if let Some(l) = &listener {
                if let Some(p) = ReadProgress::of(p) {
                    l.on_progress(p);
                }
            }
        };
        let config = emrtd_reader::EngineConfig::new(self.key.inner.clone(), options)
            .link_extended_length(transport.may_support_extended_length());
        let engine = emrtd_reader::Engine::new(config, rand_core::OsRng, emrtd_reader::SystemClock);
        let result = emrtd_reader::read_blocking(&mut transport, engine, &mut report);
        match result {
            Ok(doc) => Ok(Arc::new(Document::new(doc))),
            Err(_) if self.is_cancelled() => Err(EmrtdError::Cancelled),
            Err(e) => Err(e.into()),
        }
    }

    /// Stop the read before its next command to the chip. A cancelled session stays
    /// cancelled: make a new one to read again.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Was `cancel` called?
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}
