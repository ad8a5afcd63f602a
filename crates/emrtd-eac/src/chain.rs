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
pub enum ChainError {
    #[error("the certificate chain is empty: give the DV and terminal certificates (and any CVCA link certificates)")]
    Empty,
    #[error("the certificate chain has {0} certificates, more than {MAX_CHAIN_LEN}")]
    TooLong(usize),
    #[error("unknown CVCA {car}: no trust point has this CHR (add its CVCA certificate, or a link certificate to it)")]
    UnknownCvca { car: CvReference },
    #[error("trust point {chr} is not a CVCA certificate (its CHAT role is {role})")]
    TrustPointNotCvca { chr: CvReference, role: Role },
    #[error("trust point {chr}: its self-signature does not verify: {source}")]
    TrustPointSignature {
        chr: CvReference,
        source: SignatureError,
    },
    #[error("certificate {chr}: CAR {car} does not name the previous certificate's CHR {issuer}")]
    BrokenLink {
        chr: CvReference,
        car: CvReference,
        issuer: CvReference,
    },
    #[error("certificate {chr}: public key unusable: {source}")]
    Key { chr: CvReference, source: KeyError },
    #[error("certificate {chr}: signature by {issuer} does not verify: {source}")]
    Signature {
        chr: CvReference,
        issuer: CvReference,
        source: SignatureError,
    },
    #[error("certificate {chr} has role {found} where the chain needs {expected}")]
    UnexpectedRole {
        chr: CvReference,
        expected: &'static str,
        found: Role,
    },
    #[error("certificate {chr} is for a {found}, the chain's trust point for a {expected}")]
    TerminalTypeMismatch {
        chr: CvReference,
        expected: TerminalType,
        found: TerminalType,
    },
    #[error("certificate {chr} uses {found}, its issuer {expected}: one algorithm per chain (TR-03110-3 §2.3)")]
    AlgorithmMismatch {
        chr: CvReference,
        expected: TaAlgorithm,
        found: TaAlgorithm,
    },
    #[error("certificate {chr} carries EC domain parameters, which DV and terminal certificates must not (TR-03110-3 §D.3.3)")]
    DomainParametersNotAllowed { chr: CvReference },
    #[error("certificate {chr} expired on {expired} (current date {current}): renew it")]
    Expired {
        chr: CvReference,
        expired: CvDate,
        current: CvDate,
    },
    #[error("trust point {chr} expired on {expired} (current date {current}) and may no longer verify DV certificates: import the CVCA link certificate")]
    TrustPointExpired {
        chr: CvReference,
        expired: CvDate,
        current: CvDate,
    },
    #[error("the chain ends with {chr}, a {role} certificate: the last certificate must be the terminal's")]
    NoTerminalCertificate { chr: CvReference, role: Role },
    #[error("the terminal is a {0}, not an inspection system: it has no right to DG3 or DG4")]
    NotAnInspectionSystem(TerminalType),
    #[error("the effective authorization ({effective}) lacks the right to {missing}: ask the DV for a certificate granting it")]
    MissingRight {
        missing: IsRight,
        effective: IsRights,
    },
}

/// A CVCA key trusted for chain verification.
#[derive(Debug, Clone)]
pub struct TrustPoint {
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

    pub fn chr(&self) -> &CvReference {
        self.certificate.chr()
    }

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

    pub fn points(&self) -> &[TrustPoint] {
        &self.points
    }
}

/// A verified chain: the terminal's key, role and effective authorization.
#[derive(Debug, Clone)]
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
    pub fn terminal_type(&self) -> &TerminalType {
        &self.effective.terminal_type
    }

    /// The effective inspection-system rights; `None` for another terminal type.
    pub fn inspection_rights(&self) -> Option<IsRights> {
        self.effective.inspection_rights()
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

    // The issuer state: key, CHR, role, effective authorization, expiration.
    let mut issuer_key = anchor.key().clone();
    let mut issuer_chr = anchor.chr().clone();
    let mut issuer_role = Role::Cvca;
    let mut issuer_expires = anchor.certificate.body.expiration_date;
    let mut cvca_key = anchor.key().clone();
    let mut cvca_chr = anchor.chr().clone();
    let mut effective = anchor.certificate.body.chat.clone();
    let terminal_type = effective.terminal_type.clone();
    let mut current = current_date;
    let mut new_trust_points = Vec::new();

    for cert in chain {
        let chr = cert.chr().clone();
        if cert.car() != &issuer_chr {
            return Err(ChainError::BrokenLink {
                chr,
                car: cert.car().clone(),
                issuer: issuer_chr,
            });
        }
        let chat = &cert.body.chat;
        if chat.terminal_type != terminal_type {
            return Err(ChainError::TerminalTypeMismatch {
                chr,
                expected: terminal_type,
                found: chat.terminal_type.clone(),
            });
        }
        let role = chat.role();
        // Position in the hierarchy.
        let expected: &'static str = match issuer_role {
            Role::Cvca => "CVCA (link) or DV",
            Role::DvOfficialDomestic | Role::DvForeign => "terminal",
            Role::Terminal => "none (a terminal certificate must be last)",
        };
        let allowed = match issuer_role {
            Role::Cvca => role == Role::Cvca || role.is_dv(),
            Role::DvOfficialDomestic | Role::DvForeign => role == Role::Terminal,
            Role::Terminal => false,
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
            if cert.body.public_key.algorithm != issuer_key.algorithm() {
                return Err(ChainError::AlgorithmMismatch {
                    chr,
                    expected: issuer_key.algorithm(),
                    found: cert.body.public_key.algorithm,
                });
            }
            // An expired trust point verifies link certificates only.
            if issuer_role == Role::Cvca && issuer_expires < current {
                return Err(ChainError::TrustPointExpired {
                    chr: issuer_chr,
                    expired: issuer_expires,
                    current,
                });
            }
        }
        issuer_key
            .verify(cert.signed_body(), &cert.signature)
            .map_err(|source| ChainError::Signature {
                chr: chr.clone(),
                issuer: issuer_chr.clone(),
                source,
            })?;
        if role != Role::Cvca && cert.body.expiration_date < current {
            return Err(ChainError::Expired {
                chr,
                expired: cert.body.expiration_date,
                current,
            });
        }
        // Domain parameters: a link certificate may bring new ones, others inherit the CVCA's.
        let inherited = cvca_key.curve().cloned();
        let key =
            VerifyingKey::from_cv(&cert.body.public_key, inherited.as_ref()).map_err(|source| {
                ChainError::Key {
                    chr: chr.clone(),
                    source,
                }
            })?;
        // Current date: CVCA link, DV and accurate terminal certificates (§2.5).
        let trusted_time = match role {
            Role::Cvca | Role::DvOfficialDomestic | Role::DvForeign => true,
            Role::Terminal => issuer_role == Role::DvOfficialDomestic,
        };
        if trusted_time && cert.body.effective_date > current {
            current = cert.body.effective_date;
        }
        if role == Role::Cvca {
            // A link certificate replaces the trust point and its relative authorization.
            effective = chat.clone();
            cvca_key = key.clone();
            cvca_chr = chr.clone();
            new_trust_points.push(cert.clone());
        } else {
            effective = chat.and(&effective);
        }
        issuer_key = key;
        issuer_chr = chr;
        issuer_role = role;
        issuer_expires = cert.body.expiration_date;
    }

    let last = chain.last().ok_or(ChainError::Empty)?;
    if issuer_role != Role::Terminal {
        return Err(ChainError::NoTerminalCertificate {
            chr: last.chr().clone(),
            role: issuer_role,
        });
    }
    Ok(VerifiedChain {
        terminal: last.clone(),
        terminal_key: issuer_key,
        cvca: cvca_chr,
        effective,
        current_date: current,
        new_trust_points,
    })
}
