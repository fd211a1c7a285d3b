//! The signing identity on disk: one PEM file in the data folder's `signing/` folder, the
//! private key inside it encrypted with the signer's passphrase. Mode 0600 from the moment
//! it exists, written atomically (temporary file, sync, rename): never a partial key file.
//! A key written by an older version with weaker encryption is re-encrypted the first time
//! its owner unlocks it ([`unlock_and_upgrade`]): only then is the passphrase at hand.

use std::path::{Path, PathBuf};

use super::SigningError;
use super::identity::{self, KeyProtection, SigningIdentity};

/// The identity file's name inside the signing folder.
pub const IDENTITY_FILE: &str = "identity.pem";

/// The identity file inside `signing_dir` (see `crate::storage::data_dir::DataDir::signing_dir`).
pub fn identity_path(signing_dir: &Path) -> PathBuf {
    signing_dir.join(IDENTITY_FILE)
}

fn io(path: &Path, e: std::io::Error) -> SigningError {
    SigningError::Io(prescreen_core::io_error::IoError::new(path, e))
}

/// Encrypts (with [`KeyProtection::Standard`]) and saves an identity; refuses to overwrite
/// one unless `replace`, and refuses a weak passphrase.
pub fn save(
    signing_dir: &Path,
    identity: &SigningIdentity,
    passphrase: &str,
    replace: bool,
) -> Result<PathBuf, SigningError> {
    save_with(
        signing_dir,
        identity,
        passphrase,
        replace,
        KeyProtection::Standard,
    )
}

/// [`save`] with an explicit protection: the product always uses [`save`]; tests use this to
/// stand for files older versions wrote, or to keep scrypt cheap.
pub fn save_with(
    signing_dir: &Path,
    identity: &SigningIdentity,
    passphrase: &str,
    replace: bool,
    protection: KeyProtection,
) -> Result<PathBuf, SigningError> {
    let path = identity_path(signing_dir);
    if path.exists() && !replace {
        return Err(SigningError::InvalidIdentity(format!(
            "{} already exists; pass --replace to overwrite it",
            path.display()
        )));
    }
    let pem = identity::to_protected_pem_with(identity, passphrase, protection)?;
    create_private_dir(signing_dir)?;
    write_private_atomically(&path, pem.as_bytes())?;
    Ok(path)
}

/// Loads and unlocks the identity.
pub fn load(signing_dir: &Path, passphrase: &str) -> Result<SigningIdentity, SigningError> {
    let text = read(signing_dir)?;
    identity::from_protected_pem(&text, passphrase)
}

/// What unlocking did to the key file's encryption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUpgrade {
    /// The key was already protected as new keys are.
    NotNeeded,
    /// The key was re-encrypted with [`KeyProtection::Standard`] and the file rewritten.
    Upgraded {
        /// The protection it had.
        was: String,
    },
    /// The key should be re-encrypted but the file could not be rewritten (it is unchanged
    /// and still unlocks; signing goes on).
    Failed {
        /// The protection it has.
        was: String,
        /// Why rewriting failed.
        error: String,
    },
}

impl std::fmt::Display for KeyUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotNeeded => f.write_str("the signing key's encryption is current"),
            Self::Upgraded { was } => write!(
                f,
                "the signing key was re-encrypted with stronger parameters (it had {was})"
            ),
            Self::Failed { was, error } => write!(
                f,
                "the signing key has weaker encryption ({was}) and could not be re-encrypted: {error}"
            ),
        }
    }
}

/// An unlocked identity and what happened to its file.
#[derive(Debug)]
pub struct UnlockedIdentity {
    /// The identity, ready to sign.
    pub identity: SigningIdentity,
    /// Whether the key file was re-encrypted.
    pub upgrade: KeyUpgrade,
}

/// Loads and unlocks the identity, and if its key is encrypted more weakly than new keys are
/// (see [`identity::Unlocked::weaker_protection`]), re-encrypts it with
/// [`KeyProtection::Standard`] under the same passphrase and rewrites the file atomically.
/// A wrong passphrase changes nothing. Every signing path calls this, so old files are
/// upgraded the first time their owner signs.
pub fn unlock_and_upgrade(
    signing_dir: &Path,
    passphrase: &str,
) -> Result<UnlockedIdentity, SigningError> {
    let text = read(signing_dir)?;
    let unlocked = identity::unlock_pem(&text, passphrase)?;
    let Some(was) = unlocked.weaker_protection else {
        return Ok(UnlockedIdentity {
            identity: unlocked.identity,
            upgrade: KeyUpgrade::NotNeeded,
        });
    };
    let upgrade = match rewrite_protected(signing_dir, &text, &unlocked.identity, passphrase) {
        Ok(()) => {
            tracing::info!(was = %was, "signing key re-encrypted with stronger parameters");
            KeyUpgrade::Upgraded { was }
        }
        Err(e) => {
            tracing::warn!(was = %was, error = %e, "signing key could not be re-encrypted");
            KeyUpgrade::Failed {
                was,
                error: e.to_string(),
            }
        }
    };
    Ok(UnlockedIdentity {
        identity: unlocked.identity,
        upgrade,
    })
}

/// Re-encrypts and rewrites the identity file, unless it changed since `unlocked_text` was
/// read (another process replaced the identity: that file is not ours to rewrite).
fn rewrite_protected(
    signing_dir: &Path,
    unlocked_text: &str,
    identity: &SigningIdentity,
    passphrase: &str,
) -> Result<(), SigningError> {
    let pem = identity::reprotect_pem(identity, passphrase)?;
    if read(signing_dir)? != unlocked_text {
        return Err(SigningError::InvalidIdentity(
            "the identity file changed while it was being unlocked".to_owned(),
        ));
    }
    write_private_atomically(&identity_path(signing_dir), pem.as_bytes())
}

/// The identity file's text (certificates readable without the passphrase). A file or
/// folder others may read is first tightened to 0600 / 0700 (Unix), with a warning.
pub fn read(signing_dir: &Path) -> Result<String, SigningError> {
    let path = identity_path(signing_dir);
    tighten_permissions(signing_dir, &path);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SigningError::NoIdentity),
        Err(e) => Err(io(&path, e)),
    }
}

/// Removes group and other access from the signing folder and the identity file if an
/// older version, a copy or a restore left them open. Best effort: a failure is logged, and
/// reading goes on (the key inside is encrypted either way). On other platforms the user
/// profile's ACLs apply; nothing is changed.
fn tighten_permissions(signing_dir: &Path, path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for (target, mode) in [(signing_dir, 0o700), (path, 0o600)] {
            let Ok(metadata) = std::fs::symlink_metadata(target) else {
                continue;
            };
            if metadata.file_type().is_symlink() {
                continue;
            }
            let current = metadata.permissions().mode() & 0o777;
            if current & 0o077 == 0 {
                continue;
            }
            tracing::warn!(
                path = %target.display(),
                mode = format_args!("{current:o}"),
                "signing files were readable by others; tightening to {mode:o}"
            );
            if let Err(e) = std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode))
            {
                tracing::warn!(path = %target.display(), error = %e, "could not tighten permissions");
            }
        }
    }
    #[cfg(not(unix))]
    {
        // The data folder lives in the user's profile, whose ACLs keep other users out.
        let _ = (signing_dir, path);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::KeyAlgorithm;

    const PASSPHRASE: &str = "mauve otter kiln sextant 42";

    fn signer() -> SigningIdentity {
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        identity::generate(
            "Synthetic Signer",
            "coordinator",
            "TLS",
            KeyAlgorithm::P256,
            now,
        )
        .unwrap()
    }

    fn stored_log_n(dir: &Path) -> Option<u8> {
        identity::stored_scrypt_log_n(&read(dir).unwrap()).unwrap()
    }

    #[test]
    fn an_old_key_is_re_encrypted_when_its_owner_unlocks_it() {
        let dir = tempfile::tempdir().unwrap();
        let signing = dir.path().join("signing");
        let original = signer();
        // What an older version wrote: pkcs8's default scrypt N = 2^14.
        save_with(
            &signing,
            &original,
            PASSPHRASE,
            false,
            KeyProtection::Weaker { log_n: 14 },
        )
        .unwrap();
        assert_eq!(stored_log_n(&signing), Some(14));
        let before = read(&signing).unwrap();

        // The wrong passphrase upgrades nothing.
        assert_eq!(
            unlock_and_upgrade(&signing, "not the right passphrase").unwrap_err(),
            SigningError::WrongPassphrase
        );
        assert_eq!(read(&signing).unwrap(), before);

        let started = std::time::Instant::now();
        let unlocked = unlock_and_upgrade(&signing, PASSPHRASE).unwrap();
        let upgrade_ms = started.elapsed().as_millis();
        match &unlocked.upgrade {
            KeyUpgrade::Upgraded { was } => assert!(was.contains("N = 16384"), "{was}"),
            other => panic!("not upgraded: {other:?}"),
        }
        assert_eq!(
            stored_log_n(&signing),
            Some(identity::STANDARD_SCRYPT_LOG_N)
        );
        assert_ne!(read(&signing).unwrap(), before);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(identity_path(&signing))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // Same key and certificate, now behind the stronger encryption; nothing more to do.
        let started = std::time::Instant::now();
        let again = unlock_and_upgrade(&signing, PASSPHRASE).unwrap();
        let unlock_ms = started.elapsed().as_millis();
        eprintln!(
            "upgrade (unlock 2^14 + encrypt 2^17): {upgrade_ms} ms; unlock 2^17: {unlock_ms} ms"
        );
        assert_eq!(again.upgrade, KeyUpgrade::NotNeeded);
        assert_eq!(again.identity.certificate, original.certificate);
        assert_eq!(
            again.identity.key.public_key_der().unwrap(),
            original.key.public_key_der().unwrap()
        );
        assert_eq!(
            unlock_and_upgrade(&signing, "not the right passphrase").unwrap_err(),
            SigningError::WrongPassphrase
        );
    }

    #[test]
    fn a_weak_passphrase_is_refused_for_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let err = save(dir.path(), &signer(), "correcthorse", false).unwrap_err();
        assert!(matches!(err, SigningError::WeakPassphrase(_)), "{err:?}");
        assert!(!identity_path(dir.path()).exists());
    }

    #[cfg(unix)]
    #[test]
    fn new_keys_are_strong_and_loose_permissions_are_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let signing = dir.path().join("signing");
        let path = save(&signing, &signer(), PASSPHRASE, false).unwrap();
        assert_eq!(stored_log_n(&signing), Some(17));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&signing), 0o700);
        assert_eq!(mode(&path), 0o600);
        // A restore from a backup left them open.
        std::fs::set_permissions(&signing, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        read(&signing).unwrap();
        assert_eq!(mode(&signing), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
}
