//! Screenings as RON files: the exchange format of fixtures, import and export.

use std::path::Path;

use crate::io_error::IoError;
use crate::screening::Screening;
use crate::trial::load::ron_options;

/// Why a screening file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreeningFileError {
    /// The file could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The text is not a valid screening.
    #[error("{file}:{line}:{column}: {}{message}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The field at that position (`answers.IN03.answer.Mhiss.items[2]`), when it can be
        /// told.
        field: Option<String>,
        /// What the parser expected or found.
        message: String,
    },
    /// The file is larger than any screening file can be.
    #[error("{file}: {bytes} bytes; a screening file is at most {max} bytes")]
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        bytes: u64,
        /// The limit.
        max: u64,
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
            field: crate::ron_path::path_at(text, e.span.start.line, e.span.start.col),
            message: e.code.to_string(),
        })
}

/// The largest screening file read: a full screening is a few KB, so 1 MB is room for any
/// real one and refuses a runaway file before it is parsed.
pub const MAX_SCREENING_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a screening file (refusing one larger than [`MAX_SCREENING_FILE_BYTES`]).
pub fn read_screening(path: &Path) -> Result<Screening, ScreeningFileError> {
    use std::io::Read;
    let origin = path.display().to_string();
    let io = |e: std::io::Error| ScreeningFileError::Io(IoError::new(path, e));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    let read = file
        .take(MAX_SCREENING_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if read as u64 > MAX_SCREENING_FILE_BYTES {
        return Err(ScreeningFileError::TooLarge {
            file: origin,
            bytes: std::fs::metadata(path)
                .map(|m| m.len())
                .unwrap_or(read as u64),
            max: MAX_SCREENING_FILE_BYTES,
        });
    }
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
