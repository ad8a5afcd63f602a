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
#[non_exhaustive]
pub enum TaVersion {
    /// After BAC (or PACE) and Chip Authentication v1 (ePassport, TR-03110-1): MSE:Set AT
    /// carries only the terminal's CHR; the chip knows Comp(PK_PCD) from Chip Authentication.
    V1,
    /// After PACE (TR-03110-2/-3): MSE:Set AT also carries the OID, Comp(PK_PCD) and the
    /// auxiliary data.
    V2,
}

/// ID_PICC, the chip identifier in the signed data.
// Not #[non_exhaustive]: TR-03110 defines these three identifiers of the chip.
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

    /// The bytes of ID_PICC, as signed.
    pub fn bytes(&self) -> &[u8] {
        match self {
            IdPicc::DocumentNumber(v) | IdPicc::PaceEphemeral(v) | IdPicc::Can(v) => v,
        }
    }
}

/// An ephemeral public key of PACE or Chip Authentication, as sent on the wire.
// Not #[non_exhaustive]: Chip Authentication keys are DH or ECDH (TR-03110), nothing else.
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
    /// Terminal Authentication version 1 or 2.
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

/// Why a Terminal Authentication command's data is malformed (chip side).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandDataError {
    /// The data is not well-formed TLV.
    #[error("command data is not valid TLV: {0}")]
    Tlv(#[from] emrtd_tlv::TlvError),
    /// A required data object is absent.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// A data object that has no place in this command.
    #[error("unexpected data object {0:X}")]
    Unexpected(u32),
    /// A certificate reference or certificate is malformed.
    #[error("{0}")]
    Reference(#[from] crate::cert::CvcError),
    /// The algorithm object names no Terminal Authentication algorithm.
    #[error("80 names no Terminal Authentication algorithm")]
    Algorithm,
}

/// Choose, among the chains an inspection system holds (each ordered link certificates → DV →
/// terminal), the one with a certificate issued by a CVCA the chip lists in EF.CVCA (`cars`,
/// most recent first): the most recent CAR wins. The chain is returned from that certificate
/// on: CVCA link certificates before it lead to a CVCA the chip already trusts and are not
/// sent (TR-03105-5.1 ISO7816_E_34: a trust anchor update the chip no longer needs). Only link
/// certificates are skipped, never a DV certificate. `None` when no chain fits (the document's
/// state did not authorize this inspection system).
pub fn choose_chain<'a>(
    chains: &'a [Vec<CvCertificate>],
    cars: &[CvReference],
) -> Option<&'a [CvCertificate]> {
    cars.iter().find_map(|car| {
        chains.iter().find_map(|chain| {
            for (i, cert) in chain.iter().enumerate() {
                if cert.car() == car {
                    return chain.get(i..);
                }
                if cert.body.chat.role() != crate::chat::Role::Cvca {
                    break;
                }
            }
            None
        })
    })
}

/// Chip side: the key reference (83) of MSE:Set DST.
pub fn parse_set_dst(data: &[u8]) -> Result<CvReference, CommandDataError> {
    let items = emrtd_tlv::parse_all(data)?;
    match items.as_slice() {
        [r] if r.tag == 0x83 => Ok(CvReference::new(r.value, "MSE:Set DST key reference")?),
        [r, ..] if r.tag != 0x83 => Err(CommandDataError::Unexpected(r.tag)),
        [_, extra, ..] => Err(CommandDataError::Unexpected(extra.tag)),
        _ => Err(CommandDataError::Missing("83 (key reference)")),
    }
}

/// MSE:Set AT for Terminal Authentication as the chip receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSetAt {
    /// 80 (version 2).
    pub algorithm: Option<TaAlgorithm>,
    /// 83: the terminal certificate's CHR.
    pub terminal_chr: CvReference,
    /// 67 as received (signed as is), version 2.
    pub aux: Option<Vec<u8>>,
    /// 91: Comp(PK_PCD), version 2.
    pub compressed_ephemeral: Option<Vec<u8>>,
}

/// Chip side: parse MSE:Set AT (Terminal Authentication).
pub fn parse_set_at(data: &[u8]) -> Result<ReceivedSetAt, CommandDataError> {
    let mut algorithm = None;
    let mut chr = None;
    let mut aux = None;
    let mut comp = None;
    for t in emrtd_tlv::parse_all(data)? {
        match t.tag {
            0x80 if algorithm.is_none() => {
                algorithm = Some(TaAlgorithm::from_oid(t.value).ok_or(CommandDataError::Algorithm)?)
            }
            0x83 if chr.is_none() => {
                chr = Some(CvReference::new(t.value, "MSE:Set AT key reference")?)
            }
            0x67 if aux.is_none() => aux = Some(t.raw.to_vec()),
            0x91 if comp.is_none() => comp = Some(t.value.to_vec()),
            other => return Err(CommandDataError::Unexpected(other)),
        }
    }
    Ok(ReceivedSetAt {
        algorithm,
        terminal_chr: chr.ok_or(CommandDataError::Missing("83 (terminal CHR)"))?,
        aux,
        compressed_ephemeral: comp,
    })
}

/// Chip side: the certificate in the data of PSO:Verify Certificate (`7F4E … 5F37 …`).
pub fn parse_verify_certificate(data: &[u8]) -> Result<CvCertificate, crate::cert::CvcError> {
    CvCertificate::decode(&encode(0x7F21, data))
}

/// Chip side: check the signature of EXTERNAL AUTHENTICATE over the data the terminal
/// committed to (`aux_raw`: the `67` object of MSE:Set AT as received).
pub fn verify_external_authenticate(
    terminal_key: &VerifyingKey,
    id_picc: &IdPicc,
    r_picc: &[u8],
    compressed_ephemeral: &[u8],
    aux_raw: Option<&[u8]>,
    signature: &[u8],
) -> Result<(), SignatureError> {
    let mut data = signed_data(id_picc, r_picc, compressed_ephemeral, None);
    if let Some(a) = aux_raw {
        data.extend_from_slice(a);
    }
    terminal_key.verify(&data, signature)
}

/// Why Terminal Authentication failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaError {
    /// The chip does not know the key a certificate must be verified with.
    #[error("the chip refused MSE:Set DST for {car} ({sw}): it does not know this key; the chain must start at a CVCA listed in EF.CVCA")]
    KeyNotSelected {
        /// The CAR that was set.
        car: CvReference,
        /// The chip's status word.
        sw: StatusWord,
    },
    /// The chip refused a certificate of the chain.
    #[error("the chip refused certificate {chr} ({sw}): check that the chain is current (dates) and starts at the chip's CVCA")]
    CertificateRefused {
        /// The certificate refused.
        chr: CvReference,
        /// The chip's status word.
        sw: StatusWord,
    },
    /// The chip refused MSE:Set AT.
    #[error("the chip refused MSE:Set AT ({0})")]
    SetAtRefused(StatusWord),
    /// The chip refused GET CHALLENGE.
    #[error("the chip refused GET CHALLENGE ({0})")]
    ChallengeRefused(StatusWord),
    /// The challenge is not 8 bytes.
    #[error("the challenge has {0} bytes, not 8")]
    ChallengeLength(usize),
    /// The terminal's signer failed.
    #[error("signing the challenge failed: {0}")]
    Signer(#[from] SignerError),
    /// The chip rejected the terminal's signature.
    #[error("the chip rejected the terminal's signature ({0}): wrong key for the terminal certificate, or a wrong ID_PICC/Comp(PK_PCD)")]
    SignatureRejected(StatusWord),
    /// The signer's algorithm is not the terminal certificate's.
    #[error("the signer uses {signer}, the terminal certificate {certificate}")]
    AlgorithmMismatch {
        /// The signer's algorithm.
        signer: TaAlgorithm,
        /// The terminal certificate's algorithm.
        certificate: TaAlgorithm,
    },
    /// A response came after Terminal Authentication ended.
    #[error("Terminal Authentication is over: no further response expected")]
    Finished,
    /// No certificate to send.
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
// Not #[non_exhaustive]: a step either sends the next command or ends the protocol.
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
    signer: &'s (dyn TerminalSigner + Sync),
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
        signer: &'s (dyn TerminalSigner + Sync),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HashAlg;

    #[test]
    fn chip_side_parsers_read_what_the_builders_write_and_refuse_the_rest() {
        let chr = CvReference::from_text("NOISGATE00042").unwrap();
        assert_eq!(parse_set_dst(&mse_set_dst(&chr).data).unwrap(), chr);
        let p = SetAtParams {
            version: TaVersion::V2,
            terminal_chr: chr.clone(),
            algorithm: TaAlgorithm::Ecdsa(HashAlg::Sha384),
            compressed_ephemeral: vec![7; 48],
            aux: Some(AuxiliaryData {
                templates: vec![(ID_AUXILIARY_DATA.to_vec(), vec![1])],
            }),
        };
        let r = parse_set_at(&mse_set_at(&p).data).unwrap();
        assert_eq!(r.algorithm, Some(p.algorithm));
        assert_eq!(r.terminal_chr, chr);
        assert_eq!(r.aux, Some(p.aux.as_ref().unwrap().encode()));
        assert_eq!(r.compressed_ephemeral, Some(vec![7; 48]));
        assert_eq!(
            parse_set_dst(&[]),
            Err(CommandDataError::Missing("83 (key reference)"))
        );
        assert_eq!(
            parse_set_dst(&[0x84, 0x01, 0x41]),
            Err(CommandDataError::Unexpected(0x84))
        );
        assert!(parse_set_dst(&[0x83, 0x05, 0x41]).is_err());
        assert_eq!(
            parse_set_at(&[0x91, 0x01, 0x00]),
            Err(CommandDataError::Missing("83 (terminal CHR)"))
        );
        assert_eq!(
            parse_set_at(&[0x80, 0x01, 0x00, 0x83, 0x01, 0x41]),
            Err(CommandDataError::Algorithm)
        );
        let twice = [mse_set_at(&p).data, vec![0x91, 0x01, 0x00]].concat();
        assert_eq!(
            parse_set_at(&twice),
            Err(CommandDataError::Unexpected(0x91))
        );
        assert!(parse_verify_certificate(&[0x7F, 0x4E, 0x00]).is_err());
    }

    #[test]
    fn command_chaining_splits_the_certificate_and_keeps_le_on_the_last_part() {
        let cmd = CommandApdu::new(0x00, 0x2A, 0x00, 0xBE).with_data(vec![9; 600]);
        let parts = chain_command(&cmd, 255);
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts.iter().map(|p| p.cla).collect::<Vec<_>>(),
            vec![0x10, 0x10, 0x00]
        );
        assert_eq!(parts.iter().map(|p| p.data.len()).sum::<usize>(), 600);
        assert_eq!(chain_command(&cmd, 1000), vec![cmd]);
    }

    #[test]
    fn comp_is_the_x_coordinate_for_ec_and_sha1_for_dh() {
        let ec = EphemeralKey::Ec([vec![4], vec![1; 32], vec![2; 32]].concat());
        assert_eq!(ec.compressed(), vec![1; 32]);
        let dh = EphemeralKey::Dh(b"abc".to_vec());
        assert_eq!(
            dh.compressed(),
            hex::decode("A9993E364706816ABA3E25717850C26C9CD0D89D").unwrap()
        );
    }
}
