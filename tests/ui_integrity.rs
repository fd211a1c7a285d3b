//! The window records exactly what the coordinator did (issue: window integrity): walking
//! through fields writes nothing, a cancelled change leaves the recorded value on screen, the
//! log never acts on a row the filter hid and says why an action is not possible, and a second
//! signature never lands on the first signed file. Each test counts the store's audit events
//! before and after.
#![cfg(test)]

mod ui_support;
use ui_support::*;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use prescreen::app::PrescreenApp;
use prescreen::storage::{SqliteStore, Store};

fn store(dir: &std::path::Path) -> SqliteStore {
    SqliteStore::open(&dir.join("prescreen.sqlite3")).unwrap()
}

fn events(dir: &std::path::Path, id: &str) -> usize {
    store(dir).screening_history(id).unwrap().len()
}

#[test]
fn walking_through_note_and_evidence_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    select(&mut harness, 2); // IN03, unanswered
    let before = events(dir.path(), &id);
    let answered_before = harness.state().workspace().unwrap().screening.answers.len();
    for label in ["Note", "Evidence source", "Note"] {
        field(&harness, label).focus();
        harness.run_steps(2);
    }
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
    settle(&mut harness);
    assert_eq!(
        events(dir.path(), &id),
        before,
        "no audit event for walking through"
    );
    assert_eq!(
        harness.state().workspace().unwrap().screening.answers.len(),
        answered_before,
        "nothing answered"
    );
    // A note typed is an edit, and is recorded once.
    type_into(&mut harness, "Note", "asked at the phone call");
    assert_eq!(events(dir.path(), &id), before + 1);
}

#[test]
fn cancelling_the_reason_puts_the_recorded_value_back_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    select(&mut harness, 4);
    type_into(&mut harness, "Maximal mouth opening (mm)", "32");
    let before = events(dir.path(), &id);
    type_into(&mut harness, "Maximal mouth opening (mm)", "35");
    harness.get_by_label("Cancel"); // the reason dialog is open
    key(&mut harness, egui::Key::Escape);
    harness.run_steps(2);
    assert_eq!(events(dir.path(), &id), before, "nothing saved");
    let shown = field(&harness, "Maximal mouth opening (mm)")
        .value()
        .unwrap_or_default();
    assert_eq!(shown, "32", "the field shows what is recorded");
}

#[test]
fn the_log_never_acts_on_a_hidden_row_and_says_why_an_action_is_not_possible() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    click(&mut harness, "Screening log");
    click_log_row(&mut harness, &id);
    assert_eq!(harness.state().log_selection(), Some(id.as_str()));
    // A draft cannot be approached yet: the button is disabled and the reason is beside it.
    harness.get_by_label_contains("Approached: the next step from draft is");
    let before = events(dir.path(), &id);
    type_into(&mut harness, "Filter", "no such screening");
    harness.get_by_label("0 of 1 screenings");
    assert_eq!(
        harness.state().log_selection(),
        None,
        "the selection follows the filter"
    );
    assert!(
        harness
            .query_by_label("Record verdict (pre-screened)")
            .is_none(),
        "no action bar for a hidden row"
    );
    assert_eq!(events(dir.path(), &id), before);
}

/// Creates the identity (first time), then signs with the dialog's default path.
fn sign(harness: &mut Harness<'_, PrescreenApp>) -> std::path::PathBuf {
    click(harness, "Sign & export…");
    if !harness.state().sign_dialog().unwrap().has_identity {
        create_identity(harness, "synthetic passphrase 42");
    }
    screened_by_drawn_and_confirmed(harness);
    let path = std::path::PathBuf::from(&harness.state().sign_dialog().unwrap().path);
    type_into(harness, "Passphrase", "synthetic passphrase 42");
    harness.get_by_label("Sign and export").click();
    harness.run_steps(2);
    settle(harness);
    let message = dialog_message(harness);
    assert!(message.starts_with("Signed PDF written"), "{message}");
    click(harness, "Close");
    path
}

#[test]
fn a_second_signature_never_lands_on_the_first_signed_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    let first = sign(&mut harness);
    assert!(
        first.display().to_string().ends_with("-screened-1.pdf"),
        "{}",
        first.display()
    );
    let first_bytes = std::fs::read(&first).unwrap();
    let second = sign(&mut harness);
    assert!(
        second.display().to_string().ends_with("-screened-2.pdf"),
        "{}",
        second.display()
    );
    assert_eq!(
        std::fs::read(&first).unwrap(),
        first_bytes,
        "the first signed PDF is untouched"
    );

    // Typing the first file's name asks for a confirmation naming it.
    click(&mut harness, "Sign & export…");
    type_into(&mut harness, "Save to", &first.display().to_string());
    let name = first.file_name().unwrap().to_string_lossy().into_owned();
    harness.get_by_label(&format!("Replace {name}"));
    assert_eq!(
        harness.state().sign_dialog().unwrap().missing(),
        Some("confirm replacing the existing file, or choose another name")
    );
    // Changing the meaning unticks the statement.
    click(
        &mut harness,
        "Screened by — I confirm the answers above are accurate and complete",
    );
    harness
        .get_by_label("I sign this screening summary electronically: Screened by — I confirm the answers above are accurate and complete.")
        .click();
    harness.run_steps(2);
    assert!(harness.state().sign_dialog().unwrap().confirmed);
    // A coordinator is offered the coordinator's meanings only.
    assert!(
        harness
            .query_all_by_label_contains("Eligibility confirmed by investigator")
            .next()
            .is_none(),
        "a coordinator cannot confirm eligibility"
    );
    let prescreened = harness
        .query_all_by_label_contains("Pre-screened by")
        .next()
        .unwrap();
    prescreened.click();
    harness.run_steps(3);
    assert!(
        !harness.state().sign_dialog().unwrap().confirmed,
        "a new meaning unticks the statement"
    );
}

/// Types text one character a frame, as a person does: every keystroke can change the layout
/// (a helper line appears or goes) before the next one arrives.
fn type_slowly(harness: &mut Harness<'_, PrescreenApp>, text: &str) {
    for c in text.chars() {
        harness.event(egui::Event::Text(c.to_string()));
        harness.run_steps(1);
    }
    harness.run_steps(1);
}

#[test]
fn typing_a_date_while_the_age_line_comes_and_goes_keeps_every_keystroke() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Initials", "QX");
    type_into(&mut harness, "Date of birth", "1968-03-14");
    harness.get_by_label("14 Mar 1968 — age 58 on the pre-screening date"); // the age line
    field(&harness, "Pre-screening date").focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    type_slowly(&mut harness, "2026-11-24");
    assert_eq!(
        harness
            .state()
            .workspace()
            .unwrap()
            .candidate_form
            .prescreening_date,
        "2026-11-24"
    );
    assert!(
        field(&harness, "Pre-screening date").is_focused(),
        "focus stayed"
    );
}

#[test]
fn an_error_line_under_the_date_of_birth_does_not_take_the_focus_away() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    field(&harness, "Date of birth").focus();
    harness.run_steps(1);
    type_slowly(&mut harness, "1968-13-14");
    // Tab commits the field (its error line appears) and moves on to Sex.
    harness.key_press(egui::Key::Tab);
    harness.run_steps(3);
    harness.get_by_label_contains("does not exist in the calendar");
    assert!(
        harness.get_by_label("Sex: Female").is_focused(),
        "focus moved on to Sex"
    );
    harness.key_press(egui::Key::Space);
    harness.run_steps(3);
    assert_eq!(
        harness.state().workspace().unwrap().candidate_form.sex,
        Some(prescreen::screening::Sex::Female),
        "Space on the focused Sex choice selects it"
    );
}

#[test]
fn this_candidate_against_every_trial_shows_only_this_candidates_screenings() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    switch_to(&mut harness, "ASSIX");
    click(&mut harness, "Start screening");
    let a_muse = harness.state().trial_index("a-muse").unwrap();
    let shown = |harness: &Harness<'_, PrescreenApp>| -> Vec<(usize, String)> {
        harness
            .state()
            .across_trials()
            .iter()
            .map(|(i, v)| (*i, v.name().to_owned()))
            .collect()
    };
    assert!(
        shown(&harness).contains(&(a_muse, "ELIGIBLE".to_owned())),
        "{:?}",
        shown(&harness)
    );
    // A-MUSE moves on to another candidate: QX's ASSIX page no longer claims an A-MUSE verdict.
    switch_to(&mut harness, "A-MUSE");
    click(&mut harness, "New candidate");
    switch_to(&mut harness, "ASSIX");
    assert!(
        shown(&harness).iter().all(|(i, _)| *i != a_muse),
        "another candidate's A-MUSE checklist is not this candidate's: {:?}",
        shown(&harness)
    );
    harness.get_by_label_contains("Not screened for A-MUSE");
}

#[test]
fn dates_are_typed_day_first_or_iso_and_shown_back_unambiguously() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Initials", "QX");
    type_into(&mut harness, "Date of birth", "14/03/1968");
    harness.get_by_label("14 Mar 1968 — age 58 on the pre-screening date");
    type_into(&mut harness, "Date of birth", "14/03/68");
    harness.get_by_label_contains("write the year in full (1968 or 2068?)");
    type_into(&mut harness, "Date of birth", "03/14/1968");
    harness.get_by_label_contains("does not exist in the calendar");
    type_into(&mut harness, "Date of birth", "14.03.1968");
    click(&mut harness, "Sex: Male");
    click(&mut harness, "Start screening");
    let workspace = harness.state().workspace().unwrap();
    assert!(workspace.stored, "{:?}", harness.state().message());
    assert_eq!(
        workspace.screening.candidate.date_of_birth,
        Some(jiff::civil::date(1968, 3, 14))
    );
}

#[test]
fn the_mhiss_total_shows_once_the_item_scores_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 2); // IN03 MHISS
    click(&mut harness, "Calculator");
    for (index, score) in [2, 3, 2, 1, 2, 3, 2, 2, 1, 2, 2, 2].iter().enumerate() {
        type_into(
            &mut harness,
            &format!("Item {}", index + 1),
            &score.to_string(),
        );
    }
    click(&mut harness, "Use item scores");
    assert_eq!(
        field(&harness, "MHISS score (points)").value().as_deref(),
        Some("24")
    );
    assert_eq!(verdict(&harness), "INCOMPLETE");
    let stored = store(dir.path())
        .load_screening(&screening_id(&harness))
        .unwrap();
    assert!(matches!(
        stored.screening.answers.get("IN03").map(|e| &e.answer),
        Some(prescreen::screening::Answer::Mhiss(_))
    ));
}

#[test]
fn the_status_bar_drops_a_message_once_something_else_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 4);
    type_into(&mut harness, "Maximal mouth opening (mm)", "32");
    type_into(&mut harness, "Maximal mouth opening (mm)", "35");
    key(&mut harness, egui::Key::Escape);
    assert_eq!(
        harness.state().message(),
        Some("Change cancelled; nothing was saved.")
    );
    switch_to(&mut harness, "ASSIX");
    assert_ne!(
        harness.state().message(),
        Some("Change cancelled; nothing was saved."),
        "a stale message does not stay"
    );
}

#[test]
fn switching_trials_offers_the_same_pre_screening_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Initials", "QX");
    type_into(&mut harness, "Date of birth", "1968-03-14");
    type_into(&mut harness, "Pre-screening date", "2026-11-20");
    click(&mut harness, "Sex: Male");
    click(&mut harness, "Start screening");
    assert!(harness.state().workspace().unwrap().stored);
    switch_to(&mut harness, "ASSIX");
    let assix = harness.state().workspace().unwrap();
    assert_eq!(
        assix.screening.prescreening_date,
        jiff::civil::date(2026, 11, 20)
    );
    assert_eq!(assix.candidate_form.prescreening_date, "2026-11-20");
    assert!(assix.carried_over.contains("pre-screening date"));
}

#[test]
fn the_verdict_banner_is_one_tab_stop_and_its_chips_still_jump() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    // INCOMPLETE lists many open criteria; none of them is a Tab stop.
    let chip = harness.get_by_label("IN05");
    chip.click();
    harness.run_steps(3);
    assert_eq!(
        harness.state().workspace().unwrap().selected,
        4,
        "a chip click jumps"
    );
    let mut stops = 0;
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    for _ in 0..60 {
        harness.key_press(egui::Key::Tab);
        harness.run_steps(1);
        use egui_kittest::kittest::NodeT;
        let on_chip = harness.root().children_recursive().any(|n| {
            n.is_focused()
                && n.accesskit_node()
                    .label()
                    .is_some_and(|l| l.len() == 4 && (l.starts_with("IN") || l.starts_with("EX")))
        });
        if on_chip {
            stops += 1;
        }
    }
    assert_eq!(stops, 0, "Tab never stops on a criterion chip");
}

#[test]
fn before_the_start_in01_follows_the_pre_screening_date_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Initials", "QX");
    // 18 on 2026-11-22: met on the default pre-screening date 2026-11-23, not on the 21st.
    type_into(&mut harness, "Date of birth", "2008-11-22");
    let in01 = |harness: &Harness<'_, PrescreenApp>| {
        harness.state().workspace().unwrap().evaluation.criteria[0].status_label
    };
    let before = in01(&harness);
    field(&harness, "Pre-screening date").focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    type_slowly(&mut harness, "2026-11-21");
    assert!(
        field(&harness, "Pre-screening date").is_focused(),
        "still typing"
    );
    assert_ne!(in01(&harness), before, "IN01 follows the date being typed");
}

#[test]
fn the_active_trial_is_the_selected_one_in_the_trial_bar() {
    use egui_kittest::kittest::NodeT;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let selected = |harness: &Harness<'_, PrescreenApp>, acronym: &str| {
        harness
            .get_by_role_and_label(egui::accesskit::Role::Button, acronym)
            .accesskit_node()
            .toggled()
            == Some(egui::accesskit::Toggled::True)
    };
    assert!(selected(&harness, "A-MUSE"));
    assert!(!selected(&harness, "ASSIX"));
    switch_to(&mut harness, "ASSIX");
    assert!(selected(&harness, "ASSIX"));
    assert!(!selected(&harness, "A-MUSE"));
}

#[test]
fn a_candidate_form_typed_before_the_start_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut harness = harness(dir.path());
        save_profile(&mut harness);
        switch_to(&mut harness, "A-MUSE");
        type_into(&mut harness, "Initials", "QX");
        type_into(&mut harness, "Date of birth", "14/03/1968");
        assert!(!harness.state().workspace().unwrap().stored);
        settle(&mut harness);
    }
    let mut harness = harness(dir.path());
    harness.run_steps(2);
    let restored = harness.state().workspace_for("a-muse").unwrap();
    assert!(!restored.stored);
    assert_eq!(restored.candidate_form.initials, "QX");
    assert_eq!(restored.candidate_form.date_of_birth, "14/03/1968");
    assert_eq!(
        restored.screening.candidate.date_of_birth,
        Some(jiff::civil::date(1968, 3, 14)),
        "the checklist follows the restored form"
    );
    // Once started, the kept form goes: the stored screening is what comes back.
    switch_to(&mut harness, "A-MUSE");
    click(&mut harness, "Sex: Male");
    click(&mut harness, "Start screening");
    assert!(harness.state().workspace().unwrap().stored);
    settle(&mut harness);
    drop(harness);
    let harness = ui_support::harness(dir.path());
    let store = store(dir.path());
    assert_eq!(store.form_draft("a-muse").unwrap(), None);
    drop(harness);
}

#[test]
fn the_not_eligible_banner_also_lists_what_is_still_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 4);
    type_into(&mut harness, "Maximal mouth opening (mm)", "45");
    assert_eq!(verdict(&harness), "NOT ELIGIBLE");
    harness.get_by_label("Failing:");
    harness.get_by_label("Still missing:");
    // IN03 is unanswered: it is named under "Still missing".
    harness.get_by_label("IN03");
}
