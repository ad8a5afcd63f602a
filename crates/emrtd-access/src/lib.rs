//! Chip access control as sans-IO state machines: Basic Access Control and PACE.
//!
//! Each protocol is a pair of pure state machines: the terminal side (used by the reader) and the
//! chip side (used by the virtual chip). They consume and produce APDU bytes; I/O stays in the
//! `Transport` implementations.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bac;
pub mod pace;
