//! Slow work runs off the UI thread: while a signature, a key pair or a save is being made,
//! frames keep coming and the window stays live. The assertion is on the design (which
//! thread ran the job, frames drawn while it ran); the frame times are printed for the record.
#![cfg(test)]

mod ui_support;
use ui_support::*;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use prescreen::app::PrescreenApp;

/// Steps frames until the worker is idle; returns (frames drawn while busy, slowest frame).
fn frames_while_busy(harness: &mut Harness<'_, PrescreenApp>) -> (usize, Duration) {
    let mut frames = 0;
    let mut slowest = Duration::ZERO;
    let deadline = Instant::now() + Duration::from_secs(60);
    while harness.state().is_busy() && Instant::now() < deadline {
        let started = Instant::now();
        harness.step();
        slowest = slowest.max(started.elapsed());
        frames += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        !harness.state().is_busy(),
        "the job finished within a minute"
    );
    (frames, slowest)
}

#[test]
fn identity_creation_and_signing_run_on_the_worker_while_frames_keep_coming() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    click(&mut harness, "Sign & export…");
    type_into(&mut harness, "New passphrase", "synthetic passphrase 42");
    type_into(&mut harness, "Repeat passphrase", "synthetic passphrase 42");

    // RSA-2048 key generation and scrypt: the dialog shows progress; frames keep coming.
    harness.get_by_label("Create signing identity").click();
    harness.run_steps(1);
    assert!(harness.state().is_busy(), "the key is made on the worker");
    harness.step();
    harness.get_by_label("Creating your signing identity (key pair and certificate)…");
    harness.get_by_label("Cancel");
    let (frames, slowest) = frames_while_busy(&mut harness);
    let (thread, elapsed) = harness.state().last_job().unwrap();
    assert_ne!(thread, std::thread::current().id(), "not on the UI thread");
    assert!(frames >= 1, "frames were drawn while the key was made");
    eprintln!(
        "identity: job {elapsed:?} on the worker; {frames} frames meanwhile, slowest {slowest:?}"
    );
    harness.run_steps(2);
    assert!(harness.state().sign_dialog().unwrap().has_identity);

    click(
        &mut harness,
        "Screened by — I confirm the answers above are accurate and complete",
    );
    draw_signature(&mut harness);
    harness
        .get_by_label("I sign this screening summary electronically: Screened by — I confirm the answers above are accurate and complete.")
        .click();
    harness.run_steps(2);
    let out = dir.path().join("summary.pdf");
    type_into(&mut harness, "Save to", &out.display().to_string());
    // Typed without Enter (Enter in the passphrase would sign at once).
    field(&harness, "Passphrase").focus();
    harness.run_steps(1);
    field(&harness, "Passphrase").type_text("synthetic passphrase 42");
    harness.run_steps(2);
    harness.get_by_label("Sign and export").click();
    harness.run_steps(1);
    assert!(harness.state().is_busy(), "signing runs on the worker");
    harness.step();
    let (frames, slowest) = frames_while_busy(&mut harness);
    let (thread, elapsed) = harness.state().last_job().unwrap();
    assert_ne!(thread, std::thread::current().id(), "not on the UI thread");
    eprintln!(
        "sign & export: job {elapsed:?} on the worker; {frames} frames meanwhile, slowest {slowest:?}"
    );
    harness.run_steps(2);
    let message = dialog_message(&harness);
    assert!(message.starts_with("Signed PDF written"), "{message}");
    assert!(out.exists());

    // The identity the window created is registered in the store: the PDF verifies as VALID
    // against the site's register, not merely intact.
    let store =
        prescreen::storage::SqliteStore::open(&dir.path().join("prescreen.sqlite3")).unwrap();
    let signers = prescreen::storage::Store::trusted_signers(&store).unwrap();
    assert_eq!(signers.len(), 1, "{signers:?}");
    let (trust, _) = prescreen::verification::trust_from_register(&signers, "the store");
    let result =
        prescreen::signing::verify::verify_with_trust(&std::fs::read(&out).unwrap(), Some(&trust));
    assert_eq!(
        result.outcome(),
        prescreen::signing::verify::VerifyOutcome::Valid,
        "{:?} {:?}",
        result.problems,
        result.trust
    );
}

#[test]
fn cancelling_the_identity_is_honest_about_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    click(&mut harness, "Sign & export…");
    type_into(&mut harness, "New passphrase", "synthetic passphrase 42");
    type_into(&mut harness, "Repeat passphrase", "synthetic passphrase 42");
    harness.get_by_label("Create signing identity").click();
    harness.run_steps(2);
    harness.get_by_label("Cancel").click();
    harness.run_steps(1);
    let _ = frames_while_busy(&mut harness);
    harness.run_steps(2);
    let dialog = harness.state().sign_dialog().unwrap();
    let key = dir.path().join("signing").join("identity.pem");
    // The key pair is made in one step: a cancel that comes while it is made discards it; one
    // that comes after it was saved says so. Screen and disk always agree.
    match dialog.message.as_deref() {
        Some("Cancelled: no identity was saved.") => {
            assert!(!dialog.has_identity);
            assert!(!key.exists(), "no key file after a cancel");
        }
        other => {
            assert!(dialog.has_identity, "{other:?}");
            assert!(key.exists());
        }
    }
    // The passphrase never appears in a Debug output.
    assert!(!format!("{dialog:?}").contains("synthetic passphrase"));
}
