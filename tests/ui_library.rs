//! The trial library in the window: a draft imported from the registry is listed as a draft,
//! reviewed (a rule changed, saved, still a draft), marked verified (the file names the
//! verifier and goes in use, the audit trail notes it), copied as a new version; and an edit
//! that does not read is refused, naming its criterion, with the file left as it was.
#![cfg(test)]

mod common;
mod ui_support;
use ui_support::*;

use std::path::Path;

use eframe::egui::accesskit::Role;
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{By, Queryable};
use prescreen::app::PrescreenApp;
use prescreen::storage::{SqliteStore, Store};
use prescreen::trial::model::{DefinitionStatus, Rule};

/// `prescreen trials import` of the A-MUSE record into `trials/draft.ron`, under its own id.
fn imported_draft(dir: &Path) -> std::path::PathBuf {
    let trials = dir.join("trials");
    std::fs::create_dir_all(&trials).unwrap();
    let out = trials.join("draft.ron");
    let run = common::prescreen_command()
        .args(["trials", "import"])
        .arg(common::repo("trials/sources/NCT07326033.json"))
        .arg("--out")
        .arg(&out)
        .env("PRESCREEN_DATA_DIR", dir.join("cli-data"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("id: \"a-muse\","));
    std::fs::write(
        &out,
        text.replace("id: \"a-muse\",", "id: \"a-muse-import\","),
    )
    .unwrap();
    out
}

fn row_listed(harness: &Harness<'_, PrescreenApp>, name: &str) -> bool {
    harness
        .query(By::new().role(Role::Button).label(name))
        .is_some()
}

fn choose(harness: &mut Harness<'_, PrescreenApp>, combo: &str, option: &str) {
    harness.get_by_label(combo).click();
    harness.run_steps(2);
    harness.get_by_label(option).click();
    harness.run_steps(3);
}

fn replace_text(harness: &mut Harness<'_, PrescreenApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run_steps(1);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.key_press(Key::Backspace);
    harness.run_steps(1);
    harness.get_by_label(label).type_text(text);
    harness.run_steps(2);
}

fn criterion_rule<'a>(harness: &'a Harness<'_, PrescreenApp>, id: &str) -> &'a Rule {
    let form = harness.state().library().review.as_ref().unwrap();
    &form.loaded.definition.criterion(id).unwrap().rule
}

#[test]
fn a_draft_is_reviewed_saved_verified_and_copied_as_a_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let draft = imported_draft(dir.path());
    let data = dir.path().join("data");
    let mut harness = harness_with_trials(&data, vec![dir.path().join("trials")]);
    save_profile(&mut harness);

    // The library lists every version: the draft as a draft, the shipped archive superseded.
    click(&mut harness, "Trial library");
    assert!(row_listed(
        &harness,
        "Review A-MUSE a-muse-import 0.1.0-draft, draft"
    ));
    assert!(harness.query_all_by_label("superseded").next().is_some());
    click(
        &mut harness,
        "Review A-MUSE a-muse-import 0.1.0-draft, draft",
    );
    let form = harness.state().library().review.as_ref().unwrap();
    assert_eq!(form.path, draft);
    assert!(form.editable());
    assert_eq!(criterion_rule(&harness, "IN03"), &Rule::Confirmation);

    // One rule changed and saved: the file is rewritten, read back, and still a draft.
    choose(&mut harness, "IN03 rule", "Investigator judgement");
    click(&mut harness, "Save");
    assert_eq!(
        criterion_rule(&harness, "IN03"),
        &Rule::InvestigatorJudgement,
        "{:?}",
        harness.state().message()
    );
    let saved = std::fs::read_to_string(&draft).unwrap();
    assert!(saved.contains("status: Draft"), "{saved}");
    assert!(saved.starts_with("// DRAFT imported by prescreen"));
    let reread = prescreen::trial::load::load_trial_file(&draft).unwrap();
    assert_eq!(
        reread.definition.criterion("IN03").unwrap().rule,
        Rule::InvestigatorJudgement
    );
    assert_eq!(
        harness
            .state()
            .workspace_for("a-muse-import")
            .unwrap()
            .screening
            .trial
            .sha256
            .as_deref(),
        Some(reread.sha256.as_str()),
        "the app screens with the saved definition"
    );
    assert!(row_listed(
        &harness,
        "Review A-MUSE a-muse-import 0.1.0-draft, draft"
    ));

    // Marked verified: the verifier is asked for (pre-filled with the coordinator).
    click(&mut harness, "Mark verified…");
    assert_eq!(
        harness.state().library().review.as_ref().unwrap().verify,
        Some(prescreen::app::review_form::VerifyForm {
            name: "Synthetic Coordinator".to_owned(),
            role: "study coordinator".to_owned(),
            error: None,
        })
    );
    type_into(&mut harness, "Verifier's name", "Dr Synthetic Investigator");
    type_into(&mut harness, "Verifier's role", "principal investigator");
    harness
        .get_by_role_and_label(Role::Button, "Mark verified")
        .click();
    harness.run_steps(3);
    settle(&mut harness);
    let verified = std::fs::read_to_string(&draft).unwrap();
    assert!(
        verified.contains(
            "verified_by: \"Dr Synthetic Investigator (principal investigator), 2026-11-23\""
        ),
        "{:?}\n{verified}",
        harness.state().message()
    );
    assert!(!verified.contains("status: Draft"), "{verified}");
    let reread = prescreen::trial::load::load_trial_file(&draft).unwrap();
    assert_eq!(reread.definition.status, DefinitionStatus::InUse);
    assert!(row_listed(
        &harness,
        "Review A-MUSE a-muse-import 0.1.0-draft, in use"
    ));
    let form = harness.state().library().review.as_ref().unwrap();
    assert!(!form.editable());
    assert!(
        harness
            .query_by_label(prescreen::app::review_form::VERIFIED_NOTE)
            .is_some()
    );

    // The audit trail notes it, and the chain holds.
    let store = SqliteStore::open(&data.join("prescreen.sqlite3")).unwrap();
    let report = store.verify_audit_chain().unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
    assert!(report.records.is_empty(), "{:?}", report.records);
    let event = (1..=i64::try_from(report.events).unwrap())
        .filter_map(|seq| store.audit_event_at(seq).unwrap())
        .find(|e| e.action == "definition_verified")
        .expect("a definition_verified event");
    assert_eq!(event.target.as_deref(), Some("a-muse-import"));
    assert!(
        event
            .new_value
            .as_deref()
            .unwrap_or_default()
            .contains(&reread.sha256),
        "{event:?}"
    );

    // A new version: a draft copy in a new file next to it; the verified file stays.
    assert_eq!(form.new_version, "0.1.1");
    click(&mut harness, "New version");
    let copy = dir.path().join("trials/a-muse-import-0.1.1.ron");
    let copy_text = std::fs::read_to_string(&copy).unwrap();
    assert!(copy_text.contains("status: Draft"), "{copy_text}");
    assert!(copy_text.contains("definition_version: \"0.1.1\""));
    assert!(copy_text.contains("verified_by: None"), "{copy_text}");
    assert_eq!(std::fs::read_to_string(&draft).unwrap(), verified);
    let form = harness.state().library().review.as_ref().unwrap();
    assert_eq!(form.path, copy);
    assert!(form.editable());
    // The review says what changed from the version before (the library's diff).
    let (old, changes) = form
        .changes
        .clone()
        .expect("changes from the previous version");
    assert_eq!(old, "0.1.0-draft");
    assert!(changes.contains("0.1.1"), "{changes}");
    assert!(
        harness
            .query_by_label("Changes from version 0.1.0-draft")
            .is_some()
    );
    assert!(row_listed(
        &harness,
        "Review A-MUSE a-muse-import 0.1.1, draft"
    ));

    // A rule whose RON does not read is refused, naming its criterion; nothing is written.
    choose(&mut harness, "IN05 rule", "Measurement");
    replace_text(&mut harness, "IN05 rule (RON)", "Measurement((quantity: ");
    click(&mut harness, "Save");
    let message = harness.state().message().unwrap_or_default().to_owned();
    assert!(
        message.contains("criterion IN05: the rule's RON does not read"),
        "{message}"
    );
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), copy_text);
    let form = harness.state().library().review.as_ref().unwrap();
    assert!(form.dirty());
    assert!(!form.can_verify(), "an unsaved form is not marked verified");
}

/// From a registry record to a first screening without leaving the window: import, review,
/// mark verified, and screen a candidate against it.
#[test]
fn a_registry_record_becomes_a_verified_definition_and_a_first_screening_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    click(&mut harness, "Trial library");
    assert!(
        harness
            .query_by_label("Import a registry record…")
            .is_some()
    );
    let record = common::repo("crates/prescreen-core/tests/registry/bullets-nested.json");
    harness.state_mut().apply(prescreen::app::Command::Library(
        prescreen::app::library::LibraryCommand::ImportRecord(Some(record)),
    ));
    harness.run_steps(2);
    settle(&mut harness);
    let review = harness
        .state()
        .library()
        .review
        .as_ref()
        .expect("the review opens");
    let path = review.path.clone();
    assert!(
        path.starts_with(dir.path().join("trials")),
        "{}",
        path.display()
    );
    assert_eq!(review.loaded.definition.status, DefinitionStatus::Draft);
    let acronym = review.loaded.definition.acronym.clone();
    // Unverified, the draft can be used for practice; verified, it is in use.
    click(&mut harness, "Mark verified…");
    harness
        .get_by_role_and_label(Role::Button, "Mark verified")
        .click();
    harness.run_steps(3);
    settle(&mut harness);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("verified_by: \"Synthetic Coordinator (study coordinator)"),
        "{text}"
    );
    // Its trial is in the bar: a first candidate is screened against it.
    switch_to(&mut harness, &acronym);
    type_into(&mut harness, "Initials", "QX");
    type_into(&mut harness, "Date of birth", "1968-03-14");
    click(&mut harness, "Sex: Male");
    click(&mut harness, "Start screening");
    let workspace = harness.state().workspace().unwrap();
    assert!(workspace.stored, "{:?}", harness.state().message());
    assert_eq!(
        workspace.screening.trial.id,
        harness.state().active_trial().unwrap().definition.id
    );
    let store = SqliteStore::open(&dir.path().join("prescreen.sqlite3")).unwrap();
    let report = store.verify_audit_chain().unwrap();
    assert!(report.is_intact(), "{report:?}");
}
