//! Tamper tests: the audit chain catches an event edited, removed or appended behind the
//! store's back with plain SQL, and names the first broken link. Synthetic candidates only.
#![cfg(test)]

mod common;

use std::path::{Path, PathBuf};

use prescreen::screening::{Answer, CriterionEntry};
use prescreen::storage::{NewCoordinator, SqliteStore, Store};
use prescreen::trial::load::TrialSet;

/// A store with a handful of events; returns the database path.
fn populated(dir: &Path) -> PathBuf {
    let path = dir.join("prescreen.sqlite3");
    let mut store = SqliteStore::open(&path).unwrap();
    let by = store
        .save_coordinator(&NewCoordinator {
            name: "Synthetic Coordinator".to_owned(),
            role: "study nurse".to_owned(),
            site_code: "CPH".to_owned(),
        })
        .unwrap()
        .id;
    store.set_current_coordinator(by).unwrap();
    let set = TrialSet::built_in();
    let assix = set.latest("assix").unwrap();
    let fixture = format!(
        "{}/tests/fixtures/assix-not-eligible.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let screening = prescreen::screening_file::read_screening(Path::new(&fixture)).unwrap();
    let id = store.import_screening(assix, &screening, by).unwrap();
    store
        .set_answer(
            &id,
            "EX01",
            Some(&CriterionEntry::new(Answer::No)),
            by,
            None,
        )
        .unwrap();
    store
        .set_answer(
            &id,
            "EX01",
            Some(&CriterionEntry::new(Answer::Yes)),
            by,
            Some("corrected"),
        )
        .unwrap();
    store.record_verdict(&id, by).unwrap();
    let report = store.verify_audit_chain().unwrap();
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert!(report.events >= 10);
    assert_eq!(report.head, store.latest_chain_hash().unwrap());
    path
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn verify(path: &Path) -> prescreen::storage::ChainReport {
    SqliteStore::open(path)
        .unwrap()
        .verify_audit_chain()
        .unwrap()
}

#[test]
fn the_store_itself_refuses_to_update_or_delete_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let conn = raw(&path);
    let update = conn.execute("UPDATE audit_event SET reason = 'x' WHERE seq = 3", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM audit_event WHERE seq = 3", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM screening", []);
    assert!(delete.unwrap_err().to_string().contains("never deleted"));
}

#[test]
fn an_edited_event_is_named_as_the_first_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    {
        let conn = raw(&path);
        // A tamperer drops the guard first, then rewrites an old value.
        conn.execute_batch(
            "DROP TRIGGER audit_event_append_only_update;
             UPDATE audit_event SET new_value = '(answer:Value(\"0.09\"),note:None,evidence:None)'
             WHERE seq = 9;",
        )
        .unwrap();
    }
    let report = verify(&path);
    let link = report.first_break.expect("the edit is caught");
    assert_eq!(link.seq, 9);
    assert!(link.problem.contains("altered"), "{}", link.problem);

    // The command line says the same and fails.
    let output = common::prescreen_command()
        .args(["audit", "verify"])
        .env("PRESCREEN_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("BROKEN at event #9"), "{stdout}");
}

#[test]
fn a_rehashed_edit_still_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    {
        let conn = raw(&path);
        conn.execute_batch("DROP TRIGGER audit_event_append_only_update;")
            .unwrap();
        // Recompute the edited event's own hash, as a careful tamperer would.
        let store = SqliteStore::open(&path).unwrap();
        let mut event = store
            .screening_history("AS-CPH-2026-0002")
            .unwrap()
            .into_iter()
            .find(|e| e.seq == 5)
            .unwrap();
        event.new_value = Some("1950-01-01".to_owned());
        let hash = event.computed_hash();
        conn.execute(
            "UPDATE audit_event SET new_value = ?1, hash = ?2 WHERE seq = 5",
            rusqlite::params![event.new_value, hash],
        )
        .unwrap();
    }
    let link = verify(&path).first_break.expect("caught");
    assert_eq!(link.seq, 6, "event 6 no longer points at event 5");
}

#[test]
fn removed_and_inserted_events_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let total = verify(&path).events as i64;
    {
        let conn = raw(&path);
        conn.execute_batch(&format!(
            "DROP TRIGGER audit_event_append_only_delete;
             DELETE FROM audit_event WHERE seq = {total};"
        ))
        .unwrap();
    }
    let link = verify(&path).first_break.expect("a cut-off tail is caught");
    assert!(link.problem.contains("removed"), "{}", link.problem);

    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    {
        let conn = raw(&path);
        conn.execute_batch(
            "DROP TRIGGER audit_event_append_only_delete;
             DELETE FROM audit_event WHERE seq = 4;",
        )
        .unwrap();
    }
    assert_eq!(verify(&path).first_break.map(|b| b.seq), Some(5));
}
