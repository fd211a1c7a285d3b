//! The SQLite store through the `Store` trait: migrations, refusal of foreign, damaged and
//! newer files (left byte-for-byte untouched), ids, answers and reasons, the lifecycle, the
//! migrations and backup; what every backend shares is in `conformance/`. Synthetic only.
#![cfg(test)]

mod common;
use common::{fixture, open, setup, trial};

use prescreen_store::sqlite::{APPLICATION_ID, SCHEMA_VERSION};
use prescreen_store::{Store, StoreError};

#[test]
fn a_fresh_database_gets_the_whole_schema_wal_and_foreign_keys() {
    let s = setup();
    assert_eq!(s.store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(s.store);
    let conn = rusqlite::Connection::open(&s.path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    // Reopening an up-to-date database applies nothing and keeps the data.
    let store = open(&s.path).unwrap();
    assert_eq!(
        store.current_coordinator().unwrap().unwrap().site_code,
        "CPH"
    );
}

#[test]
fn a_database_from_a_newer_schema_is_refused_and_left_untouched() {
    let s = setup();
    drop(s.store);
    {
        let conn = rusqlite::Connection::open(&s.path).unwrap();
        let _: String = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
    }
    let before = std::fs::read(&s.path).unwrap();
    let error = open(&s.path).unwrap_err();
    assert!(
        matches!(error, StoreError::NewerSchema { found: 99, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains(&s.path.display().to_string()), "{message}");
    assert!(message.contains("newer"), "{message}");
    assert_eq!(std::fs::read(&s.path).unwrap(), before);
}

#[test]
fn a_text_file_is_refused_by_name_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prescreen.sqlite3");
    let text = b"these are somebody's notes, not a database\n".repeat(50);
    std::fs::write(&path, &text).unwrap();
    let error = open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::NotOurDatabase { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&path.display().to_string()));
    assert_eq!(std::fs::read(&path).unwrap(), text);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no side files"
    );
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prescreen.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::NotOurDatabase { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&path.display().to_string()));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_damaged_database_is_refused_by_name_and_left_untouched() {
    let s = setup();
    drop(s.store);
    {
        let conn = rusqlite::Connection::open(&s.path).unwrap();
        let _: String = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap();
    }
    let mut bytes = std::fs::read(&s.path).unwrap();
    // Keep the 100-byte header, scribble over the rest of page 1 (the schema).
    for (i, byte) in bytes.iter_mut().enumerate().take(4096).skip(100) {
        *byte = (i * 7 % 251) as u8;
    }
    std::fs::write(&s.path, &bytes).unwrap();
    let error = open(&s.path).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Corrupt { .. } | StoreError::NotOurDatabase { .. }
        ),
        "{error}"
    );
    assert!(error.to_string().contains(&s.path.display().to_string()));
    assert_eq!(std::fs::read(&s.path).unwrap(), bytes);
}

#[test]
fn a_backup_is_a_complete_database_that_verifies() {
    let mut s = setup();
    let assix = trial("assix");
    s.store
        .import_screening(&assix, &fixture("assix-eligible"), s.by)
        .unwrap();
    let head = s.store.latest_chain_hash().unwrap();
    let copy = s.path.with_file_name("copy.sqlite3");
    // Another connection holds the database open, as the app would.
    let other = open(&s.path).unwrap();
    s.store.backup_to(&copy).unwrap();
    drop(other);
    let restored = open(&copy).unwrap();
    let report = restored.verify_audit_chain().unwrap();
    assert!(report.is_intact());
    assert_eq!(report.head, head);
    assert_eq!(restored.latest_chain_hash().unwrap(), head);
    assert!(restored.load_screening("AS-CPH-2026-0001").is_ok());
    assert!(
        s.store.backup_to(&s.path).is_err(),
        "never over the live file"
    );
}

#[test]
fn a_schema_1_database_is_migrated_and_keeps_its_screenings() {
    let mut s = setup();
    let assix = trial("assix");
    let id = s
        .store
        .import_screening(&assix, &fixture("assix-not-eligible"), s.by)
        .unwrap();
    drop(s.store);
    {
        // Turn the file back into what schema 1 wrote: no pregnancy/breastfeeding columns,
        // none of schema 3's re-screening columns.
        let conn = rusqlite::Connection::open(&s.path).unwrap();
        conn.execute_batch(
            "DROP INDEX screening_by_rescreen_of; DROP INDEX screening_summary; \
             DROP INDEX audit_signatures; \
             ALTER TABLE screening DROP COLUMN verdict_time_limited; \
             ALTER TABLE screening DROP COLUMN rescreen_from; \
             ALTER TABLE screening DROP COLUMN rescreen_after_event; \
             ALTER TABLE screening DROP COLUMN rescreen_of; \
             CREATE INDEX screening_summary ON screening (trial_id, prescreening_date, status, \
                 verdict, was_approached, was_consented, verdict_failing, status_reason); \
             ALTER TABLE screening DROP COLUMN pregnant; \
             ALTER TABLE screening DROP COLUMN breastfeeding; \
             ALTER TABLE screening DROP COLUMN visit_date; \
             ALTER TABLE screening DROP COLUMN version; PRAGMA user_version = 1;",
        )
        .unwrap();
        rewrite_trail_as_encoding_1(&conn);
    }
    let mut store = open(&s.path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 6);
    assert_eq!(store.load_screening(&id).unwrap().version, 1);
    let stored = store.load_screening(&id).unwrap();
    assert_eq!(stored.screening.candidate.pregnant, None);
    let mut candidate = stored.screening.candidate.clone();
    candidate.pregnant = Some(false);
    store.set_candidate(&id, &candidate, s.by, None).unwrap();
    assert_eq!(
        store
            .load_screening(&id)
            .unwrap()
            .screening
            .candidate
            .pregnant,
        Some(false)
    );
    assert!(store.verify_audit_chain().unwrap().is_intact());
}

/// Makes a store's trail what a schema-1 build wrote: events hashed with encoding 1 and no
/// state hashes, no trusted-signer register. (The append-only triggers are lifted for the
/// rewrite and put back exactly as they were.)
fn rewrite_trail_as_encoding_1(conn: &rusqlite::Connection) {
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_event'")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
    }
    let mut events: Vec<prescreen_store::audit::AuditEvent> = Vec::new();
    {
        let mut statement = conn
            .prepare(
                "SELECT seq, at_utc, utc_offset, coordinator_id, coordinator_name, coordinator_role, \
                 screening_id, action, target, old_value, new_value, reason FROM audit_event ORDER BY seq",
            )
            .unwrap();
        let rows = statement
            .query_map([], |row| {
                Ok(prescreen_store::audit::AuditEvent {
                    seq: row.get(0)?,
                    at_utc: row.get(1)?,
                    utc_offset: row.get(2)?,
                    coordinator_id: row.get(3)?,
                    coordinator_name: row.get(4)?,
                    coordinator_role: row.get(5)?,
                    screening_id: row.get(6)?,
                    action: row.get(7)?,
                    target: row.get(8)?,
                    old_value: row.get(9)?,
                    new_value: row.get(10)?,
                    reason: row.get(11)?,
                    prev_hash: String::new(),
                    hash: String::new(),
                    encoding: 1,
                    state_hash: None,
                })
            })
            .unwrap();
        for row in rows {
            events.push(row.unwrap());
        }
    }
    let mut prev = prescreen_store::audit::GENESIS_HASH.to_owned();
    for event in &mut events {
        event.prev_hash = prev.clone();
        event.hash = event.computed_hash();
        prev = event.hash.clone();
        conn.execute(
            "UPDATE audit_event SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![event.prev_hash, event.hash, event.seq],
        )
        .unwrap();
    }
    let last = events.last().map_or(0, |e| e.seq);
    conn.execute(
        "UPDATE setting SET value = ?1 WHERE key = 'audit_head'",
        [format!("{last}:{prev}")],
    )
    .unwrap();
    conn.execute_batch(
        "DROP TRIGGER trusted_signer_never_deleted; DROP TABLE trusted_signer; \
         ALTER TABLE audit_event DROP COLUMN encoding; ALTER TABLE audit_event DROP COLUMN state_hash;",
    )
    .unwrap();
    for (_, sql) in &triggers {
        conn.execute_batch(sql).unwrap();
    }
}
