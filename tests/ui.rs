//! The real app driven headless through its accessibility labels (egui_kittest: no GPU, no
//! display): the flows a coordinator goes through all day.
#![cfg(test)]

mod ui_support;
use ui_support::*;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use jiff::civil::date;
use prescreen::storage::DataDir;

#[test]
fn a_muse_to_eligible_then_mhiss_19_is_not_eligible_naming_in03() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    assert_eq!(verdict(&harness), "INCOMPLETE");
    answer_a_muse_to_eligible(&mut harness);
    assert_eq!(
        verdict(&harness),
        "ELIGIBLE",
        "{:#?}",
        harness.state().workspace().unwrap().evaluation.criteria
    );
    assert!(
        harness.query_all_by_label_contains("ELIGIBLE").count() >= 2,
        "banner (with the visit check beside it) and the every-trial list"
    );

    // Changing an answered criterion asks for a reason (audit trail).
    select(&mut harness, 2);
    type_into(&mut harness, "MHISS score (points)", "19");
    assert_eq!(
        verdict(&harness),
        "ELIGIBLE",
        "not saved before the reason is given"
    );
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Reason")
        .type_text("transcription error corrected");
    harness.run_steps(2);
    click(&mut harness, "Save change");
    assert_eq!(verdict(&harness), "NOT ELIGIBLE");
    match &harness.state().workspace().unwrap().evaluation.verdict {
        prescreen::eligibility::Verdict::NotEligible { failing, .. } => {
            assert_eq!(failing, &vec!["IN03".to_owned()])
        }
        other => panic!("{other:?}"),
    }
    assert!(harness.query_all_by_label("NOT ELIGIBLE").count() >= 1);
    assert!(
        harness.query_all_by_label("IN03").count() >= 1,
        "the banner names IN03"
    );
}

#[test]
fn switching_trials_keeps_answers_and_carries_shared_facts_not_consent() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 5); // IN06 consent
    key(&mut harness, egui::Key::Y);
    select(&mut harness, 4);
    type_into(&mut harness, "Maximal mouth opening (mm)", "35");
    let a_muse_before = harness.state().workspace().unwrap().screening.clone();

    switch_to(&mut harness, "ASSIX");
    let assix = harness.state().workspace().unwrap();
    assert_eq!(assix.screening.candidate.initials, "QX");
    assert_eq!(
        assix.screening.candidate.date_of_birth,
        Some(date(1968, 3, 14))
    );
    assert_eq!(
        assix.screening.candidate.sex,
        Some(prescreen::screening::Sex::Male)
    );
    assert!(assix.carried_over.contains("sex") && assix.carried_over.contains("date of birth"));
    assert!(
        assix.screening.answers.is_empty(),
        "consent (IN05) is never carried over"
    );
    assert_eq!(
        harness.query_all_by_label("carried over").count(),
        3,
        "initials, date of birth, sex (childbearing potential does not apply to a man)"
    );

    switch_to(&mut harness, "A-MUSE");
    assert_eq!(
        harness.state().workspace().unwrap().screening,
        a_muse_before
    );
}

#[test]
fn restart_restores_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let (id, answers) = {
        let mut harness = harness(dir.path());
        save_profile(&mut harness);
        switch_to(&mut harness, "A-MUSE");
        start_candidate(&mut harness);
        select(&mut harness, 7);
        key(&mut harness, egui::Key::Y);
        select(&mut harness, 2);
        type_into(&mut harness, "MHISS score (points)", "22");
        let screening = &harness.state().workspace().unwrap().screening;
        (screening.screening_id.clone(), screening.answers.clone())
    };
    let mut harness = harness(dir.path());
    harness.run_steps(2);
    let restored = harness.state().workspace_for("a-muse").unwrap();
    assert!(restored.stored);
    assert_eq!(restored.screening.screening_id, id);
    assert_eq!(restored.screening.answers, answers);
    assert_eq!(restored.screening.candidate.initials, "QX");
}

#[test]
fn a_screening_answered_with_the_keyboard_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "ASSIX");
    start_candidate_assix(&mut harness);
    // Y/N on the selected criterion, then Enter jumps to the next open one; J/K move.
    key(&mut harness, egui::Key::J);
    key(&mut harness, egui::Key::K);
    let yes_no = ["IN03", "IN05", "EX01", "EX02", "EX03", "EX04", "EX09"];
    for _ in 0..30 {
        let (selected_id, open) = {
            let state = harness.state();
            let workspace = state.workspace().unwrap();
            let trial = &state.active_trial().unwrap().definition;
            (
                trial.criteria[workspace.selected].id.clone(),
                workspace.evaluation.criteria[workspace.selected].answered,
            )
        };
        if yes_no.contains(&selected_id.as_str()) && !open {
            if selected_id == "EX09" {
                // An investigator judgement: the investigator is named first.
                name_the_investigator(&mut harness);
            }
            let answer = if selected_id.starts_with("IN") {
                egui::Key::Y
            } else {
                egui::Key::N
            };
            key(&mut harness, answer);
        }
        key(&mut harness, egui::Key::Enter);
    }
    let workspace = harness.state().workspace().unwrap();
    for id in yes_no {
        assert!(
            workspace.screening.answers.contains_key(id),
            "{id} answered by keyboard"
        );
    }
    // A letter typed into a text field is text, not a shortcut.
    select(&mut harness, 3);
    type_into(&mut harness, "UFR (ml/min)", "y");
    assert!(
        !harness
            .state()
            .workspace()
            .unwrap()
            .screening
            .answers
            .contains_key("IN04")
    );
    harness.get_by_label(
        "\"y\" is not a number (use digits with one decimal point or comma, e.g. 0,05): not used",
    );
}

#[test]
fn bad_input_gets_a_message_and_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Date of birth", "2030-01-01");
    harness.get_by_label("cannot be in the future");
    click(&mut harness, "Start screening");
    assert!(!harness.state().workspace().unwrap().stored);
    type_into(&mut harness, "Date of birth", "1968-02-30");
    harness.get_by_label("1968-02-30 does not exist in the calendar");
    type_into(&mut harness, "Date of birth", "1968-03-14");
    type_into(&mut harness, "Initials", "QX");
    click(&mut harness, "Sex: Male");
    click(&mut harness, "Start screening");
    assert!(harness.state().workspace().unwrap().stored);
    select(&mut harness, 4);
    type_into(&mut harness, "Maximal mouth opening (mm)", "400");
    harness.get_by_label("400 mm is outside the possible range 0–100 mm: not used");
    assert!(
        !harness
            .state()
            .workspace()
            .unwrap()
            .screening
            .answers
            .contains_key("IN05")
    );
}

#[test]
fn sign_and_export_from_the_window_writes_a_pdf_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    assert_eq!(verdict(&harness), "ELIGIBLE");
    click(&mut harness, "Sign & export…");
    assert!(harness.state().sign_dialog().is_some());

    // First use: create the signing identity in the dialog.
    type_into(&mut harness, "New passphrase", "synthetic passphrase 42");
    type_into(&mut harness, "Repeat passphrase", "synthetic passphrase 42");
    click(&mut harness, "Create signing identity");
    assert!(
        harness.state().sign_dialog().unwrap().has_identity,
        "{:?}",
        harness.state().sign_dialog().unwrap().message
    );

    click(
        &mut harness,
        "Screened by — I confirm the answers above are accurate and complete",
    );
    draw_signature(&mut harness);
    assert!(
        harness
            .state()
            .sign_dialog()
            .unwrap()
            .strokes
            .iter()
            .any(|s| s.len() >= 3),
        "strokes drawn"
    );
    harness
        .get_by_label("I sign this screening summary electronically: Screened by — I confirm the answers above are accurate and complete.")
        .click();
    harness.run_steps(2);
    let out = dir.path().join("out").join("summary.pdf");
    type_into(&mut harness, "Save to", &out.display().to_string());

    // A wrong passphrase is a clear error and writes nothing.
    type_into(&mut harness, "Passphrase", "not the passphrase");
    click(&mut harness, "Sign and export");
    harness.run_steps(4);
    let message = dialog_message(&harness);
    assert!(message.to_lowercase().contains("passphrase"), "{message}");
    assert!(!out.exists(), "nothing written after a wrong passphrase");

    type_into(&mut harness, "Passphrase", "synthetic passphrase 42");
    click(&mut harness, "Sign and export");
    harness.run_steps(4);
    let message = dialog_message(&harness);
    assert!(message.starts_with("Signed PDF written"), "{message}");
    let pdf = std::fs::read(&out).unwrap();
    let verification = prescreen::signing::verify::verify(&pdf);
    assert!(verification.is_valid(), "{:?}", verification.problems);
    assert_eq!(
        verification.signer.map(|s| s.name),
        Some("Synthetic Coordinator".to_owned())
    );

    // After signing, even a note changes what the PDF shows: the app asks for a reason and
    // the trail marks the signed PDF superseded.
    click(&mut harness, "Close");
    select(&mut harness, 7);
    type_into(&mut harness, "Note", "card seen at the visit");
    field(&harness, "Reason").type_text("added after signing");
    harness.run_steps(2);
    key(&mut harness, egui::Key::Enter);
    let note = harness.state().workspace().unwrap().screening.answers["IN08"]
        .note
        .clone();
    assert_eq!(
        note.as_deref(),
        Some("card seen at the visit"),
        "{:?}",
        harness.state().message()
    );
    let id = harness
        .state()
        .workspace()
        .unwrap()
        .screening
        .screening_id
        .clone();
    let store = prescreen::storage::open_store(&DataDir::at(dir.path())).unwrap();
    let history = prescreen::storage::Store::screening_history(&store, &id).unwrap();
    assert!(
        history.iter().any(|e| e.action == "superseded" && e.reason.as_deref() == Some("added after signing")),
        "the earlier PDF is marked superseded"
    );
}

#[test]
fn the_screening_log_filters_opens_and_moves_a_screening() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 4);
    type_into(&mut harness, "Maximal mouth opening (mm)", "45");
    assert_eq!(verdict(&harness), "NOT ELIGIBLE");
    let id = harness
        .state()
        .workspace()
        .unwrap()
        .screening
        .screening_id
        .clone();

    // Ctrl+F opens the log with its filter focused.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    harness.run_steps(3);
    assert!(field(&harness, "Filter").is_focused());
    // The log is read on the worker: let it finish before looking at the rows.
    harness.state_mut().settle();
    field(&harness, "Filter").type_text(&id);
    harness.run_steps(3);
    harness.get_by_label("1 of 1 screenings");
    click_log_row(&mut harness, &id);
    click(&mut harness, "Record verdict (pre-screened)");
    harness.get_by_label("pre-screened");
    type_into(&mut harness, "Reason", "duplicate of another screening");
    click(&mut harness, "Void (entered in error)");
    harness.get_by_label("voided");
    click(&mut harness, "Open");
    assert_eq!(
        harness.state().workspace().unwrap().status,
        Some(prescreen::storage::ScreeningStatus::Voided)
    );
    assert_eq!(
        harness.state().workspace().unwrap().screening.screening_id,
        id
    );
}

#[test]
fn a_broken_trial_file_is_listed_and_the_app_still_starts() {
    let data = tempfile::tempdir().unwrap();
    let trials = tempfile::tempdir().unwrap();
    std::fs::write(
        trials.path().join("broken.ron"),
        "(\n    id: \"broken\",\n    acronym: 12,\n)",
    )
    .unwrap();
    let mut harness = harness_with_trials(data.path(), vec![trials.path().to_path_buf()]);
    save_profile(&mut harness);
    let problems = harness.state().trial_problems().to_vec();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("broken.ron:3:"), "{}", problems[0]);
    harness.get_by_label("Trial files: 1 problem(s)");
    switch_to(&mut harness, "ASSIX");
    switch_to(&mut harness, "A-MUSE");
}

#[test]
fn pregnancy_entered_once_is_carried_to_the_other_trial() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Initials", "PV");
    type_into(&mut harness, "Date of birth", "1990-04-18");
    click(&mut harness, "Sex: Female");
    harness.get_by_label("Childbearing potential: Yes").click();
    harness.run_steps(3);
    harness.get_by_label("Pregnant: Yes").click();
    harness.run_steps(3);
    click(&mut harness, "Start screening");
    let a_muse = harness.state().workspace().unwrap();
    assert_eq!(a_muse.screening.candidate.pregnant, Some(true));
    assert_eq!(
        a_muse.evaluation.criterion("EX08").unwrap().status,
        prescreen::eligibility::CriterionStatus::Met
    );
    assert_eq!(verdict(&harness), "NOT ELIGIBLE");

    switch_to(&mut harness, "ASSIX");
    let assix = harness.state().workspace().unwrap();
    assert_eq!(assix.screening.candidate.pregnant, Some(true));
    assert!(assix.carried_over.contains("pregnant"));
    assert_eq!(
        assix.evaluation.criterion("EX05").unwrap().status,
        prescreen::eligibility::CriterionStatus::Met
    );
    assert!(assix.screening.answers.is_empty());
}

#[test]
fn the_theme_switches_between_light_and_dark() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    click(&mut harness, "Dark theme");
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    click(&mut harness, "Light theme");
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
}
