//! SecurityInfos of EF.CardAccess, EF.CardSecurity and DG14. Work in progress.
