//! Certificate chain validation CVCA → (link certificates) → DV → terminal (BSI TR-03110-3
//! §2.5, §2.7), as the chip does it and as an inspection system checks its own configuration
//! before sending it.
//!
//! The current date is TR-03110's: it starts from the date given (the chip's stored date, or
//! the inspection system's clock) and moves forward to the effective date of every accepted
//! CVCA link certificate, DV certificate and accurate terminal certificate (one issued by an
//! official domestic DV). A DV or terminal certificate that expired before the current date
//! is refused; CVCA link certificates are accepted expired. Expired trust points do not
//! verify DV certificates.

use crate::algorithm::TaAlgorithm;
use crate::cert::{CvCertificate, CvReference};
use crate::chat::{Chat, IsRight, IsRights, Role, TerminalType};
use crate::date::CvDate;
use crate::keys::{KeyError, SignatureError, VerifyingKey};

/// Longest chain accepted (link certificates + DV + terminal).
pub const MAX_CHAIN_LEN: usize = 8;

/// Why a chain is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// No certificate was given.
    #[error("the certificate chain is empty: give the DV and terminal certificates (and any CVCA link certificates)")]
    Empty,
    /// More certificates than [`MAX_CHAIN_LEN`].
    #[error("the certificate chain has {0} certificates, more than {MAX_CHAIN_LEN}")]
    TooLong(usize),
    /// The first certificate is signed by a CVCA no trust point holds.
    #[error("unknown CVCA {car}: no trust point has this CHR (add its CVCA certificate, or a link certificate to it)")]
    UnknownCvca {
        /// The certification authority reference it names.
        car: CvReference,
    },
    /// A certificate given as a trust point is not a CVCA certificate.
    #[error("trust point {chr} is not a CVCA certificate (its CHAT role is {role})")]
    TrustPointNotCvca {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// Its role.
        role: Role,
    },
    /// A trust point's self-signature does not verify.
    #[error("trust point {chr}: its self-signature does not verify: {source}")]
    TrustPointSignature {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// The underlying error.
        source: SignatureError,
    },
    /// A certificate's CAR does not name the certificate before it.
    #[error("certificate {chr}: CAR {car} does not name the previous certificate's CHR {issuer}")]
    BrokenLink {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// The certification authority reference it names.
        car: CvReference,
        /// The CHR of the issuing certificate.
        issuer: CvReference,
    },
    /// A certificate's public key cannot be used.
    #[error("certificate {chr}: public key unusable: {source}")]
    Key {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// The underlying error.
        source: KeyError,
    },
    /// A certificate's signature does not verify with its issuer's key.
    #[error("certificate {chr}: signature by {issuer} does not verify: {source}")]
    Signature {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// The CHR of the issuing certificate.
        issuer: CvReference,
        /// The underlying error.
        source: SignatureError,
    },
    /// A certificate has another role than its place in the chain needs.
    #[error("certificate {chr} has role {found} where the chain needs {expected}")]
    UnexpectedRole {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// What the chain needs.
        expected: &'static str,
        /// What the certificate has.
        found: Role,
    },
    /// A certificate is for another terminal type than the trust point.
    #[error("certificate {chr} is for a {found}, the chain's trust point for a {expected}")]
    TerminalTypeMismatch {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// What the chain needs.
        expected: TerminalType,
        /// What the certificate has.
        found: TerminalType,
    },
    /// A certificate uses another algorithm than its issuer (one algorithm per chain).
    #[error("certificate {chr} uses {found}, its issuer {expected}: one algorithm per chain (TR-03110-3 §2.3)")]
    AlgorithmMismatch {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// What the chain needs.
        expected: TaAlgorithm,
        /// What the certificate has.
        found: TaAlgorithm,
    },
    /// A DV or terminal certificate carries EC domain parameters.
    #[error("certificate {chr} carries EC domain parameters, which DV and terminal certificates must not (TR-03110-3 §D.3.3)")]
    DomainParametersNotAllowed {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
    },
    /// A certificate expired before the current date.
    #[error("certificate {chr} expired on {expired} (current date {current}): renew it")]
    Expired {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// Its expiration date.
        expired: CvDate,
        /// The current date used.
        current: CvDate,
    },
    /// The trust point expired: it may no longer verify DV certificates.
    #[error("trust point {chr} expired on {expired} (current date {current}) and may no longer verify DV certificates: import the CVCA link certificate")]
    TrustPointExpired {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// Its expiration date.
        expired: CvDate,
        /// The current date used.
        current: CvDate,
    },
    /// The chain does not end with a terminal certificate.
    #[error("the chain ends with {chr}, a {role} certificate: the last certificate must be the terminal's")]
    NoTerminalCertificate {
        /// The certificate holder reference of the certificate concerned.
        chr: CvReference,
        /// Its role.
        role: Role,
    },
    /// The CHAT PACE carried (the confined authorization) names another terminal type than
    /// the chain (TR-03110-3 §2.7.1: the chip then grants nothing).
    #[error("PACE's CHAT asked for the rights of a {confined}, the certificate chain is for a {chain}: send the CHAT of the terminal certificate's type in PACE")]
    ConfinedTerminalType {
        /// The terminal type of PACE's CHAT.
        confined: TerminalType,
        /// The chain's terminal type.
        chain: TerminalType,
    },
    /// The terminal is not an inspection system, so it may not read DG3 or DG4.
    #[error("the terminal is a {0}, not an inspection system: it has no right to DG3 or DG4")]
    NotAnInspectionSystem(TerminalType),
    /// The effective authorization lacks a right the read needs.
    #[error("the effective authorization ({effective}) lacks the right to {missing}: ask the DV for a certificate granting it")]
    MissingRight {
        /// The right needed.
        missing: IsRight,
        /// The rights the chain grants.
        effective: IsRights,
    },
}

/// A CVCA key trusted for chain verification.
#[derive(Debug, Clone)]
pub struct TrustPoint {
    /// The CVCA certificate.
    pub certificate: CvCertificate,
    key: VerifyingKey,
}

impl TrustPoint {
    /// Trust a CVCA certificate (self-signed or link). A self-signed one must verify with its
    /// own key; its CHAT role must be CVCA and an EC key must carry domain parameters.
    pub fn new(certificate: CvCertificate) -> Result<TrustPoint, ChainError> {
        let chr = certificate.chr().clone();
        let role = certificate.body.chat.role();
        if role != Role::Cvca {
            return Err(ChainError::TrustPointNotCvca { chr, role });
        }
        let key = VerifyingKey::from_cv(&certificate.body.public_key, None).map_err(|source| {
            ChainError::Key {
                chr: chr.clone(),
                source,
            }
        })?;
        if certificate.is_self_signed() {
            key.verify(certificate.signed_body(), &certificate.signature)
                .map_err(|source| ChainError::TrustPointSignature { chr, source })?;
        }
        Ok(TrustPoint { certificate, key })
    }

    /// The certificate holder reference of the certificate.
    pub fn chr(&self) -> &CvReference {
        self.certificate.chr()
    }

    /// The public key, ready to verify signatures.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }
}

/// The CVCA trust points (most chips hold at most two per terminal type).
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    points: Vec<TrustPoint>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// Add a trust point (see [`TrustPoint::new`]).
    pub fn add(&mut self, certificate: CvCertificate) -> Result<(), ChainError> {
        let p = TrustPoint::new(certificate)?;
        self.points.retain(|q| q.chr() != p.chr());
        self.points.push(p);
        Ok(())
    }

    /// The trust point with this CHR.
    pub fn find(&self, chr: &CvReference) -> Option<&TrustPoint> {
        self.points.iter().find(|p| p.chr() == chr)
    }

    /// Every trust point.
    pub fn points(&self) -> &[TrustPoint] {
        &self.points
    }
}

/// A verified chain: the terminal's key, role and effective authorization.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedChain {
    /// The terminal certificate (last of the chain).
    pub terminal: CvCertificate,
    /// Its public key, domain parameters inherited; verifies the Terminal Authentication
    /// signature.
    pub terminal_key: VerifyingKey,
    /// The CHR of the CVCA the chain starts from (after any link certificates: the newest).
    pub cvca: CvReference,
    /// Effective authorization: AND of the CHATs of CVCA, DV and terminal (§2.7).
    pub effective: Chat,
    /// The current date after the chain (§2.5: moved forward by trusted certificates).
    pub current_date: CvDate,
    /// CVCA link certificates accepted on the way (new trust points for the chip).
    pub new_trust_points: Vec<CvCertificate>,
}

impl VerifiedChain {
    /// The terminal type of the chain.
    pub fn terminal_type(&self) -> &TerminalType {
        &self.effective.terminal_type
    }

    /// The effective inspection-system rights; `None` for another terminal type.
    pub fn inspection_rights(&self) -> Option<IsRights> {
        self.effective.inspection_rights()
    }

    /// The effective authorization confined by the CHAT PACE carried (TR-03110-3 §2.7,
    /// §2.7.1, §B.14.1: when Terminal Authentication version 2 follows PACE the chip ANDs the
    /// CHAT of PACE's MSE:Set AT with the chain's). Refused when the terminal types differ.
    pub fn confine(mut self, confined: &Chat) -> Result<VerifiedChain, ChainError> {
        if confined.terminal_type != self.effective.terminal_type {
            return Err(ChainError::ConfinedTerminalType {
                confined: confined.terminal_type.clone(),
                chain: self.effective.terminal_type.clone(),
            });
        }
        self.effective = self.effective.and(confined);
        Ok(self)
    }

    /// Refuse unless the effective authorization grants every right in `rights`.
    pub fn require(&self, rights: &[IsRight]) -> Result<(), ChainError> {
        let effective = self
            .inspection_rights()
            .ok_or_else(|| ChainError::NotAnInspectionSystem(self.terminal_type().clone()))?;
        for r in rights {
            if !effective.contains(*r) {
                return Err(ChainError::MissingRight {
                    missing: *r,
                    effective,
                });
            }
        }
        Ok(())
    }
}

/// Chain verification one certificate at a time, as a chip processes PSO:Verify Certificate:
/// start from a trust point, [`accept`](Self::accept) each certificate, then
/// [`finish`](Self::finish). A refused certificate leaves the state unchanged.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    issuer_key: VerifyingKey,
    issuer_chr: CvReference,
    issuer_role: Role,
    issuer_expires: CvDate,
    cvca_key: VerifyingKey,
    cvca_chr: CvReference,
    effective: Chat,
    terminal_type: TerminalType,
    current: CvDate,
    new_trust_points: Vec<CvCertificate>,
    last: Option<CvCertificate>,
}

impl ChainVerifier {
    /// Start at `anchor` with `current_date` as the current date.
    pub fn new(anchor: &TrustPoint, current_date: CvDate) -> ChainVerifier {
        ChainVerifier {
            issuer_key: anchor.key().clone(),
            issuer_chr: anchor.chr().clone(),
            issuer_role: Role::Cvca,
            issuer_expires: anchor.certificate.body.expiration_date,
            cvca_key: anchor.key().clone(),
            cvca_chr: anchor.chr().clone(),
            effective: anchor.certificate.body.chat.clone(),
            terminal_type: anchor.certificate.body.chat.terminal_type.clone(),
            current: current_date,
            new_trust_points: Vec::new(),
            last: None,
        }
    }

    /// The CHR of the key that verifies the next certificate (what MSE:Set DST must name).
    pub fn issuer_chr(&self) -> &CvReference {
        &self.issuer_chr
    }

    /// The current date so far.
    pub fn current_date(&self) -> CvDate {
        self.current
    }

    /// Verify and import the next certificate.
    pub fn accept(&mut self, cert: &CvCertificate) -> Result<(), ChainError> {
        let chr = cert.chr().clone();
        if cert.car() != &self.issuer_chr {
            return Err(ChainError::BrokenLink {
                chr,
                car: cert.car().clone(),
                issuer: self.issuer_chr.clone(),
            });
        }
        let chat = &cert.body.chat;
        if chat.terminal_type != self.terminal_type {
            return Err(ChainError::TerminalTypeMismatch {
                chr,
                expected: self.terminal_type.clone(),
                found: chat.terminal_type.clone(),
            });
        }
        let role = chat.role();
        let (allowed, expected) = match self.issuer_role {
            Role::Cvca => (role == Role::Cvca || role.is_dv(), "CVCA (link) or DV"),
            Role::DvOfficialDomestic | Role::DvForeign => (role == Role::Terminal, "terminal"),
            Role::Terminal => (false, "none (a terminal certificate must be last)"),
        };
        if !allowed {
            return Err(ChainError::UnexpectedRole {
                chr,
                expected,
                found: role,
            });
        }
        if role != Role::Cvca {
            if cert.body.public_key.domain().is_some() {
                return Err(ChainError::DomainParametersNotAllowed { chr });
            }
            if cert.body.public_key.algorithm != self.issuer_key.algorithm() {
                return Err(ChainError::AlgorithmMismatch {
                    chr,
                    expected: self.issuer_key.algorithm(),
                    found: cert.body.public_key.algorithm,
                });
            }
            // An expired trust point verifies link certificates only.
            if self.issuer_role == Role::Cvca && self.issuer_expires < self.current {
                return Err(ChainError::TrustPointExpired {
                    chr: self.issuer_chr.clone(),
                    expired: self.issuer_expires,
                    current: self.current,
                });
            }
        }
        self.issuer_key
            .verify(cert.signed_body(), &cert.signature)
            .map_err(|source| ChainError::Signature {
                chr: chr.clone(),
                issuer: self.issuer_chr.clone(),
                source,
            })?;
        if role != Role::Cvca && cert.body.expiration_date < self.current {
            return Err(ChainError::Expired {
                chr,
                expired: cert.body.expiration_date,
                current: self.current,
            });
        }
        // Domain parameters: a link certificate may bring new ones, others inherit the CVCA's.
        let inherited = self.cvca_key.curve().cloned();
        let key =
            VerifyingKey::from_cv(&cert.body.public_key, inherited.as_ref()).map_err(|source| {
                ChainError::Key {
                    chr: chr.clone(),
                    source,
                }
            })?;
        // Nothing fails from here on: update the state.
        // Current date: CVCA link, DV and accurate terminal certificates (§2.5).
        let trusted_time = match role {
            Role::Cvca | Role::DvOfficialDomestic | Role::DvForeign => true,
            Role::Terminal => self.issuer_role == Role::DvOfficialDomestic,
        };
        if trusted_time && cert.body.effective_date > self.current {
            self.current = cert.body.effective_date;
        }
        if role == Role::Cvca {
            // A link certificate replaces the trust point and its relative authorization.
            self.effective = chat.clone();
            self.cvca_key = key.clone();
            self.cvca_chr = chr.clone();
            self.new_trust_points.push(cert.clone());
        } else {
            self.effective = chat.and(&self.effective);
        }
        self.issuer_key = key;
        self.issuer_chr = chr;
        self.issuer_role = role;
        self.issuer_expires = cert.body.expiration_date;
        self.last = Some(cert.clone());
        Ok(())
    }

    /// The verified chain; refused unless the last certificate accepted is a terminal's.
    pub fn finish(self) -> Result<VerifiedChain, ChainError> {
        match (self.issuer_role, self.last) {
            (Role::Terminal, Some(terminal)) => Ok(VerifiedChain {
                terminal,
                terminal_key: self.issuer_key,
                cvca: self.cvca_chr,
                effective: self.effective,
                current_date: self.current,
                new_trust_points: self.new_trust_points,
            }),
            (role, _) => Err(ChainError::NoTerminalCertificate {
                chr: self.issuer_chr,
                role,
            }),
        }
    }
}

/// Verify `chain` (CVCA link certificates, then the DV certificate, then the terminal
/// certificate) from a trust point of `store`, with `current_date` as the starting current
/// date.
pub fn verify_chain(
    store: &TrustStore,
    chain: &[CvCertificate],
    current_date: CvDate,
) -> Result<VerifiedChain, ChainError> {
    let first = chain.first().ok_or(ChainError::Empty)?;
    if chain.len() > MAX_CHAIN_LEN {
        return Err(ChainError::TooLong(chain.len()));
    }
    let anchor = store
        .find(first.car())
        .ok_or_else(|| ChainError::UnknownCvca {
            car: first.car().clone(),
        })?;
    let mut v = ChainVerifier::new(anchor, current_date);
    for cert in chain {
        v.accept(cert)?;
    }
    v.finish()
}
