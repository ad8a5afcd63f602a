//! Cryptographic building blocks for eMRTD protocols.
//!
//! Symmetric part (`sym`): 3DES and AES, ISO/IEC 9797-1 padding and MAC algorithm 3, AES-CMAC,
//! the ICAO 9303-11 key derivation function. Asymmetric part (`pk`): prime-field groups for
//! PACE and Chip Authentication (elliptic curves with explicit parameters, MODP groups).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod pk;
pub mod sym;
