//! Tampering with the SQLite file behind the store's back, as an attacker with a SQLite client
//! would: every edit of the current state, the cached verdict, a stored definition, the chain's
//! tail or the schema is named by `verify_audit_chain`, and a tampered screening is refused by
//! the per-record check every export runs. Synthetic candidates only.
#![cfg(test)]

mod common;

use common::{Setup, fixture, open, setup, trial};
use prescreen_store::sqlite::SCHEMA_VERSION;
use prescreen_store::{NewTrustedSigner, SignerKind, Store, StoreError};

/// A store with one imported ASSIX screening (MHISS answered), closed so the file can be edited.
fn tampered(sql: &str) -> (Setup, String, Vec<String>, Vec<String>) {
    let mut s = setup();
    let id = s
        .store
        .import_screening(&trial("assix"), &fixture("assix-eligible"), s.by)
        .unwrap();
    assert!(s.store.verify_audit_chain().unwrap().is_intact());
    assert!(s.store.screening_record_problems(&id).unwrap().is_empty());
    let conn = rusqlite::Connection::open(&s.path).unwrap();
    conn.execute_batch(&sql.replace("{id}", &id)).unwrap();
    drop(conn);
    s.store = open(&s.path).unwrap();
    let report = s.store.verify_audit_chain().unwrap();
    assert!(!report.is_intact(), "tampering with `{sql}` went unnoticed");
    let mut whole = report.records.clone();
    if let Some(link) = &report.first_break {
        whole.push(link.problem.clone());
    }
    let record = s
        .store
        .screening_record_problems(&id)
        .unwrap_or_else(|e| vec![e.to_string()]);
    (s, id, whole, record)
}

fn mentions(problems: &[String], needle: &str) -> bool {
    problems.iter().any(|p| p.contains(needle))
}

#[test]
fn cutting_the_tail_and_the_stored_head_together_is_noticed() {
    // Remove the last events and rewrite the stored head to match: the links that remain hold,
    // but the tables still show what the removed events did.
    let (_s, _id, whole, _) = tampered(
        "DROP TRIGGER audit_event_append_only_delete; \
         DELETE FROM audit_event WHERE seq > (SELECT max(seq) - 3 FROM audit_event); \
         UPDATE setting SET value = (SELECT seq || ':' || hash FROM audit_event ORDER BY seq DESC LIMIT 1) \
         WHERE key = 'audit_head'; \
         CREATE TRIGGER audit_event_append_only_delete BEFORE DELETE ON audit_event \
         BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    );
    assert!(mentions(&whole, "in the tables but"), "{whole:?}");
}

#[test]
fn a_dropped_append_only_trigger_opens_the_store_read_only() {
    let (mut s, id, whole, _) = tampered("DROP TRIGGER audit_event_append_only_update");
    assert!(mentions(&whole, "schema: "), "{whole:?}");
    assert!(
        mentions(&whole, "audit_event_append_only_update"),
        "{whole:?}"
    );
    let error = s
        .store
        .set_status(
            &id,
            prescreen_store::ScreeningStatus::Approached,
            s.by,
            None,
        )
        .unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly(_)), "{error}");
    assert_eq!(s.store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_signer_slipped_into_the_register_is_named() {
    let (_s, _id, whole, _) = tampered(&format!(
        "INSERT INTO trusted_signer (fingerprint, kind, name, role, added_utc, added_by) \
         VALUES ('{}', 'signer', 'Mallory', 'investigator', '2026-11-23T09:00:00Z', 1)",
        "ab".repeat(32)
    ));
    assert!(
        mentions(&whole, "in the register but never added in the trail"),
        "{whole:?}"
    );
}

#[test]
fn the_register_is_audited_and_entries_are_revoked_never_deleted() {
    let mut s = setup();
    let fingerprint = "cd".repeat(32);
    let signer = NewTrustedSigner {
        fingerprint: fingerprint.to_uppercase(),
        kind: SignerKind::Signer,
        name: "Synthetic Investigator".to_owned(),
        role: "investigator".to_owned(),
        certificate_pem: None,
    };
    s.store.add_trusted_signer(&signer, s.by).unwrap();
    let again = s.store.add_trusted_signer(&signer, s.by).unwrap_err();
    assert!(matches!(again, StoreError::DuplicateSigner(_)), "{again}");
    let no_reason = s
        .store
        .revoke_trusted_signer(&fingerprint, " ", s.by)
        .unwrap_err();
    assert!(
        matches!(no_reason, StoreError::ReasonRequired { .. }),
        "{no_reason}"
    );
    s.store
        .revoke_trusted_signer(&fingerprint, "left the site", s.by)
        .unwrap();
    let listed = s.store.trusted_signers().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].fingerprint, fingerprint);
    assert_eq!(
        listed[0].revoked.as_ref().map(|r| r.1.as_str()),
        Some("left the site")
    );
    let unknown = s
        .store
        .revoke_trusted_signer(&"ef".repeat(32), "typo", s.by)
        .unwrap_err();
    assert!(matches!(unknown, StoreError::UnknownSigner(_)), "{unknown}");
    assert!(s.store.verify_audit_chain().unwrap().is_intact());

    let conn = rusqlite::Connection::open(&s.path).unwrap();
    let deleted = conn.execute("DELETE FROM trusted_signer", []);
    assert!(deleted.is_err(), "a register entry could be deleted");
    conn.execute(
        "UPDATE trusted_signer SET revoked_utc = NULL, revoke_reason = NULL",
        [],
    )
    .unwrap();
    drop(conn);
    let reopened = open(&s.path).unwrap();
    let report = reopened.verify_audit_chain().unwrap();
    assert!(
        mentions(
            &report.records,
            "the register says signer Synthetic Investigator (investigator) but the trail says"
        ),
        "{:?}",
        report.records
    );
}

#[test]
fn a_visit_date_written_behind_the_trail_is_named() {
    // A visit date moves every window counted from the visit: one set without its
    // `visit_started` event is named, field and value.
    let (_s, id, whole, record) =
        tampered("UPDATE screening SET visit_date = '2026-11-23' WHERE id = '{id}'");
    assert!(mentions(&whole, &format!("{id}: visit_date")), "{whole:?}");
    assert!(mentions(&record, "visit_date"), "{record:?}");
}
