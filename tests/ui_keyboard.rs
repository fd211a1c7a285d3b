//! A keyboard path: a new candidate starts in Initials, Ctrl+Enter starts the screening,
//! Ctrl+1…9 switch trials, Ctrl+N starts a new candidate, Ctrl+E opens Sign & export, Escape
//! closes it, Enter in the passphrase signs, F1 lists every shortcut.
#![cfg(test)]

mod ui_support;
use ui_support::*;

use eframe::egui;
use egui_kittest::kittest::Queryable;

fn ctrl(harness: &mut egui_kittest::Harness<'_, prescreen::app::PrescreenApp>, key: egui::Key) {
    harness.key_press_modifiers(egui::Modifiers::COMMAND, key);
    harness.run_steps(3);
    settle(harness);
}

#[test]
fn a_candidate_is_entered_and_started_without_the_mouse() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    harness.run_steps(2);
    assert!(
        field(&harness, "Initials").is_focused(),
        "a new candidate starts in Initials"
    );
    harness.event(egui::Event::Text("QX".to_owned()));
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
    assert!(field(&harness, "Date of birth").is_focused());
    harness.event(egui::Event::Text("14/03/1968".to_owned()));
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
    harness.key_press(egui::Key::Tab); // Female → Male
    harness.run_steps(2);
    harness.key_press(egui::Key::Space);
    harness.run_steps(2);
    ctrl(&mut harness, egui::Key::Enter);
    let workspace = harness.state().workspace().unwrap();
    assert!(workspace.stored, "{:?}", harness.state().message());
    assert_eq!(workspace.screening.candidate.initials, "QX");
    assert_eq!(
        workspace.screening.candidate.sex,
        Some(prescreen::screening::Sex::Male)
    );
    // Ctrl+2 switches to the second trial; Ctrl+1 back.
    let first = harness
        .state()
        .active_trial()
        .unwrap()
        .definition
        .id
        .clone();
    ctrl(&mut harness, egui::Key::Num2);
    assert_ne!(harness.state().active_trial().unwrap().definition.id, first);
    ctrl(&mut harness, egui::Key::Num1);
    assert_eq!(harness.state().active_trial().unwrap().definition.id, first);
    // Ctrl+N: a new candidate, focus in Initials again.
    ctrl(&mut harness, egui::Key::N);
    assert!(!harness.state().workspace().unwrap().stored);
    harness.run_steps(2);
    assert!(field(&harness, "Initials").is_focused());
}

#[test]
fn f1_lists_the_shortcuts_and_escape_closes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    harness.key_press(egui::Key::F1);
    harness.run_steps(3);
    assert!(harness.state().help_open());
    // A named dialog, with its heading.
    harness.get_by_role_and_label(egui::accesskit::Role::Dialog, "Keyboard shortcuts");
    harness.get_by_label("switch to trial 1 … 9");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    assert!(!harness.state().help_open());
    assert!(harness.query_by_label("Keyboard shortcuts").is_none());
}

#[test]
fn the_sign_dialog_opens_with_ctrl_e_closes_with_escape_and_signs_with_enter() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    ctrl(&mut harness, egui::Key::E);
    assert!(harness.state().sign_dialog().is_some());
    key(&mut harness, egui::Key::Escape);
    assert!(
        harness.state().sign_dialog().is_none(),
        "Escape closes the dialog"
    );

    ctrl(&mut harness, egui::Key::E);
    create_identity(&mut harness, "synthetic passphrase 42");
    screened_by_drawn_and_confirmed(&mut harness);
    // Enter in the passphrase field signs (type_into presses Enter).
    type_into(&mut harness, "Passphrase", "synthetic passphrase 42");
    settle(&mut harness);
    let message = dialog_message(&harness);
    assert!(message.starts_with("Signed PDF written"), "{message}");
}

#[test]
fn numbers_and_time_windows_are_answered_from_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let answer = |harness: &egui_kittest::Harness<'_, prescreen::app::PrescreenApp>, id: &str| {
        harness
            .state()
            .workspace()
            .unwrap()
            .screening
            .answers
            .get(id)
            .map(|e| e.answer.clone())
    };
    // IN05 mouth opening: typing its digits outside any field starts the value field.
    select(&mut harness, 4);
    for c in ["3", "5"] {
        harness.event(egui::Event::Text(c.to_owned()));
        harness.run_steps(1);
    }
    key(&mut harness, egui::Key::Enter);
    assert_eq!(
        answer(&harness, "IN05"),
        Some(prescreen::screening::Answer::Value("35".parse().unwrap()))
    );
    // EX02 botulinum toxin (a time window): N is "never".
    harness.key_press(egui::Key::Escape); // leave the value field
    harness.run_steps(2);
    select(&mut harness, 9);
    key(&mut harness, egui::Key::N);
    assert_eq!(
        answer(&harness, "EX02"),
        Some(prescreen::screening::Answer::Event(
            prescreen::screening::EventAnswer::Never
        ))
    );
    // EX04 labial herpes: O is "ongoing"; a digit starts the date instead.
    select(&mut harness, 11);
    key(&mut harness, egui::Key::O);
    assert_eq!(
        answer(&harness, "EX04"),
        Some(prescreen::screening::Answer::Event(
            prescreen::screening::EventAnswer::Ongoing
        ))
    );
    select(&mut harness, 10);
    for c in "01/10/2025".chars() {
        harness.event(egui::Event::Text(c.to_string()));
        harness.run_steps(1);
    }
    key(&mut harness, egui::Key::Enter);
    assert!(
        matches!(
            answer(&harness, "EX03"),
            Some(prescreen::screening::Answer::Event(
                prescreen::screening::EventAnswer::LastOn(_)
            ))
        ),
        "{:?}",
        answer(&harness, "EX03")
    );
}

#[test]
fn tab_from_the_checklist_enters_the_selected_criterions_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 4); // IN05 mouth opening
    harness.key_press(egui::Key::Tab);
    harness.run_steps(3);
    assert!(
        field(&harness, "Maximal mouth opening (mm)").is_focused(),
        "Tab lands in the value field"
    );
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    select(&mut harness, 5); // IN06 consent
    harness.key_press(egui::Key::Tab);
    harness.run_steps(3);
    assert!(
        harness.get_by_label("Met (Y)").is_focused(),
        "Tab lands on the first answer"
    );
    harness.key_press(egui::Key::Space);
    harness.run_steps(3);
    settle(&mut harness);
    assert_eq!(
        harness
            .state()
            .workspace()
            .unwrap()
            .screening
            .answers
            .get("IN06")
            .map(|e| e.answer.clone()),
        Some(prescreen::screening::Answer::Yes)
    );
}

/// Keys pressed and characters typed, counted as a person would press them.
struct Keys<'h, 'a> {
    harness: &'h mut egui_kittest::Harness<'a, prescreen::app::PrescreenApp>,
    count: usize,
}

impl Keys<'_, '_> {
    fn key(&mut self, key: egui::Key) {
        self.harness.key_press(key);
        self.harness.run_steps(2);
        settle(self.harness);
        self.count += 1;
    }
    fn keys(&mut self, key: egui::Key, times: usize) {
        for _ in 0..times {
            self.key(key);
        }
    }
    fn ctrl(&mut self, key: egui::Key) {
        ctrl(self.harness, key);
        self.count += 1;
    }
    fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.harness.event(egui::Event::Text(c.to_string()));
            self.harness.run_steps(1);
            self.count += 1;
        }
        self.harness.run_steps(1);
    }
}

#[test]
fn the_reference_a_muse_candidate_is_screened_without_the_mouse() {
    use egui::Key::{ArrowDown, Enter, N, Space, Tab, Y};
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    harness.run_steps(2);
    let mut k = Keys {
        harness: &mut harness,
        count: 0,
    };
    // tests/fixtures/a-muse-eligible.ron, typed from scratch (answers only, no evidence notes).
    k.text("QX");
    k.key(Tab);
    k.text("14/03/1968");
    k.key(Tab); // Sex: Female
    k.key(Space);
    k.keys(Tab, 4); // … Childbearing potential: No
    k.key(Space);
    k.keys(Tab, 9); // … past pregnant and breastfeeding, the pre-screening date (today) to the visit
    k.text("07/12/2026");
    k.ctrl(Enter);
    assert!(
        k.harness.state().workspace().unwrap().stored,
        "{:?}",
        k.harness.state().message()
    );
    // IN02: documented classification.
    k.key(ArrowDown);
    k.keys(Tab, 2);
    k.text("medical record");
    k.key(Enter);
    // IN03 MHISS total, IN04, IN05: digits start the field.
    k.key(ArrowDown);
    k.text("24");
    k.key(Enter);
    k.key(ArrowDown);
    k.text("1");
    k.key(Enter);
    k.key(ArrowDown);
    k.text("32.5");
    k.key(Enter);
    // IN06 consent; IN07 understanding, judged by the investigator, named in its field (Tab
    // from the row enters it; Enter leaves it); IN08 social security.
    k.key(ArrowDown);
    k.key(Y);
    k.key(ArrowDown);
    k.key(Tab);
    k.text("Dr Roy");
    k.key(Enter);
    k.key(Y);
    k.key(ArrowDown);
    k.key(Y);
    k.key(ArrowDown); // EX01: never
    k.key(N);
    k.key(ArrowDown); // EX02: botulinum toxin on 1 Oct 2026
    k.text("01/10/2026");
    k.key(Enter);
    for _ in 0..2 {
        // EX03, EX04: never
        k.key(ArrowDown);
        k.key(N);
    }
    // EX05: the investigator's judgement, named.
    k.key(ArrowDown);
    k.key(Tab);
    k.text("Dr Roy");
    k.key(Enter);
    k.key(N);
    for _ in 0..3 {
        // EX06–EX08: no
        k.key(ArrowDown);
        k.key(N);
    }
    k.keys(ArrowDown, 2); // EX09 does not apply; EX10: no
    k.key(N);
    let keys = k.count;
    eprintln!("reference A-MUSE flow: {keys} keys, no mouse");
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(
        verdict(&harness),
        "ELIGIBLE",
        "{:?}",
        workspace
            .evaluation
            .criteria
            .iter()
            .map(|f| (&f.id, &f.status_label))
            .collect::<Vec<_>>()
    );
    assert!(keys <= 130, "{keys} keys");
}

#[test]
fn a_focused_calculator_item_takes_y_n_u() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 1); // IN02 SSc classification
    click(&mut harness, "2013 ACR/EULAR SSc criteria calculator");
    let yes = harness
        .query_all_by_label_contains(": Yes")
        .next()
        .expect("the first item's Yes");
    yes.focus();
    harness.run_steps(2);
    harness.key_press(egui::Key::Y);
    harness.run_steps(2);
    click(&mut harness, "Use these items");
    let answer = harness
        .state()
        .workspace()
        .unwrap()
        .screening
        .answers
        .get("IN02")
        .map(|e| e.answer.clone());
    let Some(prescreen::screening::Answer::Ssc2013(items)) = answer else {
        panic!("{answer:?}");
    };
    let value = serde_json::to_value(&items).unwrap();
    assert_eq!(
        value
            .as_object()
            .unwrap()
            .values()
            .filter(|v| v.as_bool() == Some(true))
            .count(),
        1,
        "{value}"
    );
}

#[test]
fn a_typed_signature_can_be_adopted_instead_of_drawing_and_the_pdf_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    ctrl(&mut harness, egui::Key::E);
    create_identity(&mut harness, "synthetic passphrase 42");
    click(
        &mut harness,
        "Screened by — I confirm the answers above are accurate and complete",
    );
    assert_eq!(
        harness.state().sign_dialog().unwrap().missing(),
        Some("draw your signature, or adopt a typed one")
    );
    click(
        &mut harness,
        "Adopt a typed signature (my printed name) instead of drawing",
    );
    harness
        .get_by_label("I sign this screening summary electronically: Screened by — I confirm the answers above are accurate and complete.")
        .click();
    harness.run_steps(2);
    let path = std::path::PathBuf::from(&harness.state().sign_dialog().unwrap().path);
    type_into(&mut harness, "Passphrase", "synthetic passphrase 42");
    settle(&mut harness);
    let message = dialog_message(&harness);
    assert!(message.starts_with("Signed PDF written"), "{message}");
    let bytes = std::fs::read(&path).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text: String = doc
        .extract_text(&pages)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        text.contains("Typedsignature(adopted,nothandwritten)"),
        "the PDF marks the typed signature"
    );
    assert!(prescreen::signing::verify::verify(&bytes).intact);
}
