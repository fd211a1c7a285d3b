//! The SQLite store through the `Store` trait: migrations, refusal of foreign, damaged and
//! newer files (left byte-for-byte untouched), ids, answers and reasons, the lifecycle, the
//! log and the summary, history and backup. Synthetic candidates only.
#![cfg(test)]

mod common;
use common::{Setup, fixture, open, setup, trial};

use jiff::civil::{Date, date};
use prescreen_core::screening::{Answer, Candidate, CriterionEntry, Screening, Sex};
use prescreen_core::trial::load::LoadedTrial;
use prescreen_store::sqlite::{APPLICATION_ID, SCHEMA_VERSION};
use prescreen_store::{
    AuditAction, LogFilter, LogRow, NewScreening, ScreeningStatus, Store, StoreError,
};

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
fn ids_follow_prefix_site_year_sequence_and_are_never_reused() {
    let mut s = setup();
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
    assert_eq!(
        s.store.create_screening(&assix, &other_site, s.by).unwrap(),
        "AS-TLS-2026-0001"
    );

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
            &with_id(fixture("assix-eligible"), "AS-CPH-2026-0010"),
            s.by,
        )
        .unwrap();
    let after_import = s
        .store
        .create_screening(&assix, &new_screening(date(2026, 3, 5)), s.by)
        .unwrap();
    assert_eq!(after_import, "AS-CPH-2026-0011");
}

#[test]
fn import_keeps_a_free_id_refuses_a_taken_one_and_generates_a_missing_one() {
    let mut s = setup();
    let assix = trial("assix");
    let screening = fixture("assix-not-eligible");
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

#[test]
fn changing_an_answered_criterion_needs_a_reason_and_is_audited() {
    let mut s = setup();
    let assix = trial("assix");
    let id = s
        .store
        .import_screening(&assix, &fixture("assix-not-eligible"), s.by)
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
    assert_eq!(ex01[2].coordinator_name, "Synthetic Coordinator");
    assert_eq!(ex01[2].utc_offset, "+01:00");
    assert!(ex01[2].at_utc.ends_with('Z'));
    assert!(history.windows(2).all(|w| w[0].seq < w[1].seq), "in order");
}

#[test]
fn answers_re_evaluate_the_stored_verdict() {
    let mut s = setup();
    let assix = trial("assix");
    let id = s
        .store
        .import_screening(&assix, &fixture("assix-not-eligible"), s.by)
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

#[test]
fn candidate_and_date_changes_are_audited_and_need_a_reason_once_set() {
    let mut s = setup();
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

#[test]
fn the_lifecycle_checks_transitions_and_reasons_and_void_freezes() {
    let mut s = setup();
    let assix = trial("assix");
    let incomplete = s
        .store
        .import_screening(&assix, &with_id(fixture("assix-incomplete"), ""), s.by)
        .unwrap();
    assert!(matches!(
        s.store.record_verdict(&incomplete, s.by).unwrap_err(),
        StoreError::VerdictNotSettled(_)
    ));

    let id = s
        .store
        .import_screening(&assix, &with_id(fixture("assix-eligible"), ""), s.by)
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

#[test]
fn the_log_filters_and_orders_and_the_summary_counts() {
    let mut s = setup();
    let assix = trial("assix");
    let amuse = trial("a-muse");
    let import = |s: &mut Setup, name: &str, trial: &LoadedTrial| {
        s.store
            .import_screening(trial, &with_id(fixture(name), ""), s.by)
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
    let all = log_rows(&s.store, &LogFilter::default());
    assert_eq!(all.len(), 7);
    assert!(
        all.windows(2)
            .all(|w| (w[0].prescreening_date, &w[0].screening_id)
                <= (w[1].prescreening_date, &w[1].screening_id))
    );
    let only_amuse = log_rows(
        &s.store,
        &LogFilter {
            trial: Some("a-muse".to_owned()),
            ..LogFilter::default()
        },
    );
    assert_eq!(only_amuse.len(), 1);
    assert_eq!(only_amuse[0].reasons.len(), 2);
    let declined = log_rows(
        &s.store,
        &LogFilter {
            statuses: vec![ScreeningStatus::Declined, ScreeningStatus::Enrolled],
            ..LogFilter::default()
        },
    );
    let ids: Vec<&str> = declined.iter().map(|r| r.screening_id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&eligible.as_str()) && ids.contains(&passed.as_str()));
    let by_date = log_rows(
        &s.store,
        &LogFilter {
            from: Some(date(2026, 11, 21)),
            to: Some(date(2026, 11, 23)),
            ..LogFilter::default()
        },
    );
    assert_eq!(by_date.len(), 6, "the A-MUSE screening is dated 2026-11-20");
    let row = all.iter().find(|r| r.screening_id == ne1).unwrap();
    assert_eq!(row.verdict, "NOT ELIGIBLE");
    assert_eq!(row.coordinator, "Synthetic Coordinator");
    assert_eq!(
        row.reasons
            .iter()
            .map(|r| r.criterion_id.as_str())
            .collect::<Vec<_>>(),
        ["IN04", "EX08"]
    );
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
fn two_handles_on_one_file_keep_one_chain() {
    let mut s = setup();
    let assix = trial("assix");
    let mut second = open(&s.path).unwrap();
    for i in 0..5 {
        let store: &mut dyn Store = if i % 2 == 0 {
            &mut s.store
        } else {
            &mut second
        };
        store
            .create_screening(&assix, &new_screening(date(2026, 3, 1)), s.by)
            .unwrap();
    }
    let report = s.store.verify_audit_chain().unwrap();
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(report.head, second.latest_chain_hash().unwrap());
}

#[test]
fn a_change_after_signing_needs_a_reason_and_supersedes_the_signed_pdf() {
    let mut s = setup();
    let assix = trial("assix");
    let id = s
        .store
        .import_screening(&assix, &fixture("assix-not-eligible"), s.by)
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
             ALTER TABLE screening DROP COLUMN visit_date; PRAGMA user_version = 1;",
        )
        .unwrap();
        rewrite_trail_as_encoding_1(&conn);
    }
    let mut store = open(&s.path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 5);
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

/// The visit of an imported ASSIX screening: started on its planned day, every answer
/// re-confirmed as still true, the investigator's judgement named — so it may be enrolled.
fn complete_the_visit(s: &mut common::Setup, id: &str) {
    // The store's clock moves on to the planned visit, when the candidate comes.
    s.store = common::open_at(&s.path, "2026-12-01T09:00:00Z").unwrap();
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
