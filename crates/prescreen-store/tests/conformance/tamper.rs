//! Edits behind the store's back, on every backend: `audit verify` names each.

use crate::common::harness::{Backend, Harness};
use crate::common::trial;
use prescreen_store::StoreError;

/// A harness with one imported ASSIX screening (MHISS answered), then `sql` run behind the
/// store's back (`{id}`: the screening): the chain walk must notice.
fn tampered(backend: Backend, sql: &str) -> (Harness, String, Vec<String>, Vec<String>) {
    let mut s = Harness::new(backend);
    let id = s
        .store
        .import_screening(&trial("assix"), &s.fixture("assix-eligible"), s.by)
        .unwrap();
    assert!(s.store.verify_audit_chain().unwrap().is_intact());
    assert!(s.store.screening_record_problems(&id).unwrap().is_empty());
    s.tamper(&sql.replace("{id}", &id));
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

pub fn tamper_an_edited_answer_row_is_named_by_screening_and_criterion(backend: Backend) {
    let (_s, id, whole, record) = tampered(
        backend,
        "UPDATE answer SET entry = replace(entry, 'answer:Yes', 'answer:No') \
         WHERE screening_id = '{id}' AND criterion_id = 'IN03'",
    );
    assert!(
        mentions(&whole, &format!("{id}: answer.IN03 is (answer:No,")),
        "{whole:?}"
    );
    assert!(mentions(&record, "answer.IN03"), "{record:?}");
}

pub fn tamper_an_edited_status_is_named(backend: Backend) {
    let (_s, id, whole, record) = tampered(
        backend,
        "UPDATE screening SET status = 'consented' WHERE id = '{id}'",
    );
    assert!(
        mentions(&whole, &format!("{id}: status is consented in the tables")),
        "{whole:?}"
    );
    assert!(!record.is_empty());
}

pub fn tamper_an_edited_cached_verdict_is_named(backend: Backend) {
    let (_s, id, whole, record) = tampered(
        backend,
        "UPDATE screening SET verdict = 'NOT ELIGIBLE', verdict_failing = 'IN03' WHERE id = '{id}'",
    );
    assert!(
        mentions(&whole, &format!("{id}: the cached verdict is")),
        "{whole:?}"
    );
    assert!(mentions(&record, "the cached verdict"), "{record:?}");
}

pub fn tamper_an_edited_candidate_field_is_named(backend: Backend) {
    let (_s, id, whole, _) = tampered(
        backend,
        "UPDATE screening SET date_of_birth = '1950-01-01' WHERE id = '{id}'",
    );
    assert!(
        mentions(&whole, &format!("{id}: date_of_birth is 1950-01-01")),
        "{whole:?}"
    );
}

pub fn tamper_an_edited_stored_definition_is_refused_on_load_and_named(backend: Backend) {
    let (s, id, whole, record) = tampered(
        backend,
        "UPDATE trial_definition SET text = replace(text, 'Age above 18 years', 'Age above 16 years')",
    );
    assert!(mentions(&whole, "no longer has its SHA-256"), "{whole:?}");
    assert!(mentions(&record, "no longer has its SHA-256"), "{record:?}");
    let row = s.store.load_screening(&id).unwrap().screening;
    let error = s
        .store
        .trial_text(
            &row.trial.id,
            &row.trial.version,
            &row.trial.sha256.unwrap_or_default(),
        )
        .unwrap_err();
    assert!(
        matches!(error, StoreError::TamperedDefinition { .. }),
        "{error}"
    );
}

pub fn tamper_an_inserted_answer_row_is_named(backend: Backend) {
    let (_s, id, whole, _) = tampered(
        backend,
        "INSERT INTO answer (screening_id, criterion_id, entry, updated_utc) \
         VALUES ('{id}', 'ZZ99', '(answer:Yes)', '2026-11-23T09:00:00Z')",
    );
    assert!(mentions(&whole, &format!("{id}: answer.ZZ99")), "{whole:?}");
}
