//! PACE. Work in progress.
