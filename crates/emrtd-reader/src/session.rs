//! A read session: select the application, open access control, read files under secure messaging.

use crate::{EfId, ReadError};
use emrtd_access::bac::{BacError, BacKeys, BacTerminal};
use emrtd_apdu::{exchange, ins, CommandApdu, ResponseApdu, StatusWord, Transport};
use emrtd_lds::com::{dg_number_from_tag, EfCom};
use emrtd_lds::dg1::Dg1;
use emrtd_sm::SecureMessaging;
use rand_core::CryptoRngCore;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// AID of the LDS1 eMRTD application.
pub const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Largest file this reader accepts (bounds memory on hostile chips).
pub const MAX_FILE_SIZE: usize = 4 * 1024 * 1024;

/// Bytes asked for by the first READ BINARY of a file: enough for any LDS tag and length.
const HEADER_PROBE: usize = 8;

/// The secret that opens the chip.
#[derive(Clone)]
pub enum AccessKey {
    /// MRZ information: document number, date of birth, date of expiry with check digits
    /// (see [`emrtd_mrz::mrz_information`]).
    Mrz(Zeroizing<String>),
    /// Card access number printed on the document.
    Can(Zeroizing<String>),
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccessKey::Mrz(_) => f.write_str("AccessKey::Mrz(<redacted>)"),
            AccessKey::Can(_) => f.write_str("AccessKey::Can(<redacted>)"),
        }
    }
}

impl AccessKey {
    /// Key from a parsed MRZ.
    pub fn from_mrz(mrz: &emrtd_mrz::Mrz) -> Result<AccessKey, ReadError> {
        Ok(AccessKey::Mrz(Zeroizing::new(mrz.access_key_info()?)))
    }

    /// Key from document number, date of birth (YYMMDD) and date of expiry (YYMMDD).
    pub fn from_mrz_fields(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<AccessKey, ReadError> {
        Ok(AccessKey::Mrz(Zeroizing::new(emrtd_mrz::mrz_information(
            document_number,
            date_of_birth,
            date_of_expiry,
        )?)))
    }
}

/// Which access control opened the chip.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessReport {
    /// `BAC` or `PACE`.
    pub protocol: String,
    /// PACE mapping (`GM`, `IM`, `CAM`); `None` for BAC.
    pub mapping: Option<String>,
    /// PACE standardized domain parameter id; `None` for BAC.
    pub parameter_id: Option<u8>,
    /// Secure messaging cipher suite: `3DES`, `AES-128`, `AES-192`, `AES-256`.
    pub cipher_suite: String,
}

/// Options of [`read_document`].
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Files to read; `None` reads EF.COM and every data group it lists that the chip lets us read.
    pub files: Option<Vec<EfId>>,
    /// Largest READ BINARY block to start with (the reader steps down when the chip refuses).
    pub max_block: Option<usize>,
}

/// What was read from a chip.
#[derive(Debug, Clone)]
pub struct Document {
    pub access: AccessReport,
    /// Every file read, exactly as the chip sent it.
    pub files: BTreeMap<EfId, Vec<u8>>,
    /// Files the chip refused (for example DG3/DG4, which need Extended Access Control).
    pub refused: BTreeMap<EfId, String>,
    pub com: Option<EfCom>,
    pub dg1: Option<Dg1>,
}

/// An open session with a chip.
pub struct Session<T: Transport> {
    transport: T,
    sm: Option<SecureMessaging>,
    access: Option<AccessReport>,
    block: usize,
    apdus: usize,
}

impl<T: Transport> Session<T> {
    /// Start a session on a transport (nothing is sent yet).
    pub fn new(transport: T) -> Self {
        Session {
            transport,
            sm: None,
            access: None,
            block: 256,
            apdus: 0,
        }
    }

    /// Select the LDS1 application and open access control with the key.
    pub fn open(
        transport: T,
        key: &AccessKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, ReadError> {
        let mut session = Session::new(transport);
        session.select_lds1()?;
        match key {
            AccessKey::Mrz(info) => session.basic_access_control(info, rng)?,
            AccessKey::Can(_) => {
                return Err(ReadError::Unsupported(
                    "access with a CAN without PACE (BAC needs the MRZ)".into(),
                ))
            }
        }
        Ok(session)
    }

    /// How the chip was opened, once it is.
    pub fn access(&self) -> Option<&AccessReport> {
        self.access.as_ref()
    }

    /// Number of APDUs exchanged so far.
    pub fn apdu_count(&self) -> usize {
        self.apdus
    }

    /// Give the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// SELECT the LDS1 application.
    pub fn select_lds1(&mut self) -> Result<(), ReadError> {
        let cmd = CommandApdu::new(0x00, ins::SELECT, 0x04, 0x0C).with_data(LDS1_AID.to_vec());
        let resp = self.transmit(&cmd)?;
        match resp.sw {
            sw if sw.is_ok() => Ok(()),
            StatusWord::FILE_NOT_FOUND => Err(ReadError::Unsupported(
                "the ICAO eMRTD application (this is not a travel document chip)".into(),
            )),
            sw => Err(ReadError::Status {
                command: "SELECT eMRTD application".into(),
                sw,
            }),
        }
    }

    /// Run Basic Access Control with MRZ information; establishes 3DES secure messaging.
    pub fn basic_access_control(
        &mut self,
        mrz_information: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ReadError> {
        let mut bac = BacTerminal::new(BacKeys::from_mrz_information(mrz_information));
        let challenge = self.transmit_plain(&bac.get_challenge_command())?;
        if matches!(
            challenge.sw,
            StatusWord::INS_NOT_SUPPORTED | StatusWord::FUNCTION_NOT_SUPPORTED
        ) {
            return Err(ReadError::Unsupported("Basic Access Control".into()));
        }
        let ext_auth = bac.external_authenticate_command(&challenge, rng)?;
        let resp = self.transmit_plain(&ext_auth)?;
        let sm = bac.finish(&resp).map_err(|e| match e {
            BacError::AccessDenied => ReadError::AccessDenied,
            other => ReadError::Bac(other),
        })?;
        self.install_secure_messaging(
            sm,
            AccessReport {
                protocol: "BAC".into(),
                mapping: None,
                parameter_id: None,
                cipher_suite: "3DES".into(),
            },
        );
        Ok(())
    }

    /// Use a secure messaging session established by an access protocol.
    pub fn install_secure_messaging(&mut self, sm: SecureMessaging, access: AccessReport) {
        // Largest plain block whose protected short response fits 256 bytes:
        // DO'87' (3-byte header + indicator + padded data) + DO'99' (4) + DO'8E' (10).
        self.block = if access.cipher_suite == "3DES" {
            231
        } else {
            223
        };
        self.sm = Some(sm);
        self.access = Some(access);
    }

    /// Set the largest READ BINARY block.
    pub fn set_max_block(&mut self, block: usize) {
        self.block = block.clamp(1, emrtd_apdu::EXTENDED_LE_MAX);
    }

    fn transmit_plain(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        self.apdus += 1;
        Ok(exchange(&mut self.transport, cmd)?)
    }

    /// Send a command, protected by secure messaging once a session is established.
    pub fn transmit(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        let Some(sm) = self.sm.as_mut() else {
            return self.transmit_plain(cmd);
        };
        let protected = sm.protect(cmd)?;
        self.apdus += 1;
        let raw = exchange(&mut self.transport, &protected)?;
        let sm = self
            .sm
            .as_mut()
            .ok_or_else(|| ReadError::Malformed("secure messaging session lost".into()))?;
        match sm.unprotect(&raw) {
            Ok(r) => Ok(r),
            // A plain error status without secure messaging objects: not authenticated, but
            // meaningful (file not found, access denied); no data is taken from it.
            Err(emrtd_sm::SmError::UnprotectedStatus(sw)) => Ok(ResponseApdu::status(sw)),
            Err(e) => {
                // The chip has ended the session; so do we.
                self.sm = None;
                Err(ReadError::SecureMessaging(e))
            }
        }
    }

    /// Read a whole elementary file by its short EF identifier.
    pub fn read_file(&mut self, ef: EfId) -> Result<Vec<u8>, ReadError> {
        let name = ef.name();
        let (mut content, mut sw) = self.read_block(ef, 0, HEADER_PROBE.min(self.block), true)?;
        // With tiny blocks the header may take more than one read.
        let header = loop {
            match emrtd_tlv::parse_header(&content) {
                Ok(h) => break h,
                Err(emrtd_tlv::TlvError::Truncated { .. })
                    if content.len() < HEADER_PROBE && sw != StatusWord::END_OF_FILE =>
                {
                    let want = (HEADER_PROBE - content.len()).min(self.block);
                    let (more, more_sw) = self.read_block(ef, content.len(), want, false)?;
                    if more.is_empty() {
                        return Err(file_truncated(&name, content.len(), HEADER_PROBE));
                    }
                    content.extend_from_slice(&more);
                    sw = more_sw;
                }
                Err(e) => {
                    return Err(ReadError::Malformed(format!(
                        "{name} does not start with a TLV: {e}"
                    )))
                }
            }
        };
        let total = header.total_len();
        if total > MAX_FILE_SIZE {
            return Err(ReadError::FileTooLarge {
                file: name,
                limit: MAX_FILE_SIZE,
            });
        }
        content.truncate(total);
        if sw == StatusWord::END_OF_FILE && content.len() < total {
            return Err(file_truncated(&name, content.len(), total));
        }
        while content.len() < total {
            let offset = content.len();
            let want = (total - offset).min(self.block);
            let (data, sw) = self.read_block(ef, offset, want, false)?;
            if data.is_empty() {
                return Err(file_truncated(&name, offset, total));
            }
            let take = data.len().min(total - offset);
            content.extend_from_slice(&data[..take]);
            if sw == StatusWord::END_OF_FILE && content.len() < total {
                return Err(file_truncated(&name, content.len(), total));
            }
        }
        Ok(content)
    }

    /// One READ BINARY, stepping the block size down when the chip refuses the length.
    fn read_block(
        &mut self,
        ef: EfId,
        offset: usize,
        mut le: usize,
        by_sfi: bool,
    ) -> Result<(Vec<u8>, StatusWord), ReadError> {
        loop {
            let cmd = if by_sfi {
                CommandApdu::new(0x00, ins::READ_BINARY, 0x80 | ef.sfi(), offset as u8).with_le(le)
            } else if offset <= 0x7FFF {
                CommandApdu::new(0x00, ins::READ_BINARY, (offset >> 8) as u8, offset as u8)
                    .with_le(le)
            } else {
                let off = emrtd_tlv::encode(0x54, &(offset as u32).to_be_bytes()[1..]);
                CommandApdu::new(0x00, ins::READ_BINARY_ODD, 0, 0)
                    .with_data(off)
                    .with_le((le + 4).min(emrtd_apdu::EXTENDED_LE_MAX))
            };
            let resp = self.transmit(&cmd)?;
            let data = if cmd.ins == ins::READ_BINARY_ODD && !resp.data.is_empty() {
                emrtd_tlv::expect_tag(&resp.data, 0x53)
                    .map(|(t, _)| t.value.to_vec())
                    .map_err(|e| ReadError::Malformed(format!("READ BINARY (B1): {e}")))?
            } else {
                resp.data
            };
            match resp.sw {
                StatusWord::OK | StatusWord::END_OF_FILE => {
                    if data.len() > le {
                        return Err(ReadError::Malformed(format!(
                            "{ef}: asked for {le} bytes, the chip sent {}",
                            data.len()
                        )));
                    }
                    return Ok((data, resp.sw));
                }
                StatusWord::FILE_NOT_FOUND => {
                    return Err(ReadError::FileNotFound { file: ef.name() })
                }
                StatusWord::WRONG_LENGTH if le > 1 => {
                    le = if le > 223 { 223 } else { le / 2 };
                    self.block = self.block.min(le.max(1));
                }
                sw if sw.sw1() == 0x6C && sw.sw2() != 0 && (sw.sw2() as usize) < le => {
                    le = sw.sw2() as usize;
                }
                sw => {
                    return Err(ReadError::Status {
                        command: format!("READ BINARY {ef} at offset {offset}"),
                        sw,
                    })
                }
            }
        }
    }
}

fn file_truncated(name: &str, got: usize, total: usize) -> ReadError {
    ReadError::Malformed(format!(
        "{name} ends after {got} bytes but declares {total} bytes"
    ))
}

/// Open the chip with the key and read EF.COM and the data groups it lists.
pub fn read_document<T: Transport>(
    transport: T,
    key: &AccessKey,
    options: &ReadOptions,
) -> Result<Document, ReadError> {
    let mut rng = rand_core::OsRng;
    let mut session = Session::open(transport, key, &mut rng)?;
    if let Some(block) = options.max_block {
        session.set_max_block(block);
    }
    let mut files = BTreeMap::new();
    let mut refused = BTreeMap::new();
    let com_bytes = session.read_file(EfId::Com)?;
    let com = EfCom::decode(&com_bytes)?;
    files.insert(EfId::Com, com_bytes);
    let wanted: Vec<EfId> = match &options.files {
        Some(list) => list.clone(),
        None => com
            .tag_list
            .iter()
            .filter_map(|t| dg_number_from_tag(*t))
            .map(EfId::Dg)
            .chain([EfId::Sod])
            .collect(),
    };
    for ef in wanted {
        if files.contains_key(&ef) {
            continue;
        }
        match session.read_file(ef) {
            Ok(bytes) => {
                files.insert(ef, bytes);
            }
            Err(ReadError::Status { sw, .. })
                if sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED =>
            {
                refused.insert(
                    ef,
                    "access denied (needs Extended Access Control)".to_string(),
                );
            }
            Err(ReadError::FileNotFound { .. }) => {
                refused.insert(ef, "not present on the chip".to_string());
            }
            Err(e) => return Err(e),
        }
    }
    let dg1 = files
        .get(&EfId::Dg(1))
        .map(|b| Dg1::decode(b))
        .transpose()?;
    let access = session
        .access()
        .cloned()
        .ok_or_else(|| ReadError::Malformed("no access control was performed".into()))?;
    Ok(Document {
        access,
        files,
        refused,
        com: Some(com),
        dg1,
    })
}
