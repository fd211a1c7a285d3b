//! What a data folder remembers for every door — the command line and the window alike:
//! today, the RFC 3161 timestamp authority signatures are timestamped by. One site, one TSA:
//! it is set once (`prescreen settings tsa URL`), not typed at every signature.

use std::path::PathBuf;

use crate::screening_file::write_atomically;
use crate::storage::DataDir;

/// Why a setting was refused or could not be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// Not an http:// URL (the client speaks plain HTTP/1.1; a token is signed, so the
    /// transport need not be).
    #[error("{0:?} is not an http:// URL of a timestamp authority")]
    NotHttp(String),
    /// The file could not be written or removed.
    #[error("{0}")]
    Io(String),
    /// A site server URL that cannot be kept: not a URL prescreen reads, or one holding a
    /// password (a saved setting never does).
    #[error("{0}")]
    BadDatabaseUrl(String),
}

fn database_path(data_dir: &DataDir) -> PathBuf {
    data_dir.root().join("database-url.txt")
}

/// The site server this data folder's doors use, if one is saved.
pub fn database_url(data_dir: &DataDir) -> Option<String> {
    std::fs::read_to_string(database_path(data_dir))
        .ok()
        .map(|text| text.trim().to_owned())
        .filter(|url| !url.is_empty())
}

/// Saves (or with `None` forgets) the site server's URL. A URL with a password is refused:
/// the password comes from `~/.pgpass`, `PGPASSWORD` or a prompt, never from a file prescreen
/// writes.
pub fn set_database_url(data_dir: &DataDir, url: Option<&str>) -> Result<(), SettingsError> {
    let path = database_path(data_dir);
    match url.map(str::trim) {
        Some(url) => {
            let parsed = crate::storage::pg::DatabaseUrl::parse(url)
                .map_err(|e| SettingsError::BadDatabaseUrl(e.to_string()))?;
            if parsed.has_password() {
                return Err(SettingsError::BadDatabaseUrl(format!(
                    "{parsed}: a saved URL never holds a password; keep it in ~/.pgpass or \
                     type it when asked"
                )));
            }
            parsed
                .check_transport()
                .map_err(|e| SettingsError::BadDatabaseUrl(e.to_string()))?;
            std::fs::create_dir_all(data_dir.root())
                .map_err(|e| SettingsError::Io(format!("{}: {e}", data_dir.root().display())))?;
            write_atomically(&path, format!("{parsed}\n").as_bytes())
                .map_err(|e| SettingsError::Io(format!("{}: {e}", path.display())))
        }
        None => match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SettingsError::Io(format!("{}: {e}", path.display()))),
        },
    }
}

/// The site server a door uses: the one given (`--database`, `PRESCREEN_DATABASE_URL`), else
/// the data folder's saved one; `None` keeps records in the data folder's own database.
pub fn resolve_database(given: Option<&str>, data_dir: &DataDir) -> Option<String> {
    given
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(str::to_owned)
        .or_else(|| database_url(data_dir))
}

/// Opens where the records are: the site server when one is named, else the data folder's
/// database. `prompt` asks for a server password when no other source has it (the window
/// passes one that declines; the command line asks on the terminal).
pub fn open_records(
    data_dir: &DataDir,
    database: Option<&str>,
    prompt: &mut crate::storage::pg::connect::PasswordPrompt<'_>,
) -> Result<Box<dyn crate::storage::Store + Send>, crate::storage::StoreError> {
    match resolve_database(database, data_dir) {
        Some(url) => {
            let url = crate::storage::pg::DatabaseUrl::parse(&url).map_err(|e| {
                crate::storage::StoreError::Server {
                    store: "--database".to_owned(),
                    detail: e.to_string(),
                }
            })?;
            Ok(Box::new(crate::storage::PgStore::connect(&url, prompt)?))
        }
        None => Ok(Box::new(crate::storage::open_store(data_dir)?)),
    }
}

fn tsa_path(data_dir: &DataDir) -> PathBuf {
    data_dir.root().join("tsa-url.txt")
}

/// The timestamp authority this data folder uses, if one is set.
pub fn tsa_url(data_dir: &DataDir) -> Option<String> {
    std::fs::read_to_string(tsa_path(data_dir))
        .ok()
        .map(|text| text.trim().to_owned())
        .filter(|url| !url.is_empty())
}

/// Sets (or with `None` forgets) the timestamp authority; the file is replaced atomically.
pub fn set_tsa_url(data_dir: &DataDir, url: Option<&str>) -> Result<(), SettingsError> {
    let path = tsa_path(data_dir);
    match url.map(str::trim) {
        Some(url) => {
            let host = url.strip_prefix("http://").unwrap_or_default();
            if host.is_empty() || url.chars().any(char::is_whitespace) {
                return Err(SettingsError::NotHttp(url.to_owned()));
            }
            std::fs::create_dir_all(data_dir.root())
                .map_err(|e| SettingsError::Io(format!("{}: {e}", data_dir.root().display())))?;
            write_atomically(&path, format!("{url}\n").as_bytes())
                .map_err(|e| SettingsError::Io(format!("{}: {e}", path.display())))
        }
        None => match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SettingsError::Io(format!("{}: {e}", path.display()))),
        },
    }
}

/// The TSA a signature uses: the one given (`--tsa`, `PRESCREEN_TSA`), else the data folder's.
pub fn resolve_tsa(given: Option<&str>, data_dir: &DataDir) -> Option<String> {
    given
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(str::to_owned)
        .or_else(|| tsa_url(data_dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_url_is_saved_without_a_password_and_a_remote_one_needs_verify_full() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data = DataDir::at(dir.path());
        assert_eq!(database_url(&data), None);
        let with_password =
            set_database_url(&data, Some("postgresql://ann:hunter2@localhost/site"));
        let Err(SettingsError::BadDatabaseUrl(message)) = with_password else {
            panic!("a password must be refused: {with_password:?}");
        };
        assert!(!message.contains("hunter2"), "{message}");
        assert!(set_database_url(&data, Some("postgresql://ann@db.example/site")).is_err());
        let url = "postgresql://ann@db.example/site?sslmode=verify-full";
        assert_eq!(set_database_url(&data, Some(url)), Ok(()));
        let kept = database_url(&data).unwrap_or_default();
        assert!(
            kept.contains("db.example") && kept.contains("verify-full"),
            "{kept}"
        );
        assert_eq!(resolve_database(Some(" "), &data), Some(kept.clone()));
        assert_eq!(
            resolve_database(Some("postgresql://b@localhost/x"), &data).as_deref(),
            Some("postgresql://b@localhost/x")
        );
        assert_eq!(set_database_url(&data, None), Ok(()));
        assert_eq!(resolve_database(None, &data), None);
    }

    #[test]
    fn the_tsa_is_kept_replaced_refused_when_not_http_and_forgotten() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data = DataDir::at(dir.path());
        assert_eq!(tsa_url(&data), None);
        assert_eq!(
            set_tsa_url(&data, Some("https://tsa.example")),
            Err(SettingsError::NotHttp("https://tsa.example".to_owned()))
        );
        assert_eq!(
            set_tsa_url(&data, Some("http://127.0.0.1:3180/tsa")),
            Ok(())
        );
        assert_eq!(tsa_url(&data).as_deref(), Some("http://127.0.0.1:3180/tsa"));
        assert_eq!(
            resolve_tsa(Some("http://other"), &data).as_deref(),
            Some("http://other")
        );
        assert_eq!(
            resolve_tsa(None, &data).as_deref(),
            Some("http://127.0.0.1:3180/tsa")
        );
        assert_eq!(set_tsa_url(&data, None), Ok(()));
        assert_eq!(resolve_tsa(None, &data), None);
    }
}
