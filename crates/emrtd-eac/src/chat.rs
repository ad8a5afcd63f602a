//! Certificate Holder Authorization Templates (BSI TR-03110-3 §C.1.5, §2.7): the terminal type
//! (an OID under `id-roles`) and the relative authorization, whose two most significant bits
//! are the role. For inspection systems (`id-IS`) the authorization is one byte:
//!
//! ```text
//! b7 b6  role: 11 CVCA, 10 DV (official domestic), 01 DV (non-official / foreign), 00 IS
//! b5–b2  RFU
//! b1     read access to DG4 (iris)
//! b0     read access to DG3 (fingerprint)
//! ```

use crate::algorithm::oid_to_string;
use std::fmt;

/// `id-roles` = 0.4.0.127.0.7.3.1.2.
pub const ID_ROLES: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x01, 0x02];

/// Largest relative authorization accepted (bytes); TR-03110 uses 1 (IS, ST) and 5 (AT).
pub const MAX_AUTHORIZATION_LEN: usize = 16;

/// The terminal type a CHAT is for.
// Not #[non_exhaustive]: TR-03110 defines these terminal types (`Other` keeps any other OID).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TerminalType {
    /// `id-IS` (inspection system, ePassport application).
    InspectionSystem,
    /// `id-AT` (authentication terminal, eID application).
    AuthenticationTerminal,
    /// `id-ST` (signature terminal, eSign application).
    SignatureTerminal,
    /// Any other OID (value bytes).
    Other(Vec<u8>),
}

impl TerminalType {
    /// From the OID value bytes.
    pub fn from_oid(value: &[u8]) -> TerminalType {
        match value.strip_prefix(&ID_ROLES[..]) {
            Some([1]) => TerminalType::InspectionSystem,
            Some([2]) => TerminalType::AuthenticationTerminal,
            Some([3]) => TerminalType::SignatureTerminal,
            _ => TerminalType::Other(value.to_vec()),
        }
    }

    /// The OID value bytes.
    pub fn oid(&self) -> Vec<u8> {
        let last = match self {
            TerminalType::InspectionSystem => 1,
            TerminalType::AuthenticationTerminal => 2,
            TerminalType::SignatureTerminal => 3,
            TerminalType::Other(v) => return v.clone(),
        };
        let mut v = ID_ROLES.to_vec();
        v.push(last);
        v
    }
}

impl fmt::Display for TerminalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerminalType::InspectionSystem => f.write_str("inspection system (id-IS)"),
            TerminalType::AuthenticationTerminal => f.write_str("authentication terminal (id-AT)"),
            TerminalType::SignatureTerminal => f.write_str("signature terminal (id-ST)"),
            TerminalType::Other(v) => write!(f, "terminal type {}", oid_to_string(v)),
        }
    }
}

/// The role encoded in the two most significant bits of a relative authorization.
// Not #[non_exhaustive]: the CHAT role is two bits: these four values (TR-03110).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `11`: Country Verifying CA (self-signed or link certificate).
    Cvca,
    /// `10`: Document Verifier, official domestic.
    DvOfficialDomestic,
    /// `01`: Document Verifier, non-official or foreign.
    DvForeign,
    /// `00`: terminal (inspection system).
    Terminal,
}

impl Role {
    /// From the first authorization byte.
    pub fn from_first_byte(b: u8) -> Role {
        match b >> 6 {
            3 => Role::Cvca,
            2 => Role::DvOfficialDomestic,
            1 => Role::DvForeign,
            _ => Role::Terminal,
        }
    }

    /// The two role bits, in place (`0xC0`, `0x80`, `0x40`, `0x00`).
    pub fn bits(self) -> u8 {
        match self {
            Role::Cvca => 0xC0,
            Role::DvOfficialDomestic => 0x80,
            Role::DvForeign => 0x40,
            Role::Terminal => 0x00,
        }
    }

    /// True for both DV roles.
    pub fn is_dv(self) -> bool {
        matches!(self, Role::DvOfficialDomestic | Role::DvForeign)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Cvca => "CVCA",
            Role::DvOfficialDomestic => "DV (official domestic)",
            Role::DvForeign => "DV (non-official/foreign)",
            Role::Terminal => "terminal",
        })
    }
}

/// One access right of an inspection system.
// Not #[non_exhaustive]: an inspection system's CHAT has these two read rights (TR-03110).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsRight {
    /// Read DG3 (fingerprints), bit 0.
    ReadDg3,
    /// Read DG4 (iris), bit 1.
    ReadDg4,
}

impl IsRight {
    /// The bit in the authorization byte.
    pub fn bit(self) -> u8 {
        match self {
            IsRight::ReadDg3 => 0x01,
            IsRight::ReadDg4 => 0x02,
        }
    }

    /// The right to read data group `dg`, if EAC protects it (3 and 4).
    pub fn for_data_group(dg: u8) -> Option<IsRight> {
        match dg {
            3 => Some(IsRight::ReadDg3),
            4 => Some(IsRight::ReadDg4),
            _ => None,
        }
    }
}

impl fmt::Display for IsRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IsRight::ReadDg3 => "read DG3 (fingerprints)",
            IsRight::ReadDg4 => "read DG4 (iris)",
        })
    }
}

/// The access-right bits (b5–b0) of an inspection-system authorization byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IsRights(u8);

impl IsRights {
    /// No right.
    pub const NONE: IsRights = IsRights(0);
    /// DG3 and DG4.
    pub const DG3_DG4: IsRights = IsRights(0x03);

    /// From the authorization byte (role bits dropped).
    pub fn from_byte(b: u8) -> IsRights {
        IsRights(b & 0x3F)
    }

    /// The bits (b5–b0).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Does the set hold `right`?
    pub fn contains(self, right: IsRight) -> bool {
        self.0 & right.bit() != 0
    }

    /// The set with `right` added.
    pub fn with(self, right: IsRight) -> IsRights {
        IsRights(self.0 | right.bit())
    }

    /// The defined rights present.
    pub fn rights(self) -> Vec<IsRight> {
        [IsRight::ReadDg3, IsRight::ReadDg4]
            .into_iter()
            .filter(|r| self.contains(*r))
            .collect()
    }
}

impl fmt::Display for IsRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.rights();
        if r.is_empty() {
            return f.write_str("no access right");
        }
        let names: Vec<String> = r.iter().map(ToString::to_string).collect();
        f.write_str(&names.join(", "))
    }
}

/// Why a CHAT is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChatError {
    /// Not an OID followed by a relative authorization.
    #[error("the CHAT must hold an OID (06) then the relative authorization (53)")]
    Structure,
    /// The relative authorization is empty or too long.
    #[error(
        "the CHAT's relative authorization is empty or longer than {MAX_AUTHORIZATION_LEN} bytes"
    )]
    AuthorizationLength,
}

/// A Certificate Holder Authorization Template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chat {
    /// The terminal type (from the OID).
    pub terminal_type: TerminalType,
    /// The relative authorization (discretionary data `53`), 1–16 bytes, most significant
    /// byte first (its two top bits are the role).
    pub authorization: Vec<u8>,
}

impl Chat {
    /// A CHAT for an inspection system with `role` and `rights`.
    pub fn inspection_system(role: Role, rights: IsRights) -> Chat {
        Chat {
            terminal_type: TerminalType::InspectionSystem,
            authorization: vec![role.bits() | rights.bits()],
        }
    }

    /// Decode the value of a `7F4C` template.
    pub fn decode_value(value: &[u8]) -> Result<Chat, ChatError> {
        let items = emrtd_tlv::parse_all(value).map_err(|_| ChatError::Structure)?;
        let [oid, auth] = items.as_slice() else {
            return Err(ChatError::Structure);
        };
        if oid.tag != 0x06 || auth.tag != 0x53 || oid.value.is_empty() {
            return Err(ChatError::Structure);
        }
        if auth.value.is_empty() || auth.value.len() > MAX_AUTHORIZATION_LEN {
            return Err(ChatError::AuthorizationLength);
        }
        Ok(Chat {
            terminal_type: TerminalType::from_oid(oid.value),
            authorization: auth.value.to_vec(),
        })
    }

    /// Encode as a `7F4C` template.
    pub fn encode(&self) -> Vec<u8> {
        emrtd_tlv::encode_constructed(
            0x7F4C,
            &[
                emrtd_tlv::encode(0x06, &self.terminal_type.oid()),
                emrtd_tlv::encode(0x53, &self.authorization),
            ],
        )
    }

    /// The role (top two bits of the first authorization byte).
    pub fn role(&self) -> Role {
        Role::from_first_byte(self.authorization.first().copied().unwrap_or(0))
    }

    /// The rights of an inspection-system CHAT; `None` for other terminal types.
    pub fn inspection_rights(&self) -> Option<IsRights> {
        match (&self.terminal_type, self.authorization.as_slice()) {
            (TerminalType::InspectionSystem, [b]) => Some(IsRights::from_byte(*b)),
            _ => None,
        }
    }

    /// Bitwise AND of the two authorizations (TR-03110-3 §2.7), aligned on the least
    /// significant bit (bits beyond the shorter one count as 0). The terminal type is `self`'s.
    pub fn and(&self, other: &Chat) -> Chat {
        let len = self.authorization.len().max(other.authorization.len());
        let at = |v: &[u8], i: usize| -> u8 {
            // i counts from the least significant byte
            if i < v.len() {
                v[v.len() - 1 - i]
            } else {
                0
            }
        };
        let mut out = vec![0u8; len];
        for i in 0..len {
            out[len - 1 - i] = at(&self.authorization, i) & at(&other.authorization, i);
        }
        Chat {
            terminal_type: self.terminal_type.clone(),
            authorization: out,
        }
    }
}

impl fmt::Display for Chat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, role {}", self.terminal_type, self.role())?;
        match self.inspection_rights() {
            Some(r) => write!(f, ", {r}"),
            None => write!(
                f,
                ", authorization {}",
                crate::algorithm::hex_upper(&self.authorization)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspection_system_chat_bits_follow_tr03110() {
        // CVCA CHAT of the BSI worked example: id-IS, C3 = CVCA, DG3 + DG4.
        let c = Chat::decode_value(&hex::decode("060904007F000703010201530103").unwrap()).unwrap();
        assert_eq!(c.terminal_type, TerminalType::InspectionSystem);
        assert_eq!(c.role(), Role::Terminal);
        assert_eq!(c.inspection_rights(), Some(IsRights::DG3_DG4));
        let cvca =
            Chat::decode_value(&hex::decode("060904007F0007030102015301C3").unwrap()).unwrap();
        assert_eq!(cvca.role(), Role::Cvca);
        assert_eq!(Chat::inspection_system(Role::Cvca, IsRights::DG3_DG4), cvca);
        assert_eq!(
            cvca.encode(),
            hex::decode("7F4C0E060904007F0007030102015301C3").unwrap()
        );
    }

    #[test]
    fn effective_authorization_is_the_bitwise_and() {
        let cvca = Chat::inspection_system(Role::Cvca, IsRights::DG3_DG4);
        let dv = Chat::inspection_system(Role::DvForeign, IsRights::NONE.with(IsRight::ReadDg3));
        let is = Chat::inspection_system(Role::Terminal, IsRights::DG3_DG4);
        let eff = is.and(&dv).and(&cvca);
        assert_eq!(eff.role(), Role::Terminal);
        let r = eff.inspection_rights().unwrap();
        assert!(r.contains(IsRight::ReadDg3));
        assert!(!r.contains(IsRight::ReadDg4));
        // Different lengths align on the least significant byte.
        let long = Chat {
            terminal_type: TerminalType::AuthenticationTerminal,
            authorization: vec![0xFF, 0x0F],
        };
        let short = Chat {
            terminal_type: TerminalType::AuthenticationTerminal,
            authorization: vec![0x3C],
        };
        assert_eq!(long.and(&short).authorization, vec![0x00, 0x0C]);
    }

    #[test]
    fn malformed_chats_are_refused() {
        assert_eq!(Chat::decode_value(&[]), Err(ChatError::Structure));
        assert_eq!(
            Chat::decode_value(&hex::decode("060904007F0007030102015300").unwrap()),
            Err(ChatError::AuthorizationLength)
        );
        assert_eq!(
            Chat::decode_value(&hex::decode("5301C3060904007F00070301020153").unwrap()),
            Err(ChatError::Structure)
        );
    }
}
