//! Cryptographic building blocks for eMRTD protocols.
//!
//! Symmetric part (`sym`): 3DES and AES, ISO/IEC 9797-1 padding and MAC algorithm 3, AES-CMAC,
//! the ICAO 9303-11 key derivation function. Asymmetric part (`pk`): prime-field groups for
//! PACE and Chip Authentication (elliptic curves with explicit parameters, MODP groups).
//! Signatures (`sig`): hash and signature algorithms by OID, public keys from
//! SubjectPublicKeyInfo, RSA PKCS#1 v1.5 / PSS, ECDSA on any prime curve and DSA verification,
//! ECDSA signing on any prime curve.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod pk;
mod remembered;
pub mod sig;
pub mod sym;
