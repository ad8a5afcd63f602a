//! Document profiles: what the virtual chip holds and how it behaves.
//!
//! A profile is a TOML (or JSON) document; see `docs/profiles.md` for every key. The built-in
//! profiles live in `crates/emrtd-sim/profiles/`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Why a profile could not be loaded or turned into a chip.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// No built-in profile has that name (the name, and the built-in names).
    #[error("unknown built-in profile {0:?}; built-in profiles are: {1}")]
    UnknownBuiltin(String, String),
    /// A profile file could not be read.
    #[error("cannot read profile {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A `.toml` profile does not parse.
    #[error("profile is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// A `.json` profile does not parse.
    #[error("profile is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The profile's MRZ does not parse or its check digits are wrong.
    #[error("profile MRZ is not usable: {0}")]
    Mrz(#[from] emrtd_mrz::MrzError),
    /// The profile parses but cannot make a chip (a missing or inconsistent field).
    #[error("profile is invalid: {0}")]
    Invalid(String),
}

/// A document profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name, e.g. `norway-passport`.
    pub name: String,
    /// One line for humans.
    #[serde(default)]
    pub description: String,
    /// The MRZ lines as printed on the document.
    pub mrz: Vec<String>,
    /// Card access number (6 digits) printed on the document, if any.
    #[serde(default)]
    pub can: Option<String>,
    /// Access control the chip offers.
    #[serde(default)]
    pub access: AccessConfig,
    /// Chip behaviour (buffer sizes, extended length).
    #[serde(default)]
    pub chip: ChipConfig,
    /// Face image in DG2: `specimen` (the built-in drawn portrait), `none`, or a path to a
    /// JPEG / JPEG 2000 file.
    #[serde(default = "default_face")]
    pub face: String,
    /// Active Authentication key in DG15: `none`, `rsa-2048` (ISO/IEC 9796-2, SHA-1 trailer
    /// BC), `rsa-2048-sha256`, `rsa-3072` or `rsa-4096` (trailer 34CC, SHA-256), `ec-p256` or
    /// `ec-brainpoolp256r1` (ECDSA plain, SHA-256, announced in DG14). A signature longer than
    /// 256 bytes goes back whole to an extended-length INTERNAL AUTHENTICATE, and in parts
    /// (61xx, GET RESPONSE) to a short one.
    #[serde(default = "default_none")]
    pub active_authentication: String,
    /// Chip Authentication key in DG14 (none when absent).
    #[serde(default)]
    pub chip_authentication: Option<CaConfig>,
    /// Extended Access Control: DG3/DG4 readable only after Terminal Authentication v1
    /// (after Chip Authentication) with the rights; `None`: DG3/DG4 are never readable.
    #[serde(default)]
    pub eac: Option<EacConfig>,
    /// Sign EF.SOD (and EF.CardSecurity) with the built-in test PKI.
    #[serde(default = "yes")]
    pub sign: bool,
    /// Contactless link model used for `--stats`.
    #[serde(default)]
    pub link: crate::link::LinkModel,
    /// Extra elementary files, by name (`DG11`, `CardAccess`, …), as hex strings. They replace
    /// the files the chip would otherwise build itself.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// An attack on remote verification the chip plays (see [`Attack`]); `None`: a genuine
    /// chip. `Profile::load("norway-id:clone")` sets it from a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack: Option<Attack>,
}

/// Attacks on remote verification (`docs/remote-verification.md`), played by a virtual chip
/// built from an otherwise genuine profile. Profile key `attack = "clone"`, or `NAME:ATTACK`
/// where a profile is named (`emrtd read --sim norway-id:clone`, the bindings' `VirtualCard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Attack {
    /// The genuine document's files (EF.SOD, DG14, DG15, EF.CardSecurity, … exactly as the
    /// genuine chip serves them) on a chip that lacks its private keys: Chip Authentication,
    /// Active Authentication and PACE-CAM answer with keys of the clone's own.
    Clone,
    /// The genuine chip during its first session (from power-on to the first reset or
    /// reconnect), which it records; from then on it answers every session with the recorded
    /// answers in order, whatever it is sent. A reader with fresh randomness fails already at
    /// access control; a modified app that repeats its recorded commands gets through and
    /// relays proofs that belong to the recorded challenge.
    Replay,
    /// Signs Active Authentication with a key of the same type that is not DG15's; everything
    /// else is genuine. Needs a profile with `active_authentication`.
    WrongAaKey,
    /// DG14 of another document, with that document's Chip Authentication private key, while
    /// every other file (EF.SOD among them) is this document's. Needs `chip_authentication`.
    Dg14Swap,
}

impl Attack {
    /// Every attack, in the order `emrtd profiles` lists them.
    pub const ALL: [Attack; 4] = [
        Attack::Clone,
        Attack::Replay,
        Attack::WrongAaKey,
        Attack::Dg14Swap,
    ];

    /// The attack's name in profiles and on the command line (`clone`, `replay`,
    /// `wrong-aa-key`, `dg14-swap`).
    pub fn name(self) -> &'static str {
        match self {
            Attack::Clone => "clone",
            Attack::Replay => "replay",
            Attack::WrongAaKey => "wrong-aa-key",
            Attack::Dg14Swap => "dg14-swap",
        }
    }

    /// One line for humans.
    pub fn description(self) -> &'static str {
        match self {
            Attack::Clone => {
                "the genuine files on a chip without the genuine CA/AA/CAM private keys"
            }
            Attack::Replay => {
                "records its first session, then answers every later one with that recording"
            }
            Attack::WrongAaKey => "signs Active Authentication with a key that is not DG15's",
            Attack::Dg14Swap => {
                "DG14 and Chip Authentication key of another document, this document's EF.SOD"
            }
        }
    }

    /// The attack of a name (see [`Attack::name`]).
    pub fn from_name(name: &str) -> Option<Attack> {
        Attack::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl std::fmt::Display for Attack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Access control offered by the chip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    /// Does the chip accept Basic Access Control?
    #[serde(default = "yes")]
    pub bac: bool,
    /// PACE variants the chip offers (listed in EF.CardAccess in this order).
    #[serde(default)]
    pub pace: Vec<PaceConfig>,
}

impl Default for AccessConfig {
    fn default() -> Self {
        AccessConfig {
            bac: true,
            pace: Vec::new(),
        }
    }
}

/// The chip's Extended Access Control: its CVCA trust point and current date.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EacConfig {
    /// The CVCA certificate the chip trusts (hex of `7F21 …`); EF.CVCA lists its CHR.
    pub cvca: String,
    /// The chip's current date `YYYY-MM-DD` (TR-03110-3 §2.5: moved forward by accepted
    /// certificates).
    pub date: String,
    /// ID_PICC after PACE is the document number (PACE with the MRZ) or the CAN instead of
    /// Comp of the chip's ephemeral PACE key: the static binding of some older documents
    /// (TR-03110-1 §3.5), which inspection systems try when the dynamic binding fails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub static_binding: bool,
    /// Terminal Authentication version: 1 (also 0, the default: after Chip Authentication v1,
    /// TR-03110-1) or 2 (after PACE, TR-03110-2/-3: MSE:Set AT names Comp of the terminal's
    /// ephemeral key, Chip Authentication version 2 with that key follows, and the rights hold
    /// only once it passed). Version 2 makes the Chip Authentication key of the profile a
    /// version-2 key and lists TerminalAuthenticationInfo version 2 in DG14 and EF.CardAccess.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: u8,
    /// The document number with its check digit the chip binds Terminal Authentication to
    /// (ID_PICC after BAC), when it is not the MRZ's: a faulty chip (TR-03105-5.1 ISO7816_E_11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_document_number: Option<String>,
    /// Lists a TerminalAuthenticationInfo (version 1) in DG14 whose `efCVCA` names this file:
    /// `"FFFF"` (file identifier) or `"FFFF/SS"` (with a short file identifier), hex. EF.CVCA
    /// itself stays at 011C / 1C (TR-03105-5.1 ISO7816_E_22/E_23 when they differ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ta_info_ef_cvca: Option<String>,
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

/// The Chip Authentication key of DG14.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaConfig {
    /// `3DES`, `AES-128`, `AES-192` or `AES-256`.
    pub cipher: String,
    /// Standardized domain parameters of the key: 0–2 (DH) or 8–18 (ECDH).
    pub parameter_id: u32,
    /// Key id published in DG14 (and expected in the key reference), if any.
    #[serde(default)]
    pub key_id: Option<i64>,
}

/// One PACE variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaceConfig {
    /// `GM` (generic), `IM` (integrated) or `CAM` (chip authentication mapping).
    pub mapping: String,
    /// `3DES`, `AES-128`, `AES-192` or `AES-256`.
    pub cipher: String,
    /// Standardized domain parameter id: 0–2 (DH) or 8–18 (ECDH).
    pub parameter_id: u32,
}

fn default_none() -> String {
    "none".into()
}

fn default_face() -> String {
    "specimen".into()
}

fn yes() -> bool {
    true
}

/// Chip behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipConfig {
    /// Largest number of plain data bytes one READ BINARY returns. Asking for more gets 6700.
    #[serde(default = "default_max_read")]
    pub max_read: usize,
    /// Does the chip accept extended-length APDUs?
    #[serde(default)]
    pub extended_length: bool,
    /// How the chip answers a READ BINARY that reaches past the end of the file:
    /// `6282` (the bytes there are, with SW 6282), `short` (the bytes there are, with 9000),
    /// `6cxx` (no data, SW 6Cxx with the number of bytes left), `6b00` (no data, SW 6B00).
    #[serde(default = "default_eof")]
    pub eof: String,
    /// Simulate a tag loss after this many APDUs (the card "comes back" when the reader
    /// reconnects). For testing resumption.
    #[serde(default)]
    pub tag_loss_after: Option<usize>,
    /// Status word (hex, e.g. `6A86`) answered to every READ BINARY by short EF identifier:
    /// a chip that only reads after SELECT by file identifier.
    #[serde(default)]
    pub sfi_refusal: Option<String>,
    /// SELECT and MANAGE SECURITY ENVIRONMENT sent with an Le byte get 6700 (chips that want
    /// these as case 1/3 APDUs).
    #[serde(default)]
    pub refuse_le: bool,
    /// DO'84' (the domain parameter id as key reference) in MSE:Set AT for PACE: `optional`
    /// (default), `required` (absent: 6A87, as Ukrainian documents) or `refused` (present:
    /// 6A80).
    #[serde(default = "default_pace_key_reference")]
    pub pace_key_reference: String,
    /// Answer to a READ BINARY asking for more than `max_read` bytes: `6700` (default),
    /// `6b00`, `6b00-drop` (6B00 without secure messaging, and the session is ended, so the
    /// next protected command gets 6987, as a Russian passport does), `6282` (the first
    /// `max_read` bytes with 6282 "end of file before Le bytes" although the file goes on, as
    /// Spanish ID cards answer Le = 00).
    #[serde(default = "default_le_refusal")]
    pub le_refusal: String,
    /// Status word (hex, e.g. `6700`) answered without secure messaging to every
    /// extended-length APDU, which the chip then never processed (its send sequence counter
    /// does not move), although EF.ATR/INFO announces extended length.
    #[serde(default)]
    pub extended_refusal: Option<String>,
    /// How INTERNAL AUTHENTICATE returns the signature: `whole` (default), `61xx` (the first
    /// 231 bytes with 61xx, the rest by GET RESPONSE, as Finnish passports), `6cxx` (6Cxx with
    /// the exact length unless Le is exactly the signature length, as Norwegian passports) or
    /// `truncate` (cut to 231 bytes with 9000, as Australian R-series passports).
    #[serde(default = "default_aa_response")]
    pub aa_response: String,
    /// Chip time for INTERNAL AUTHENTICATE beyond the link model, milliseconds (RSA-4096
    /// Active Authentication takes seconds on slow chips; `link-timings.md`). Counts in the
    /// modelled time ([`crate::ModelledTime`]).
    #[serde(default)]
    pub internal_authenticate_ms: u32,
}

fn default_aa_response() -> String {
    "whole".into()
}

fn default_le_refusal() -> String {
    "6700".into()
}

fn default_pace_key_reference() -> String {
    "optional".into()
}

fn default_eof() -> String {
    "6282".into()
}

fn default_max_read() -> usize {
    231
}

impl Default for ChipConfig {
    fn default() -> Self {
        ChipConfig {
            max_read: default_max_read(),
            extended_length: false,
            eof: default_eof(),
            tag_loss_after: None,
            sfi_refusal: None,
            refuse_le: false,
            pace_key_reference: default_pace_key_reference(),
            le_refusal: default_le_refusal(),
            extended_refusal: None,
            aa_response: default_aa_response(),
            internal_authenticate_ms: 0,
        }
    }
}

const BUILTIN: &[(&str, &str)] = &[
    ("norway-id", include_str!("../profiles/norway-id.toml")),
    (
        "norway-passport",
        include_str!("../profiles/norway-passport.toml"),
    ),
];

/// Name of the profile `emrtd read --sim` uses when none is given.
pub const DEFAULT_PROFILE: &str = "norway-id";

impl Profile {
    /// Names of the built-in profiles.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Result<Profile, ProfileError> {
        let text = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                ProfileError::UnknownBuiltin(name.to_string(), Self::builtin_names().join(", "))
            })?;
        Profile::from_toml(text)
    }

    /// Parse a TOML profile.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        Ok(toml::from_str(text)?)
    }

    /// Parse a JSON profile.
    pub fn from_json(text: &str) -> Result<Profile, ProfileError> {
        Ok(serde_json::from_str(text)?)
    }

    /// A built-in profile name, or a path to a `.toml` / `.json` profile file, optionally
    /// followed by `:ATTACK` (an [`Attack`] name: `norway-id:clone`).
    pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
        if let Some((base, attack)) = name_or_path.rsplit_once(':') {
            if let Some(attack) = Attack::from_name(attack) {
                let mut profile = Profile::load_plain(base)?;
                profile.attack = Some(attack);
                return Ok(profile);
            }
            if !base.is_empty()
                && !name_or_path.ends_with(".toml")
                && !name_or_path.ends_with(".json")
            {
                let names: Vec<&str> = Attack::ALL.iter().map(|a| a.name()).collect();
                return Err(ProfileError::Invalid(format!(
                    "unknown attack {attack:?} after the profile name; attacks are: {}",
                    names.join(", ")
                )));
            }
        }
        Profile::load_plain(name_or_path)
    }

    fn load_plain(name_or_path: &str) -> Result<Profile, ProfileError> {
        let path = Path::new(name_or_path);
        let is_file = name_or_path.ends_with(".toml") || name_or_path.ends_with(".json");
        if !is_file {
            return Profile::builtin(name_or_path);
        }
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: name_or_path.to_string(),
            source,
        })?;
        if name_or_path.ends_with(".json") {
            Profile::from_json(&text)
        } else {
            Profile::from_toml(&text)
        }
    }

    /// The profile's MRZ, parsed and checked.
    pub fn parsed_mrz(&self) -> Result<emrtd_mrz::Mrz, ProfileError> {
        let mrz = emrtd_mrz::Mrz::parse(&self.mrz.join("\n"))?;
        mrz.validate()?;
        Ok(mrz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load_and_have_valid_mrz() {
        for name in Profile::builtin_names() {
            let p = Profile::builtin(name).unwrap();
            assert_eq!(p.name, name);
            p.parsed_mrz().unwrap();
        }
        assert!(matches!(
            Profile::builtin("nope"),
            Err(ProfileError::UnknownBuiltin(..))
        ));
    }

    #[test]
    fn json_and_toml_agree() {
        let p = Profile::builtin(DEFAULT_PROFILE).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(Profile::from_json(&json).unwrap(), p);
        assert!(Profile::from_toml("name = 1").is_err());
    }
}
