//! Symmetric primitives. Work in progress.
