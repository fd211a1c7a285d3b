//! Screenings as RON files: the exchange format of fixtures, import and export.

use std::path::Path;

use crate::screening::Screening;
use crate::trial::load::ron_options;

/// Why a screening file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreeningFileError {
    /// The file could not be read or written.
    #[error("{file}: {message}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// The text is not a valid screening.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected or found.
        message: String,
    },
    /// The screening could not be turned into text.
    #[error("cannot write screening: {0}")]
    Encode(String),
}

/// Parses a screening from RON text; `origin` names the file in errors.
pub fn screening_from_str(text: &str, origin: &str) -> Result<Screening, ScreeningFileError> {
    ron_options()
        .from_str(text)
        .map_err(|e| ScreeningFileError::Syntax {
            file: origin.to_owned(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: e.code.to_string(),
        })
}

/// Reads a screening file.
pub fn read_screening(path: &Path) -> Result<Screening, ScreeningFileError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScreeningFileError::Io {
        file: origin.clone(),
        message: e.to_string(),
    })?;
    screening_from_str(&text, &origin)
}

/// Pretty RON text of a screening (what `import` reads back).
pub fn screening_to_string(screening: &Screening) -> Result<String, ScreeningFileError> {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .indentor("    ".to_owned());
    ron_options()
        .to_string_pretty(screening, config)
        .map_err(|e| ScreeningFileError::Encode(e.to_string()))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, synced, then
/// renamed over the target, so a crash never leaves a partial file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_data()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
