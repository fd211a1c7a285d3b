//! The signing identity on disk: one PEM file in the data folder's `signing/` folder, the
//! private key inside it encrypted with the signer's passphrase. Mode 0600 from the moment
//! it exists, written atomically (temporary file, sync, rename): never a partial key file.

use std::path::{Path, PathBuf};

use super::SigningError;
use super::identity::{self, SigningIdentity};

/// The identity file's name inside the signing folder.
pub const IDENTITY_FILE: &str = "identity.pem";

/// The identity file inside `signing_dir` (see `crate::storage::data_dir::DataDir::signing_dir`).
pub fn identity_path(signing_dir: &Path) -> PathBuf {
    signing_dir.join(IDENTITY_FILE)
}

fn io(path: &Path, e: std::io::Error) -> SigningError {
    SigningError::Io(prescreen_core::io_error::IoError::new(path, e))
}

/// Encrypts and saves an identity; refuses to overwrite one unless `replace`.
pub fn save(
    signing_dir: &Path,
    identity: &SigningIdentity,
    passphrase: &str,
    replace: bool,
) -> Result<PathBuf, SigningError> {
    let path = identity_path(signing_dir);
    if path.exists() && !replace {
        return Err(SigningError::InvalidIdentity(format!(
            "{} already exists; pass --replace to overwrite it",
            path.display()
        )));
    }
    let pem = identity::to_protected_pem(identity, passphrase)?;
    create_private_dir(signing_dir)?;
    write_private_atomically(&path, pem.as_bytes())?;
    Ok(path)
}

/// Loads and unlocks the identity.
pub fn load(signing_dir: &Path, passphrase: &str) -> Result<SigningIdentity, SigningError> {
    let text = read(signing_dir)?;
    identity::from_protected_pem(&text, passphrase)
}

/// The identity file's text (certificates readable without the passphrase).
pub fn read(signing_dir: &Path) -> Result<String, SigningError> {
    let path = identity_path(signing_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SigningError::NoIdentity),
        Err(e) => Err(io(&path, e)),
    }
}

fn create_private_dir(dir: &Path) -> Result<(), SigningError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io(dir, e))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))
    }
}

/// Like `screening_file::write_atomically`, but the temporary file is created with mode
/// 0600, so the key is never readable by others, not even for an instant.
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> Result<(), SigningError> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "identity".to_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(io(path, e));
    }
    Ok(())
}
