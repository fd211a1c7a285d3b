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
