//! The one shape of a file error across prescreen: which file or folder, and the operating
//! system's reason kept as the error's source (not flattened into a string).

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file or folder could not be read or written.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct IoError {
    /// The file or folder.
    pub path: PathBuf,
    /// Why (shared, so errors that hold it can be cloned).
    #[source]
    pub source: Arc<std::io::Error>,
}

impl IoError {
    /// The error for `path`.
    pub fn new(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    /// An error found by prescreen itself about `path` ("no such file or folder", "not a
    /// regular file").
    pub fn other(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self::new(path.as_ref(), std::io::Error::other(message.into()))
    }
}

impl PartialEq for IoError {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.source.kind() == other.source.kind()
    }
}

impl Eq for IoError {}
