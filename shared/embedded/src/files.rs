//! File modes for what the embedded adapters write: the data directory is the
//! owner's alone (0700) and so is every file in it (0600).
//!
//! The database holds pseudonyms, sealed reply addresses and report text; the key
//! files open all of it. Another account on the machine must not read any of it, and
//! the default umask (0022) would let it: SQLite creates its files 0644 and directories
//! are made 0755. SQLite gives its `-wal`, `-shm` and `-journal` files the mode of the
//! database file, so creating that one 0600 first covers them; files left by an older
//! version are tightened when opened.

use std::io;
use std::path::Path;

/// Creates `dir` (and missing parents) as 0700, and takes group and other access away
/// from it if it already existed (a data directory made by an older version, or by
/// hand, is 0755).
///
/// Refuses a sticky directory such as `/tmp`: it is shared by design, and making it
/// private would break every other user of it.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o1000 != 0 {
            return Err(io::Error::other(
                "is a shared (sticky) directory; choose a directory of its own for Satark's data",
            ));
        }
        restrict(dir, mode, 0o700)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Creates the directories to `dir` that are missing as 0700, leaving existing ones
/// as they are (for directories inside the data directory, and for a database path
/// whose parent may be anyone's).
pub(crate) fn create_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `path` empty as 0600 if it does not exist, so that whatever fills it later
/// (SQLite) keeps that mode; tightens it to 0600 if it exists.
pub(crate) fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?;
    tighten_file(path)
}

/// Takes group and other access away from `path` if it exists.
pub(crate) fn tighten_file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(meta) => restrict(path, meta.permissions().mode(), 0o600),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Sets `path`'s permission bits to `mode & keep` when they allow more than `keep`.
#[cfg(unix)]
fn restrict(path: &Path, mode: u32, keep: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if mode & 0o777 & !keep == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & keep))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
    }

    #[test]
    fn new_and_existing_directories_and_files_become_private() {
        let root = tempfile::tempdir().expect("tempdir");
        let fresh = root.path().join("a/b");
        create_private_dir(&fresh).expect("create");
        assert_eq!(mode(&fresh), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700, "missing parents too");

        let old = root.path().join("old");
        std::fs::create_dir(&old).expect("mkdir");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        create_private_dir(&old).expect("tighten");
        assert_eq!(mode(&old), 0o700);

        let file = old.join("f");
        std::fs::write(&file, b"x").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        create_private_file(&file).expect("tighten");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).expect("read"), b"x", "contents kept");
        let new_file = old.join("g");
        create_private_file(&new_file).expect("create");
        assert_eq!(mode(&new_file), 0o600);
        tighten_file(&old.join("missing")).expect("a missing file is fine");
    }

    #[test]
    fn a_sticky_shared_directory_is_refused() {
        let root = tempfile::tempdir().expect("tempdir");
        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).expect("mkdir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
        assert!(create_private_dir(&shared).is_err());
        assert_eq!(mode(&shared), 0o1777, "left as it was");
    }
}
