//! The window's doors check input as every other door does: the core's checks, no pre-filled
//! measurement, partial dates kept as entered, the reference date shown before the answer,
//! and time-limited ineligibility with its re-screen date.
#![cfg(test)]

mod ui_support;
use ui_support::*;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use prescreen::app::PrescreenApp;
use prescreen::partial_date::PartialDate;
use prescreen::screening::{Answer, EventAnswer};
use prescreen::storage::{SqliteStore, Store};

/// Audit events in the app's store, read through a second connection.
fn audit_events(data_dir: &std::path::Path) -> u64 {
    let store = SqliteStore::open(&data_dir.join("prescreen.sqlite3")).unwrap();
    store.verify_audit_chain().unwrap().events
}

fn answer_of(harness: &Harness<'_, PrescreenApp>, id: &str) -> Option<Answer> {
    harness
        .state()
        .workspace()
        .unwrap()
        .screening
        .answers
        .get(id)
        .map(|e| e.answer.clone())
}

fn explanation(harness: &Harness<'_, PrescreenApp>, id: &str) -> String {
    harness
        .state()
        .workspace()
        .unwrap()
        .evaluation
        .criterion(id)
        .unwrap()
        .explanation
        .clone()
}

#[test]
fn a_whole_number_scale_refuses_1_5_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let before = audit_events(dir.path());
    select(&mut harness, 3); // IN04 Rodnan skin score on the face
    type_into(
        &mut harness,
        "Rodnan skin score on the face (points)",
        "1,5",
    );
    harness.get_by_label("1.5 is not a whole number (the scale has whole points only): not used");
    assert_eq!(answer_of(&harness, "IN04"), None);
    assert_eq!(
        audit_events(dir.path()),
        before,
        "nothing reached the trail"
    );
    type_into(&mut harness, "Rodnan skin score on the face (points)", "1");
    assert_eq!(
        answer_of(&harness, "IN04"),
        Some(Answer::Value(rust_decimal::Decimal::ONE))
    );
    assert_eq!(audit_events(dir.path()), before + 1);
}

#[test]
fn an_mhiss_item_of_5_is_refused_by_the_calculator() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 2); // IN03 MHISS
    click(&mut harness, "Calculator");
    type_into(&mut harness, "Item 3", "5");
    click(&mut harness, "Use item scores");
    harness.get_by_label("MHISS item 3: 5 is outside the allowed range 0–4");
    assert_eq!(answer_of(&harness, "IN03"), None);
}

#[test]
fn saliva_flow_needs_its_collection_time_and_0_6_ml_over_15_min_fails_at_0_04() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "ASSIX");
    start_candidate_assix(&mut harness);
    select(&mut harness, 3); // IN04 UFR
    click(&mut harness, "Calculator");
    assert_eq!(
        field(&harness, "Collection time (min)").value().as_deref(),
        Some(""),
        "no measurement input is pre-filled"
    );
    type_into(&mut harness, "Saliva collected", "0,6");
    click(&mut harness, "Use collection");
    harness.get_by_label("Collection time (min): no number entered");
    assert_eq!(answer_of(&harness, "IN04"), None);
    type_into(&mut harness, "Collection time (min)", "15");
    click(&mut harness, "Use collection");
    let finding = harness
        .state()
        .workspace()
        .unwrap()
        .evaluation
        .criterion("IN04")
        .unwrap()
        .clone();
    assert_eq!(
        finding.status,
        prescreen::eligibility::CriterionStatus::NotMet
    );
    assert!(
        finding.explanation.contains("UFR 0.04 ml/min"),
        "{}",
        finding.explanation
    );
}

#[test]
fn a_documented_classification_names_the_criteria_the_trial_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 1); // IN02
    harness.get_by_label(
        "Or: classification per the 2013 ACR/EULAR SSc criteria documented in the medical record (a clinical diagnosis alone is not enough)",
    );
    type_into(
        &mut harness,
        "Classification documented in",
        "rheumatology letter 2024-03-02",
    );
    assert_eq!(
        answer_of(&harness, "IN02"),
        Some(Answer::DocumentedClassification {
            source: "rheumatology letter 2024-03-02".to_owned()
        })
    );
    assert_eq!(
        explanation(&harness, "IN02"),
        "classification per the 2013 ACR/EULAR SSc criteria documented in rheumatology letter 2024-03-02: met"
    );
}

#[test]
fn a_remembered_month_is_kept_as_entered_and_evaluated_over_its_days() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 9); // EX02 botulinum toxin, 4 weeks
    // The reference is on screen before anything is answered.
    harness.get_by_label(
        "Window: 4 weeks counted back from the pre-screening date (no planned inclusion visit entered) 2026-11-23.",
    );
    type_into(&mut harness, "Last happened on", "2026-09");
    assert_eq!(
        answer_of(&harness, "EX02"),
        Some(Answer::Event(EventAnswer::LastOn(PartialDate::Month {
            year: 2026,
            month: 9
        })))
    );
    assert_eq!(
        harness
            .state()
            .workspace()
            .unwrap()
            .evaluation
            .criterion("EX02")
            .unwrap()
            .status,
        prescreen::eligibility::CriterionStatus::NotMet
    );
    // October straddles the window's first day (2026-10-26): ask for the exact date.
    type_into(&mut harness, "Last happened on", "2026-10");
    // Enter in the reason field saves the change.
    type_into(&mut harness, "Reason", "patient remembered better");
    assert!(
        explanation(&harness, "EX02").contains("ask for the exact date"),
        "{}",
        explanation(&harness, "EX02")
    );
    let stored = SqliteStore::open(&dir.path().join("prescreen.sqlite3")).unwrap();
    let id = screening_id(&harness);
    let history = stored.screening_history(&id).unwrap();
    assert!(
        history.iter().any(|e| e
            .new_value
            .as_deref()
            .is_some_and(|v| v.contains("LastOn(\"2026-10\")"))),
        "the record keeps the month as entered, no invented day"
    );
    // A date no calendar has is refused under the field.
    type_into(&mut harness, "Last happened on", "2026-02-30");
    harness.get_by_label("2026-02-30 does not exist in the calendar");
}

#[test]
fn the_answered_count_counts_only_settled_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    // IN01 is computed from the date of birth: not answered while there is none.
    harness.get_by_label("0 answered · 0 unknown · 18 open");
    type_into(&mut harness, "Initials", "QX");
    type_into(&mut harness, "Date of birth", "1968-03-14");
    click(&mut harness, "Sex: Male");
    click(&mut harness, "Start screening");
    // IN01 settled by age; EX08 and EX09 do not apply to a man.
    harness.get_by_label("3 answered · 0 unknown · 15 open");
    select(&mut harness, 5);
    key(&mut harness, egui::Key::U);
    harness.get_by_label("3 answered · 1 unknown · 14 open");
}

#[test]
fn a_time_limited_exclusion_says_when_to_rescreen() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 9); // EX02
    type_into(&mut harness, "Last happened on", "2026-11-09");
    assert_eq!(verdict(&harness), "NOT ELIGIBLE");
    harness.get_by_label("NOT ELIGIBLE — re-screen from 2026-12-08");
    // The banner lists what is failing and, below, what is still missing.
    harness.get_by_label("Failing:");
    harness.get_by_label("Still missing:");
    // An ongoing event clears only once it has ended.
    select(&mut harness, 11); // EX04 active labial herpes
    click(&mut harness, "Ongoing now (O)");
    harness.get_by_label(
        "NOT ELIGIBLE — re-screen when the event has ended (EX04), not before 2026-12-08",
    );
}

#[test]
fn an_unverified_definition_says_so_in_the_trial_bar() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "ASSIX");
    harness.get_by_label("definition not yet verified by the trial team");
    // The EU CT number is ASSIX's identifier; the third-party NCT number is not shown.
    assert!(harness.query_by_label_contains("NCT06805448").is_none());
    harness.get_by_label_contains("EU CT 2024-516715-25-00");
}

#[test]
fn the_log_finds_a_rescreen_due_and_starts_the_rescreening() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = {
        // A NOT ELIGIBLE screening from October whose only failure cleared on 2026-10-30.
        let mut store = SqliteStore::open(&dir.path().join("prescreen.sqlite3")).unwrap();
        let by = store
            .save_coordinator(&prescreen::storage::NewCoordinator {
                name: "Synthetic Coordinator".to_owned(),
                role: "study coordinator".to_owned(),
                site_code: "TLS".to_owned(),
            })
            .unwrap();
        store.set_current_coordinator(by.id).unwrap();
        let set = prescreen::trial::TrialSet::built_in();
        let trial = set.latest("a-muse").unwrap();
        let text = format!(
            "(screening_id: \"\", trial: (id: \"a-muse\", version: \"{}\"), \
             candidate: (initials: \"RW\", date_of_birth: \"1975-09-30\", sex: Male), \
             prescreening_date: \"2026-10-20\", \
             answers: {{\"EX02\": (answer: Event(LastOn(\"2026-10-01\")))}})",
            trial.definition.version()
        );
        let screening = prescreen::screening_file::screening_from_str(&text, "test").unwrap();
        store.import_screening(trial, &screening, by.id).unwrap()
    };
    let mut harness = harness(dir.path());
    harness.run_steps(2);
    click(&mut harness, "Screening log");
    harness.get_by_label("NOT ELIGIBLE — re-screen from 2026-10-30");
    click(&mut harness, "Re-screen due");
    harness.get_by_label("1 of 1 screenings");
    click_log_row(&mut harness, &earlier);
    click(&mut harness, "Re-screen");
    let workspace = harness.state().workspace().unwrap();
    let new_id = workspace.screening.screening_id.clone();
    assert_ne!(new_id, earlier);
    assert_eq!(workspace.screening.candidate.initials, "RW");
    assert!(
        workspace.screening.answers.is_empty(),
        "answers are not carried"
    );
    let store = SqliteStore::open(&dir.path().join("prescreen.sqlite3")).unwrap();
    assert_eq!(
        store
            .load_screening(&new_id)
            .unwrap()
            .rescreen_of
            .as_deref(),
        Some(earlier.as_str())
    );
    assert_eq!(
        store.load_screening(&earlier).unwrap().rescreened_as,
        vec![new_id]
    );
    // Once re-screened, it is no longer due.
    click(&mut harness, "Screening log");
    harness.get_by_label("0 of 2 screenings");
}
