//! ICAO Doc 9303-10 Logical Data Structure: typed decoders and encoders for every elementary file.
//!
//! Every decoder accepts untrusted bytes and returns `Ok` or a typed [`LdsError`]; none panics.
//! Decoded structures keep the bytes they were decoded from, so hashes are always computed
//! over what the chip sent.

pub mod com;
pub mod dg1;
pub mod error;
pub mod security_infos;
pub mod sod;

pub use error::LdsError;
