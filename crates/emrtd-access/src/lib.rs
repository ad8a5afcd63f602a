//! The chip protocols as sans-IO state machines: Basic Access Control, PACE (GM, IM, CAM),
//! Chip Authentication and Active Authentication.
//!
//! Each protocol is a pair of pure state machines: the terminal side (used by the reader) and the
//! chip side (used by the virtual chip). They consume and produce APDU bytes; I/O stays in the
//! `Transport` implementations. Signatures are verified with `emrtd_crypto::sig`.
//!
//! * [`bac`], [`pace`]: access control; they yield an `emrtd_sm::SecureMessaging` session.
//! * [`ca`]: Chip Authentication (ICAO 9303-11 §6.2) with the DG14 key, which replaces the session.
//! * [`aa`]: Active Authentication (ICAO 9303-11 §6.1): the chip signs a fresh challenge.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod aa;
pub mod bac;
pub mod ca;
pub mod pace;
