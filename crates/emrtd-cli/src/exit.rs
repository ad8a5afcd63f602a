//! Exit statuses and the one-line failures behind them.
//!
//! The statuses are part of the command's interface (documented in the README and `emrtd --help`):
//! scripts branch on them, so each has one meaning.

use std::process::ExitCode;

/// How the command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Read (or verified) and valid.
    Valid,
    /// A check failed: the document or chip is not genuine, or an MRZ check digit is wrong.
    Invalid,
    /// The command line or an input (access key, file, folder, profile) is wrong.
    Usage,
    /// Read, but not everything could be verified (no trust anchor, a step not possible).
    Unverified,
    /// The card or the reader failed (no PC/SC, no reader, card removed, chip refused).
    Device,
    /// A bug, or the output could not be written (disk full).
    Internal,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Valid => 0,
            Exit::Invalid => 1,
            Exit::Usage => 2,
            Exit::Unverified => 3,
            Exit::Device => 4,
            Exit::Internal => 5,
        }
    }

    /// The status of several results together: the most serious one wins.
    pub fn worst(self, other: Exit) -> Exit {
        self.max(other)
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

impl From<emrtd_auth::Verdict> for Exit {
    fn from(v: emrtd_auth::Verdict) -> Exit {
        match v {
            emrtd_auth::Verdict::Valid => Exit::Valid,
            emrtd_auth::Verdict::Invalid => Exit::Invalid,
            // Unverified, or a verdict this build does not know: never success.
            _ => Exit::Unverified,
        }
    }
}

/// A failure with the status it ends the command with and one line saying what to do.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::Usage,
            message: message.into(),
        }
    }

    pub fn device(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::Device,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::Internal,
            message: message.into(),
        }
    }
}

impl From<emrtd_pcsc::PcscError> for Failure {
    fn from(e: emrtd_pcsc::PcscError) -> Failure {
        Failure::device(e.to_string())
    }
}

impl From<emrtd_reader::ReadError> for Failure {
    fn from(e: emrtd_reader::ReadError) -> Failure {
        use emrtd_reader::ReadError as E;
        let exit = match &e {
            // The access key or another input was wrong: the person can fix it.
            E::AccessDenied | E::InvalidCan | E::Mrz(_) => Exit::Usage,
            _ => Exit::Device,
        };
        let message = match &e {
            // Name the option of this command, not the library field.
            E::ChipTooSlow {
                command,
                elapsed_ms,
                budget_ms,
            } => format!(
                "the chip took {elapsed_ms} ms to answer {command}, more than the {budget_ms} ms \
                 one command may take: keep the document still on the reader and read it again, \
                 or allow more time with --command-timeout SECONDS"
            ),
            _ => e.to_string(),
        };
        Failure { exit, message }
    }
}
