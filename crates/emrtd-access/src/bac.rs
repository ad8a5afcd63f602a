//! Basic Access Control. Work in progress.
