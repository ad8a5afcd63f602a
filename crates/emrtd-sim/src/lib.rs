//! A virtual ICAO 9303 chip, built from a document profile.
//!
//! The chip implements [`emrtd_apdu::Transport`], so a reader talks to it exactly as to a card on
//! a PC/SC reader or a phone's NFC stack. It is how the toolkit is tested end to end and what
//! `emrtd read --sim` opens.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod chip;
mod eac;
#[cfg(feature = "hostile")]
pub mod hostile;
pub mod link;
pub mod pki;
pub mod profile;
pub mod vpcd;

pub use chip::{VirtualChip, LDS1_AID, SPECIMEN_FACE};
pub use link::{
    ChipFamily, ChipOp, LinkModel, LinkStats, ModelledTime, Phase, Platform,
    SECURE_MESSAGING_FAST_US, SECURE_MESSAGING_US, SYMMETRIC_AUTH_SLOW_US, SYMMETRIC_AUTH_US,
};
pub use profile::{Attack, Profile, ProfileError, DEFAULT_PROFILE};

// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
