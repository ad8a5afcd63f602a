//! Remote verification of eMRTD chips (see `docs/remote-verification.md`), sans-IO.
//!
//! A relying party's server trusts a verdict computed from a chip read on someone else's
//! phone: [`issue_challenge`] answers `POST /v1/challenge` with a stateless sealed token
//! ([`token`]) and the chip proof to run (Active Authentication over the server's nonce, or
//! Chip Authentication with the server's ephemeral key and server-wrapped reads);
//! [`verify_evidence`] answers `POST /v1/verify` with a [`RemoteVerdict`]. Time and randomness
//! are passed in; nothing here does IO.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod challenge;
pub mod error;
pub mod evidence;
pub mod expect;
pub mod jws;
pub mod pace_cam;
pub mod phone;
mod relay;
pub mod token;
pub mod verify;

pub use challenge::{issue_challenge, ChallengeRequest, ChallengeResponse, ProofRequest};
pub use error::{RequestError, TokenError};
pub use evidence::{Evidence, Exchange, FileName, Proof};
pub use expect::{Expectations, Expected};
pub use pace_cam::{pace_agree, pace_map, AgreeRequest, AgreeResponse, MapRequest, MapResponse};
pub use token::{KeyRing, ServerKey};
pub use verify::{verify_evidence, ChipProof, ProofMethod, ProofStatus, RemoteVerdict};

/// What the server requires and how long its challenges live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Lifetime of a challenge token, seconds (default 300).
    pub token_lifetime_secs: i64,
    /// Tolerated clock difference between server instances, seconds (default 60).
    pub clock_skew_secs: i64,
    /// `accepted` needs a proven chip (default true).
    pub require_genuine_chip: bool,
    /// `accepted` needs the document within its validity (default true).
    pub require_within_validity: bool,
    /// Ask for Active Authentication when the request disclosed neither DG14 nor DG15
    /// (default false: without DG15 the server cannot know the chip has AA).
    pub active_authentication_by_default: bool,
}

impl Policy {
    /// Open a token sealed by this server (any key of `ring`) and check that it has not expired
    /// and was not issued later than `now` allows (clock skew between instances tolerated):
    /// the same check for the evidence and for each PACE-CAM step.
    pub(crate) fn open_token(
        &self,
        ring: &KeyRing,
        token: &str,
        now: i64,
    ) -> Result<token::Claims, RequestError> {
        let claims = token::open(ring, token)?;
        if now > claims.expires_at {
            return Err(RequestError::Expired {
                expires_at: claims.expires_at,
                now,
            });
        }
        if claims.issued_at > now.saturating_add(self.clock_skew_secs) {
            return Err(RequestError::NotYetValid {
                issued_at: claims.issued_at,
                now,
            });
        }
        Ok(claims)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            token_lifetime_secs: 300,
            clock_skew_secs: 60,
            require_genuine_chip: true,
            require_within_validity: true,
            active_authentication_by_default: false,
        }
    }
}
