//! Prime-field groups for PACE and Chip Authentication: elliptic curves with explicit
//! parameters ([`EcCurve`]) and MODP groups ([`DhGroup`]), unified as [`Group`].
//!
//! * All standardized domain parameters of ICAO 9303-11 §9.5.1 (ids 0–2 and 8–18) via
//!   [`Group::standardized`].
//! * Public keys are fully validated when decoded ([`Group::decode_public_key`]).
//! * Secret-scalar multiplication and exponentiation run in constant time.
//! * The mappings of PACE (Generic, Integrated) are group operations here; the
//!   pseudo-random function of the Integrated Mapping (which needs a block cipher) lives with
//!   the PACE protocol.

pub mod dh;
pub mod ec;
mod mont;
pub(crate) mod named;
mod narrow;
mod nist;
mod nistp521;
pub mod rsa;
mod standard;
mod uint;
mod wnaf;

use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

pub use dh::{DhElement, DhExponent, DhGroup};
pub use ec::{EcCurve, EcPoint, EcScalar};
pub use standard::STANDARDIZED_IDS;

/// Why a public-key operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkError {
    /// The domain parameters are unusable.
    #[error("invalid domain parameters: {0}")]
    InvalidDomainParameters(&'static str),
    /// No standardized domain parameters have this id.
    #[error("unknown standardized domain parameter id {0} (known: 0–2 and 8–18)")]
    UnknownParameterId(u32),
    /// A public key is not encoded as expected.
    #[error("malformed public key: {0}")]
    InvalidEncoding(&'static str),
    /// An EC public key coordinate is not smaller than p.
    #[error("public key rejected: a coordinate is not smaller than the field prime")]
    CoordinateOutOfRange,
    /// An EC public key is not a point of the curve.
    #[error("public key rejected: the point is not on the curve")]
    NotOnCurve,
    /// A public key is not in the prime-order subgroup.
    #[error("public key rejected: not in the prime-order subgroup")]
    NotInSubgroup,
    /// A DH public value is outside 1 < y < p−1.
    #[error("public key rejected: DH public value outside 1 < y < p−1")]
    PublicValueOutOfRange,
    /// A private key / scalar is out of range.
    #[error("secret scalar out of range (must be 1 ≤ k < order)")]
    InvalidScalar,
    /// An operation produced the identity element.
    #[error("the computation produced the neutral element; the peer's key is unusable")]
    IdentityResult,
    /// The Integrated Mapping is not defined for these parameters.
    #[error("the Integrated Mapping is not defined for these domain parameters (needs p ≡ 3 mod 4 for EC, a known subgroup order for DH)")]
    IntegratedMappingUnsupported,
    /// The Integrated Mapping produced an unusable element (negligible probability).
    #[error("the Integrated Mapping produced an unusable generator")]
    MappingFailed,
    /// EC and DH objects were mixed, or an EC-only operation was used on a DH group.
    #[error("key or element does not belong to this kind of group")]
    GroupMismatch,
}

/// Domain parameters: an elliptic curve or a MODP group.
// Both variants are large (Montgomery parameters are stored inline); boxing one would not help.
// Not #[non_exhaustive]: ICAO 9303-11 key agreement is DH or ECDH, nothing else.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Group {
    /// Elliptic curve (ECDH).
    Ec(EcCurve),
    /// MODP group (DH).
    Dh(DhGroup),
}

/// A group element (public key, mapped generator, shared element).
// Not #[non_exhaustive]: one variant per kind of `Group` (DH or ECDH, closed by ICAO 9303-11).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug)]
pub enum Element {
    /// A point.
    Ec(EcPoint),
    /// A residue.
    Dh(DhElement),
}

/// A private key; zeroized on drop.
// Not #[non_exhaustive]: one variant per kind of `Group` (DH or ECDH, closed by ICAO 9303-11).
#[derive(Clone, Debug)]
pub enum PrivateKey {
    /// EC scalar.
    Ec(EcScalar),
    /// DH exponent.
    Dh(DhExponent),
}

impl Group {
    /// Standardized domain parameters by id (ICAO 9303-11 §9.5.1): 0–2 MODP, 8–18 curves.
    pub fn standardized(id: u32) -> Result<Group, PkError> {
        standard::standardized(id).ok_or(PkError::UnknownParameterId(id))
    }

    /// The standardized id, if these are standardized parameters.
    pub fn standardized_id(&self) -> Option<u8> {
        match self {
            Group::Ec(c) => c.standardized_id(),
            Group::Dh(g) => g.standardized_id(),
        }
    }

    /// Finds the standardized id of explicit parameters equal to a standardized set.
    pub fn identify(&self) -> Option<u8> {
        STANDARDIZED_IDS.iter().copied().find(|id| {
            match (self, Group::standardized(u32::from(*id))) {
                (Group::Ec(a), Ok(Group::Ec(b))) => a.same_parameters(&b),
                (Group::Dh(a), Ok(Group::Dh(b))) => a.same_parameters(&b),
                _ => false,
            }
        })
    }

    /// Human-readable name ("brainpoolP256r1", "2048-bit MODP group ...").
    pub fn name(&self) -> &'static str {
        match self {
            Group::Ec(c) => c.name(),
            Group::Dh(g) => g.name(),
        }
    }

    /// True for elliptic curves.
    pub fn is_ec(&self) -> bool {
        matches!(self, Group::Ec(_))
    }

    /// The static generator.
    pub fn generator(&self) -> Element {
        match self {
            Group::Ec(c) => Element::Ec(c.generator()),
            Group::Dh(g) => Element::Dh(g.generator()),
        }
    }

    /// A random private key.
    pub fn generate_private_key(&self, rng: &mut impl CryptoRngCore) -> PrivateKey {
        match self {
            Group::Ec(c) => PrivateKey::Ec(c.random_scalar(rng)),
            Group::Dh(g) => PrivateKey::Dh(g.random_exponent(rng)),
        }
    }

    /// A private key from big-endian bytes (EC: 1 ≤ k < n; DH: 1 ≤ x < p).
    pub fn private_key_from_bytes(&self, bytes: &[u8]) -> Result<PrivateKey, PkError> {
        match self {
            Group::Ec(c) => c.scalar_from_bytes(bytes).map(PrivateKey::Ec),
            Group::Dh(g) => g.exponent_from_bytes(bytes).map(PrivateKey::Dh),
        }
    }

    /// The public key sk·base (EC) or base^sk (DH), in constant time.
    pub fn public_key(&self, sk: &PrivateKey, base: &Element) -> Result<Element, PkError> {
        self.key_agreement(sk, base)
    }

    /// Decodes and fully validates a public key (EC: uncompressed point; DH: unsigned integer).
    pub fn decode_public_key(&self, bytes: &[u8]) -> Result<Element, PkError> {
        match self {
            Group::Ec(c) => c.decode_point(bytes).map(Element::Ec),
            Group::Dh(g) => g.decode_element(bytes).map(Element::Dh),
        }
    }

    /// Encodes a public key (EC: `04||X||Y`; DH: minimal unsigned big-endian integer).
    pub fn encode_public_key(&self, el: &Element) -> Result<Vec<u8>, PkError> {
        match (self, el) {
            (Group::Ec(c), Element::Ec(p)) => Ok(c.encode_point(p)),
            (Group::Dh(g), Element::Dh(e)) => Ok(g.encode_element(e)),
            _ => Err(PkError::GroupMismatch),
        }
    }

    /// Anonymous (EC)DH: sk applied to the peer's validated public key; the shared element.
    pub fn key_agreement(&self, sk: &PrivateKey, peer: &Element) -> Result<Element, PkError> {
        match (self, sk, peer) {
            (Group::Ec(c), PrivateKey::Ec(k), Element::Ec(p)) => c.mul(p, k).map(Element::Ec),
            (Group::Dh(g), PrivateKey::Dh(x), Element::Dh(y)) => g.pow(y, x).map(Element::Dh),
            _ => Err(PkError::GroupMismatch),
        }
    }

    /// Decodes and fully validates the peer's public key (as [`Group::decode_public_key`])
    /// and applies sk to it (as [`Group::key_agreement`]): (peer's key, shared element).
    /// For DH with a known subgroup order the subgroup check and the key agreement share
    /// their squarings, which makes this cheaper than the two calls. Errors: those of
    /// [`Group::decode_public_key`] for an invalid peer key; [`PkError::IdentityResult`] and
    /// [`PkError::GroupMismatch`] from the agreement.
    pub fn decode_and_agree(
        &self,
        sk: &PrivateKey,
        peer: &[u8],
    ) -> Result<(Element, Element), PkError> {
        match (self, sk) {
            (Group::Ec(_), PrivateKey::Ec(_)) => {
                let peer = self.decode_public_key(peer)?;
                let shared = self.key_agreement(sk, &peer)?;
                Ok((peer, shared))
            }
            (Group::Dh(g), PrivateKey::Dh(x)) => g
                .decode_and_pow(peer, x)
                .map(|(y, k)| (Element::Dh(y), Element::Dh(k))),
            _ => Err(PkError::GroupMismatch),
        }
    }

    /// The shared secret octet string of a key-agreement result: the x-coordinate (EC) or the
    /// element (DH), both fixed length (`⌈log₂₅₆ p⌉` octets).
    pub fn shared_secret_bytes(&self, el: &Element) -> Result<Zeroizing<Vec<u8>>, PkError> {
        match (self, el) {
            (Group::Ec(c), Element::Ec(p)) => Ok(c.x_coordinate(p)),
            (Group::Dh(g), Element::Dh(e)) => Ok(g.element_fixed(e)),
            _ => Err(PkError::GroupMismatch),
        }
    }

    /// Shared secret K = KA(sk, peer) as an octet string.
    pub fn shared_secret(
        &self,
        sk: &PrivateKey,
        peer: &Element,
    ) -> Result<Zeroizing<Vec<u8>>, PkError> {
        let el = self.key_agreement(sk, peer)?;
        self.shared_secret_bytes(&el)
    }

    /// Generic Mapping: s·G + H (EC) or g^s·h (DH).
    pub fn generic_mapping(&self, s: &[u8], h: &Element) -> Result<Element, PkError> {
        match (self, h) {
            (Group::Ec(c), Element::Ec(h)) => c.generic_map(s, h).map(Element::Ec),
            (Group::Dh(g), Element::Dh(h)) => g.generic_map(s, h).map(Element::Dh),
            _ => Err(PkError::GroupMismatch),
        }
    }

    /// The public key on the Generic Mapping's generator: `key` applied to s·G + H (EC) or
    /// g^s·h (DH), H the shared element of `mapping_key` and the peer's validated mapping
    /// public key (ICAO 9303-11 §4.4.3.3.1). The same element as [`Group::key_agreement`],
    /// [`Group::generic_mapping`] and [`Group::public_key`] in turn give, and the same errors;
    /// faster on the standardized curves ([`EcCurve::generic_map_public_key`]).
    pub fn generic_mapping_public_key(
        &self,
        s: &[u8],
        mapping_key: &PrivateKey,
        peer_mapping_key: &Element,
        key: &PrivateKey,
    ) -> Result<Element, PkError> {
        match (self, mapping_key, peer_mapping_key, key) {
            (Group::Ec(c), PrivateKey::Ec(m), Element::Ec(p), PrivateKey::Ec(k)) => {
                c.generic_map_public_key(s, m, p, k).map(Element::Ec)
            }
            _ => {
                let h = self.key_agreement(mapping_key, peer_mapping_key)?;
                let g = self.generic_mapping(s, &h)?;
                self.public_key(key, &g)
            }
        }
    }

    /// Integrated Mapping of the pseudo-random octet string R(s,t) (reduced mod p here).
    pub fn integrated_mapping(&self, prf_output: &[u8]) -> Result<Element, PkError> {
        match self {
            Group::Ec(c) => c.integrated_map(prf_output).map(Element::Ec),
            Group::Dh(g) => g.integrated_map(prf_output).map(Element::Dh),
        }
    }

    /// Whether the Integrated Mapping is defined for this group.
    pub fn supports_integrated_mapping(&self) -> bool {
        self.integrated_mapping(&[1, 2, 3, 4, 5, 6, 7, 8, 9])
            .is_ok()
    }

    /// Constant-time equality of two elements.
    pub fn elements_equal(&self, a: &Element, b: &Element) -> bool {
        match (self, a, b) {
            (Group::Ec(c), Element::Ec(x), Element::Ec(y)) => c.points_equal(x, y),
            (Group::Dh(g), Element::Dh(x), Element::Dh(y)) => g.elements_equal(x, y),
            _ => false,
        }
    }

    /// Length of a scalar for FE2OS of values modulo the group order (EC only).
    pub fn order_size(&self) -> Option<usize> {
        match self {
            Group::Ec(c) => Some(c.order_size()),
            Group::Dh(_) => None,
        }
    }
}
