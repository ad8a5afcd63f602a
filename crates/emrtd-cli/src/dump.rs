//! The dump folder of `read --out`: every file as the chip sent it, written atomically.
//!
//! Each file is written to a hidden temporary name in the same folder, synced, then renamed
//! into place, so a reader of the folder never sees half a file. A read that stopped part way
//! leaves `INCOMPLETE`, naming what is missing; a complete read removes an old marker.

use crate::exit::Failure;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The marker of a dump that is not complete.
pub const INCOMPLETE: &str = "INCOMPLETE";

/// Check, before anything is read, that `dir` can take a dump: a folder that is missing (it is
/// created later, with its parents) or empty; a folder with files only with `force`.
pub fn check_target(dir: &Path, force: bool) -> Result<(), Failure> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure::usage(format!(
            "--out {}: cannot use this folder: {e}",
            dir.display()
        ))),
        Ok(m) if !m.is_dir() => Err(Failure::usage(format!(
            "--out {} is a file, not a folder; name a new or empty folder",
            dir.display()
        ))),
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir).map_err(|e| {
                Failure::usage(format!(
                    "--out {}: cannot list this folder: {e}",
                    dir.display()
                ))
            })?;
            if entries.next().is_some() && !force {
                return Err(Failure::usage(format!(
                    "--out {} is not empty; name a new or empty folder, or add --force to overwrite files in it",
                    dir.display()
                )));
            }
            Ok(())
        }
    }
}

/// A dump folder being written.
pub struct Dump {
    dir: PathBuf,
}

impl Dump {
    /// Create the folder (and its parents) if needed.
    pub fn create(dir: &Path) -> Result<Dump, Failure> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::internal(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Dump {
            dir: dir.to_path_buf(),
        })
    }

    /// Write `name` atomically: a temporary file in the same folder, synced, then renamed.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), Failure> {
        let path = self.dir.join(name);
        write_atomically(&path, bytes)
            .map_err(|e| Failure::internal(format!("cannot write {}: {e}", path.display())))
    }

    /// Mark the dump incomplete: why, and which files are missing.
    pub fn mark_incomplete(&self, why: &str, missing: &[String]) -> Result<(), Failure> {
        let mut text = format!("The read stopped before every file was read: {why}\n");
        if missing.is_empty() {
            text.push_str("Missing: not known (the chip's list of files was not read)\n");
        } else {
            text.push_str(&format!("Missing: {}\n", missing.join(" ")));
        }
        text.push_str("No file of this read was written: read the document again.\n");
        self.write(INCOMPLETE, text.as_bytes())
    }

    /// The dump is complete: remove a marker left by an earlier read.
    pub fn mark_complete(&self) -> Result<(), Failure> {
        let path = self.dir.join(INCOMPLETE);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Failure::internal(format!(
                "cannot remove {}: {e}",
                path.display()
            ))),
        }
    }
}

/// Write `bytes` to `path` so that `path` holds either its old content or all of `bytes`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
