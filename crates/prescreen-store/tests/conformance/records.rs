//! Records, the lifecycle, the log and concurrency, on every backend.

use jiff::civil::{Date, date};
use prescreen_core::eligibility::{VerdictKind, evaluate};
use prescreen_core::screening::{Answer, Candidate, CriterionEntry, Screening, Sex};
use prescreen_core::trial::load::LoadedTrial;
use prescreen_store::{
    AuditAction, LogFilter, LogRow, NewScreening, ScreeningStatus, Store, StoreError,
};

use crate::common::harness::{Backend, Harness};
use crate::common::trial;

fn new_screening(date: Date) -> NewScreening {
    NewScreening {
        site_code: None,
        candidate: Candidate {
            initials: "QZ".to_owned(),
            date_of_birth: Some(jiff::civil::date(1970, 5, 6)),
            sex: Some(Sex::Female),
            childbearing_potential: Some(false),
            pregnant: None,
            breastfeeding: None,
        },
        prescreening_date: date,
        planned_visit_date: None,
        rescreen_of: None,
    }
}

fn with_id(mut screening: Screening, id: &str) -> Screening {
    screening.screening_id = id.to_owned();
    screening
}

fn log_rows(store: &dyn Store, filter: &LogFilter) -> Vec<LogRow> {
    let mut rows = Vec::new();
    store
        .log(filter, &mut |row| {
            rows.push(row.clone());
            Ok(())
        })
        .unwrap();
    rows
}

pub fn ids_follow_prefix_site_year_sequence_and_are_never_reused(mut s: Harness) {
    let assix = trial("assix");
    let amuse = trial("a-muse");
    let first = s
        .store
        .create_screening(&assix, &new_screening(date(2026, 3, 1)), s.by)
        .unwrap();
    let second = s
        .store
        .create_screening(&assix, &new_screening(date(2026, 3, 2)), s.by)
        .unwrap();
    let other_trial = s
        .store
        .create_screening(&amuse, &new_screening(date(2026, 3, 2)), s.by)
        .unwrap();
    // Another year has its own sequence (a year before: a pre-screening date in the
    // future is refused).
    let other_year = s
        .store
        .create_screening(&assix, &new_screening(date(2025, 12, 30)), s.by)
        .unwrap();
    assert_eq!(first, "AS-CPH-2026-0001");
    assert_eq!(second, "AS-CPH-2026-0002");
    assert_eq!(other_trial, "AM-CPH-2026-0001");
    assert_eq!(other_year, "AS-CPH-2025-0001");

    let mut other_site = new_screening(date(2026, 3, 3));
    other_site.site_code = Some("tls".to_owned());
    let for_toulouse = s.store.create_screening(&assix, &other_site, s.by);
    match s.backend {
        // One workstation keeps every site it screens for.
        Backend::Sqlite => assert_eq!(for_toulouse.unwrap(), "AS-TLS-2026-0001"),
        // A server login writes its own site's records only.
        Backend::Server => assert!(
            matches!(for_toulouse, Err(StoreError::NotPermitted(_))),
            "{for_toulouse:?}"
        ),
    }

    s.store
        .set_status(
            &second,
            ScreeningStatus::Voided,
            s.by,
            Some("entered in error"),
        )
        .unwrap();
    let third = s
        .store
        .create_screening(&assix, &new_screening(date(2026, 3, 4)), s.by)
        .unwrap();
    assert_eq!(third, "AS-CPH-2026-0003", "a voided id is not reused");

    // An imported id of the same shape moves the sequence past it.
    s.store
        .import_screening(
            &assix,
            &with_id(s.fixture("assix-eligible"), "AS-CPH-2026-0010"),
            s.by,
        )
        .unwrap();
    let after_import = s
        .store
        .create_screening(&assix, &new_screening(date(2026, 3, 5)), s.by)
        .unwrap();
    assert_eq!(after_import, "AS-CPH-2026-0011");
}

pub fn import_keeps_a_free_id_refuses_a_taken_one_and_generates_a_missing_one(mut s: Harness) {
    let assix = trial("assix");
    let screening = s.fixture("assix-not-eligible");
    let kept = s.store.import_screening(&assix, &screening, s.by).unwrap();
    assert_eq!(kept, "AS-CPH-2026-0002");
    let duplicate = s
        .store
        .import_screening(&assix, &screening, s.by)
        .unwrap_err();
    assert_eq!(
        duplicate,
        StoreError::DuplicateScreeningId("AS-CPH-2026-0002".to_owned())
    );
    let generated = s
        .store
        .import_screening(&assix, &with_id(screening.clone(), ""), s.by)
        .unwrap();
    assert_eq!(generated, "AS-CPH-2026-0003");
    let refused = s
        .store
        .import_screening(&assix, &with_id(screening.clone(), "Jane Q Public"), s.by)
        .unwrap_err();
    assert_eq!(refused, StoreError::UnacceptableScreeningId);
    assert!(!refused.to_string().contains("Jane"));

    let stored = s.store.load_screening(&kept).unwrap();
    assert_eq!(stored.screening.answers, screening.answers);
    assert_eq!(stored.screening.candidate, screening.candidate);
    assert_eq!(
        stored.screening.trial.sha256.as_deref(),
        Some(assix.sha256.as_str())
    );
    assert_eq!(stored.status, ScreeningStatus::Draft);
    assert_eq!(stored.verdict.name(), "NOT ELIGIBLE");
    assert_eq!(stored.verdict.failing, ["IN04", "EX08"]);
    let text = s
        .store
        .trial_text("assix", assix.definition.version(), &assix.sha256)
        .unwrap()
        .unwrap();
    assert_eq!(text, assix.text, "the exact definition text is kept");
}

pub fn changing_an_answered_criterion_needs_a_reason_and_is_audited(mut s: Harness) {
    let assix = trial("assix");
    let id = s
        .store
        .import_screening(&assix, &s.fixture("assix-not-eligible"), s.by)
        .unwrap();
    let yes = CriterionEntry::new(Answer::Yes);
    let unknown = CriterionEntry::new(Answer::Unknown);

    // Unknown → Yes is answering, not changing.
    s.store
        .set_answer(&id, "EX01", Some(&unknown), s.by, None)
        .unwrap();
    s.store
        .set_answer(&id, "EX01", Some(&yes), s.by, None)
        .unwrap();
    // Yes → No is a change.
    let no = CriterionEntry::new(Answer::No);
    let error = s
        .store
        .set_answer(&id, "EX01", Some(&no), s.by, None)
        .unwrap_err();
    assert!(
        matches!(error, StoreError::ReasonRequired { .. }),
        "{error}"
    );
    let error = s
        .store
        .set_answer(&id, "EX01", Some(&no), s.by, Some("   "))
        .unwrap_err();
    assert!(
        matches!(error, StoreError::ReasonRequired { .. }),
        "a blank reason is none"
    );
    s.store
        .set_answer(&id, "EX01", Some(&no), s.by, Some("misread the letter"))
        .unwrap();
    // A note alone needs no reason.
    let mut noted = no.clone();
    noted.note = Some("checked twice".to_owned());
    s.store
        .set_answer(&id, "EX01", Some(&noted), s.by, None)
        .unwrap();
    // Clearing needs a reason.
    assert!(s.store.set_answer(&id, "EX01", None, s.by, None).is_err());
    s.store
        .set_answer(&id, "EX01", None, s.by, Some("wrong candidate's chart"))
        .unwrap();
    // A criterion the trial does not have is refused.
    let error = s
        .store
        .set_answer(&id, "XX99", Some(&yes), s.by, None)
        .unwrap_err();
    assert!(matches!(error, StoreError::UnknownCriterion { .. }));

    let history = s.store.screening_history(&id).unwrap();
    let ex01: Vec<_> = history
        .iter()
        .filter(|e| e.target.as_deref() == Some("EX01"))
        .collect();
    let actions: Vec<_> = ex01.iter().map(|e| e.action_kind().unwrap()).collect();
    assert_eq!(
        actions,
        [
            AuditAction::AnswerSet,
            AuditAction::AnswerChanged,
            AuditAction::AnswerChanged,
            AuditAction::NoteChanged,
            AuditAction::AnswerCleared
        ]
    );
    assert_eq!(ex01[2].reason.as_deref(), Some("misread the letter"));
    assert_eq!(
        ex01[2].old_value.as_deref(),
        Some("(answer:Yes,note:None,evidence:None)")
    );
    assert_eq!(
        ex01[2].new_value.as_deref(),
        Some("(answer:No,note:None,evidence:None)")
    );
    assert_eq!(ex01[2].coordinator_name, s.coordinator_name());
    assert_eq!(ex01[2].utc_offset, "+01:00");
    assert!(ex01[2].at_utc.ends_with('Z'));
    assert!(history.windows(2).all(|w| w[0].seq < w[1].seq), "in order");
}

pub fn answers_re_evaluate_the_stored_verdict(mut s: Harness) {
    let assix = trial("assix");
    let id = s
        .store
        .import_screening(&assix, &s.fixture("assix-not-eligible"), s.by)
        .unwrap();
    let verdict = s
        .store
        .set_answer(
            &id,
            "EX08",
            Some(&CriterionEntry::new(Answer::Value(3.into()))),
            s.by,
            Some("re-asked: 3 drinks a week"),
        )
        .unwrap();
    assert_eq!(verdict.name(), "NOT ELIGIBLE");
    assert_eq!(verdict.failing, ["IN04"]);
    assert_eq!(s.store.load_screening(&id).unwrap().verdict, verdict);
}

pub fn candidate_and_date_changes_are_audited_and_need_a_reason_once_set(mut s: Harness) {
    let assix = trial("assix");
    let id = s
        .store
        .create_screening(&assix, &new_screening(date(2026, 3, 1)), s.by)
        .unwrap();
    let mut candidate = s.store.load_screening(&id).unwrap().screening.candidate;
    candidate.initials = "QY".to_owned();
    assert!(s.store.set_candidate(&id, &candidate, s.by, None).is_err());
    s.store
        .set_candidate(&id, &candidate, s.by, Some("typo"))
        .unwrap();
    s.store
        .set_dates(&id, date(2026, 3, 1), Some(date(2026, 4, 1)), s.by, None)
        .unwrap();
    assert!(
        s.store
            .set_dates(&id, date(2026, 3, 2), Some(date(2026, 4, 1)), s.by, None)
            .is_err()
    );
    let stored = s.store.load_screening(&id).unwrap();
    assert_eq!(stored.screening.candidate.initials, "QY");
    assert_eq!(stored.screening.planned_visit_date, Some(date(2026, 4, 1)));
    let history = s.store.screening_history(&id).unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.target.as_deref() == Some("initials")
                && e.old_value.as_deref() == Some("QZ")
                && e.new_value.as_deref() == Some("QY")
                && e.reason.as_deref() == Some("typo"))
    );
}

pub fn the_lifecycle_checks_transitions_and_reasons_and_void_freezes(mut s: Harness) {
    let assix = trial("assix");
    let incomplete = s
        .store
        .import_screening(&assix, &with_id(s.fixture("assix-incomplete"), ""), s.by)
        .unwrap();
    assert!(matches!(
        s.store.record_verdict(&incomplete, s.by).unwrap_err(),
        StoreError::VerdictNotSettled(_)
    ));

    let id = s
        .store
        .import_screening(&assix, &with_id(s.fixture("assix-eligible"), ""), s.by)
        .unwrap();
    assert!(matches!(
        s.store
            .set_status(&id, ScreeningStatus::Enrolled, s.by, None)
            .unwrap_err(),
        StoreError::InvalidTransition { .. }
    ));
    assert_eq!(
        s.store.record_verdict(&id, s.by).unwrap().name(),
        "ELIGIBLE"
    );
    s.store
        .set_status(&id, ScreeningStatus::Approached, s.by, None)
        .unwrap();
    assert!(
        s.store
            .set_status(&id, ScreeningStatus::Declined, s.by, None)
            .is_err(),
        "declining needs a reason"
    );
    assert!(
        s.store
            .set_status(&id, ScreeningStatus::PreScreened, s.by, None)
            .is_err(),
        "a move back needs a reason"
    );
    s.store
        .set_status(
            &id,
            ScreeningStatus::PreScreened,
            s.by,
            Some("approached the wrong candidate"),
        )
        .unwrap();
    s.store
        .set_status(&id, ScreeningStatus::Approached, s.by, None)
        .unwrap();
    s.store
        .set_status(&id, ScreeningStatus::Consented, s.by, None)
        .unwrap();
    complete_the_visit(&mut s, &id);
    s.store
        .set_status(&id, ScreeningStatus::Enrolled, s.by, None)
        .unwrap();
    assert!(
        s.store
            .set_status(&id, ScreeningStatus::Voided, s.by, None)
            .is_err()
    );
    s.store
        .set_status(&id, ScreeningStatus::Voided, s.by, Some("duplicate entry"))
        .unwrap();
    let stored = s.store.load_screening(&id).unwrap();
    assert_eq!(stored.status, ScreeningStatus::Voided);
    assert_eq!(stored.status_reason.as_deref(), Some("duplicate entry"));
    assert!(matches!(
        s.store
            .set_answer(
                &id,
                "EX01",
                Some(&CriterionEntry::new(Answer::No)),
                s.by,
                None
            )
            .unwrap_err(),
        StoreError::Voided(_)
    ));
    assert!(
        s.store
            .set_status(&id, ScreeningStatus::Draft, s.by, Some("undo"))
            .is_err()
    );
    // Signing and exporting are recorded.
    s.store.mark_exported(&id, s.by, "RON to stdout").unwrap();
    let history = s.store.screening_history(&id).unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.action_kind(), Some(AuditAction::Exported));
    assert!(
        history
            .iter()
            .any(|e| e.action_kind() == Some(AuditAction::Voided))
    );
    assert!(
        history
            .iter()
            .any(|e| e.action_kind() == Some(AuditAction::VerdictRecorded)
                && e.new_value.as_deref() == Some("ELIGIBLE"))
    );
}

pub fn the_log_filters_and_orders_and_the_summary_counts(mut s: Harness) {
    let assix = trial("assix");
    let amuse = trial("a-muse");
    let import = |s: &mut Harness, name: &str, trial: &LoadedTrial| {
        s.store
            .import_screening(trial, &with_id(s.fixture(name), ""), s.by)
            .unwrap()
    };
    // ASSIX: two not eligible, one eligible who is enrolled, one pre-screen passed who
    // declines, one draft, one voided.
    let ne1 = import(&mut s, "assix-not-eligible", &assix);
    let ne2 = import(&mut s, "assix-not-eligible", &assix);
    s.store
        .set_answer(
            &ne2,
            "EX08",
            Some(&CriterionEntry::new(Answer::Value(1.into()))),
            s.by,
            Some("re-asked"),
        )
        .unwrap();
    let eligible = import(&mut s, "assix-eligible", &assix);
    let passed = import(&mut s, "assix-prescreen-passed", &assix);
    let _draft = import(&mut s, "assix-incomplete", &assix);
    let voided = import(&mut s, "assix-eligible", &assix);
    for id in [&ne1, &ne2, &eligible, &passed, &voided] {
        s.store.record_verdict(id, s.by).unwrap();
    }
    complete_the_visit(&mut s, &eligible);
    for (id, status, reason) in [
        (&eligible, ScreeningStatus::Approached, None),
        (&eligible, ScreeningStatus::Consented, None),
        (&eligible, ScreeningStatus::Enrolled, None),
        (&passed, ScreeningStatus::Approached, None),
        (
            &passed,
            ScreeningStatus::Declined,
            Some("travel, \"too far\""),
        ),
        (&voided, ScreeningStatus::Voided, Some("entered twice")),
    ] {
        s.store.set_status(id, status, s.by, reason).unwrap();
    }
    // A-MUSE: one not eligible.
    let amuse_ne = import(&mut s, "a-muse-not-eligible", &amuse);
    s.store.record_verdict(&amuse_ne, s.by).unwrap();

    let summary = s.store.summary(&LogFilter::default()).unwrap();
    assert_eq!(summary.len(), 2);
    let a = &summary[0];
    assert_eq!(a.trial_id, "a-muse");
    assert_eq!((a.screened, a.not_eligible), (1, 1));
    let s_ = &summary[1];
    assert_eq!(s_.trial_id, "assix");
    assert_eq!(
        (
            s_.screened,
            s_.eligible,
            s_.approached,
            s_.consented,
            s_.declined,
            s_.enrolled
        ),
        (4, 2, 2, 1, 1, 1)
    );
    assert_eq!((s_.not_eligible, s_.in_progress, s_.voided), (2, 1, 1));
    let by_criterion: Vec<(&str, u64)> = s_
        .ineligible_by_criterion
        .iter()
        .map(|c| (c.criterion_id.as_str(), c.count))
        .collect();
    assert_eq!(by_criterion, [("IN04", 2), ("EX08", 1)]);
    assert!(s_.ineligible_by_criterion[0].text.contains("UFR"));
    assert_eq!(s_.declined_reasons[0].reason, "travel, \"too far\"");

    // The log: everything, in date then id order; then filtered.
    let all = log_rows(&*s.store, &LogFilter::default());
    assert_eq!(all.len(), 7);
    assert!(
        all.windows(2)
            .all(|w| (w[0].prescreening_date, &w[0].screening_id)
                <= (w[1].prescreening_date, &w[1].screening_id))
    );
    let only_amuse = log_rows(
        &*s.store,
        &LogFilter {
            trial: Some("a-muse".to_owned()),
            ..LogFilter::default()
        },
    );
    assert_eq!(only_amuse.len(), 1);
    assert_eq!(only_amuse[0].reasons.len(), 2);
    let declined = log_rows(
        &*s.store,
        &LogFilter {
            statuses: vec![ScreeningStatus::Declined, ScreeningStatus::Enrolled],
            ..LogFilter::default()
        },
    );
    let ids: Vec<&str> = declined.iter().map(|r| r.screening_id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&eligible.as_str()) && ids.contains(&passed.as_str()));
    let by_date = log_rows(
        &*s.store,
        &LogFilter {
            from: Some(date(2026, 11, 21)),
            to: Some(date(2026, 11, 23)),
            ..LogFilter::default()
        },
    );
    assert_eq!(by_date.len(), 6, "the A-MUSE screening is dated 2026-11-20");
    let row = all.iter().find(|r| r.screening_id == ne1).unwrap();
    assert_eq!(row.verdict, "NOT ELIGIBLE");
    assert_eq!(row.coordinator, s.coordinator_name());
    assert_eq!(
        row.reasons
            .iter()
            .map(|r| r.criterion_id.as_str())
            .collect::<Vec<_>>(),
        ["IN04", "EX08"]
    );
}

pub fn two_handles_on_one_file_keep_one_chain(mut s: Harness) {
    let assix = trial("assix");
    let mut second = s.second_handle();
    for i in 0..5 {
        let store: &mut dyn Store = if i % 2 == 0 {
            &mut *s.store
        } else {
            &mut *second
        };
        store
            .create_screening(&assix, &new_screening(date(2026, 3, 1)), s.by)
            .unwrap();
    }
    let report = s.store.verify_audit_chain().unwrap();
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(report.head, second.latest_chain_hash().unwrap());
}

pub fn a_change_after_signing_needs_a_reason_and_supersedes_the_signed_pdf(mut s: Harness) {
    let assix = trial("assix");
    let id = s
        .store
        .import_screening(&assix, &s.fixture("assix-not-eligible"), s.by)
        .unwrap();
    s.store
        .mark_signed(&id, s.by, "PDF first.pdf SHA-256 aa")
        .unwrap();
    // Even a first answer now changes what the signed PDF shows: a reason is required.
    let yes = CriterionEntry::new(Answer::Yes);
    let error = s
        .store
        .set_answer(&id, "EX01", Some(&yes), s.by, None)
        .unwrap_err();
    assert!(
        matches!(error, StoreError::ReasonRequired { .. }),
        "{error}"
    );
    assert!(
        !s.store
            .load_screening(&id)
            .unwrap()
            .screening
            .answers
            .contains_key("EX01"),
        "nothing saved without the reason"
    );
    s.store
        .set_answer(
            &id,
            "EX01",
            Some(&yes),
            s.by,
            Some("medication list arrived"),
        )
        .unwrap();
    let history = s.store.screening_history(&id).unwrap();
    let superseded: Vec<_> = history
        .iter()
        .filter(|e| e.action_kind() == Some(AuditAction::Superseded))
        .collect();
    assert_eq!(superseded.len(), 1);
    assert_eq!(
        superseded[0].old_value.as_deref(),
        Some("PDF first.pdf SHA-256 aa")
    );
    assert_eq!(
        superseded[0].reason.as_deref(),
        Some("medication list arrived")
    );
    // Once superseded, further first answers are ordinary edits again.
    s.store
        .set_answer(&id, "EX02", Some(&yes), s.by, None)
        .unwrap();
    // Dates and candidate fields of a re-signed screening are covered too.
    s.store
        .mark_signed(&id, s.by, "PDF second.pdf SHA-256 bb")
        .unwrap();
    let error = s
        .store
        .set_dates(
            &id,
            date(2026, 11, 23),
            Some(date(2026, 12, 20)),
            s.by,
            None,
        )
        .unwrap_err();
    assert!(
        matches!(error, StoreError::ReasonRequired { .. }),
        "{error}"
    );
    assert!(s.store.verify_audit_chain().unwrap().is_intact());
}

pub fn a_pregnancy_reported_at_the_visit_answers_the_changed_reconfirmation(mut s: Harness) {
    let a_muse = trial("a-muse");
    let id = s
        .store
        .import_screening(&a_muse, &s.fixture("a-muse-eligible"), s.by)
        .unwrap();
    // The visit is on its planned day, when the store's clock gets there.
    s.reopen_at("2026-12-07T09:00:00Z");
    let refused = s.store.reconfirm(&id, "EX08", true, None, s.by, None);
    assert!(matches!(refused, Err(StoreError::Visit(_))), "{refused:?}");
    s.store
        .start_visit(&id, date(2026, 12, 7), s.by, None)
        .unwrap();
    s.store
        .reconfirm(&id, "EX08", true, None, s.by, Some("says she is pregnant"))
        .unwrap();
    let check = |s: &Harness| {
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

pub fn the_visit_date_is_corrected_only_with_a_reason_and_never_after_a_reconfirmation(
    mut s: Harness,
) {
    let id = s
        .store
        .import_screening(&trial("a-muse"), &s.fixture("a-muse-eligible"), s.by)
        .unwrap();
    s.reopen_at("2026-12-08T09:00:00Z");
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

/// The visit of an imported ASSIX screening: started on its planned day, every answer
/// re-confirmed as still true, the investigator's judgement named — so it may be enrolled.
fn complete_the_visit(s: &mut Harness, id: &str) {
    // The store's clock moves on to the planned visit, when the candidate comes.
    s.reopen_at("2026-12-01T09:00:00Z");
    let stored = s.store.load_screening(id).unwrap();
    let held = stored.screening.planned_visit_date.unwrap();
    s.store.start_visit(id, held, s.by, None).unwrap();
    let definition = trial("assix").definition;
    let screening = s.store.load_screening(id).unwrap().screening;
    let check = prescreen_core::eligibility::evaluate(&definition, &screening).visit;
    for criterion in &check.reconfirm_open {
        s.store
            .reconfirm(id, criterion, false, None, s.by, None)
            .unwrap();
    }
    for criterion in &check.judgement_unnamed {
        let mut entry = screening.answers[criterion].clone();
        entry.judged_by = Some(prescreen_core::screening::Judgement {
            investigator: "Dr Synthetic Investigator".to_owned(),
            on: held,
        });
        s.store
            .set_answer(
                id,
                criterion,
                Some(&entry),
                s.by,
                Some("the judging investigator named"),
            )
            .unwrap();
    }
    let after = prescreen_core::eligibility::evaluate(
        &definition,
        &s.store.load_screening(id).unwrap().screening,
    );
    assert!(after.visit.is_clear(), "{:?}", after.visit);
}

pub fn a_stale_save_is_refused_naming_who_changed_it_and_nothing_is_lost(mut s: Harness) {
    let id = s
        .store
        .create_screening(&trial("a-muse"), &new_screening(date(2026, 3, 1)), s.by)
        .unwrap();
    let mut other = s.second_handle();
    let first = s.store.load_screening(&id).unwrap();
    assert_eq!(first.version, 1);
    // This handle's own saves follow each other without a conflict.
    let yes = CriterionEntry::new(Answer::Yes);
    s.store
        .set_answer(&id, "IN06", Some(&yes), s.by, None)
        .unwrap();
    s.store
        .set_answer(&id, "IN08", Some(&yes), s.by, None)
        .unwrap();
    assert_eq!(s.store.based_on(&id), Some(3));

    // The other workstation read version 1: its save is refused, naming who and when.
    other.base_on(&id, first.version);
    let stale = other.set_answer(
        &id,
        "EX06",
        Some(&CriterionEntry::new(Answer::No)),
        s.by,
        None,
    );
    let Err(StoreError::Conflict {
        screening,
        changed_by,
        changed_at,
        version,
    }) = stale
    else {
        panic!("a stale save must be refused: {stale:?}");
    };
    assert_eq!(screening, id);
    assert_eq!(changed_by, s.coordinator_name());
    assert!(changed_at.starts_with("2026-"), "{changed_at}");
    assert_eq!(version, 3);
    // Nothing of it was written: no answer, no event.
    let now = s.store.load_screening(&id).unwrap();
    assert!(!now.screening.answers.contains_key("EX06"));
    assert_eq!(now.version, 3);
    // Read again, the change is re-applied on top of theirs.
    let theirs = other.load_screening(&id).unwrap();
    assert_eq!(theirs.screening.answers["IN06"].answer, Answer::Yes);
    other
        .set_answer(
            &id,
            "EX06",
            Some(&CriterionEntry::new(Answer::No)),
            s.by,
            None,
        )
        .unwrap();
    // And now the first handle is the stale one.
    let stale = s
        .store
        .set_answer(&id, "IN06", None, s.by, Some("wrong patient"));
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let after = s.store.load_screening(&id).unwrap();
    assert_eq!(after.version, 4);
    assert_eq!(after.screening.answers.len(), 3);
    assert!(s.store.verify_audit_chain().unwrap().is_intact());
}

pub fn the_log_reads_newest_first_in_pages_by_key(mut s: Harness) {
    let assix = trial("assix");
    for day in [3, 1, 2, 2, 5, 4, 2] {
        s.store
            .create_screening(&assix, &new_screening(date(2026, 3, day)), s.by)
            .unwrap();
    }
    let mut everything = log_rows(&*s.store, &LogFilter::default());
    everything.reverse();
    let mut paged: Vec<LogRow> = Vec::new();
    let mut filter = LogFilter {
        newest_first: true,
        limit: Some(3),
        ..LogFilter::default()
    };
    loop {
        let page = log_rows(&*s.store, &filter);
        assert!(page.len() <= 3);
        let Some(last) = page.last() else {
            break;
        };
        filter.after = Some((last.prescreening_date, last.screening_id.clone()));
        paged.extend(page);
    }
    let ids = |rows: &[LogRow]| {
        rows.iter()
            .map(|r| r.screening_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&paged), ids(&everything));
    assert_eq!(paged.len(), 7);
    assert_eq!(paged[0].prescreening_date, date(2026, 3, 5));
}

/// The shipped A-MUSE definition amended: IN06 reworded, EX10 removed, EX11 added.
fn amended_a_muse() -> LoadedTrial {
    let path = format!("{}/../../trials/a-muse.ron", env!("CARGO_MANIFEST_DIR"));
    let text =
        crate::common::amendment::amended_a_muse_text(&std::fs::read_to_string(&path).unwrap());
    prescreen_core::trial::load::load_trial_str(&text, "a-muse-1.3.0.ron").unwrap()
}

pub fn a_screening_in_progress_moves_to_the_amended_definition_in_one_event(mut s: Harness) {
    let current = trial("a-muse");
    let id = s
        .store
        .create_screening(&current, &new_screening(date(2026, 3, 1)), s.by)
        .unwrap();
    for (criterion, answer) in [
        ("IN06", Answer::Yes),
        ("IN08", Answer::Yes),
        ("EX06", Answer::No),
    ] {
        s.store
            .set_answer(
                &id,
                criterion,
                Some(&CriterionEntry::new(answer)),
                s.by,
                None,
            )
            .unwrap();
    }
    s.store
        .set_answer(
            &id,
            "EX10",
            Some(&CriterionEntry::new(Answer::No)),
            s.by,
            None,
        )
        .unwrap();
    let amended = amended_a_muse();
    let moved = s
        .store
        .move_screening(&id, &amended, s.by, Some("protocol amendment 2"))
        .unwrap();
    assert_eq!(
        (moved.from_version.as_str(), moved.to_version.as_str()),
        ("1.2.0", "1.3.0")
    );
    assert_eq!(moved.carried, ["EX06", "IN08"]);
    assert_eq!(moved.reopened, ["EX11", "IN06"]);
    assert_eq!(moved.removed, ["EX10"]);
    let stored = s.store.load_screening(&id).unwrap();
    assert_eq!(stored.screening.trial.version, "1.3.0");
    let answered: Vec<&String> = stored.screening.answers.keys().collect();
    assert_eq!(answered, ["EX06", "IN08"]);
    let history = s.store.screening_history(&id).unwrap();
    let event = history.last().unwrap();
    assert_eq!(event.action, "definition_moved");
    let said = event.new_value.clone().unwrap_or_default();
    assert!(
        said.contains("1.3.0") && said.contains("IN06") && said.contains("EX10"),
        "{said}"
    );
    assert!(
        event
            .old_value
            .clone()
            .unwrap_or_default()
            .contains("1.2.0")
    );
    assert_eq!(event.reason.as_deref(), Some("protocol amendment 2"));
    // The replayed trail and the tables agree; the log reads per version.
    let report = s.store.verify_audit_chain().unwrap();
    assert!(
        report.is_intact() && report.records.is_empty(),
        "{report:?}"
    );
    let on = |version: &str| {
        log_rows(
            &*s.store,
            &LogFilter {
                definition_version: Some(version.to_owned()),
                ..LogFilter::default()
            },
        )
        .len()
    };
    assert_eq!((on("1.3.0"), on("1.2.0")), (1, 0));
    // Moving again to the same version is refused.
    assert!(s.store.move_screening(&id, &amended, s.by, None).is_err());
}

pub fn a_signed_screening_never_moves(mut s: Harness) {
    let id = s
        .store
        .create_screening(&trial("a-muse"), &new_screening(date(2026, 3, 1)), s.by)
        .unwrap();
    s.store
        .mark_signed(&id, s.by, "summary.pdf SHA-256 00 by Synthetic Coordinator")
        .unwrap();
    let refused = s.store.move_screening(&id, &amended_a_muse(), s.by, None);
    let Err(StoreError::DefinitionMismatch(message)) = refused else {
        panic!("a signed screening must not move: {refused:?}");
    };
    assert!(message.contains("never moves"), "{message}");
    assert_eq!(
        s.store.load_screening(&id).unwrap().screening.trial.version,
        "1.2.0"
    );
}
