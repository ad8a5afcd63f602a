//! Terminal Authentication, terminal side as a sans-IO state machine, and the chip-side
//! signature check (BSI TR-03110-1 §3.5, TR-03110-3 §B.3, §B.14).
//!
//! ```text
//! for each certificate:  MSE:Set DST (83 CAR)          00 22 81 B6
//!                        PSO:Verify Certificate        00 2A 00 BE  7F4E… 5F37…
//! MSE:Set AT (TA)        [80 OID] 83 CHR [67 aux] [91 Comp(PK_PCD)]  00 22 81 A4
//! GET CHALLENGE          → r_PICC (8 bytes)            00 84 00 00 08
//! EXTERNAL AUTHENTICATE  s_PCD = Sign(SK_PCD, ID_PICC ‖ r_PICC ‖ Comp(PK_PCD) [‖ aux])
//! ```

use crate::algorithm::TaAlgorithm;
use crate::cert::{CvCertificate, CvReference};
use crate::keys::{SignatureError, VerifyingKey};
use crate::signer::{SignerError, TerminalSigner};
use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_tlv::{encode, encode_constructed};
use sha1::Digest;

/// Length of the chip's challenge r_PICC.
pub const CHALLENGE_LEN: usize = 8;

/// The version of Terminal Authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaVersion {
    /// After BAC (or PACE) and Chip Authentication v1 (ePassport, TR-03110-1): MSE:Set AT
    /// carries only the terminal's CHR; the chip knows Comp(PK_PCD) from Chip Authentication.
    V1,
    /// After PACE (TR-03110-2/-3): MSE:Set AT also carries the OID, Comp(PK_PCD) and the
    /// auxiliary data.
    V2,
}

/// ID_PICC, the chip identifier in the signed data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdPicc {
    /// After BAC: the document number as in the MRZ, with its check digit (TR-03110-1 §3.5).
    /// Also the static binding after PACE with the MRZ.
    DocumentNumber(Vec<u8>),
    /// After PACE: Comp of the chip's ephemeral PACE public key (dynamic binding).
    PaceEphemeral(Vec<u8>),
    /// Static binding after PACE with the CAN (older documents).
    Can(Vec<u8>),
}

impl IdPicc {
    /// From the MRZ document number field (with any `<` fillers) and its check digit.
    pub fn from_document_number(number: &str, check_digit: char) -> IdPicc {
        let mut v: Vec<u8> = number.bytes().collect();
        v.extend(check_digit.to_string().bytes());
        IdPicc::DocumentNumber(v)
    }

    /// From the chip's ephemeral PACE public key.
    pub fn from_pace_key(chip_pace_key: &EphemeralKey) -> IdPicc {
        IdPicc::PaceEphemeral(chip_pace_key.compressed())
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            IdPicc::DocumentNumber(v) | IdPicc::PaceEphemeral(v) | IdPicc::Can(v) => v,
        }
    }
}

/// An ephemeral public key of PACE or Chip Authentication, as sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EphemeralKey {
    /// Uncompressed EC point `04 ‖ X ‖ Y`.
    Ec(Vec<u8>),
    /// DH public value y.
    Dh(Vec<u8>),
}

impl EphemeralKey {
    /// Comp() of TR-03110-3 §A.2.2.3: the x-coordinate for ECDH, SHA-1 of the public value
    /// for DH.
    pub fn compressed(&self) -> Vec<u8> {
        match self {
            EphemeralKey::Ec(p) => {
                let l = p.len().saturating_sub(1) / 2;
                p.get(1..1 + l).unwrap_or_default().to_vec()
            }
            EphemeralKey::Dh(y) => sha1::Sha1::digest(y).to_vec(),
        }
    }
}

/// `id-AuxiliaryData` = 0.4.0.127.0.7.3.1.4.
pub const ID_AUXILIARY_DATA: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x01, 0x04];

/// Authenticated auxiliary data (TR-03110-3 §A.7.5): `67 { 73 { 06 OID, 53 data } … }`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuxiliaryData {
    /// (OID value bytes, discretionary data).
    pub templates: Vec<(Vec<u8>, Vec<u8>)>,
}

impl AuxiliaryData {
    /// The `67` data object (signed and sent as is).
    pub fn encode(&self) -> Vec<u8> {
        let items: Vec<Vec<u8>> = self
            .templates
            .iter()
            .map(|(oid, data)| encode_constructed(0x73, &[encode(0x06, oid), encode(0x53, data)]))
            .collect();
        encode_constructed(0x67, &items)
    }
}

/// MSE:Set DST selecting the public key `car` to verify the next certificate.
pub fn mse_set_dst(car: &CvReference) -> CommandApdu {
    CommandApdu::new(0x00, 0x22, 0x81, 0xB6).with_data(encode(0x83, car.as_bytes()))
}

/// PSO:Verify Certificate with the certificate's body and signature as received. The data
/// exceeds 255 bytes for most certificates: send it extended or with
/// [`chain_command`].
pub fn pso_verify_certificate(cert: &CvCertificate) -> CommandApdu {
    CommandApdu::new(0x00, 0x2A, 0x00, 0xBE).with_data(cert.verify_certificate_data())
}

/// Split a command into ISO 7816-4 command chaining parts of at most `max` data bytes (CLA
/// bit 0x10 set on all but the last).
pub fn chain_command(cmd: &CommandApdu, max: usize) -> Vec<CommandApdu> {
    let max = max.max(1);
    if cmd.data.len() <= max {
        return vec![cmd.clone()];
    }
    let chunks: Vec<&[u8]> = cmd.data.chunks(max).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut part = CommandApdu::new(
                if i + 1 < n { cmd.cla | 0x10 } else { cmd.cla },
                cmd.ins,
                cmd.p1,
                cmd.p2,
            )
            .with_data(c.to_vec());
            if i + 1 == n {
                part.le = cmd.le;
            }
            part
        })
        .collect()
}

/// The parameters of MSE:Set AT for Terminal Authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAtParams {
    pub version: TaVersion,
    /// The terminal certificate's CHR (83).
    pub terminal_chr: CvReference,
    /// The terminal key's algorithm (80, version 2).
    pub algorithm: TaAlgorithm,
    /// Comp(PK_PCD) (91, version 2).
    pub compressed_ephemeral: Vec<u8>,
    /// Auxiliary data (67, version 2, when the terminal commits to data).
    pub aux: Option<AuxiliaryData>,
}

/// MSE:Set AT for Terminal Authentication.
pub fn mse_set_at(p: &SetAtParams) -> CommandApdu {
    let mut data = Vec::new();
    if p.version == TaVersion::V2 {
        data.extend(encode(0x80, &p.algorithm.oid()));
    }
    data.extend(encode(0x83, p.terminal_chr.as_bytes()));
    if p.version == TaVersion::V2 {
        if let Some(aux) = &p.aux {
            data.extend(aux.encode());
        }
        data.extend(encode(0x91, &p.compressed_ephemeral));
    }
    CommandApdu::new(0x00, 0x22, 0x81, 0xA4).with_data(data)
}

/// GET CHALLENGE for r_PICC.
pub fn get_challenge() -> CommandApdu {
    CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(CHALLENGE_LEN)
}

/// EXTERNAL AUTHENTICATE with the terminal's signature.
pub fn external_authenticate(signature: &[u8]) -> CommandApdu {
    CommandApdu::new(0x00, 0x82, 0x00, 0x00).with_data(signature.to_vec())
}

/// The data the terminal signs: ID_PICC ‖ r_PICC ‖ Comp(PK_PCD) ‖ aux (the `67` object, when
/// sent).
pub fn signed_data(
    id_picc: &IdPicc,
    r_picc: &[u8],
    compressed_ephemeral: &[u8],
    aux: Option<&AuxiliaryData>,
) -> Vec<u8> {
    let mut v = id_picc.bytes().to_vec();
    v.extend_from_slice(r_picc);
    v.extend_from_slice(compressed_ephemeral);
    if let Some(a) = aux {
        v.extend(a.encode());
    }
    v
}

/// Chip side: check the terminal's signature with the key of the verified terminal
/// certificate.
pub fn verify_terminal_signature(
    terminal_key: &VerifyingKey,
    id_picc: &IdPicc,
    r_picc: &[u8],
    compressed_ephemeral: &[u8],
    aux: Option<&AuxiliaryData>,
    signature: &[u8],
) -> Result<(), SignatureError> {
    terminal_key.verify(
        &signed_data(id_picc, r_picc, compressed_ephemeral, aux),
        signature,
    )
}

/// Why Terminal Authentication failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaError {
    #[error("the chip refused MSE:Set DST for {car} ({sw}): it does not know this key; the chain must start at a CVCA listed in EF.CVCA")]
    KeyNotSelected { car: CvReference, sw: StatusWord },
    #[error("the chip refused certificate {chr} ({sw}): check that the chain is current (dates) and starts at the chip's CVCA")]
    CertificateRefused { chr: CvReference, sw: StatusWord },
    #[error("the chip refused MSE:Set AT ({0})")]
    SetAtRefused(StatusWord),
    #[error("the chip refused GET CHALLENGE ({0})")]
    ChallengeRefused(StatusWord),
    #[error("the challenge has {0} bytes, not 8")]
    ChallengeLength(usize),
    #[error("signing the challenge failed: {0}")]
    Signer(#[from] SignerError),
    #[error("the chip rejected the terminal's signature ({0}): wrong key for the terminal certificate, or a wrong ID_PICC/Comp(PK_PCD)")]
    SignatureRejected(StatusWord),
    #[error("the signer uses {signer}, the terminal certificate {certificate}")]
    AlgorithmMismatch {
        signer: TaAlgorithm,
        certificate: TaAlgorithm,
    },
    #[error("Terminal Authentication is over: no further response expected")]
    Finished,
    #[error("no certificate to send: the chain must end with the terminal certificate")]
    EmptyChain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SetDst(usize),
    Verify(usize),
    SetAt,
    Challenge,
    ExternalAuthenticate,
    Done,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaStep {
    /// Send this command (protected by secure messaging) and pass the response back.
    Send(CommandApdu),
    /// The chip accepted the terminal: its effective rights now apply.
    Authenticated,
}

/// Terminal Authentication, terminal side: produces each command and consumes each response.
pub struct TerminalAuthentication<'s> {
    chain: Vec<CvCertificate>,
    signer: &'s dyn TerminalSigner,
    version: TaVersion,
    id_picc: IdPicc,
    compressed_ephemeral: Vec<u8>,
    aux: Option<AuxiliaryData>,
    state: State,
}

impl<'s> TerminalAuthentication<'s> {
    /// `chain`: the certificates to send (link certificates, DV, terminal), the first one
    /// issued by a CVCA the chip trusts (EF.CVCA). `compressed_ephemeral`: Comp of the
    /// terminal's ephemeral key (Chip Authentication's, else PACE's).
    pub fn new(
        chain: Vec<CvCertificate>,
        signer: &'s dyn TerminalSigner,
        version: TaVersion,
        id_picc: IdPicc,
        compressed_ephemeral: Vec<u8>,
        aux: Option<AuxiliaryData>,
    ) -> Result<TerminalAuthentication<'s>, TaError> {
        let terminal = chain.last().ok_or(TaError::EmptyChain)?;
        let certificate = terminal.body.public_key.algorithm;
        if signer.algorithm() != certificate {
            return Err(TaError::AlgorithmMismatch {
                signer: signer.algorithm(),
                certificate,
            });
        }
        Ok(TerminalAuthentication {
            chain,
            signer,
            version,
            id_picc,
            compressed_ephemeral,
            aux,
            state: State::SetDst(0),
        })
    }

    /// The first command.
    pub fn start(&mut self) -> CommandApdu {
        self.state = State::SetDst(0);
        mse_set_dst(self.chain[0].car())
    }

    /// Consume the response to the last command.
    pub fn on_response(&mut self, resp: &ResponseApdu) -> Result<TaStep, TaError> {
        let sw = resp.sw;
        match self.state {
            State::SetDst(i) => {
                if !sw.is_ok() {
                    return Err(TaError::KeyNotSelected {
                        car: self.chain[i].car().clone(),
                        sw,
                    });
                }
                self.state = State::Verify(i);
                Ok(TaStep::Send(pso_verify_certificate(&self.chain[i])))
            }
            State::Verify(i) => {
                if !sw.is_ok() {
                    return Err(TaError::CertificateRefused {
                        chr: self.chain[i].chr().clone(),
                        sw,
                    });
                }
                if i + 1 < self.chain.len() {
                    self.state = State::SetDst(i + 1);
                    return Ok(TaStep::Send(mse_set_dst(self.chain[i + 1].car())));
                }
                self.state = State::SetAt;
                let terminal = &self.chain[i];
                Ok(TaStep::Send(mse_set_at(&SetAtParams {
                    version: self.version,
                    terminal_chr: terminal.chr().clone(),
                    algorithm: terminal.body.public_key.algorithm,
                    compressed_ephemeral: self.compressed_ephemeral.clone(),
                    aux: self.aux.clone(),
                })))
            }
            State::SetAt => {
                if !sw.is_ok() {
                    return Err(TaError::SetAtRefused(sw));
                }
                self.state = State::Challenge;
                Ok(TaStep::Send(get_challenge()))
            }
            State::Challenge => {
                if !sw.is_ok() {
                    return Err(TaError::ChallengeRefused(sw));
                }
                if resp.data.len() != CHALLENGE_LEN {
                    return Err(TaError::ChallengeLength(resp.data.len()));
                }
                let data = signed_data(
                    &self.id_picc,
                    &resp.data,
                    &self.compressed_ephemeral,
                    self.aux.as_ref(),
                );
                let sig = self.signer.sign(&data)?;
                self.state = State::ExternalAuthenticate;
                Ok(TaStep::Send(external_authenticate(&sig)))
            }
            State::ExternalAuthenticate => {
                if !sw.is_ok() {
                    return Err(TaError::SignatureRejected(sw));
                }
                self.state = State::Done;
                Ok(TaStep::Authenticated)
            }
            State::Done => Err(TaError::Finished),
        }
    }
}
