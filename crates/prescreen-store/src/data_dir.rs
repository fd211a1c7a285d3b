//! Where prescreen keeps everything: database, signing identities, settings.
//!
//! One folder, so a site can back it up, move it, or point tests at a throw-away copy:
//! `--data-dir DIR`, else the environment variable `PRESCREEN_DATA_DIR`, else the user's data
//! folder (`~/.local/share/prescreen` on Linux, `%APPDATA%\prescreen\prescreen\data` on
//! Windows, `~/Library/Application Support/org.prescreen.prescreen` on macOS).
//!
//! The folder holds patient screenings and the signing key, so on Unix it is private to its
//! owner: the folder 0700, the database and its `-wal`/`-shm` files 0600 (the signing part
//! keeps its own files the same way). Anything found looser — an older version, a copy, a
//! restore, a permissive umask — is tightened when the store opens, with a warning. On other
//! platforms the data folder lies in the user's profile, whose ACLs keep other users out;
//! nothing is changed there.

use prescreen_core::io_error::IoError;
use std::path::{Path, PathBuf};

use super::StoreError;

/// The environment variable that moves the data folder.
pub const DATA_DIR_ENV: &str = "PRESCREEN_DATA_DIR";

/// The data folder and the fixed names of what lives in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Uses exactly this folder.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Resolves the folder: `explicit` (the `--data-dir` option), else `PRESCREEN_DATA_DIR`,
    /// else the platform's per-user data folder.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self, StoreError> {
        if let Some(dir) = explicit {
            return Ok(Self::at(dir));
        }
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::at(PathBuf::from(dir)));
        }
        directories::ProjectDirs::from("org", "prescreen", "prescreen")
            .map(|dirs| Self::at(dirs.data_dir()))
            .ok_or_else(|| {
                StoreError::Io(IoError::other(
                    DATA_DIR_ENV,
                    "no home folder to keep data in; set PRESCREEN_DATA_DIR or pass --data-dir",
                ))
            })
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database.
    pub fn database_path(&self) -> PathBuf {
        self.root.join("prescreen.sqlite3")
    }

    /// The folder of signing identities (owned by the signing part).
    pub fn signing_dir(&self) -> PathBuf {
        self.root.join("signing")
    }

    /// The settings file (owned by the app).
    pub fn settings_path(&self) -> PathBuf {
        self.root.join("settings.ron")
    }

    /// Creates the folder (and its parents) if it does not exist yet — the folder itself
    /// private to its owner (0700 on Unix; parents keep the usual modes) — and tightens an
    /// existing folder that others could read.
    pub fn ensure_exists(&self) -> Result<(), StoreError> {
        let io = |e| StoreError::Io(IoError::new(&self.root, e));
        if let Some(parent) = self.root.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(PRIVATE_DIR_MODE);
        }
        match builder.create(&self.root) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && self.root.is_dir() => {}
            Err(e) => return Err(io(e)),
        }
        tighten(&self.root, PRIVATE_DIR_MODE);
        Ok(())
    }
}

/// Mode of the data folder on Unix: owner only.
pub const PRIVATE_DIR_MODE: u32 = 0o700;
/// Mode of the database and its companions on Unix: owner read and write only.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Makes the database at `database` private before SQLite opens it: creates it empty with
/// mode 0600 if it does not exist (SQLite would create it 0644, and it gives the `-wal` and
/// `-shm` files it makes later the database's own mode), and tightens an existing database,
/// `-wal` or `-shm` that others could read. An empty file is what SQLite treats as a new
/// database. No-op outside Unix (profile ACLs apply).
pub fn prepare_private_database(database: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_FILE_MODE)
            .open(database);
        match created {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            // A missing folder and the like: SQLite's open reports it with its own words.
            Err(_) => return Ok(()),
        }
        let name = database.as_os_str();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut companion = name.to_owned();
            companion.push(suffix);
            tighten(Path::new(&companion), PRIVATE_FILE_MODE);
        }
    }
    #[cfg(not(unix))]
    {
        // The user profile's ACLs keep the data folder private on Windows.
        let _ = database;
    }
    Ok(())
}

/// Removes group and other access from `path` if it has any (Unix), with a warning; a path
/// that does not exist, or is a symbolic link, is left alone. A failure is logged, not
/// returned: the store still works, and the warning says what to fix.
fn tighten(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(metadata) = std::fs::symlink_metadata(path) else {
            return;
        };
        if metadata.file_type().is_symlink() {
            return;
        }
        let current = metadata.permissions().mode() & 0o777;
        if current & 0o077 == 0 {
            return;
        }
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{current:o}"),
            "data readable by other users; tightening to {mode:o}"
        );
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(path = %path.display(), error = %e, "could not tighten permissions");
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_folder_wins_and_names_are_fixed() {
        let dir = DataDir::resolve(Some(Path::new("/tmp/somewhere")))
            .unwrap_or_else(|_| DataDir::at("/unreachable"));
        assert_eq!(dir.root(), Path::new("/tmp/somewhere"));
        assert_eq!(
            dir.database_path(),
            Path::new("/tmp/somewhere/prescreen.sqlite3")
        );
        assert_eq!(dir.signing_dir(), Path::new("/tmp/somewhere/signing"));
        assert_eq!(
            dir.settings_path(),
            Path::new("/tmp/somewhere/settings.ron")
        );
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn a_fresh_data_folder_and_database_are_private() {
        let temp = tempfile::tempdir().unwrap();
        let dir = DataDir::at(temp.path().join("nested").join("data"));
        // Opening migrates (writes), so SQLite has made the WAL files while the store is open;
        // they take the database's mode.
        let store = crate::open_store(&dir).unwrap();
        assert_eq!(mode(dir.root()), 0o700);
        assert_eq!(mode(&dir.database_path()), 0o600);
        let wal = temp.path().join("nested/data/prescreen.sqlite3-wal");
        let shm = temp.path().join("nested/data/prescreen.sqlite3-shm");
        assert!(wal.exists() && shm.exists());
        assert_eq!(mode(&wal), 0o600);
        assert_eq!(mode(&shm), 0o600);
        drop(store);
    }

    #[cfg(unix)]
    #[test]
    fn a_loose_existing_folder_and_database_are_tightened_on_open() {
        use std::os::unix::fs::PermissionsExt;
        let temp = tempfile::tempdir().unwrap();
        let dir = DataDir::at(temp.path().join("data"));
        drop(crate::open_store(&dir).unwrap());
        let set = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        set(dir.root(), 0o755);
        set(&dir.database_path(), 0o644);
        let wal = temp.path().join("data/prescreen.sqlite3-wal");
        std::fs::write(&wal, b"").unwrap();
        set(&wal, 0o664);
        drop(crate::open_store(&dir).unwrap());
        assert_eq!(mode(dir.root()), 0o700);
        assert_eq!(mode(&dir.database_path()), 0o600);
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
    }
}
