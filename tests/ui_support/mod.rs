//! Helpers shared by the kittest files: the real app on a data folder, driven through its
//! accessibility labels and the keyboard.
#![allow(dead_code, reason = "each test file uses its own part of the helpers")]

use std::path::Path;

#[path = "../../crates/prescreen-store/tests/support/pg_cluster.rs"]
pub mod pg_cluster;
pub mod site;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use jiff::civil::date;
use prescreen::app::{AppConfig, PrescreenApp};
use prescreen::storage::DataDir;

pub fn harness(data_dir: &Path) -> Harness<'static, PrescreenApp> {
    harness_with_trials(data_dir, Vec::new())
}

/// The app on `data_dir`, with extra folders of trial files, on 2026-11-23.
pub fn harness_with_trials(
    data_dir: &Path,
    trial_dirs: Vec<std::path::PathBuf>,
) -> Harness<'static, PrescreenApp> {
    let config = AppConfig {
        data_dir: DataDir::at(data_dir),
        trial_dirs,
        today: date(2026, 11, 23),
        database: None,
    };
    Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_eframe(move |cc| PrescreenApp::new(config, &cc.egui_ctx, None))
}

/// Finds a labelled text or password field.
pub fn field<'a>(harness: &'a Harness<'_, PrescreenApp>, label: &'a str) -> egui_kittest::Node<'a> {
    use egui::accesskit::Role;
    harness
        .query_by_role_and_label(Role::TextInput, label)
        .or_else(|| harness.query_by_role_and_label(Role::PasswordInput, label))
        .unwrap_or_else(|| panic!("no text field labelled {label:?}"))
}

/// Lets the worker finish what the last frames asked for (saves, log, export), applies the
/// outcomes, and draws again: the window never waits, a test does.
pub fn settle(harness: &mut Harness<'_, PrescreenApp>) {
    harness.run_steps(1);
    harness.state_mut().settle();
    harness.run_steps(2);
}

/// Replaces a labelled text field's content and presses Enter (which commits it).
pub fn type_into(harness: &mut Harness<'_, PrescreenApp>, label: &str, text: &str) {
    field(harness, label).focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.run_steps(1);
    field(harness, label).type_text(text);
    harness.run_steps(2);
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    settle(harness);
}

pub fn click(harness: &mut Harness<'_, PrescreenApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.run_steps(3);
    settle(harness);
}

pub fn key(harness: &mut Harness<'_, PrescreenApp>, key: egui::Key) {
    harness.key_press(key);
    harness.run_steps(2);
    settle(harness);
}

pub fn select(harness: &mut Harness<'_, PrescreenApp>, index: usize) {
    // Escape first: the arrows move the selection when no control has the focus.
    harness.key_press(egui::Key::Escape);
    harness.run_steps(1);
    for _ in 0..20 {
        harness.key_press(egui::Key::ArrowUp);
    }
    for _ in 0..index {
        harness.key_press(egui::Key::ArrowDown);
    }
    harness.run_steps(3);
    assert_eq!(harness.state().workspace().unwrap().selected, index);
}

pub fn verdict(harness: &Harness<'_, PrescreenApp>) -> String {
    harness
        .state()
        .workspace()
        .unwrap()
        .evaluation
        .verdict
        .name()
        .to_owned()
}

pub fn save_profile(harness: &mut Harness<'_, PrescreenApp>) {
    harness.run_steps(2);
    type_into(harness, "Name", "Synthetic Coordinator");
    type_into(harness, "Role", "study coordinator");
    // Enter in the last field saves the profile.
    type_into(harness, "Site code", "TLS");
    assert!(
        harness.query_by_label("Save profile").is_none(),
        "{:?}",
        harness.state().message()
    );
}

pub fn switch_to(harness: &mut Harness<'_, PrescreenApp>, acronym: &str) {
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, acronym)
        .click();
    harness.run_steps(3);
    assert_eq!(
        harness.state().active_trial().unwrap().definition.acronym,
        acronym
    );
}

/// A male candidate entered in the candidate panel, screening started.
pub fn start_candidate(harness: &mut Harness<'_, PrescreenApp>) {
    type_into(harness, "Initials", "QX");
    type_into(harness, "Date of birth", "1968-03-14");
    click(harness, "Sex: Male");
    click(harness, "Start screening");
    let workspace = harness.state().workspace().unwrap();
    assert!(workspace.stored, "{:?}", harness.state().message());
    assert!(
        workspace.screening.screening_id.starts_with("AM-TLS-2026-"),
        "{}",
        workspace.screening.screening_id
    );
}

/// A fresh app with the profile saved and an A-MUSE screening of a male candidate started.
pub fn a_muse_screening_started(data_dir: &Path) -> Harness<'static, PrescreenApp> {
    let mut harness = harness(data_dir);
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    start_candidate(&mut harness);
    harness
}

/// Answers every A-MUSE criterion so that the male candidate is eligible.
pub fn answer_a_muse_to_eligible(harness: &mut Harness<'_, PrescreenApp>) {
    // IN02: documented diagnosis.
    select(harness, 1);
    type_into(
        harness,
        "Classification documented in",
        "rheumatology letter 2019",
    );
    click(harness, "Confirm documented classification");
    // IN03–IN05: measurements (a decimal comma is accepted).
    select(harness, 2);
    type_into(harness, "MHISS score (points)", "24");
    select(harness, 3);
    type_into(harness, "Rodnan skin score on the face (points)", "1");
    select(harness, 4);
    type_into(harness, "Maximal mouth opening (mm)", "32,5");
    // IN06–IN08: confirmations and a judgement (named), with the keyboard.
    for index in 5..=7 {
        select(harness, index);
        if index == 6 {
            name_the_investigator(harness);
        }
        key(harness, egui::Key::Y);
    }
    // EX01–EX04: time windows.
    for index in 8..=11 {
        select(harness, index);
        click(harness, "Never (N)");
    }
    // EX05–EX07, EX10: absent (EX08, EX09 do not apply to a man).
    for index in [12, 13, 14, 17] {
        select(harness, index);
        if index == 12 {
            name_the_investigator(harness);
        }
        key(harness, egui::Key::N);
    }
}

/// The label of an investigator judgement's name field.
pub const JUDGING_INVESTIGATOR: &str = "Judging investigator (name as on the delegation log)";

/// Types the judging investigator's name (Enter leaves the field, so keys answer again).
pub fn name_the_investigator(harness: &mut Harness<'_, PrescreenApp>) {
    type_into(harness, JUDGING_INVESTIGATOR, "Dr Synthetic Investigator");
}

pub fn start_candidate_assix(harness: &mut Harness<'_, PrescreenApp>) {
    type_into(harness, "Initials", "HB");
    type_into(harness, "Date of birth", "1971-02-11");
    click(harness, "Sex: Male");
    click(harness, "Start screening");
    assert!(
        harness.state().workspace().unwrap().stored,
        "{:?}",
        harness.state().message()
    );
}

/// Draws a zig-zag on the signature pad with the pointer.
pub fn draw_signature(harness: &mut Harness<'_, PrescreenApp>) {
    let rect = harness.get_by_label("Signature pad").rect();
    let at = |fx: f32, fy: f32| {
        egui::pos2(
            rect.left() + fx * rect.width(),
            rect.top() + fy * rect.height(),
        )
    };
    harness.hover_at(at(0.1, 0.6));
    harness.run_steps(1);
    harness.drag_at(at(0.1, 0.6));
    harness.run_steps(1);
    for (i, fx) in [0.2, 0.3, 0.4, 0.5, 0.6, 0.7].iter().enumerate() {
        harness.hover_at(at(*fx, if i % 2 == 0 { 0.3 } else { 0.7 }));
        harness.run_steps(1);
    }
    harness.drop_at(at(0.8, 0.5));
    harness.run_steps(2);
}

/// In the open Sign & export dialog: creates the signing identity (the key pair is made on the
/// worker; this waits for it).
pub fn create_identity(harness: &mut Harness<'_, PrescreenApp>, passphrase: &str) {
    type_into(harness, "New passphrase", passphrase);
    type_into(harness, "Repeat passphrase", passphrase);
    harness.get_by_label("Create signing identity").click();
    while {
        harness.run_steps(1);
        harness.state_mut().settle();
        harness.state().is_busy()
    } {}
    harness.run_steps(3);
}

/// In the open Sign & export dialog: "Screened by", a drawn signature, the statement ticked.
pub fn screened_by_drawn_and_confirmed(harness: &mut Harness<'_, PrescreenApp>) {
    click(
        harness,
        "Screened by — I confirm the answers above are accurate and complete",
    );
    draw_signature(harness);
    harness
        .get_by_label("I sign this screening summary electronically: Screened by — I confirm the answers above are accurate and complete.")
        .click();
    harness.run_steps(2);
}

/// Clicks a screening log row by its screening id (the row is named with its id, trial,
/// date, status and verdict).
pub fn click_log_row(harness: &mut Harness<'_, PrescreenApp>, id: &str) {
    harness
        .get(
            egui_kittest::kittest::By::new()
                .role(egui::accesskit::Role::Button)
                .label_contains(id),
        )
        .click();
    harness.run_steps(3);
    settle(harness);
}

/// What the open Sign & export dialog last said (empty when nothing).
pub fn dialog_message(harness: &Harness<'_, PrescreenApp>) -> String {
    harness
        .state()
        .sign_dialog()
        .and_then(|d| d.message.clone())
        .unwrap_or_default()
}

/// The active screening's id.
pub fn screening_id(harness: &Harness<'_, PrescreenApp>) -> String {
    harness
        .state()
        .workspace()
        .unwrap()
        .screening
        .screening_id
        .clone()
}
