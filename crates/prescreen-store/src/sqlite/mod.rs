//! The embedded store: one SQLite file in the data folder.
//!
//! WAL journal, `synchronous = FULL` (a returned save survives a crash or power loss), foreign
//! keys on, numbered migrations applied on open inside a transaction. A file that is not a
//! prescreen database, is damaged, or comes from a newer schema is refused with its name and
//! never altered: it is inspected read-only before anything is written.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};
use tracing::{debug, info};

mod backup;
mod identity;
mod schema;

pub use schema::{APPLICATION_ID, SCHEMA_VERSION};

use crate::clock::{Clock, SystemClock};
use crate::records::codec::store_derived;
use crate::records::{Records, Writer};
use crate::sql::{Db, Dialect, Row, Value};
use crate::{Coordinator, CoordinatorId, NewCoordinator, StoreError};
use prescreen_core::trial::model::TrialDefinition;

use schema::*;

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous = FULL`: a returned save survives a process kill and a power loss. The
    /// default for real records.
    PowerLoss,
    /// `synchronous = NORMAL`: a returned save survives a process kill, not a power loss.
    /// Only for generating large synthetic databases (benchmarks).
    ProcessCrash,
}

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    db: SqliteConn,
    clock: Box<dyn Clock>,
    definitions: HashMap<String, TrialDefinition>,
    seen: RefCell<HashMap<String, i64>>,
    /// How the schema differs from what the migrations made (a dropped trigger, an added
    /// table); not empty means the store was opened read-only.
    schema_problems: Vec<String>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("file", &self.db.file)
            .finish_non_exhaustive()
    }
}

/// Maps a SQLite error: damage becomes [`StoreError::Corrupt`] naming the file.
fn db_error(file: &str, error: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, _) = &error {
        use rusqlite::ErrorCode;
        if matches!(
            failure.code,
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase
        ) {
            return StoreError::Corrupt {
                file: file.to_owned(),
                detail: error.to_string(),
            };
        }
    }
    StoreError::Database(std::sync::Arc::new(error))
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` with the system clock and full durability.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(
            path,
            Box::new(SystemClock::default()),
            Durability::PowerLoss,
        )
    }

    /// Opens with a given clock (tests) and durability (benchmarks).
    pub fn open_with(
        path: &Path,
        clock: Box<dyn Clock>,
        durability: Durability,
    ) -> Result<Self, StoreError> {
        let file = path.display().to_string();
        let inspection = inspect(path, &file)?;
        // Owner-only on Unix: created 0600, looser modes tightened (see `data_dir`).
        crate::data_dir::prepare_private_database(path)?;
        let conn = Connection::open(path).map_err(|e| db_error(&file, e))?;
        let synchronous = match durability {
            Durability::PowerLoss => "FULL",
            Durability::ProcessCrash => "NORMAL",
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| db_error(&file, e))?;
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|e| db_error(&file, e))?;
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
        ))
        .map_err(|e| db_error(&file, e))?;
        let mut store = Self {
            db: SqliteConn { conn, file },
            clock,
            definitions: HashMap::new(),
            seen: RefCell::new(HashMap::new()),
            schema_problems: Vec::new(),
        };
        let from_version = match inspection {
            Inspection::Fresh => 0,
            Inspection::Ours(version) => version,
        };
        if from_version < SCHEMA_VERSION {
            store.migrate()?;
        }
        // The schema (append-only triggers included) must be exactly what the migrations
        // made; anything else is reported and the store is opened read-only.
        store.schema_problems = schema_problems(&store.db.conn, &store.db.file)?;
        if !store.schema_problems.is_empty() {
            tracing::warn!(problems = ?store.schema_problems, "schema differs: store opened read-only");
        }
        debug!(file = %store.db.file, "store opened");
        Ok(store)
    }

    /// The database file this store uses.
    pub fn path_text(&self) -> &str {
        &self.db.file
    }

    /// Applies the missing migrations, each in its own transaction with its version number.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let file = self.db.file.clone();
        let tx = self
            .db
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(|e| db_error(&file, e))?;
        let current: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| db_error(&file, e))?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                file,
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            let version = index as i64 + 1;
            if version <= current {
                continue;
            }
            tx.execute_batch(migration)
                .map_err(|e| db_error(&file, e))?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {version};"
            ))
            .map_err(|e| db_error(&file, e))?;
            info!(version, "schema migration applied");
        }
        if current > 0 && current < 3 {
            Self::refresh_derived(
                &SqliteDb {
                    conn: &tx,
                    file: &file,
                },
                &mut self.definitions,
            )?;
        }
        tx.commit().map_err(|e| db_error(&file, e))
    }

    /// Recomputes every screening's derived columns (verdict, failing and time-limited
    /// criteria, re-screen date) with today's engine and its stored definition. Derived data
    /// only: no audit event, no answer or candidate field changes.
    fn refresh_derived(
        db: &dyn Db,
        definitions: &mut HashMap<String, TrialDefinition>,
    ) -> Result<(), StoreError> {
        let ids: Vec<String> =
            db.query_vec("SELECT id FROM screening ORDER BY id", &[], |row| {
                row.get(0)
            })?;
        for id in &ids {
            store_derived(db, definitions, id, None)?;
        }
        info!(screenings = ids.len(), "derived verdict columns recomputed");
        Ok(())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.db
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| self.err(e))
    }

    /// SQLite's own `PRAGMA integrity_check`: `Ok(())` or the problems it lists.
    fn sqlite_integrity_check(&self) -> Result<Result<(), Vec<String>>, StoreError> {
        let mut statement = self
            .db
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.err(e))?;
        let lines: Vec<String> = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        Ok(if lines == ["ok"] { Ok(()) } else { Err(lines) })
    }

    fn err(&self, error: rusqlite::Error) -> StoreError {
        db_error(&self.db.file, error)
    }
}

impl Records for SqliteStore {
    fn db(&self) -> &dyn Db {
        &self.db
    }

    /// One IMMEDIATE transaction (taking the write lock up front, so two writers wait for
    /// each other instead of failing) with one timestamp for all its events.
    fn write<T>(
        &mut self,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if let Some(problem) = self.schema_problems.first() {
            return Err(StoreError::ReadOnly(format!(
                "{}: the schema is not what prescreen made ({problem})",
                self.db.file
            )));
        }
        let stamp = self.clock.now();
        let mut seen = self.seen.borrow_mut();
        let file = &self.db.file;
        let tx = self
            .db
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_error(file, e))?;
        let db = SqliteDb { conn: &tx, file };
        let mut writer = Writer {
            tx: &db,
            stamp,
            definitions: &mut self.definitions,
            pending: Vec::new(),
            seen: &mut seen,
            written: Vec::new(),
            acting_login: None,
        };
        let value = work(&mut writer)?;
        writer.finish()?;
        let written = std::mem::take(&mut writer.written);
        drop(writer);
        tx.commit().map_err(|e| db_error(file, e))?;
        seen.extend(written);
        Ok(value)
    }

    fn seen(&self) -> &RefCell<HashMap<String, i64>> {
        &self.seen
    }

    fn schema_problems(&self) -> Vec<String> {
        self.schema_problems.clone()
    }

    fn save_coordinator(&mut self, new: &NewCoordinator) -> Result<Coordinator, StoreError> {
        identity::save_coordinator(self, new)
    }

    fn set_current_coordinator(&mut self, id: CoordinatorId) -> Result<(), StoreError> {
        identity::set_current_coordinator(self, id)
    }

    fn current_coordinator(&self) -> Result<Option<Coordinator>, StoreError> {
        identity::current_coordinator(self)
    }

    fn set_form_draft(&mut self, trial_id: &str, text: Option<&str>) -> Result<(), StoreError> {
        identity::set_form_draft(self, trial_id, text)
    }

    fn form_draft(&self, trial_id: &str) -> Result<Option<String>, StoreError> {
        identity::form_draft(self, trial_id)
    }

    fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        backup::backup_to(self, path)
    }

    fn location(&self) -> String {
        self.db.file.clone()
    }

    fn check_integrity(&self) -> Result<Result<(), Vec<String>>, StoreError> {
        self.sqlite_integrity_check()
    }
}

/// The open database file, for reads.
struct SqliteConn {
    conn: Connection,
    file: String,
}

/// A connection or a transaction on it, with the file named in errors.
struct SqliteDb<'a> {
    conn: &'a Connection,
    file: &'a str,
}

impl Db for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        sqlite_execute(&self.conn, &self.file, sql, params)
    }

    fn for_each_row(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        sqlite_for_each_row(&self.conn, &self.file, sql, params, each)
    }
}

impl Db for SqliteDb<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        sqlite_execute(self.conn, self.file, sql, params)
    }

    fn for_each_row(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        sqlite_for_each_row(self.conn, self.file, sql, params, each)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
        })
    }
}

fn sqlite_execute(
    conn: &Connection,
    file: &str,
    sql: &str,
    params: &[Value],
) -> Result<u64, StoreError> {
    let changed = conn
        .prepare_cached(sql)
        .and_then(|mut statement| statement.execute(rusqlite::params_from_iter(params)))
        .map_err(|e| db_error(file, e))?;
    Ok(changed as u64)
}

/// Each row read into [`Value`]s. A real or a blob (never written by prescreen, but a
/// tampered file may hold one) is read as text, so verification can name the row.
fn sqlite_for_each_row(
    conn: &Connection,
    file: &str,
    sql: &str,
    params: &[Value],
    each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    use rusqlite::types::ValueRef;
    let mut statement = conn.prepare_cached(sql).map_err(|e| db_error(file, e))?;
    let columns = statement.column_count();
    let mut rows = statement
        .query(rusqlite::params_from_iter(params))
        .map_err(|e| db_error(file, e))?;
    let mut row = Row::default();
    while let Some(found) = rows.next().map_err(|e| db_error(file, e))? {
        row.values.clear();
        for index in 0..columns {
            let value = match found.get_ref(index).map_err(|e| db_error(file, e))? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Int(i),
                ValueRef::Real(x) => Value::Text(x.to_string()),
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                    Value::Text(String::from_utf8_lossy(bytes).into_owned())
                }
            };
            row.values.push(value);
        }
        each(&row)?;
    }
    Ok(())
}
