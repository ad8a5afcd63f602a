//! Prime-field groups (EC and DH). Work in progress.
