//! The embedded store: one SQLite file in the data folder.
//!
//! WAL journal, `synchronous = FULL` (a returned save survives a crash or power loss), foreign
//! keys on, numbered migrations applied on open inside a transaction. A file that is not a
//! prescreen database, is damaged, or comes from a newer schema is refused with its name and
//! never altered: it is inspected read-only before anything is written.

use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;
use rusqlite::{Connection, TransactionBehavior};
use tracing::{debug, info};

mod backup;
mod codec;
mod log;
mod schema;
mod screenings;
mod signers;
mod trail;
mod visit;
mod writer;

pub use schema::{APPLICATION_ID, SCHEMA_VERSION};

use crate::audit::{AuditEvent, ChainReport};
use crate::clock::{Clock, SystemClock};
use crate::{
    Coordinator, CoordinatorId, LogFilter, LogRow, NewCoordinator, NewScreening, NewTrustedSigner,
    ScreeningStatus, Store, StoreError, StoredScreening, StoredVerdict, TrialSummary,
    TrustedSigner,
};
use prescreen_core::screening::{Candidate, CriterionEntry, Screening};
use prescreen_core::trial::load::LoadedTrial;
use prescreen_core::trial::model::TrialDefinition;

use codec::*;
use schema::*;
use writer::*;

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
    conn: Connection,
    file: String,
    clock: Box<dyn Clock>,
    definitions: HashMap<String, TrialDefinition>,
    /// How the schema differs from what the migrations made (a dropped trigger, an added
    /// table); not empty means the store was opened read-only.
    schema_problems: Vec<String>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("file", &self.file)
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
            conn,
            file,
            clock,
            definitions: HashMap::new(),
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
        store.schema_problems = schema_problems(&store.conn, &store.file)?;
        if !store.schema_problems.is_empty() {
            tracing::warn!(problems = ?store.schema_problems, "schema differs: store opened read-only");
        }
        debug!(file = %store.file, "store opened");
        Ok(store)
    }

    /// The database file this store uses.
    pub fn path_text(&self) -> &str {
        &self.file
    }

    /// Applies the missing migrations, each in its own transaction with its version number.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let file = self.file.clone();
        let tx = self
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
            Self::refresh_derived(&tx, &file, &mut self.definitions)?;
        }
        tx.commit().map_err(|e| db_error(&file, e))
    }

    /// Recomputes every screening's derived columns (verdict, failing and time-limited
    /// criteria, re-screen date) with today's engine and its stored definition. Derived data
    /// only: no audit event, no answer or candidate field changes.
    fn refresh_derived(
        tx: &Connection,
        file: &str,
        definitions: &mut HashMap<String, TrialDefinition>,
    ) -> Result<(), StoreError> {
        let ids: Vec<String> = tx
            .prepare("SELECT id FROM screening ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<_, _>>()
            })
            .map_err(|e| db_error(file, e))?;
        for id in &ids {
            store_derived(tx, file, definitions, id, None)?;
        }
        info!(screenings = ids.len(), "derived verdict columns recomputed");
        Ok(())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| self.err(e))
    }

    /// SQLite's own `PRAGMA integrity_check`: `Ok(())` or the problems it lists.
    pub fn check_integrity(&self) -> Result<Result<(), Vec<String>>, StoreError> {
        let mut statement = self
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
        db_error(&self.file, error)
    }

    /// Runs `work` in one IMMEDIATE transaction (taking the write lock up front, so two
    /// writers wait for each other instead of failing) with one timestamp for all its events.
    fn write<T>(
        &mut self,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if let Some(problem) = self.schema_problems.first() {
            return Err(StoreError::ReadOnly(format!(
                "{}: the schema is not what prescreen made ({problem})",
                self.file
            )));
        }
        let stamp = self.clock.now();
        let file = self.file.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_error(&file, e))?;
        let mut writer = Writer {
            tx,
            file: &file,
            stamp,
            definitions: &mut self.definitions,
            pending: Vec::new(),
        };
        let value = work(&mut writer)?;
        writer.finish()?;
        writer.tx.commit().map_err(|e| db_error(&file, e))?;
        Ok(value)
    }
}

impl Store for SqliteStore {
    fn save_coordinator(&mut self, new: &NewCoordinator) -> Result<Coordinator, StoreError> {
        screenings::save_coordinator(self, new)
    }

    fn set_current_coordinator(&mut self, id: CoordinatorId) -> Result<(), StoreError> {
        screenings::set_current_coordinator(self, id)
    }

    fn current_coordinator(&self) -> Result<Option<Coordinator>, StoreError> {
        screenings::current_coordinator(self)
    }

    fn coordinator(&self, id: CoordinatorId) -> Result<Coordinator, StoreError> {
        screenings::coordinator(self, id)
    }

    fn record_trial_definition(&mut self, trial: &LoadedTrial) -> Result<(), StoreError> {
        screenings::record_trial_definition(self, trial)
    }

    fn trial_text(
        &self,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> Result<Option<String>, StoreError> {
        screenings::trial_text(self, trial_id, version, sha256)
    }

    fn create_screening(
        &mut self,
        trial: &LoadedTrial,
        new: &NewScreening,
        by: CoordinatorId,
    ) -> Result<String, StoreError> {
        screenings::create_screening(self, trial, new, by)
    }

    fn import_screening(
        &mut self,
        trial: &LoadedTrial,
        screening: &Screening,
        by: CoordinatorId,
    ) -> Result<String, StoreError> {
        screenings::import_screening(self, trial, screening, by)
    }

    fn load_screening(&self, id: &str) -> Result<StoredScreening, StoreError> {
        screenings::load_screening(self, id)
    }

    fn set_answer(
        &mut self,
        id: &str,
        criterion_id: &str,
        entry: Option<&CriterionEntry>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        screenings::set_answer(self, id, criterion_id, entry, by, reason)
    }

    fn set_candidate(
        &mut self,
        id: &str,
        candidate: &Candidate,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        screenings::set_candidate(self, id, candidate, by, reason)
    }

    fn set_dates(
        &mut self,
        id: &str,
        prescreening_date: Date,
        planned_visit_date: Option<Date>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        screenings::set_dates(self, id, prescreening_date, planned_visit_date, by, reason)
    }

    fn set_status(
        &mut self,
        id: &str,
        status: ScreeningStatus,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        screenings::set_status(self, id, status, by, reason)
    }

    fn start_visit(
        &mut self,
        id: &str,
        visit_date: Date,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        visit::start_visit(self, id, visit_date, by, reason)
    }

    fn reconfirm(
        &mut self,
        id: &str,
        criterion_id: &str,
        changed: bool,
        on: Option<Date>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        visit::reconfirm(self, id, criterion_id, changed, on, by, reason)
    }

    fn record_verdict(&mut self, id: &str, by: CoordinatorId) -> Result<StoredVerdict, StoreError> {
        screenings::record_verdict(self, id, by)
    }

    fn mark_signed(&mut self, id: &str, by: CoordinatorId, detail: &str) -> Result<(), StoreError> {
        screenings::mark_signed(self, id, by, detail)
    }

    fn mark_exported(
        &mut self,
        id: &str,
        by: CoordinatorId,
        detail: &str,
    ) -> Result<(), StoreError> {
        screenings::mark_exported(self, id, by, detail)
    }

    fn screening_history(&self, id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        trail::screening_history(self, id)
    }

    fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        trail::verify_audit_chain(self)
    }

    fn screening_record_problems(&self, id: &str) -> Result<Vec<String>, StoreError> {
        trail::screening_record_problems(self, id)
    }

    fn set_form_draft(&mut self, trial_id: &str, text: Option<&str>) -> Result<(), StoreError> {
        screenings::set_form_draft(self, trial_id, text)
    }

    fn form_draft(&self, trial_id: &str) -> Result<Option<String>, StoreError> {
        screenings::form_draft(self, trial_id)
    }

    fn audit_event_at(&self, seq: i64) -> Result<Option<AuditEvent>, StoreError> {
        trail::audit_event_where(self, Some(seq), None)
    }

    fn audit_event_with_hash(&self, hash: &str) -> Result<Option<AuditEvent>, StoreError> {
        trail::audit_event_where(self, None, Some(hash))
    }

    fn latest_chain_hash(&self) -> Result<String, StoreError> {
        trail::latest_chain_hash(self)
    }

    fn log(
        &self,
        filter: &LogFilter,
        sink: &mut dyn FnMut(&LogRow) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        log::log(self, filter, sink)
    }

    fn summary(&self, filter: &LogFilter) -> Result<Vec<TrialSummary>, StoreError> {
        log::summary(self, filter)
    }

    fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        backup::backup_to(self, path)
    }

    fn add_trusted_signer(
        &mut self,
        signer: &NewTrustedSigner,
        by: CoordinatorId,
    ) -> Result<(), StoreError> {
        signers::add(self, signer, by)
    }

    fn revoke_trusted_signer(
        &mut self,
        fingerprint: &str,
        reason: &str,
        by: CoordinatorId,
    ) -> Result<(), StoreError> {
        signers::revoke(self, fingerprint, reason, by)
    }

    fn trusted_signers(&self) -> Result<Vec<TrustedSigner>, StoreError> {
        signers::list(self)
    }
}
