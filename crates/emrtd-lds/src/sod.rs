//! EF.SOD (Document Security Object). Work in progress.
