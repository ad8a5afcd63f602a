//! Secure messaging. Work in progress.
