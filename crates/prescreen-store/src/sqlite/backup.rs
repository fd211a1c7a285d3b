//! A consistent copy of the whole store while others may be writing.

use prescreen_core::io_error::IoError;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use tracing::info;

use super::SqliteStore;
use crate::StoreError;
use crate::records::codec::io_error;

pub(super) fn backup_to(store: &SqliteStore, path: &Path) -> Result<(), StoreError> {
    let target_text = path.display().to_string();
    if let (Ok(a), Ok(b)) = (
        std::fs::canonicalize(path),
        std::fs::canonicalize(&store.db.file),
    ) && a == b
    {
        return Err(StoreError::Io(IoError::other(
            &target_text,
            "is the live database itself; choose another file",
        )));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".to_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let result = (|| {
        {
            let mut copy = Connection::open(&temp).map_err(|e| store.err(e))?;
            // All pages in one step under one read transaction: a consistent snapshot
            // that writers in WAL mode do not block and cannot restart.
            let mut attempts = 0;
            loop {
                let backup = rusqlite::backup::Backup::new(&store.db.conn, &mut copy)
                    .map_err(|e| store.err(e))?;
                match backup.step(-1).map_err(|e| store.err(e))? {
                    rusqlite::backup::StepResult::Done => break,
                    _ if attempts < 100 => {
                        attempts += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    _ => {
                        return Err(StoreError::Database(std::sync::Arc::new(
                            rusqlite::Error::SqliteFailure(
                                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                                Some("the database stayed busy; backup not taken".to_owned()),
                            ),
                        )));
                    }
                }
            }
            // The copy is store-contained: a rollback-journal file with no WAL beside it.
            let _mode: String = copy
                .query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))
                .map_err(|e| store.err(e))?;
        }
        std::fs::File::open(&temp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_error(&temp, e))?;
        std::fs::rename(&temp, path).map_err(|e| io_error(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result?;
    info!(file = %target_text, "backup written");
    Ok(())
}
