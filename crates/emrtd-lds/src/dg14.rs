//! DG14 (ICAO 9303-10 §4.7.14): security options, a DER `SET OF SecurityInfo` decoded by
//! [`crate::security_infos`].

use crate::check::Issue;
use crate::common::outer;
use crate::security_infos::{SecurityInfo, SecurityInfos};
use crate::LdsError;

const FILE: &str = "DG14";

/// Decoded DG14.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Dg14 {
    /// The `SET OF SecurityInfo` (tag `31`), complete, as stored.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Bytes inside `6E` after the SET (some Swedish ID cards have them, field quirk D15):
    /// kept, and reported by [`Dg14::check`].
    #[serde(skip)]
    pub trailing: Vec<u8>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

impl Dg14 {
    /// DG14 around an encoded `SET OF SecurityInfo`.
    pub fn new(content: Vec<u8>) -> Dg14 {
        Dg14 {
            content,
            trailing: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// DG14 holding `infos`.
    pub fn from_security_infos(infos: &SecurityInfos) -> Dg14 {
        Dg14::new(infos.to_der())
    }

    /// Decode DG14: the outer `6E` must start with one `SET` (`31`); bytes after it are kept in
    /// [`Dg14::trailing`] and reported by [`Dg14::check`] (the file is signed as it is, and
    /// Chip Authentication reads only the SET). The SecurityInfos are decoded on demand by
    /// [`Dg14::security_infos`].
    pub fn decode(bytes: &[u8]) -> Result<Dg14, LdsError> {
        let outer = outer(bytes, 0x6E, FILE)?;
        let (set, trailing) = emrtd_tlv::parse_one(outer.value).map_err(LdsError::tlv(FILE))?;
        if set.tag != 0x31 {
            return Err(LdsError::UnexpectedTag {
                file: FILE,
                expected: 0x31,
                found: set.tag,
            });
        }
        Ok(Dg14 {
            content: set.raw.to_vec(),
            trailing: trailing.to_vec(),
            raw: bytes.to_vec(),
        })
    }

    /// The SecurityInfos.
    pub fn security_infos(&self) -> Result<SecurityInfos, LdsError> {
        SecurityInfos::parse(&self.content)
    }

    /// Encode DG14.
    pub fn encode(&self) -> Vec<u8> {
        emrtd_tlv::encode(0x6E, &[self.content.as_slice(), &self.trailing].concat())
    }

    /// Rules of ICAO 9303-11 §9.2 / TR-03110 the SecurityInfos break: they do not decode, an
    /// entry of a known protocol is malformed, no ChipAuthenticationPublicKeyInfo, a
    /// ChipAuthenticationInfo version other than 1, 2 or 3; and bytes after the SET.
    pub fn check(&self) -> Vec<Issue> {
        let infos = match self.security_infos() {
            Ok(i) => i,
            Err(e) => {
                return vec![Issue::new(
                    FILE,
                    "SecurityInfos",
                    format!("do not decode: {e}"),
                )]
            }
        };
        let mut issues = Vec::new();
        if !self.trailing.is_empty() {
            issues.push(Issue::new(
                FILE,
                "SecurityInfos",
                format!(
                    "{} byte(s) after the SET of SecurityInfos (ignored by Chip Authentication)",
                    self.trailing.len()
                ),
            ));
        }
        for info in &infos.infos {
            match info {
                SecurityInfo::Other(o) => {
                    if let Some(problem) = &o.problem {
                        issues.push(Issue::new(
                            FILE,
                            "SecurityInfo",
                            format!("{}: {problem}", o.protocol),
                        ));
                    }
                }
                SecurityInfo::ChipAuthentication(ca) if !(1..=3).contains(&ca.version) => issues
                    .push(Issue::new(
                        FILE,
                        "ChipAuthenticationInfo version",
                        format!("{} is not 1, 2 or 3", ca.version),
                    )),
                _ => {}
            }
        }
        // DG14 may hold only PACE or Active Authentication infos, or nothing at all; but a
        // ChipAuthenticationInfo without any key is unusable.
        let announces_ca = infos
            .infos
            .iter()
            .any(|i| matches!(i, SecurityInfo::ChipAuthentication(_)));
        if announces_ca && infos.chip_authentication_public_keys().next().is_none() {
            issues.push(Issue::new(
                FILE,
                "ChipAuthenticationPublicKeyInfo",
                "ChipAuthenticationInfo present but no key (id-PK-DH or id-PK-ECDH)",
            ));
        }
        issues
    }
}
