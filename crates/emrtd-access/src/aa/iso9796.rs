//! ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery, as Active
//! Authentication uses it with RSA (ICAO Doc 9303-11 §6.1.2).
//!
//! The message representative is `F = 6A ‖ M1 ‖ H(M1 ‖ M2) ‖ T` and fills the modulus length:
//! the header nibble `6` (bits `01`, more-data bit 1, 0), the border nibble `A`, the recoverable
//! part M1 (chosen by the chip), the hash, and the trailer `T`: `BC` (SHA-1, implicit) or
//! `xx CC` with the ISO/IEC 10118-3 hash-function identifier `xx`. M2 (the terminal's
//! challenge) is not recovered: the verifier supplies it.

use emrtd_crypto::pk::rsa::{rsa_public_op, RsaError};
use emrtd_crypto::sig::HashAlg;
use rsa::traits::PublicKeyParts;
use rsa::BigUint;
use subtle::ConstantTimeEq;

/// The header octet of a partial-recovery representative.
pub const HEADER_PARTIAL_RECOVERY: u8 = 0x6A;
/// The implicit trailer (SHA-1).
pub const TRAILER_IMPLICIT: u8 = 0xBC;
/// Last octet of an explicit (two-octet) trailer.
pub const TRAILER_EXPLICIT: u8 = 0xCC;

/// The trailer of a message representative, which names its hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iso9796Trailer {
    /// `BC`: SHA-1, implied.
    Implicit,
    /// `xx CC`: the hash named by its ISO/IEC 10118-3 identifier `xx`.
    Explicit(HashAlg),
}

impl From<Iso9796Trailer> for String {
    fn from(t: Iso9796Trailer) -> String {
        t.hex()
    }
}

impl Iso9796Trailer {
    /// The trailer a signer uses for `hash`: `BC` for SHA-1, `xx CC` otherwise.
    pub fn for_hash(hash: HashAlg) -> Self {
        match hash {
            HashAlg::Sha1 => Iso9796Trailer::Implicit,
            h => Iso9796Trailer::Explicit(h),
        }
    }

    /// The hash function.
    pub fn hash(self) -> HashAlg {
        match self {
            Iso9796Trailer::Implicit => HashAlg::Sha1,
            Iso9796Trailer::Explicit(h) => h,
        }
    }

    /// The trailer octets.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            Iso9796Trailer::Implicit => vec![TRAILER_IMPLICIT],
            Iso9796Trailer::Explicit(h) => vec![hash_identifier(h), TRAILER_EXPLICIT],
        }
    }

    /// The trailer in hexadecimal: `"BC"`, `"34CC"`.
    pub fn hex(self) -> String {
        self.bytes().iter().map(|b| format!("{b:02X}")).collect()
    }
}

/// ISO/IEC 10118-3 hash-function identifier of `hash` (used in explicit trailers).
pub fn hash_identifier(hash: HashAlg) -> u8 {
    match hash {
        HashAlg::Sha1 => 0x33,
        HashAlg::Sha256 => 0x34,
        HashAlg::Sha512 => 0x35,
        HashAlg::Sha384 => 0x36,
        HashAlg::Sha224 => 0x38,
    }
}

/// Why a signature does not open to a valid representative, or the representative is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Iso9796Error {
    /// The signature is empty or longer than the modulus.
    #[error("signature is {got} bytes; an RSA-{bits} signature has {expected} bytes")]
    SignatureLength {
        /// The signature length in bytes.
        got: usize,
        /// The modulus length in bytes.
        expected: usize,
        /// The modulus length in bits.
        bits: usize,
    },
    /// The signature as an integer is not below the modulus.
    #[error("signature value is not smaller than the modulus")]
    OutOfRange,
    /// The modulus length is not a whole number of octets.
    #[error("RSA modulus of {0} bits is not a multiple of 8 bits, which ISO/IEC 9796-2 representatives here require")]
    ModulusNotByteAligned(usize),
    /// The public key cannot be used (modulus or exponent out of range).
    #[error("the RSA public key is unusable: {0}")]
    Key(RsaError),
    /// Neither J nor n − J ends in the nibble C: wrong key, or not an ISO/IEC 9796-2 signature.
    #[error("the opened signature does not end in the trailer nibble C (neither s^e mod n nor n − s^e mod n): wrong public key or corrupted signature")]
    NotIso9796,
    /// The representative does not start with the header bits `01`.
    #[error("header octet {0:02X} does not start with the bits 01: wrong public key or corrupted signature")]
    Header(u8),
    /// The more-data bit is 0: the signature recovers the whole message and cannot cover the
    /// terminal's challenge.
    #[error("header octet {0:02X} announces total message recovery; Active Authentication needs partial recovery (6A) so the signature covers the challenge")]
    TotalRecovery(u8),
    /// Partial recovery with an unexpected border nibble.
    #[error("header octet {0:02X} is not 6A")]
    PartialHeader(u8),
    /// The trailer is neither `BC` nor `xx CC`.
    #[error("trailer octet {0:02X} is neither BC nor CC")]
    Trailer(u8),
    /// An explicit trailer names a hash this implementation does not accept.
    #[error("trailer {id:02X}CC names {name}, which ICAO Doc 9303 does not allow for Active Authentication")]
    HashNotAllowed {
        /// The hash identifier in the trailer.
        id: u8,
        /// The hash it names.
        name: &'static str,
    },
    /// An explicit trailer names an unknown hash.
    #[error("trailer {0:02X}CC names an unknown hash function")]
    UnknownHash(u8),
    /// The representative is too short for header, hash and trailer.
    #[error("representative of {len} bytes is too short for a {hash} hash and a {trailer_len}-byte trailer")]
    TooShort {
        /// The representative's length in bytes.
        len: usize,
        /// The hash function.
        hash: &'static str,
        /// The trailer length in bytes (1 or 2).
        trailer_len: usize,
    },
    /// The hash in the representative differs from H(M1 ‖ M2).
    #[error("hash in the signature differs from {0}(M1 || challenge): the signature is not over this challenge")]
    HashMismatch(&'static str),
}

/// Length of M1 that fills a representative of `k_bytes` octets with `trailer`.
pub fn m1_capacity(k_bytes: usize, trailer: Iso9796Trailer) -> Option<usize> {
    k_bytes.checked_sub(1 + trailer.hash().output_len() + trailer.bytes().len())
}

/// Builds `F = 6A ‖ M1 ‖ H(M1 ‖ M2) ‖ T` (length `1 + |M1| + |H| + |T|`).
pub fn encode_representative(m1: &[u8], m2: &[u8], trailer: Iso9796Trailer) -> Vec<u8> {
    let hash = trailer.hash();
    let mut m = Vec::with_capacity(m1.len() + m2.len());
    m.extend_from_slice(m1);
    m.extend_from_slice(m2);
    let mut f = Vec::with_capacity(1 + m1.len() + hash.output_len() + 2);
    f.push(HEADER_PARTIAL_RECOVERY);
    f.extend_from_slice(m1);
    f.extend(hash.digest(&m));
    f.extend(trailer.bytes());
    f
}

/// The trailer at the end of a representative.
pub(crate) fn parse_trailer(f: &[u8]) -> Result<Iso9796Trailer, Iso9796Error> {
    match f {
        [.., TRAILER_IMPLICIT] => Ok(Iso9796Trailer::Implicit),
        [.., id, TRAILER_EXPLICIT] => Ok(Iso9796Trailer::Explicit(match id {
            0x33 => HashAlg::Sha1,
            0x34 => HashAlg::Sha256,
            0x35 => HashAlg::Sha512,
            0x36 => HashAlg::Sha384,
            0x38 => HashAlg::Sha224,
            0x31 => return Err(not_allowed(*id, "RIPEMD-160")),
            0x32 => return Err(not_allowed(*id, "RIPEMD-128")),
            0x37 => return Err(not_allowed(*id, "WHIRLPOOL")),
            0x39 => return Err(not_allowed(*id, "SHA-512/224")),
            0x3A => return Err(not_allowed(*id, "SHA-512/256")),
            _ => return Err(Iso9796Error::UnknownHash(*id)),
        })),
        [.., other] => Err(Iso9796Error::Trailer(*other)),
        [] => Err(Iso9796Error::TooShort {
            len: 0,
            hash: "any",
            trailer_len: 1,
        }),
    }
}

fn not_allowed(id: u8, name: &'static str) -> Iso9796Error {
    Iso9796Error::HashNotAllowed { id, name }
}

/// Checks a representative `F` against the non-recoverable part `m2` (the challenge):
/// header `6A`, trailer, and `H == Hash(M1 ‖ M2)` (compared in constant time). Returns the
/// trailer and the recovered M1.
pub fn verify_representative<'a>(
    f: &'a [u8],
    m2: &[u8],
) -> Result<(Iso9796Trailer, &'a [u8]), Iso9796Error> {
    let header = f.first().copied().unwrap_or(0);
    if header & 0xC0 != 0x40 {
        return Err(Iso9796Error::Header(header));
    }
    if header & 0x20 == 0 {
        return Err(Iso9796Error::TotalRecovery(header));
    }
    if header != HEADER_PARTIAL_RECOVERY {
        return Err(Iso9796Error::PartialHeader(header));
    }
    let trailer = parse_trailer(f)?;
    let hash = trailer.hash();
    let t_len = trailer.bytes().len();
    let too_short = || Iso9796Error::TooShort {
        len: f.len(),
        hash: hash.name(),
        trailer_len: t_len,
    };
    let m1_end = f
        .len()
        .checked_sub(hash.output_len() + t_len)
        .filter(|e| *e >= 1)
        .ok_or_else(too_short)?;
    let m1 = f.get(1..m1_end).ok_or_else(too_short)?;
    let h = f
        .get(m1_end..m1_end + hash.output_len())
        .ok_or_else(too_short)?;
    let mut m = Vec::with_capacity(m1.len() + m2.len());
    m.extend_from_slice(m1);
    m.extend_from_slice(m2);
    let expected = hash.digest(&m);
    if bool::from(h.ct_eq(expected.as_slice())) {
        Ok((trailer, m1))
    } else {
        Err(Iso9796Error::HashMismatch(hash.name()))
    }
}

/// Opens an RSA signature: `J = s^e mod n`, taking `n − J` when `J` does not end in the
/// nibble `C` (ISO/IEC 9796-2 lets a signer send the smaller of `σ` and `n − σ`). Returns the
/// representative as exactly `⌈bits(n)/8⌉` octets. The signature may be shorter than the
/// modulus (leading zero octets dropped) but not longer.
pub fn open_rsa(key: &rsa::RsaPublicKey, signature: &[u8]) -> Result<Vec<u8>, Iso9796Error> {
    let bits = key.n().bits();
    let k = key.size();
    if signature.is_empty() || signature.len() > k {
        return Err(Iso9796Error::SignatureLength {
            got: signature.len(),
            expected: k,
            bits,
        });
    }
    if bits & 7 != 0 {
        return Err(Iso9796Error::ModulusNotByteAligned(bits));
    }
    // RSAVP1 on emrtd-crypto's Montgomery arithmetic (public inputs, variable time); the
    // signature is left-padded to the modulus length it may have lost leading zeros from.
    let n = key.n().to_bytes_be();
    let mut padded = vec![0u8; k - signature.len()];
    padded.extend_from_slice(signature);
    let j = rsa_public_op(&n, &key.e().to_bytes_be(), &padded).map_err(|e| match e {
        RsaError::Signature => Iso9796Error::OutOfRange,
        other => Iso9796Error::Key(other),
    })?;
    if j.last().is_some_and(|b| b & 0x0F == 0x0C) {
        return Ok(j);
    }
    // n − J (J < n): its last nibble must then be C.
    let alt = (key.n() - BigUint::from_bytes_be(&j)).to_bytes_be();
    if alt.last().is_none_or(|b| b & 0x0F != 0x0C) {
        return Err(Iso9796Error::NotIso9796);
    }
    let mut out = vec![0u8; k.saturating_sub(alt.len())];
    out.extend_from_slice(&alt);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_and_identifiers() {
        assert_eq!(Iso9796Trailer::Implicit.hex(), "BC");
        assert_eq!(Iso9796Trailer::Explicit(HashAlg::Sha1).hex(), "33CC");
        assert_eq!(Iso9796Trailer::Explicit(HashAlg::Sha256).hex(), "34CC");
        assert_eq!(Iso9796Trailer::Explicit(HashAlg::Sha512).hex(), "35CC");
        assert_eq!(Iso9796Trailer::Explicit(HashAlg::Sha384).hex(), "36CC");
        assert_eq!(Iso9796Trailer::Explicit(HashAlg::Sha224).hex(), "38CC");
        for h in [
            HashAlg::Sha1,
            HashAlg::Sha224,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ] {
            let t = Iso9796Trailer::Explicit(h);
            assert_eq!(parse_trailer(&t.bytes()), Ok(t));
        }
        assert_eq!(
            parse_trailer(&[0x31, 0xCC]),
            Err(Iso9796Error::HashNotAllowed {
                id: 0x31,
                name: "RIPEMD-160"
            })
        );
        assert_eq!(
            parse_trailer(&[0x77, 0xCC]),
            Err(Iso9796Error::UnknownHash(0x77))
        );
        assert_eq!(parse_trailer(&[0xAB]), Err(Iso9796Error::Trailer(0xAB)));
    }

    #[test]
    fn representative_round_trip_and_rejections() {
        let m1 = [0x5Au8; 40];
        let m2 = *b"\x01\x02\x03\x04\x05\x06\x07\x08";
        for t in [
            Iso9796Trailer::Implicit,
            Iso9796Trailer::Explicit(HashAlg::Sha256),
            Iso9796Trailer::Explicit(HashAlg::Sha512),
        ] {
            let f = encode_representative(&m1, &m2, t);
            assert_eq!(verify_representative(&f, &m2), Ok((t, &m1[..])));
            let mut other = m2;
            other[7] ^= 1;
            assert!(matches!(
                verify_representative(&f, &other),
                Err(Iso9796Error::HashMismatch(_))
            ));
            for cut in 0..f.len() {
                assert!(verify_representative(&f[..cut], &m2).is_err());
            }
        }
        let mut f = encode_representative(&m1, &m2, Iso9796Trailer::Implicit);
        f[0] = 0x4A;
        assert_eq!(
            verify_representative(&f, &m2),
            Err(Iso9796Error::TotalRecovery(0x4A))
        );
        f[0] = 0x6B;
        assert_eq!(
            verify_representative(&f, &m2),
            Err(Iso9796Error::PartialHeader(0x6B))
        );
        f[0] = 0xEA;
        assert_eq!(
            verify_representative(&f, &m2),
            Err(Iso9796Error::Header(0xEA))
        );
        // Header and trailer only, empty M1 and no room for the hash.
        assert!(matches!(
            verify_representative(&[0x6A, 0xBC], &m2),
            Err(Iso9796Error::TooShort { .. })
        ));
    }

    #[test]
    fn capacity() {
        // ICAO 9303-11 example: RSA-1024, SHA-1, trailer BC → M1 of 106 bytes (852 bits of
        // capacity minus the border nibble A).
        assert_eq!(m1_capacity(128, Iso9796Trailer::Implicit), Some(106));
        assert_eq!(
            m1_capacity(224, Iso9796Trailer::Explicit(HashAlg::Sha256)),
            Some(189)
        );
        assert_eq!(
            m1_capacity(64, Iso9796Trailer::Explicit(HashAlg::Sha512)),
            None
        );
    }
}
