//! The visit in the store: its date and re-confirmations are audit events `audit verify`
//! replays; a candidate fact corrected at the visit answers a "changed" re-confirmation.
#![cfg(test)]

mod common;

use common::{fixture, open_at, setup, trial};
use jiff::civil::date;
use prescreen_core::eligibility::{VerdictKind, evaluate};
use prescreen_store::{Store, StoreError};

#[test]
fn a_pregnancy_reported_at_the_visit_answers_the_changed_reconfirmation() {
    let mut s = setup();
    let a_muse = trial("a-muse");
    let id = s
        .store
        .import_screening(&a_muse, &fixture("a-muse-eligible"), s.by)
        .unwrap();
    // The visit is on its planned day, when the store's clock gets there.
    s.store = open_at(&s.path, "2026-12-07T09:00:00Z").unwrap();
    let refused = s.store.reconfirm(&id, "EX08", true, None, s.by, None);
    assert!(matches!(refused, Err(StoreError::Visit(_))), "{refused:?}");
    s.store
        .start_visit(&id, date(2026, 12, 7), s.by, None)
        .unwrap();
    s.store
        .reconfirm(&id, "EX08", true, None, s.by, Some("says she is pregnant"))
        .unwrap();
    let check = |s: &common::Setup| {
        let screening = s.store.load_screening(&id).unwrap().screening;
        evaluate(&a_muse.definition, &screening)
    };
    assert_eq!(check(&s).visit.new_answer_awaited, ["EX08"]);
    let mut candidate = s.store.load_screening(&id).unwrap().screening.candidate;
    candidate.pregnant = Some(true);
    s.store
        .set_candidate(
            &id,
            &candidate,
            s.by,
            Some("pregnancy reported at the visit"),
        )
        .unwrap();
    let after = check(&s);
    assert!(
        after.visit.new_answer_awaited.is_empty(),
        "{:?}",
        after.visit
    );
    assert_eq!(after.verdict.kind(), VerdictKind::NotEligible);
    let ex08 = s.store.load_screening(&id).unwrap().screening.answers["EX08"].clone();
    let reconfirmed = ex08.reconfirmed.unwrap();
    assert!(reconfirmed.changed && !reconfirmed.new_answer_awaited);
    assert_eq!(reconfirmed.on, date(2026, 12, 7));
    // Every step replays: the chain is intact and the tables agree with the trail.
    let report = s.store.verify_audit_chain().unwrap();
    assert!(report.is_intact(), "{:?}", report.records);
    assert!(s.store.screening_record_problems(&id).unwrap().is_empty());
    let history = s.store.screening_history(&id).unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"visit_started"), "{actions:?}");
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "answer_reconfirmed")
            .count(),
        2
    );
}

#[test]
fn the_visit_date_is_corrected_only_with_a_reason_and_never_after_a_reconfirmation() {
    let mut s = setup();
    let id = s
        .store
        .import_screening(&trial("a-muse"), &fixture("a-muse-eligible"), s.by)
        .unwrap();
    s.store = open_at(&s.path, "2026-12-08T09:00:00Z").unwrap();
    s.store
        .start_visit(&id, date(2026, 12, 7), s.by, None)
        .unwrap();
    s.store
        .reconfirm(&id, "EX01", false, Some(date(2026, 12, 7)), s.by, None)
        .unwrap();
    let no_reason = s.store.start_visit(&id, date(2026, 12, 8), s.by, None);
    assert!(
        matches!(no_reason, Err(StoreError::ReasonRequired { .. })),
        "{no_reason:?}"
    );
    let after = s
        .store
        .start_visit(&id, date(2026, 12, 8), s.by, Some("typed the wrong day"));
    assert!(
        matches!(&after, Err(StoreError::InvalidInput(p)) if p[0].message.contains("re-confirmation")),
        "{after:?}"
    );
    let future = s.store.start_visit(&id, date(2026, 12, 9), s.by, Some("x"));
    assert!(
        matches!(future, Err(StoreError::InvalidInput(_))),
        "{future:?}"
    );
    assert_eq!(
        s.store.load_screening(&id).unwrap().screening.visit_date,
        Some(date(2026, 12, 7))
    );
    assert!(s.store.verify_audit_chain().unwrap().is_intact());
}
