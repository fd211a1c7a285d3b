//! Where prescreen keeps everything: database, signing identities, settings.
//!
//! One folder, so a site can back it up, move it, or point tests at a throw-away copy:
//! `--data-dir DIR`, else the environment variable `PRESCREEN_DATA_DIR`, else the user's data
//! folder (`~/.local/share/prescreen` on Linux, `%APPDATA%\prescreen\prescreen\data` on
//! Windows, `~/Library/Application Support/org.prescreen.prescreen` on macOS).

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

    /// Creates the folder (and its parents) if it does not exist yet.
    pub fn ensure_exists(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.root).map_err(|e| StoreError::Io(IoError::new(&self.root, e)))
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
}
