//! Standard output that never fails silently.
//!
//! A closed pipe (`emrtd … | head`) is normal and ends the output quietly, as in other
//! command-line tools; any other write error (a full disk, `> /dev/full`) is remembered and
//! turns the exit status into a failure at the end, so a script never takes a truncated report
//! for a complete one.

use std::io::{ErrorKind, Write};
use std::sync::Mutex;

static FIRST_ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Write one line to standard output, remembering the first failure.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        remember(e);
    }
}

fn remember(e: std::io::Error) {
    if let Ok(mut slot) = FIRST_ERROR.lock() {
        slot.get_or_insert(e);
    }
}

/// Flush standard output; the first write error other than a closed pipe, if any.
pub fn finish() -> Option<std::io::Error> {
    if let Err(e) = std::io::stdout().lock().flush() {
        remember(e);
    }
    let err = FIRST_ERROR.lock().ok()?.take()?;
    (err.kind() != ErrorKind::BrokenPipe).then_some(err)
}

/// `println!` whose failures are remembered (see the module documentation).
macro_rules! outln {
    () => {
        $crate::out::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;
