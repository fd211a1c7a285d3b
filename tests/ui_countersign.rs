//! The investigator's countersignature in the window: an ELIGIBLE A-MUSE screening with its
//! visit check clear is signed by the coordinator; the investigator, in their own session on
//! the same data folder, is offered only "Eligibility confirmed by investigator", creates
//! their own identity beside the coordinator's, countersigns the coordinator's file, and
//! `verify` lists both signatures.
#![cfg(test)]

mod common;
mod pdf_common;
mod ui_support;
use ui_support::*;

use eframe::egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use prescreen::storage::{DataDir, NewCoordinator, Store, open_store};

const COORDINATOR_SECRET: &str = "synthetic passphrase 42";
const INVESTIGATOR_SECRET: &str = "another synthetic passphrase 7";

#[test]
fn the_coordinator_signs_and_the_investigator_countersigns_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    answer_a_muse_to_eligible(&mut harness);
    // The visit, on the pre-screening day: every answer re-confirmed with T.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::I);
    harness.run_steps(3);
    click(&mut harness, "Start the visit");
    settle(&mut harness);
    for _ in 0..7 {
        key(&mut harness, Key::T);
    }
    let evaluation = &harness.state().workspace().unwrap().evaluation;
    assert!(evaluation.visit.is_clear(), "{:?}", evaluation.visit);
    assert_eq!(evaluation.verdict.name(), "ELIGIBLE");
    // The coordinator signs (the default file name: exports/ID-screened-1.pdf).
    click(&mut harness, "Sign & export…");
    create_identity(&mut harness, COORDINATOR_SECRET);
    assert!(
        harness
            .query_all_by_label_contains("Eligibility confirmed by investigator")
            .next()
            .is_none(),
        "a coordinator is not offered the investigator's meaning"
    );
    screened_by_drawn_and_confirmed(&mut harness);
    type_into(&mut harness, "Passphrase", COORDINATOR_SECRET);
    click(&mut harness, "Sign and export");
    harness.run_steps(4);
    let message = dialog_message(&harness);
    assert!(message.starts_with("Signed PDF written"), "{message}");
    let signed = dir
        .path()
        .join("exports")
        .join(format!("{id}-screened-1.pdf"));
    assert!(signed.is_file(), "{message}");
    drop(harness);

    // The investigator's session on the same data folder.
    {
        let mut store = open_store(&DataDir::at(dir.path())).unwrap();
        let investigator = store
            .save_coordinator(&NewCoordinator {
                name: "Dr Synthetic Investigator".to_owned(),
                role: "Investigator".to_owned(),
                site_code: "TLS".to_owned(),
            })
            .unwrap();
        store.set_current_coordinator(investigator.id).unwrap();
    }
    let mut harness = ui_support::harness(dir.path());
    harness.run_steps(3);
    harness
        .get_by_role_and_label(eframe::egui::accesskit::Role::Button, "Screening log")
        .click();
    harness.run_steps(2);
    settle(&mut harness);
    click_log_row(&mut harness, &id);
    click(&mut harness, "Open");
    settle(&mut harness);
    click(&mut harness, "Sign & export…");
    // Their own identity, kept beside the coordinator's.
    create_identity(&mut harness, INVESTIGATOR_SECRET);
    let dialog = harness.state().sign_dialog().unwrap();
    assert!(dialog.has_identity, "{:?}", dialog.message);
    assert_eq!(dialog.countersign_from, signed.display().to_string());
    assert!(
        harness
            .query_all(
                egui_kittest::kittest::By::new()
                    .role(eframe::egui::accesskit::Role::RadioButton)
                    .label_contains("Screened by"),
            )
            .next()
            .is_none(),
        "an investigator is not offered the coordinator's meanings"
    );
    click(
        &mut harness,
        "Eligibility confirmed by investigator — I confirm the candidate's eligibility as shown above",
    );
    // The coordinator's signature is checked (on the worker) and shown before signing.
    settle(&mut harness);
    harness.run_steps(2);
    let seen = harness
        .state()
        .sign_dialog()
        .and_then(|d| d.source_check.1.clone())
        .unwrap_or_default();
    assert!(
        seen.starts_with("Coordinator's signature verified: intact, by Synthetic Coordinator")
            && seen.contains(&format!("screening {id}, verdict ELIGIBLE")),
        "{seen}"
    );
    assert!(
        harness
            .query_by_label_contains("Coordinator's signature verified")
            .is_some()
    );
    // … and the summary's pages to review, drawn from the same layout as the PDF.
    let pages = harness
        .state()
        .sign_dialog()
        .and_then(|d| d.pages.clone())
        .expect("the pages were laid out")
        .expect("without error");
    assert!(pages.len() >= 4, "{} pages", pages.len());
    assert!(
        harness
            .query_by_label(&format!("Page 1 of {} (preview)", pages.len()))
            .is_some()
    );
    harness
        .get_by_label("I sign this screening summary electronically: Eligibility confirmed by investigator — I confirm the candidate's eligibility as shown above.")
        .click();
    harness.run_steps(2);
    type_into(&mut harness, "Passphrase", INVESTIGATOR_SECRET);
    click(&mut harness, "Sign and export");
    harness.run_steps(4);
    settle(&mut harness);
    let message = dialog_message(&harness);
    assert!(
        message.starts_with("Countersigned PDF written"),
        "{message}"
    );
    let both = dir
        .path()
        .join("exports")
        .join(format!("{id}-eligibility-confirmed-1.pdf"));
    let checked = prescreen::signing::verify::verify(&std::fs::read(&both).unwrap());
    assert!(checked.is_valid(), "{:?}", checked.problems);
    assert_eq!(
        checked.signer.map(|s| s.name).as_deref(),
        Some("Synthetic Coordinator")
    );
    assert_eq!(checked.countersignatures.len(), 1);
    assert_eq!(
        checked.countersignatures[0]
            .signer
            .as_ref()
            .map(|s| s.name.as_str()),
        Some("Dr Synthetic Investigator")
    );
}

/// The timestamp authority in the window: typed once in Sign & export, it timestamps the
/// signature (PAdES B-T) and the data folder keeps it for the next signatures.
#[test]
fn a_timestamp_authority_typed_in_the_dialog_timestamps_and_is_kept() {
    let Some(tsa) = pdf_common::tsa::LocalTsa::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    click(&mut harness, "Sign & export…");
    create_identity(&mut harness, COORDINATOR_SECRET);
    screened_by_drawn_and_confirmed(&mut harness);
    type_into(
        &mut harness,
        "Timestamp authority (RFC 3161, http://; empty: none)",
        &tsa.url,
    );
    type_into(&mut harness, "Passphrase", COORDINATOR_SECRET);
    click(&mut harness, "Sign and export");
    harness.run_steps(4);
    settle(&mut harness);
    let message = dialog_message(&harness);
    assert!(message.starts_with("Signed PDF written"), "{message}");
    let id = screening_id(&harness);
    let pdf = std::fs::read(
        dir.path()
            .join("exports")
            .join(format!("{id}-screened-1.pdf")),
    )
    .unwrap();
    let checked = prescreen::signing::verify::verify(&pdf);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    assert!(
        checked.timestamp.as_ref().is_some_and(|t| t.valid),
        "{:?}",
        checked.timestamp
    );
    assert_eq!(
        prescreen::settings::tsa_url(&DataDir::at(dir.path())).as_deref(),
        Some(tsa.url.as_str())
    );
}
