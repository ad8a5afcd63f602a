//! Code shared by the CLI's integration tests.

pub mod eac_pki;
