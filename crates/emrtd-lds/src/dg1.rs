//! DG1. Work in progress.
