//! The embedded store: one SQLite file in the data folder.
//!
//! WAL journal, `synchronous = FULL` (a returned save survives a crash or power loss), foreign
//! keys on, numbered migrations applied on open inside a transaction. A file that is not a
//! prescreen database, is damaged, or comes from a newer schema is refused with its name and
//! never altered: it is inspected read-only before anything is written.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use tracing::{debug, info};

use super::audit::{AuditAction, AuditEvent, ChainReport, ChainVerifier, GENESIS_HASH};
use super::clock::{Clock, Stamp, SystemClock};
use super::ids;
use super::{
    Coordinator, CoordinatorId, CriterionCount, LogFilter, LogRow, NewCoordinator, NewScreening,
    ReasonCount, ReasonCriterion, ScreeningStatus, Store, StoreError, StoredScreening,
    StoredVerdict, TransitionKind, TrialSummary,
};
use crate::eligibility::evaluate;
use crate::screening::{Candidate, CriterionEntry, Screening, Sex, TrialReference};
use crate::trial::load::{LoadedTrial, load_trial_str, ron_options};
use crate::trial::model::TrialDefinition;
use crate::validation::{
    AnswerContext, InputProblem, check_candidate, check_entry, check_screening,
};

/// `PRAGMA application_id` of a prescreen database ("PrSc"), so a foreign SQLite file is told
/// apart from ours.
pub const APPLICATION_ID: i64 = 0x5072_5363;

/// The numbered schema migrations; the database's `user_version` is how many were applied.
const MIGRATIONS: &[&str] = &[MIGRATION_1, MIGRATION_2, MIGRATION_3];

/// Re-screening: which failing criteria are time-limited, when to re-screen, and the link from
/// a new screening to the one it repeats. The summary index grows to cover the new column; a
/// partial index finds a screening's signatures without reading its whole trail.
/// After this migration every screening's derived columns are recomputed (see
/// [`SqliteStore::refresh_derived`]).
const MIGRATION_3: &str = "ALTER TABLE screening ADD COLUMN verdict_time_limited TEXT NOT NULL DEFAULT ''; \
     ALTER TABLE screening ADD COLUMN rescreen_from TEXT; \
     ALTER TABLE screening ADD COLUMN rescreen_after_event INTEGER NOT NULL DEFAULT 0; \
     ALTER TABLE screening ADD COLUMN rescreen_of TEXT REFERENCES screening (id); \
     CREATE INDEX screening_by_rescreen_of ON screening (rescreen_of); \
     CREATE INDEX audit_signatures ON audit_event (screening_id, seq) \
         WHERE action IN ('signed', 'superseded'); \
     DROP INDEX screening_summary; \
     CREATE INDEX screening_summary ON screening (trial_id, prescreening_date, status, verdict, \
         was_approached, was_consented, verdict_failing, verdict_time_limited, status_reason);";

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Shared candidate facts: pregnancy and breastfeeding (unknown until entered).
const MIGRATION_2: &str = "ALTER TABLE screening ADD COLUMN pregnant INTEGER; \
     ALTER TABLE screening ADD COLUMN breastfeeding INTEGER;";

const MIGRATION_1: &str = r#"
CREATE TABLE coordinator (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    site_code TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    UNIQUE (name, role, site_code)
);
CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE trial_definition (
    trial_id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    acronym TEXT NOT NULL,
    text TEXT NOT NULL,
    recorded_utc TEXT NOT NULL,
    PRIMARY KEY (trial_id, version, sha256)
) WITHOUT ROWID;
CREATE TABLE id_sequence (
    prefix TEXT NOT NULL,
    site_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (prefix, site_code, year)
) WITHOUT ROWID;
CREATE TABLE screening (
    id TEXT PRIMARY KEY,
    trial_id TEXT NOT NULL,
    definition_version TEXT NOT NULL,
    definition_sha256 TEXT NOT NULL,
    site_code TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES coordinator (id),
    initials TEXT NOT NULL,
    date_of_birth TEXT,
    sex TEXT,
    childbearing_potential INTEGER,
    prescreening_date TEXT NOT NULL,
    planned_visit_date TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    was_approached INTEGER NOT NULL DEFAULT 0,
    was_consented INTEGER NOT NULL DEFAULT 0,
    verdict TEXT NOT NULL,
    verdict_failing TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    FOREIGN KEY (trial_id, definition_version, definition_sha256)
        REFERENCES trial_definition (trial_id, version, sha256)
);
CREATE INDEX screening_by_date ON screening (prescreening_date, id);
CREATE INDEX screening_by_trial_date ON screening (trial_id, prescreening_date, id);
-- Covers every column the summary reads, so it never touches the table itself.
CREATE INDEX screening_summary ON screening (trial_id, prescreening_date, status, verdict,
    was_approached, was_consented, verdict_failing, status_reason);
CREATE TABLE answer (
    screening_id TEXT NOT NULL REFERENCES screening (id),
    criterion_id TEXT NOT NULL,
    entry TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    PRIMARY KEY (screening_id, criterion_id)
) WITHOUT ROWID;
CREATE TABLE audit_event (
    seq INTEGER PRIMARY KEY,
    at_utc TEXT NOT NULL,
    utc_offset TEXT NOT NULL,
    coordinator_id INTEGER NOT NULL REFERENCES coordinator (id),
    coordinator_name TEXT NOT NULL,
    coordinator_role TEXT NOT NULL,
    screening_id TEXT,
    action TEXT NOT NULL,
    target TEXT,
    old_value TEXT,
    new_value TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_screening ON audit_event (screening_id, seq);
CREATE TRIGGER audit_event_append_only_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_event_append_only_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER screening_never_deleted BEFORE DELETE ON screening
BEGIN SELECT RAISE(ABORT, 'screenings are voided, never deleted'); END;
"#;

/// The setting that remembers who the command line and app act as.
const CURRENT_COORDINATOR: &str = "current_coordinator";
/// The setting that mirrors the chain head (`seq:hash`), so a cut-off tail is noticed.
const AUDIT_HEAD: &str = "audit_head";

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
    StoreError::Database(error.to_string())
}

/// What the read-only look at an existing file found.
enum Inspection {
    /// No file, an empty file or an empty SQLite database: create the schema.
    Fresh,
    /// Ours, at this schema version.
    Ours(i64),
}

/// Looks at a file without writing to it.
fn inspect(path: &Path, file: &str) -> Result<Inspection, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Inspection::Fresh),
        Err(e) => {
            return Err(StoreError::Io {
                file: file.to_owned(),
                detail: e.to_string(),
            });
        }
    };
    if meta.is_dir() {
        return Err(StoreError::Io {
            file: file.to_owned(),
            detail: "is a folder, not a database file".to_owned(),
        });
    }
    if meta.len() == 0 {
        return Ok(Inspection::Fresh);
    }
    let mut header = [0_u8; 16];
    let read = {
        use std::io::Read;
        let mut handle = std::fs::File::open(path).map_err(|e| StoreError::Io {
            file: file.to_owned(),
            detail: e.to_string(),
        })?;
        let mut filled = 0;
        loop {
            match handle.read(&mut header[filled..]) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    if filled == header.len() {
                        break;
                    }
                }
                Err(e) => {
                    return Err(StoreError::Io {
                        file: file.to_owned(),
                        detail: e.to_string(),
                    });
                }
            }
        }
        filled
    };
    if read < header.len() || &header != b"SQLite format 3\0" {
        return Err(StoreError::NotOurDatabase {
            file: file.to_owned(),
            detail: "it is not an SQLite database".to_owned(),
        });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db_error(file, e))?;
    let corrupt = |e: rusqlite::Error| match db_error(file, e) {
        StoreError::Database(detail) => StoreError::Corrupt {
            file: file.to_owned(),
            detail,
        },
        other => other,
    };
    let application_id: i64 = conn
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(corrupt)?;
    let user_version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(corrupt)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(corrupt)?;
    if application_id != APPLICATION_ID {
        if application_id == 0 && objects == 0 && user_version == 0 {
            return Ok(Inspection::Fresh);
        }
        return Err(StoreError::NotOurDatabase {
            file: file.to_owned(),
            detail: format!(
                "an SQLite database of another program (application id {application_id:#x}, \
                 {objects} schema objects)"
            ),
        });
    }
    if user_version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            file: file.to_owned(),
            found: user_version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(Inspection::Ours(user_version))
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
        };
        let from_version = match inspection {
            Inspection::Fresh => 0,
            Inspection::Ours(version) => version,
        };
        if from_version < SCHEMA_VERSION {
            store.migrate()?;
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
        };
        let value = work(&mut writer)?;
        writer.tx.commit().map_err(|e| db_error(&file, e))?;
        Ok(value)
    }
}

/// One write transaction and what its steps share.
struct Writer<'a> {
    tx: Transaction<'a>,
    file: &'a str,
    stamp: Stamp,
    definitions: &'a mut HashMap<String, TrialDefinition>,
}

/// What an event says, before it gets its place in the chain.
struct EventDraft<'a> {
    screening_id: Option<&'a str>,
    action: AuditAction,
    target: Option<&'a str>,
    old_value: Option<&'a str>,
    new_value: Option<&'a str>,
    reason: Option<&'a str>,
}

/// A screening row without its answers.
struct ScreeningRow {
    id: String,
    trial_id: String,
    definition_version: String,
    definition_sha256: String,
    site_code: String,
    created_by: CoordinatorId,
    candidate: Candidate,
    prescreening_date: Date,
    planned_visit_date: Option<Date>,
    status: ScreeningStatus,
    status_reason: Option<String>,
    was_approached: bool,
    was_consented: bool,
    verdict: StoredVerdict,
    rescreen_of: Option<String>,
}

const SCREENING_COLUMNS: &str = "id, trial_id, definition_version, definition_sha256, site_code, \
     created_by, initials, date_of_birth, sex, childbearing_potential, prescreening_date, \
     planned_visit_date, status, status_reason, was_approached, was_consented, verdict, \
     verdict_failing, pregnant, breastfeeding, verdict_time_limited, rescreen_from, \
     rescreen_after_event, rescreen_of";

fn parse_date(text: &str, column: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::InvalidStoredData(format!("{column} is not a date")))
}

fn parse_optional_date(text: Option<String>, column: &str) -> Result<Option<Date>, StoreError> {
    text.map(|t| parse_date(&t, column)).transpose()
}

fn sex_text(sex: Option<Sex>) -> Option<&'static str> {
    sex.map(|s| match s {
        Sex::Female => "female",
        Sex::Male => "male",
    })
}

fn parse_sex(text: Option<String>) -> Result<Option<Sex>, StoreError> {
    match text.as_deref() {
        None => Ok(None),
        Some("female") => Ok(Some(Sex::Female)),
        Some("male") => Ok(Some(Sex::Male)),
        Some(_) => Err(StoreError::InvalidStoredData(
            "sex is neither female nor male".to_owned(),
        )),
    }
}

fn parse_status(text: &str) -> Result<ScreeningStatus, StoreError> {
    text.parse()
        .map_err(|_| StoreError::InvalidStoredData("status is not a known status".to_owned()))
}

fn split_failing(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

fn entry_text(entry: &CriterionEntry) -> Result<String, StoreError> {
    ron_options()
        .to_string(entry)
        .map_err(|e| StoreError::InvalidStoredData(format!("cannot encode an answer: {e}")))
}

fn parse_entry(text: &str, criterion: &str) -> Result<CriterionEntry, StoreError> {
    ron_options().from_str(text).map_err(|_| {
        StoreError::InvalidStoredData(format!("the stored answer to {criterion} does not parse"))
    })
}

fn io_error(file: &Path, error: std::io::Error) -> StoreError {
    StoreError::Io {
        file: file.display().to_string(),
        detail: error.to_string(),
    }
}

/// A field's name, its old and its new value as stored text.
type FieldChange = (&'static str, Option<String>, Option<String>);

/// Raw columns of a screening row, as read.
type RawScreening = (
    (String, String, String, String, String, i64),
    (String, Option<String>, Option<String>, Option<bool>),
    (String, Option<String>, String, Option<String>, bool, bool),
    (String, String),
    (Option<bool>, Option<bool>),
    (String, Option<String>, bool, Option<String>),
);

fn read_raw_screening(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawScreening> {
    Ok((
        (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
        ),
        (row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?),
        (
            row.get(10)?,
            row.get(11)?,
            row.get(12)?,
            row.get(13)?,
            row.get(14)?,
            row.get(15)?,
        ),
        (row.get(16)?, row.get(17)?),
        (row.get(18)?, row.get(19)?),
        (row.get(20)?, row.get(21)?, row.get(22)?, row.get(23)?),
    ))
}

fn screening_row_from_raw(raw: RawScreening) -> Result<ScreeningRow, StoreError> {
    let (
        (id, trial_id, definition_version, definition_sha256, site_code, created_by),
        (initials, date_of_birth, sex, childbearing_potential),
        (
            prescreening_date,
            planned_visit_date,
            status,
            status_reason,
            was_approached,
            was_consented,
        ),
        (verdict, verdict_failing),
        (pregnant, breastfeeding),
        (time_limited, rescreen_from, rescreen_after_event, rescreen_of),
    ) = raw;
    Ok(ScreeningRow {
        id,
        trial_id,
        definition_version,
        definition_sha256,
        site_code,
        created_by,
        candidate: Candidate {
            initials,
            date_of_birth: parse_optional_date(date_of_birth, "date_of_birth")?,
            sex: parse_sex(sex)?,
            childbearing_potential,
            pregnant,
            breastfeeding,
        },
        prescreening_date: parse_date(&prescreening_date, "prescreening_date")?,
        planned_visit_date: parse_optional_date(planned_visit_date, "planned_visit_date")?,
        status: parse_status(&status)?,
        status_reason,
        was_approached,
        was_consented,
        verdict: StoredVerdict {
            name: verdict,
            failing: split_failing(&verdict_failing),
            time_limited: split_failing(&time_limited),
            rescreen_from: parse_optional_date(rescreen_from, "rescreen_from")?,
            rescreen_after_event,
        },
        rescreen_of,
    })
}

fn load_screening_row(conn: &Connection, file: &str, id: &str) -> Result<ScreeningRow, StoreError> {
    let raw = conn
        .query_row(
            &format!("SELECT {SCREENING_COLUMNS} FROM screening WHERE id = ?1"),
            [id],
            read_raw_screening,
        )
        .optional()
        .map_err(|e| db_error(file, e))?
        .ok_or_else(|| StoreError::UnknownScreening(id.to_owned()))?;
    screening_row_from_raw(raw)
}

fn load_answers(
    conn: &Connection,
    file: &str,
    id: &str,
) -> Result<BTreeMap<String, CriterionEntry>, StoreError> {
    let mut statement = conn
        .prepare_cached("SELECT criterion_id, entry FROM answer WHERE screening_id = ?1")
        .map_err(|e| db_error(file, e))?;
    let rows = statement
        .query_map([id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(|e| db_error(file, e))?;
    let mut answers = BTreeMap::new();
    for row in rows {
        let (criterion, text) = row.map_err(|e| db_error(file, e))?;
        let entry = parse_entry(&text, &criterion)?;
        answers.insert(criterion, entry);
    }
    Ok(answers)
}

fn load_coordinator(
    conn: &Connection,
    file: &str,
    id: CoordinatorId,
) -> Result<Coordinator, StoreError> {
    conn.query_row(
        "SELECT id, name, role, site_code FROM coordinator WHERE id = ?1",
        [id],
        |row| {
            Ok(Coordinator {
                id: row.get(0)?,
                name: row.get(1)?,
                role: row.get(2)?,
                site_code: row.get(3)?,
            })
        },
    )
    .optional()
    .map_err(|e| db_error(file, e))?
    .ok_or(StoreError::UnknownCoordinator(id))
}

fn screening_of(row: &ScreeningRow, answers: BTreeMap<String, CriterionEntry>) -> Screening {
    Screening {
        screening_id: row.id.clone(),
        trial: TrialReference {
            id: row.trial_id.clone(),
            version: row.definition_version.clone(),
            sha256: Some(row.definition_sha256.clone()),
        },
        coordinator: None,
        candidate: row.candidate.clone(),
        prescreening_date: row.prescreening_date,
        planned_visit_date: row.planned_visit_date,
        answers,
    }
}

/// Evaluates a screening with its stored definition (cached by hash) and stores the derived
/// columns: verdict, failing and time-limited criteria, re-screen advice (and `updated_utc`
/// when given).
fn store_derived(
    conn: &Connection,
    file: &str,
    definitions: &mut HashMap<String, TrialDefinition>,
    id: &str,
    updated_utc: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let row = load_screening_row(conn, file, id)?;
    let answers = load_answers(conn, file, id)?;
    let definition = match definitions.get(&row.definition_sha256) {
        Some(definition) => definition.clone(),
        None => {
            let definition = stored_definition(
                conn,
                file,
                &row.trial_id,
                &row.definition_version,
                &row.definition_sha256,
            )?;
            definitions.insert(row.definition_sha256.clone(), definition.clone());
            definition
        }
    };
    let evaluation = evaluate(&definition, &screening_of(&row, answers));
    let verdict = StoredVerdict::from_evaluation(&evaluation);
    conn.prepare_cached(
        "UPDATE screening SET verdict = ?2, verdict_failing = ?3, verdict_time_limited = ?4, \
         rescreen_from = ?5, rescreen_after_event = ?6, updated_utc = coalesce(?7, updated_utc) \
         WHERE id = ?1",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            id,
            verdict.name,
            verdict.failing.join(" "),
            verdict.time_limited.join(" "),
            verdict.rescreen_from.map(|d| d.to_string()),
            verdict.rescreen_after_event,
            updated_utc,
        ])
    })
    .map_err(|e| db_error(file, e))?;
    Ok(verdict)
}

/// Reads and parses a stored definition text (cached by hash by the caller).
fn stored_definition(
    conn: &Connection,
    file: &str,
    trial_id: &str,
    version: &str,
    sha256: &str,
) -> Result<TrialDefinition, StoreError> {
    let text: String = conn
        .query_row(
            "SELECT text FROM trial_definition WHERE trial_id = ?1 AND version = ?2 AND sha256 = ?3",
            [trial_id, version, sha256],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| db_error(file, e))?
        .ok_or_else(|| StoreError::UnknownDefinition {
            trial: trial_id.to_owned(),
            version: version.to_owned(),
            sha256: sha256.to_owned(),
        })?;
    load_trial_str(&text, &format!("stored:{trial_id}-{version}.ron"))
        .map(|loaded| loaded.definition)
        .map_err(|e| StoreError::StoredDefinition {
            trial: trial_id.to_owned(),
            version: version.to_owned(),
            detail: e.to_string(),
        })
}

/// Refuses candidate fields or dates that fail the core's checks, naming each field.
fn refuse_candidate_problems(
    candidate: &Candidate,
    prescreening_date: Date,
    planned_visit_date: Option<Date>,
    today: Date,
) -> Result<(), StoreError> {
    let problems: Vec<InputProblem> = check_candidate(
        candidate,
        prescreening_date,
        planned_visit_date,
        Some(today),
    )
    .into_iter()
    .map(|(field, message)| InputProblem {
        criterion: None,
        field: field.label().to_owned(),
        message,
    })
    .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::InvalidInput(problems))
    }
}

fn required_reason<'r>(
    reason: Option<&'r str>,
    screening: &str,
    what: impl FnOnce() -> String,
) -> Result<&'r str, StoreError> {
    match reason.map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text),
        _ => Err(StoreError::ReasonRequired {
            screening: screening.to_owned(),
            what: what(),
        }),
    }
}

fn candidate_fields(candidate: &Candidate) -> [(&'static str, Option<String>); 6] {
    [
        (
            "initials",
            Some(candidate.initials.clone()).filter(|i| !i.is_empty()),
        ),
        (
            "date_of_birth",
            candidate.date_of_birth.map(|d| d.to_string()),
        ),
        ("sex", sex_text(candidate.sex).map(str::to_owned)),
        (
            "childbearing_potential",
            candidate.childbearing_potential.map(|b| b.to_string()),
        ),
        ("pregnant", candidate.pregnant.map(|b| b.to_string())),
        (
            "breastfeeding",
            candidate.breastfeeding.map(|b| b.to_string()),
        ),
    ]
}

impl Writer<'_> {
    fn err(&self, error: rusqlite::Error) -> StoreError {
        db_error(self.file, error)
    }

    /// Appends one event per changed field (a field that had a value needs the reason) and,
    /// when anything changes on a signed screening, the supersession first.
    fn record_field_changes(
        &self,
        by: &Coordinator,
        id: &str,
        action: AuditAction,
        describe: &str,
        changes: &[FieldChange],
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        if changes.iter().any(|(_, old, new)| old != new) {
            self.supersede_signatures(by, id, reason)?;
        }
        for (field, old, new) in changes {
            if old == new {
                continue;
            }
            let reason = if old.is_some() {
                Some(required_reason(reason, id, || {
                    format!("changing {describe}{field}")
                })?)
            } else {
                reason.map(str::trim).filter(|r| !r.is_empty())
            };
            self.append(
                by,
                EventDraft {
                    screening_id: Some(id),
                    action,
                    target: Some(field),
                    old_value: old.as_deref(),
                    new_value: new.as_deref(),
                    reason,
                },
            )?;
        }
        Ok(())
    }

    /// The signed PDFs of a screening (their audit details) that no later change has
    /// superseded yet.
    fn live_signatures(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .tx
            .prepare_cached(
                "SELECT action, new_value FROM audit_event \
                 WHERE screening_id = ?1 AND action IN ('signed', 'superseded') ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut live = Vec::new();
        for row in rows {
            let (action, detail) = row.map_err(|e| self.err(e))?;
            if action == AuditAction::Superseded.as_str() {
                live.clear();
            } else {
                live.push(detail.unwrap_or_default());
            }
        }
        Ok(live)
    }

    /// Before a change to a signed screening: the change needs a reason, and the trail records
    /// that the earlier signed PDFs are superseded (in the same transaction as the change).
    fn supersede_signatures(
        &self,
        by: &Coordinator,
        id: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let live = self.live_signatures(id)?;
        if live.is_empty() {
            return Ok(());
        }
        let reason = required_reason(reason, id, || "changing a signed screening".to_owned())?;
        let detail = live.join(" and ");
        self.append(
            by,
            EventDraft {
                screening_id: Some(id),
                action: AuditAction::Superseded,
                target: None,
                old_value: Some(&detail),
                new_value: None,
                reason: Some(reason),
            },
        )
    }

    /// Appends one event to the global chain.
    fn append(&self, by: &Coordinator, draft: EventDraft<'_>) -> Result<(), StoreError> {
        let last: Option<(i64, String)> = self
            .tx
            .query_row(
                "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let mut event = AuditEvent {
            seq,
            at_utc: self.stamp.utc_text(),
            utc_offset: self.stamp.offset_text(),
            coordinator_id: by.id,
            coordinator_name: by.name.clone(),
            coordinator_role: by.role.clone(),
            screening_id: draft.screening_id.map(str::to_owned),
            action: draft.action.as_str().to_owned(),
            target: draft.target.map(str::to_owned),
            old_value: draft.old_value.map(str::to_owned),
            new_value: draft.new_value.map(str::to_owned),
            reason: draft.reason.map(str::to_owned),
            prev_hash,
            hash: String::new(),
        };
        event.hash = event.computed_hash();
        self.tx
            .prepare_cached(
                "INSERT INTO audit_event (seq, at_utc, utc_offset, coordinator_id, \
                 coordinator_name, coordinator_role, screening_id, action, target, old_value, \
                 new_value, reason, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    event.seq,
                    event.at_utc,
                    event.utc_offset,
                    event.coordinator_id,
                    event.coordinator_name,
                    event.coordinator_role,
                    event.screening_id,
                    event.action,
                    event.target,
                    event.old_value,
                    event.new_value,
                    event.reason,
                    event.prev_hash,
                    event.hash,
                ])
            })
            .map_err(|e| self.err(e))?;
        self.tx
            .prepare_cached(
                "INSERT INTO setting (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut statement| {
                statement.execute(params![AUDIT_HEAD, format!("{}:{}", event.seq, event.hash)])
            })
            .map_err(|e| self.err(e))?;
        debug!(
            seq = event.seq,
            action = %event.action,
            screening = event.screening_id.as_deref().unwrap_or("-"),
            target = event.target.as_deref().unwrap_or("-"),
            "audit event appended"
        );
        Ok(())
    }

    fn coordinator(&self, id: CoordinatorId) -> Result<Coordinator, StoreError> {
        load_coordinator(&self.tx, self.file, id)
    }

    fn definition(
        &mut self,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> Result<TrialDefinition, StoreError> {
        if let Some(definition) = self.definitions.get(sha256) {
            return Ok(definition.clone());
        }
        let definition = stored_definition(&self.tx, self.file, trial_id, version, sha256)?;
        self.definitions
            .insert(sha256.to_owned(), definition.clone());
        Ok(definition)
    }

    fn record_definition(&mut self, trial: &LoadedTrial) -> Result<(), StoreError> {
        let definition = &trial.definition;
        self.tx
            .execute(
                "INSERT INTO trial_definition (trial_id, version, sha256, acronym, text, \
                 recorded_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                params![
                    definition.id,
                    definition.version(),
                    trial.sha256,
                    definition.acronym,
                    trial.text,
                    self.stamp.utc_text()
                ],
            )
            .map_err(|e| self.err(e))?;
        self.definitions
            .entry(trial.sha256.clone())
            .or_insert_with(|| definition.clone());
        Ok(())
    }

    /// Loads a screening that may still change (refuses a voided one).
    fn changeable(&self, id: &str) -> Result<ScreeningRow, StoreError> {
        let row = load_screening_row(&self.tx, self.file, id)?;
        if row.status == ScreeningStatus::Voided {
            return Err(StoreError::Voided(row.id));
        }
        Ok(row)
    }

    /// Re-evaluates a screening with its stored definition and stores the verdict.
    fn reevaluate(&mut self, id: &str) -> Result<StoredVerdict, StoreError> {
        let now = self.stamp.utc_text();
        store_derived(&self.tx, self.file, self.definitions, id, Some(&now))
    }

    /// The screening as it stands in this transaction, with its definition.
    fn current_screening(
        &mut self,
        row: &ScreeningRow,
    ) -> Result<(Screening, TrialDefinition), StoreError> {
        let answers = load_answers(&self.tx, self.file, &row.id)?;
        let definition = self.definition(
            &row.trial_id,
            &row.definition_version,
            &row.definition_sha256,
        )?;
        Ok((screening_of(row, answers), definition))
    }

    /// Links a new screening to the NOT ELIGIBLE one it repeats, with an event in each
    /// screening's trail. A screening is re-screened once.
    fn link_rescreening(
        &mut self,
        by: &Coordinator,
        earlier: &str,
        new: &str,
    ) -> Result<(), StoreError> {
        let row = load_screening_row(&self.tx, self.file, earlier)?;
        if row.verdict.name != "NOT ELIGIBLE" {
            return Err(StoreError::DefinitionMismatch(format!(
                "{earlier} is {}, not NOT ELIGIBLE: there is nothing to re-screen",
                row.verdict.name
            )));
        }
        let already: Option<String> = self
            .tx
            .query_row(
                "SELECT id FROM screening WHERE rescreen_of = ?1",
                [earlier],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(already) = already {
            return Err(StoreError::DefinitionMismatch(format!(
                "{earlier} was already re-screened as {already}"
            )));
        }
        self.tx
            .execute(
                "UPDATE screening SET rescreen_of = ?2 WHERE id = ?1",
                [new, earlier],
            )
            .map_err(|e| self.err(e))?;
        let as_new = format!("re-screened as {new}");
        let of_earlier = format!("re-screen of {earlier}");
        for (screening, text) in [(earlier, &as_new), (new, &of_earlier)] {
            self.append(
                by,
                EventDraft {
                    screening_id: Some(screening),
                    action: AuditAction::RescreenLinked,
                    target: None,
                    old_value: None,
                    new_value: Some(text),
                    reason: None,
                },
            )?;
        }
        Ok(())
    }

    /// Today on the writer's clock, for checks that refuse a future date.
    fn today(&self) -> Date {
        self.stamp.local_date()
    }

    /// The next id for prefix + site + year; the sequence only ever grows.
    fn next_id(&self, prefix: &str, site: &str, year: i16) -> Result<String, StoreError> {
        loop {
            let number: i64 = self
                .tx
                .query_row(
                    "INSERT INTO id_sequence (prefix, site_code, year, last_number) \
                     VALUES (?1, ?2, ?3, 1) ON CONFLICT (prefix, site_code, year) \
                     DO UPDATE SET last_number = last_number + 1 RETURNING last_number",
                    params![prefix, site, year],
                    |row| row.get(0),
                )
                .map_err(|e| self.err(e))?;
            let id = ids::format_id(prefix, site, year, number);
            if !self.screening_exists(&id)? {
                return Ok(id);
            }
        }
    }

    fn screening_exists(&self, id: &str) -> Result<bool, StoreError> {
        self.tx
            .query_row("SELECT 1 FROM screening WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.err(e))
    }

    /// Makes sure a kept id of the generated shape is never generated again.
    fn reserve_id(&self, id: &str) -> Result<(), StoreError> {
        if let Some(parts) = ids::parse_id(id) {
            self.tx
                .execute(
                    "INSERT INTO id_sequence (prefix, site_code, year, last_number) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (prefix, site_code, year) \
                     DO UPDATE SET last_number = max(last_number, excluded.last_number)",
                    params![parts.prefix, parts.site, parts.year, parts.number],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Inserts a new screening row and the events describing its first content.
    #[allow(clippy::too_many_arguments)]
    fn insert_screening(
        &mut self,
        id: &str,
        trial: &LoadedTrial,
        site_code: &str,
        by: &Coordinator,
        candidate: &Candidate,
        prescreening_date: Date,
        planned_visit_date: Option<Date>,
        answers: &BTreeMap<String, CriterionEntry>,
        action: AuditAction,
        original_coordinator: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        self.record_definition(trial)?;
        let definition = &trial.definition;
        for criterion in answers.keys() {
            if definition.criterion(criterion).is_none() {
                return Err(StoreError::UnknownCriterion {
                    trial: definition.id.clone(),
                    criterion: criterion.clone(),
                });
            }
        }
        let now = self.stamp.utc_text();
        self.tx
            .execute(
                "INSERT INTO screening (id, trial_id, definition_version, definition_sha256, \
                 site_code, created_by, initials, date_of_birth, sex, childbearing_potential, \
                 prescreening_date, planned_visit_date, status, status_reason, verdict, \
                 verdict_failing, created_utc, updated_utc, pregnant, breastfeeding) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL, \
                 'INCOMPLETE', '', ?14, ?14, ?15, ?16)",
                params![
                    id,
                    definition.id,
                    definition.version(),
                    trial.sha256,
                    site_code,
                    by.id,
                    candidate.initials,
                    candidate.date_of_birth.map(|d| d.to_string()),
                    sex_text(candidate.sex),
                    candidate.childbearing_potential,
                    prescreening_date.to_string(),
                    planned_visit_date.map(|d| d.to_string()),
                    ScreeningStatus::Draft.as_str(),
                    now,
                    candidate.pregnant,
                    candidate.breastfeeding,
                ],
            )
            .map_err(|e| self.err(e))?;
        let mut created = format!(
            "trial {} {} (SHA-256 {}), site {site_code}",
            definition.id,
            definition.version(),
            trial.sha256
        );
        if let Some(original) = original_coordinator {
            created.push_str(&format!("; the file names coordinator {original}"));
        }
        self.append(
            by,
            EventDraft {
                screening_id: Some(id),
                action,
                target: None,
                old_value: None,
                new_value: Some(&created),
                reason: None,
            },
        )?;
        for (field, value) in candidate_fields(candidate) {
            if let Some(value) = value {
                self.append(
                    by,
                    EventDraft {
                        screening_id: Some(id),
                        action: AuditAction::CandidateFieldChanged,
                        target: Some(field),
                        old_value: None,
                        new_value: Some(&value),
                        reason: None,
                    },
                )?;
            }
        }
        let dates = [
            ("prescreening_date", Some(prescreening_date)),
            ("planned_visit_date", planned_visit_date),
        ];
        for (field, value) in dates {
            if let Some(value) = value {
                self.append(
                    by,
                    EventDraft {
                        screening_id: Some(id),
                        action: AuditAction::DateChanged,
                        target: Some(field),
                        old_value: None,
                        new_value: Some(&value.to_string()),
                        reason: None,
                    },
                )?;
            }
        }
        for (criterion, entry) in answers {
            let text = entry_text(entry)?;
            self.tx
                .execute(
                    "INSERT INTO answer (screening_id, criterion_id, entry, updated_utc) \
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, criterion, text, now],
                )
                .map_err(|e| self.err(e))?;
            self.append(
                by,
                EventDraft {
                    screening_id: Some(id),
                    action: AuditAction::AnswerSet,
                    target: Some(criterion),
                    old_value: None,
                    new_value: Some(&text),
                    reason: None,
                },
            )?;
        }
        self.reevaluate(id)
    }
}

/// Builds the WHERE clause and its parameters for a log filter.
fn filter_clause(filter: &LogFilter, use_statuses: bool) -> (String, Vec<String>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    if let Some(trial) = &filter.trial {
        values.push(trial.clone());
        conditions.push(format!("s.trial_id = ?{}", values.len()));
    }
    if let Some(from) = filter.from {
        values.push(from.to_string());
        conditions.push(format!("s.prescreening_date >= ?{}", values.len()));
    }
    if let Some(to) = filter.to {
        values.push(to.to_string());
        conditions.push(format!("s.prescreening_date <= ?{}", values.len()));
    }
    if use_statuses && let Some(day) = filter.rescreen_due_on {
        values.push(day.to_string());
        conditions.push(format!(
            "s.status != 'voided' AND s.rescreen_from IS NOT NULL AND s.rescreen_from <= ?{} \
             AND NOT EXISTS (SELECT 1 FROM screening r WHERE r.rescreen_of = s.id)",
            values.len()
        ));
    }
    if use_statuses && !filter.statuses.is_empty() {
        let mut placeholders = Vec::new();
        for status in &filter.statuses {
            values.push(status.as_str().to_owned());
            placeholders.push(format!("?{}", values.len()));
        }
        conditions.push(format!("s.status IN ({})", placeholders.join(", ")));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (clause, values)
}

/// Short criterion texts per definition hash, parsed once per query.
#[derive(Default)]
struct CriterionTexts {
    by_definition: HashMap<String, HashMap<String, String>>,
}

impl CriterionTexts {
    fn load(
        &mut self,
        conn: &Connection,
        file: &str,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> &HashMap<String, String> {
        self.by_definition
            .entry(sha256.to_owned())
            .or_insert_with(|| {
                stored_definition(conn, file, trial_id, version, sha256)
                    .map(|definition| {
                        definition
                            .criteria
                            .iter()
                            .map(|c| (c.id.clone(), c.short_text()))
                            .collect()
                    })
                    .unwrap_or_default()
            })
    }
}

impl Store for SqliteStore {
    fn save_coordinator(&mut self, new: &NewCoordinator) -> Result<Coordinator, StoreError> {
        let site_code = new.site_code.trim().to_ascii_uppercase();
        if !ids::is_valid_site_code(&site_code) {
            return Err(StoreError::InvalidSiteCode(new.site_code.clone()));
        }
        let name = new.name.trim().to_owned();
        let role = new.role.trim().to_owned();
        self.write(|w| {
            let existing: Option<CoordinatorId> =
                w.tx.query_row(
                    "SELECT id FROM coordinator WHERE name = ?1 AND role = ?2 AND site_code = ?3",
                    params![name, role, site_code],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| w.err(e))?;
            if let Some(id) = existing {
                return w.coordinator(id);
            }
            w.tx.execute(
                "INSERT INTO coordinator (name, role, site_code, created_utc) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![name, role, site_code, w.stamp.utc_text()],
            )
            .map_err(|e| w.err(e))?;
            let coordinator = w.coordinator(w.tx.last_insert_rowid())?;
            let description = format!(
                "{} ({}, site {})",
                coordinator.name, coordinator.role, coordinator.site_code
            );
            w.append(
                &coordinator,
                EventDraft {
                    screening_id: None,
                    action: AuditAction::CoordinatorSaved,
                    target: Some("coordinator"),
                    old_value: None,
                    new_value: Some(&description),
                    reason: None,
                },
            )?;
            Ok(coordinator)
        })
    }

    fn set_current_coordinator(&mut self, id: CoordinatorId) -> Result<(), StoreError> {
        self.write(|w| {
            w.coordinator(id)?;
            w.tx.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![CURRENT_COORDINATOR, id.to_string()],
            )
            .map_err(|e| w.err(e))?;
            Ok(())
        })
    }

    fn current_coordinator(&self) -> Result<Option<Coordinator>, StoreError> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM setting WHERE key = ?1",
                [CURRENT_COORDINATOR],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        match value.and_then(|v| v.parse::<CoordinatorId>().ok()) {
            Some(id) => load_coordinator(&self.conn, &self.file, id).map(Some),
            None => Ok(None),
        }
    }

    fn coordinator(&self, id: CoordinatorId) -> Result<Coordinator, StoreError> {
        load_coordinator(&self.conn, &self.file, id)
    }

    fn record_trial_definition(&mut self, trial: &LoadedTrial) -> Result<(), StoreError> {
        self.write(|w| w.record_definition(trial))
    }

    fn trial_text(
        &self,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT text FROM trial_definition WHERE trial_id = ?1 AND version = ?2 \
                 AND sha256 = ?3",
                [trial_id, version, sha256],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn create_screening(
        &mut self,
        trial: &LoadedTrial,
        new: &NewScreening,
        by: CoordinatorId,
    ) -> Result<String, StoreError> {
        let id = self.write(|w| {
            let coordinator = w.coordinator(by)?;
            let site = new
                .site_code
                .as_deref()
                .unwrap_or(&coordinator.site_code)
                .trim()
                .to_ascii_uppercase();
            if !ids::is_valid_site_code(&site) {
                return Err(StoreError::InvalidSiteCode(site));
            }
            refuse_candidate_problems(
                &new.candidate,
                new.prescreening_date,
                new.planned_visit_date,
                w.today(),
            )?;
            let earlier = match &new.rescreen_of {
                Some(earlier) => {
                    let row = load_screening_row(&w.tx, w.file, earlier)?;
                    if row.trial_id != trial.definition.id {
                        return Err(StoreError::DefinitionMismatch(format!(
                            "{earlier} screened {}; a re-screening repeats the same trial",
                            row.trial_id
                        )));
                    }
                    Some(row.id)
                }
                None => None,
            };
            let prefix = ids::prefix_for_acronym(&trial.definition.acronym);
            let id = w.next_id(&prefix, &site, new.prescreening_date.year())?;
            w.insert_screening(
                &id,
                trial,
                &site,
                &coordinator,
                &new.candidate,
                new.prescreening_date,
                new.planned_visit_date,
                &BTreeMap::new(),
                AuditAction::ScreeningCreated,
                None,
            )?;
            if let Some(earlier) = earlier {
                w.link_rescreening(&coordinator, &earlier, &id)?;
            }
            Ok(id)
        })?;
        info!(screening = %id, "screening created");
        Ok(id)
    }

    fn import_screening(
        &mut self,
        trial: &LoadedTrial,
        screening: &Screening,
        by: CoordinatorId,
    ) -> Result<String, StoreError> {
        let definition = &trial.definition;
        if screening.trial.id != definition.id || screening.trial.version != definition.version() {
            return Err(StoreError::DefinitionMismatch(format!(
                "the screening was answered for {} {}, not {} {}",
                screening.trial.id,
                screening.trial.version,
                definition.id,
                definition.version()
            )));
        }
        if let Some(hash) = &screening.trial.sha256
            && !hash.eq_ignore_ascii_case(&trial.sha256)
        {
            return Err(StoreError::DefinitionMismatch(format!(
                "the screening records definition SHA-256 {hash}, but {} {} has {}",
                definition.id,
                definition.version(),
                trial.sha256
            )));
        }
        let wanted = screening.screening_id.trim();
        if !wanted.is_empty() && !ids::is_acceptable_id(wanted) {
            return Err(StoreError::UnacceptableScreeningId);
        }
        let id = self.write(|w| {
            let problems = check_screening(definition, screening, Some(w.today()));
            if !problems.is_empty() {
                return Err(StoreError::InvalidInput(problems));
            }
            let coordinator = w.coordinator(by)?;
            let (id, site) = if wanted.is_empty() {
                let site = coordinator.site_code.clone();
                let prefix = ids::prefix_for_acronym(&definition.acronym);
                (
                    w.next_id(&prefix, &site, screening.prescreening_date.year())?,
                    site,
                )
            } else {
                if w.screening_exists(wanted)? {
                    return Err(StoreError::DuplicateScreeningId(wanted.to_owned()));
                }
                w.reserve_id(wanted)?;
                let site = ids::parse_id(wanted)
                    .map(|parts| parts.site)
                    .unwrap_or_else(|| coordinator.site_code.clone());
                (wanted.to_owned(), site)
            };
            w.insert_screening(
                &id,
                trial,
                &site,
                &coordinator,
                &screening.candidate,
                screening.prescreening_date,
                screening.planned_visit_date,
                &screening.answers,
                AuditAction::ScreeningImported,
                screening.coordinator.as_deref(),
            )?;
            Ok(id)
        })?;
        info!(screening = %id, "screening imported");
        Ok(id)
    }

    fn load_screening(&self, id: &str) -> Result<StoredScreening, StoreError> {
        let row = load_screening_row(&self.conn, &self.file, id)?;
        let answers = load_answers(&self.conn, &self.file, id)?;
        let creator = load_coordinator(&self.conn, &self.file, row.created_by)?;
        let mut screening = screening_of(&row, answers);
        screening.coordinator = Some(creator.name);
        let rescreened_as = self
            .conn
            .prepare_cached("SELECT id FROM screening WHERE rescreen_of = ?1 ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([id], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| self.err(e))?;
        Ok(StoredScreening {
            screening,
            site_code: row.site_code,
            status: row.status,
            status_reason: row.status_reason,
            verdict: row.verdict,
            rescreen_of: row.rescreen_of,
            rescreened_as,
        })
    }

    fn set_answer(
        &mut self,
        id: &str,
        criterion_id: &str,
        entry: Option<&CriterionEntry>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        let verdict = self.write(|w| {
            let coordinator = w.coordinator(by)?;
            let row = w.changeable(id)?;
            let definition = w.definition(
                &row.trial_id,
                &row.definition_version,
                &row.definition_sha256,
            )?;
            let Some(criterion) = definition.criterion(criterion_id) else {
                return Err(StoreError::UnknownCriterion {
                    trial: row.trial_id.clone(),
                    criterion: criterion_id.to_owned(),
                });
            };
            if let Some(entry) = entry {
                let (screening, _) = w.current_screening(&row)?;
                let context = AnswerContext {
                    screening: &screening,
                    visit_name: &definition.visit_name,
                    today: Some(w.today()),
                };
                check_entry(criterion, entry, context)
                    .map_err(|problem| StoreError::InvalidInput(vec![problem]))?;
            }
            let previous_text: Option<String> =
                w.tx.query_row(
                    "SELECT entry FROM answer WHERE screening_id = ?1 AND criterion_id = ?2",
                    [id, criterion_id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| w.err(e))?;
            let previous = previous_text
                .as_deref()
                .map(|text| parse_entry(text, criterion_id))
                .transpose()?;
            if previous.as_ref() == entry {
                return w.reevaluate(id);
            }
            let was_answered = previous
                .as_ref()
                .is_some_and(|p| p.answer != crate::screening::Answer::Unknown);
            let (action, needs_reason) = match (&previous, entry) {
                (None, Some(_)) => (AuditAction::AnswerSet, false),
                (Some(_), None) => (AuditAction::AnswerCleared, was_answered),
                (Some(old), Some(new)) if old.answer == new.answer => {
                    (AuditAction::NoteChanged, false)
                }
                (Some(_), Some(_)) => (AuditAction::AnswerChanged, was_answered),
                (None, None) => return w.reevaluate(id),
            };
            let reason = if needs_reason {
                Some(required_reason(reason, id, || {
                    format!("changing the answered criterion {criterion_id}")
                })?)
            } else {
                reason.map(str::trim).filter(|r| !r.is_empty())
            };
            w.supersede_signatures(&coordinator, id, reason)?;
            let new_text = entry.map(entry_text).transpose()?;
            match &new_text {
                Some(text) => {
                    w.tx.prepare_cached(
                        "INSERT INTO answer (screening_id, criterion_id, entry, updated_utc) \
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (screening_id, criterion_id) \
                         DO UPDATE SET entry = excluded.entry, updated_utc = excluded.updated_utc",
                    )
                    .and_then(|mut s| {
                        s.execute(params![id, criterion_id, text, w.stamp.utc_text()])
                    })
                }
                None => w.tx.execute(
                    "DELETE FROM answer WHERE screening_id = ?1 AND criterion_id = ?2",
                    [id, criterion_id],
                ),
            }
            .map_err(|e| w.err(e))?;
            w.append(
                &coordinator,
                EventDraft {
                    screening_id: Some(id),
                    action,
                    target: Some(criterion_id),
                    old_value: previous_text.as_deref(),
                    new_value: new_text.as_deref(),
                    reason,
                },
            )?;
            w.reevaluate(id)
        })?;
        debug!(screening = %id, criterion = %criterion_id, verdict = %verdict.name, "answer saved");
        Ok(verdict)
    }

    fn set_candidate(
        &mut self,
        id: &str,
        candidate: &Candidate,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        let verdict = self.write(|w| {
            let coordinator = w.coordinator(by)?;
            let row = w.changeable(id)?;
            refuse_candidate_problems(
                candidate,
                row.prescreening_date,
                row.planned_visit_date,
                w.today(),
            )?;
            let changes: Vec<FieldChange> = candidate_fields(&row.candidate)
                .into_iter()
                .zip(candidate_fields(candidate))
                .map(|((field, old), (_, new))| (field, old, new))
                .collect();
            w.record_field_changes(
                &coordinator,
                id,
                AuditAction::CandidateFieldChanged,
                "the candidate's ",
                &changes,
                reason,
            )?;
            w.tx.execute(
                "UPDATE screening SET initials = ?2, date_of_birth = ?3, sex = ?4, \
                 childbearing_potential = ?5, pregnant = ?6, breastfeeding = ?7 WHERE id = ?1",
                params![
                    id,
                    candidate.initials,
                    candidate.date_of_birth.map(|d| d.to_string()),
                    sex_text(candidate.sex),
                    candidate.childbearing_potential,
                    candidate.pregnant,
                    candidate.breastfeeding
                ],
            )
            .map_err(|e| w.err(e))?;
            w.reevaluate(id)
        })?;
        debug!(screening = %id, "candidate saved");
        Ok(verdict)
    }

    fn set_dates(
        &mut self,
        id: &str,
        prescreening_date: Date,
        planned_visit_date: Option<Date>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        let verdict = self.write(|w| {
            let coordinator = w.coordinator(by)?;
            let row = w.changeable(id)?;
            refuse_candidate_problems(
                &row.candidate,
                prescreening_date,
                planned_visit_date,
                w.today(),
            )?;
            let changes = [
                (
                    "prescreening_date",
                    Some(row.prescreening_date),
                    Some(prescreening_date),
                ),
                (
                    "planned_visit_date",
                    row.planned_visit_date,
                    planned_visit_date,
                ),
            ];
            let changes: Vec<FieldChange> = changes
                .into_iter()
                .map(|(field, old, new)| {
                    (
                        field,
                        old.map(|d| d.to_string()),
                        new.map(|d| d.to_string()),
                    )
                })
                .collect();
            w.record_field_changes(
                &coordinator,
                id,
                AuditAction::DateChanged,
                "the ",
                &changes,
                reason,
            )?;
            w.tx.execute(
                "UPDATE screening SET prescreening_date = ?2, planned_visit_date = ?3 \
                 WHERE id = ?1",
                params![
                    id,
                    prescreening_date.to_string(),
                    planned_visit_date.map(|d| d.to_string())
                ],
            )
            .map_err(|e| w.err(e))?;
            w.reevaluate(id)
        })?;
        debug!(screening = %id, "dates saved");
        Ok(verdict)
    }

    fn set_status(
        &mut self,
        id: &str,
        status: ScreeningStatus,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(|w| {
            let coordinator = w.coordinator(by)?;
            let row = load_screening_row(&w.tx, w.file, id)?;
            let kind = row.status.check_transition(status).map_err(|why| {
                StoreError::InvalidTransition {
                    screening: id.to_owned(),
                    from: row.status,
                    to: status,
                    why,
                }
            })?;
            let reason = if kind.needs_reason() {
                Some(required_reason(reason, id, || {
                    format!("moving from {} to {}", row.status, status)
                })?)
            } else {
                reason.map(str::trim).filter(|r| !r.is_empty())
            };
            let verdict = w.reevaluate(id)?;
            if status == ScreeningStatus::PreScreened && verdict.name == "INCOMPLETE" {
                return Err(StoreError::VerdictNotSettled(id.to_owned()));
            }
            let (approached, consented) = match status {
                ScreeningStatus::Draft | ScreeningStatus::PreScreened => (false, false),
                ScreeningStatus::Approached | ScreeningStatus::Declined => (true, false),
                ScreeningStatus::Consented | ScreeningStatus::Enrolled => (true, true),
                ScreeningStatus::NotEnrolled | ScreeningStatus::Voided => {
                    (row.was_approached, row.was_consented)
                }
            };
            w.tx.execute(
                "UPDATE screening SET status = ?2, status_reason = ?3, was_approached = ?4, \
                 was_consented = ?5 WHERE id = ?1",
                params![id, status.as_str(), reason, approached, consented],
            )
            .map_err(|e| w.err(e))?;
            let action = if kind == TransitionKind::Void {
                AuditAction::Voided
            } else {
                AuditAction::StatusChanged
            };
            w.append(
                &coordinator,
                EventDraft {
                    screening_id: Some(id),
                    action,
                    target: Some("status"),
                    old_value: Some(row.status.as_str()),
                    new_value: Some(status.as_str()),
                    reason,
                },
            )?;
            if status == ScreeningStatus::PreScreened {
                let recorded = if verdict.failing.is_empty() {
                    verdict.name.clone()
                } else {
                    format!("{}: {}", verdict.name, verdict.failing.join(" "))
                };
                w.append(
                    &coordinator,
                    EventDraft {
                        screening_id: Some(id),
                        action: AuditAction::VerdictRecorded,
                        target: Some("verdict"),
                        old_value: None,
                        new_value: Some(&recorded),
                        reason: None,
                    },
                )?;
            }
            Ok(())
        })?;
        info!(screening = %id, status = %status, "status changed");
        Ok(())
    }

    fn record_verdict(&mut self, id: &str, by: CoordinatorId) -> Result<StoredVerdict, StoreError> {
        self.set_status(id, ScreeningStatus::PreScreened, by, None)?;
        Ok(self.load_screening(id)?.verdict)
    }

    fn mark_signed(&mut self, id: &str, by: CoordinatorId, detail: &str) -> Result<(), StoreError> {
        self.write(|w| {
            let coordinator = w.coordinator(by)?;
            load_screening_row(&w.tx, w.file, id)?;
            w.append(
                &coordinator,
                EventDraft {
                    screening_id: Some(id),
                    action: AuditAction::Signed,
                    target: None,
                    old_value: None,
                    new_value: Some(detail),
                    reason: None,
                },
            )
        })
    }

    fn mark_exported(
        &mut self,
        id: &str,
        by: CoordinatorId,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.write(|w| {
            let coordinator = w.coordinator(by)?;
            load_screening_row(&w.tx, w.file, id)?;
            w.append(
                &coordinator,
                EventDraft {
                    screening_id: Some(id),
                    action: AuditAction::Exported,
                    target: None,
                    old_value: None,
                    new_value: Some(detail),
                    reason: None,
                },
            )
        })
    }

    fn screening_history(&self, id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        load_screening_row(&self.conn, &self.file, id)?;
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {EVENT_COLUMNS} FROM audit_event WHERE screening_id = ?1 ORDER BY seq"
            ))
            .map_err(|e| self.err(e))?;
        let events = statement
            .query_map([id], read_event)
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(events)
    }

    fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {EVENT_COLUMNS} FROM audit_event ORDER BY seq"
            ))
            .map_err(|e| self.err(e))?;
        let mut rows = statement.query([]).map_err(|e| self.err(e))?;
        let mut verifier = ChainVerifier::default();
        let mut last_seq = 0;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let event = read_event(row).map_err(|e| self.err(e))?;
            last_seq = event.seq;
            verifier.push(&event);
        }
        let head: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM setting WHERE key = ?1",
                [AUDIT_HEAD],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let expected = format!("{last_seq}:{}", verifier.head());
        match head {
            Some(head) if head != expected => verifier.fail(
                last_seq + 1,
                format!(
                    "the chain ends at event #{last_seq} but the store recorded its head as \
                     event {head}; events were removed or added behind the store's back"
                ),
            ),
            None if last_seq > 0 => verifier.fail(
                last_seq,
                "the store's record of the chain head is missing".to_owned(),
            ),
            _ => {}
        }
        let report = verifier.finish();
        info!(
            events = report.events,
            intact = report.is_intact(),
            "audit chain verified"
        );
        Ok(report)
    }

    fn latest_chain_hash(&self) -> Result<String, StoreError> {
        let hash: Option<String> = self
            .conn
            .query_row(
                "SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(hash.unwrap_or_else(|| GENESIS_HASH.to_owned()))
    }

    fn log(
        &self,
        filter: &LogFilter,
        sink: &mut dyn FnMut(&LogRow) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let (clause, values) = filter_clause(filter, true);
        let sql = format!(
            "SELECT s.id, s.trial_id, s.definition_version, s.definition_sha256, \
             s.prescreening_date, c.name, s.site_code, s.status, s.status_reason, s.verdict, \
             s.verdict_failing, s.verdict_time_limited, s.rescreen_from, s.rescreen_after_event, \
             (SELECT min(r.id) FROM screening r WHERE r.rescreen_of = s.id) \
             FROM screening s JOIN coordinator c ON c.id = s.created_by \
             {clause} ORDER BY s.prescreening_date, s.id"
        );
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(|e| self.err(e))?;
        let mut texts = CriterionTexts::default();
        let mut count = 0;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let get = |i| row.get::<_, String>(i);
            let read = || -> rusqlite::Result<_> {
                Ok((
                    get(0)?,
                    get(1)?,
                    get(2)?,
                    get(3)?,
                    get(4)?,
                    get(5)?,
                    get(6)?,
                    get(7)?,
                    row.get::<_, Option<String>>(8)?,
                    get(9)?,
                    get(10)?,
                    get(11)?,
                    row.get::<_, Option<String>>(12)?,
                    row.get::<_, bool>(13)?,
                    row.get::<_, Option<String>>(14)?,
                ))
            };
            let (
                id,
                trial_id,
                version,
                sha,
                date,
                coordinator,
                site,
                status,
                reason,
                verdict,
                failing,
                time_limited,
                rescreen_from,
                rescreen_after_event,
                rescreened_as,
            ) = read().map_err(|e| self.err(e))?;
            let stored = StoredVerdict {
                name: verdict,
                failing: split_failing(&failing),
                time_limited: split_failing(&time_limited),
                rescreen_from: parse_optional_date(rescreen_from, "rescreen_from")?,
                rescreen_after_event,
            };
            let failing = stored.failing.clone();
            let reasons = if failing.is_empty() {
                Vec::new()
            } else {
                let known = texts.load(&self.conn, &self.file, &trial_id, &version, &sha);
                failing
                    .into_iter()
                    .map(|criterion_id| ReasonCriterion {
                        text: known.get(&criterion_id).cloned().unwrap_or_default(),
                        criterion_id,
                    })
                    .collect()
            };
            let log_row = LogRow {
                screening_id: id,
                trial_id,
                definition_version: version,
                prescreening_date: parse_date(&date, "prescreening_date")?,
                coordinator,
                site_code: site,
                status: parse_status(&status)?,
                status_reason: reason,
                verdict_line: stored.line(),
                rescreen_from: stored.rescreen_from,
                verdict: stored.name,
                reasons,
                rescreened_as,
            };
            sink(&log_row)?;
            count += 1;
        }
        debug!(rows = count, "screening log streamed");
        Ok(count)
    }

    fn summary(&self, filter: &LogFilter) -> Result<Vec<TrialSummary>, StoreError> {
        // One pass over the covering index `screening_summary`: rows are tallied as they
        // stream, so memory depends on the number of trials and distinct reasons only.
        let (clause, values) = filter_clause(filter, false);
        let sql = format!(
            "SELECT s.trial_id, s.status, s.verdict, s.was_approached, s.was_consented, \
             s.verdict_failing, s.status_reason, s.verdict_time_limited FROM screening s {clause}"
        );
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(|e| self.err(e))?;
        #[derive(Default)]
        struct Tally {
            summary: TrialSummary,
            failing: HashMap<String, u64>,
            time_limited: HashMap<String, u64>,
            declined: HashMap<String, u64>,
            not_enrolled: HashMap<String, u64>,
        }
        fn bump(map: &mut HashMap<String, u64>, key: &str) {
            match map.get_mut(key) {
                Some(count) => *count += 1,
                None => {
                    map.insert(key.to_owned(), 1);
                }
            }
        }
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let text = |i: usize| -> Result<&str, StoreError> {
                row.get_ref(i)
                    .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
                    .map_err(|e| self.err(e))
            };
            let flag = |i: usize| -> Result<bool, StoreError> {
                row.get::<_, bool>(i).map_err(|e| self.err(e))
            };
            let trial_id = text(0)?;
            let status = parse_status(text(1)?)?;
            let verdict = text(2)?;
            let tally = match tallies.get_mut(trial_id) {
                Some(tally) => tally,
                None => tallies.entry(trial_id.to_owned()).or_insert_with(|| Tally {
                    summary: TrialSummary {
                        trial_id: trial_id.to_owned(),
                        ..TrialSummary::default()
                    },
                    ..Tally::default()
                }),
            };
            let s = &mut tally.summary;
            match status {
                ScreeningStatus::Draft => s.in_progress += 1,
                ScreeningStatus::Voided => s.voided += 1,
                _ => {
                    s.screened += 1;
                    if verdict == "ELIGIBLE" || verdict == "PRE-SCREEN PASSED" {
                        s.eligible += 1;
                    }
                    if flag(3)? {
                        s.approached += 1;
                    }
                    if flag(4)? {
                        s.consented += 1;
                    }
                    if verdict == "NOT ELIGIBLE" {
                        s.not_eligible += 1;
                        for criterion in text(5)?.split_whitespace() {
                            bump(&mut tally.failing, criterion);
                        }
                        for criterion in text(7)?.split_whitespace() {
                            bump(&mut tally.time_limited, criterion);
                        }
                    }
                    let reason = || -> Result<String, StoreError> {
                        row.get::<_, Option<String>>(6)
                            .map(Option::unwrap_or_default)
                            .map_err(|e| self.err(e))
                    };
                    match status {
                        ScreeningStatus::Declined => {
                            s.declined += 1;
                            bump(&mut tally.declined, &reason()?);
                        }
                        ScreeningStatus::Enrolled => s.enrolled += 1,
                        ScreeningStatus::NotEnrolled => {
                            s.not_enrolled += 1;
                            bump(&mut tally.not_enrolled, &reason()?);
                        }
                        _ => {}
                    }
                }
            }
        }
        drop(rows);

        let mut summaries = Vec::with_capacity(tallies.len());
        for (trial_id, tally) in tallies {
            let Tally {
                mut summary,
                failing,
                time_limited,
                declined,
                not_enrolled,
            } = tally;
            let texts = if failing.is_empty() {
                HashMap::new()
            } else {
                self.latest_criterion_texts(&trial_id)?
            };
            summary.ineligible_by_criterion = failing
                .into_iter()
                .map(|(criterion_id, count)| CriterionCount {
                    text: texts.get(&criterion_id).cloned().unwrap_or_default(),
                    time_limited: time_limited.get(&criterion_id).copied().unwrap_or(0),
                    criterion_id,
                    count,
                })
                .collect();
            summary.ineligible_by_criterion.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then_with(|| a.criterion_id.cmp(&b.criterion_id))
            });
            let sorted = |reasons: HashMap<String, u64>| {
                let mut list: Vec<ReasonCount> = reasons
                    .into_iter()
                    .map(|(reason, count)| ReasonCount { reason, count })
                    .collect();
                list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
                list
            };
            summary.declined_reasons = sorted(declined);
            summary.not_enrolled_reasons = sorted(not_enrolled);
            summaries.push(summary);
        }
        debug!(trials = summaries.len(), "screening summary computed");
        Ok(summaries)
    }

    fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        let target_text = path.display().to_string();
        if let (Ok(a), Ok(b)) = (
            std::fs::canonicalize(path),
            std::fs::canonicalize(&self.file),
        ) && a == b
        {
            return Err(StoreError::Io {
                file: target_text,
                detail: "is the live database itself; choose another file".to_owned(),
            });
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
                let mut copy = Connection::open(&temp).map_err(|e| self.err(e))?;
                // All pages in one step under one read transaction: a consistent snapshot
                // that writers in WAL mode do not block and cannot restart.
                let mut attempts = 0;
                loop {
                    let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)
                        .map_err(|e| self.err(e))?;
                    match backup.step(-1).map_err(|e| self.err(e))? {
                        rusqlite::backup::StepResult::Done => break,
                        _ if attempts < 100 => {
                            attempts += 1;
                            std::thread::sleep(std::time::Duration::from_millis(50));
                        }
                        _ => {
                            return Err(StoreError::Database(
                                "the database stayed busy; backup not taken".to_owned(),
                            ));
                        }
                    }
                }
                // The copy is self-contained: a rollback-journal file with no WAL beside it.
                let _mode: String = copy
                    .query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))
                    .map_err(|e| self.err(e))?;
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
}

impl SqliteStore {
    /// Criterion short texts of the most recently recorded definition of a trial (earlier
    /// versions fill in criteria the latest no longer has).
    fn latest_criterion_texts(
        &self,
        trial_id: &str,
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT version, sha256 FROM trial_definition WHERE trial_id = ?1 \
                 ORDER BY recorded_utc",
            )
            .map_err(|e| self.err(e))?;
        let versions: Vec<(String, String)> = statement
            .query_map([trial_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        let mut texts = HashMap::new();
        let mut cache = CriterionTexts::default();
        for (version, sha) in versions {
            for (id, text) in cache.load(&self.conn, &self.file, trial_id, &version, &sha) {
                texts.insert(id.clone(), text.clone());
            }
        }
        Ok(texts)
    }
}

const EVENT_COLUMNS: &str = "seq, at_utc, utc_offset, coordinator_id, coordinator_name, \
     coordinator_role, screening_id, action, target, old_value, new_value, reason, prev_hash, hash";

/// Reads an event leniently: a value of the wrong type (as tampering may leave) is read as
/// text or as absent, so verification names the event instead of failing on the read.
fn read_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEvent> {
    use rusqlite::types::ValueRef;
    let text = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match row.get_ref(i)? {
            ValueRef::Null => None,
            ValueRef::Integer(n) => Some(n.to_string()),
            ValueRef::Real(x) => Some(x.to_string()),
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
        })
    };
    let required = |i: usize| text(i).map(Option::unwrap_or_default);
    let coordinator_id = match row.get_ref(3)? {
        ValueRef::Integer(n) => n,
        _ => -1,
    };
    Ok(AuditEvent {
        seq: row.get(0)?,
        at_utc: required(1)?,
        utc_offset: required(2)?,
        coordinator_id,
        coordinator_name: required(4)?,
        coordinator_role: required(5)?,
        screening_id: text(6)?,
        action: required(7)?,
        target: text(8)?,
        old_value: text(9)?,
        new_value: text(10)?,
        reason: text(11)?,
        prev_hash: required(12)?,
        hash: required(13)?,
    })
}
