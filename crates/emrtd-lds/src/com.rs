//! EF.COM. Work in progress.
