//! The schema: numbered migrations, the read-only look at a file before anything is written,
//! and the recomputation of derived columns after a migration.

use prescreen_core::io_error::IoError;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::db_error;
use crate::StoreError;

/// `PRAGMA application_id` of a prescreen database ("PrSc"), so a foreign SQLite file is told
/// apart from ours.
pub const APPLICATION_ID: i64 = 0x5072_5363;

/// The numbered schema migrations; the database's `user_version` is how many were applied.
pub(super) const MIGRATIONS: &[&str] = &[
    MIGRATION_1,
    MIGRATION_2,
    MIGRATION_3,
    MIGRATION_4,
    MIGRATION_5,
    MIGRATION_6,
];

/// Each screening's version, for optimistic concurrency: a save based on an older one is
/// refused instead of overwriting someone else's change.
const MIGRATION_6: &str = "ALTER TABLE screening ADD COLUMN version INTEGER NOT NULL DEFAULT 1;";

/// The day the visit actually took place (`None` until it starts).
const MIGRATION_5: &str = "ALTER TABLE screening ADD COLUMN visit_date TEXT;";

/// State hashes on audit events (encoding 2), and the site's register of trusted signers.
const MIGRATION_4: &str = r#"
ALTER TABLE audit_event ADD COLUMN encoding INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_event ADD COLUMN state_hash TEXT;
CREATE TABLE trusted_signer (
    fingerprint TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('signer', 'ca')),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    certificate TEXT,
    added_utc TEXT NOT NULL,
    added_by INTEGER NOT NULL REFERENCES coordinator (id),
    revoked_utc TEXT,
    revoke_reason TEXT
) WITHOUT ROWID;
CREATE TRIGGER trusted_signer_never_deleted BEFORE DELETE ON trusted_signer
BEGIN SELECT RAISE(ABORT, 'trusted signers are revoked, never deleted'); END;
"#;

/// Re-screening: which failing criteria are time-limited, when to re-screen, and the link from
/// a new screening to the one it repeats. The summary index grows to cover the new column; a
/// partial index finds a screening's signatures without reading its whole trail.
/// After this migration every screening's derived columns are recomputed (see
/// [`SqliteStore::refresh_derived`]).
pub(super) const MIGRATION_3: &str = "ALTER TABLE screening ADD COLUMN verdict_time_limited TEXT NOT NULL DEFAULT ''; \
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
pub(super) const MIGRATION_2: &str = "ALTER TABLE screening ADD COLUMN pregnant INTEGER; \
     ALTER TABLE screening ADD COLUMN breastfeeding INTEGER;";

pub(super) const MIGRATION_1: &str = r#"
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

/// What the read-only look at an existing file found.
pub(super) enum Inspection {
    /// No file, an empty file or an empty SQLite database: create the schema.
    Fresh,
    /// Ours, at this schema version.
    Ours(i64),
}

/// Looks at a file without writing to it.
pub(super) fn inspect(path: &Path, file: &str) -> Result<Inspection, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Inspection::Fresh),
        Err(e) => {
            return Err(StoreError::Io(IoError::new(path, e)));
        }
    };
    if meta.is_dir() {
        return Err(StoreError::Io(IoError::other(
            path,
            "is a folder, not a database file",
        )));
    }
    if meta.len() == 0 {
        return Ok(Inspection::Fresh);
    }
    let mut header = [0_u8; 16];
    let read = {
        use std::io::Read;
        let mut handle =
            std::fs::File::open(path).map_err(|e| StoreError::Io(IoError::new(path, e)))?;
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
                    return Err(StoreError::Io(IoError::new(path, e)));
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
        StoreError::Database(source) => StoreError::Corrupt {
            file: file.to_owned(),
            detail: source.to_string(),
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

/// Schema objects as (type, normalised SQL) by name, and each table's columns.
type SchemaObjects = std::collections::BTreeMap<String, (String, String, Vec<String>)>;

fn schema_objects(conn: &Connection) -> rusqlite::Result<SchemaObjects> {
    let mut statement = conn.prepare(
        "SELECT type, name, coalesce(sql, '') FROM sqlite_schema \
         WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let rows: Vec<(String, String, String)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut objects = SchemaObjects::new();
    for (kind, name, sql) in rows {
        let columns = if kind == "table" {
            let mut info = conn.prepare(&format!(
                "PRAGMA table_info(\"{}\")",
                name.replace('"', "\"\"")
            ))?;
            info.query_map([], |row| {
                Ok(format!(
                    "{} {} notnull={} default={:?} pk={}",
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, i64>(5)?
                ))
            })?
            .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let normalised = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        objects.insert(name, (kind, normalised, columns));
    }
    Ok(objects)
}

/// How the database's schema differs from the one the migrations make, object by object
/// (a dropped append-only trigger, an extra table, a changed index); empty when identical.
pub(super) fn schema_problems(conn: &Connection, file: &str) -> Result<Vec<String>, StoreError> {
    let expected = Connection::open_in_memory()
        .and_then(|memory| {
            for migration in MIGRATIONS {
                memory.execute_batch(migration)?;
            }
            schema_objects(&memory)
        })
        .map_err(|e| db_error(file, e))?;
    let actual = schema_objects(conn).map_err(|e| db_error(file, e))?;
    let mut problems = Vec::new();
    for (name, (kind, sql, columns)) in &expected {
        match actual.get(name) {
            None => problems.push(format!("{kind} {name} is missing")),
            Some((found_kind, found_sql, found_columns)) => {
                let same = found_kind == kind
                    && (found_sql == sql || (kind == "table" && found_columns == columns));
                if !same {
                    problems.push(format!("{kind} {name} differs from what prescreen made"));
                }
            }
        }
    }
    for (name, (kind, _, _)) in &actual {
        if !expected.contains_key(name) {
            problems.push(format!("{kind} {name} was added behind prescreen's back"));
        }
    }
    Ok(problems)
}
