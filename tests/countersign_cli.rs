//! The investigator countersigns through the binary: the coordinator signs an ELIGIBLE
//! screening whose visit check is clear, the investigator (their own identity in the same data
//! folder) countersigns into a new file, `verify` lists both signatures; and every refusal —
//! the same file, the wrong role, an open visit check, a changed screening — writes nothing.
#![cfg(test)]

mod common;
mod pdf_common;

use std::path::Path;
use std::process::Output;

const SECRET: &str = "a long enough passphrase for tests";

fn prescreen(data: &Path, args: &[&str]) -> Output {
    let mut command = common::prescreen_command();
    command
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("PRESCREEN_PASSPHRASE", SECRET);
    command.output().unwrap()
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = prescreen(data, args);
    assert!(out.status.success(), "{args:?}: {}", said(&out));
    said(&out)
}

fn refused(data: &Path, args: &[&str]) -> String {
    let out = prescreen(data, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} must fail: {}",
        said(&out)
    );
    said(&out)
}

fn act_as(data: &Path, name: &str, role: &str) {
    ok(
        data,
        &[
            "coordinator",
            "set",
            "--name",
            name,
            "--role",
            role,
            "--site",
            "TLS",
        ],
    );
}

/// A signing identity in the data folder (P-256, site TLS): the default one, or one named
/// `--identity NAME`; `extra` adds e.g. a delegation.
fn identity(data: &Path, named: Option<&str>, name: &str, role: &str, extra: &[&str]) {
    let mut args = vec!["identity"];
    if let Some(named) = named {
        args.extend(["--identity", named]);
    }
    args.extend([
        "new", "--name", name, "--role", role, "--site", "TLS", "--key", "p256",
    ]);
    args.extend(extra);
    ok(data, &args);
}

/// The fixture's ELIGIBLE A-MUSE candidate, imported; its visit held and every re-check done
/// when `complete` (else the visit check stays open).
fn screened(data: &Path, complete: bool) -> String {
    let fixture = pdf_common::fixture("a-muse-eligible.ron");
    let out = ok(data, &["import", fixture.to_str().unwrap()]);
    let id = out.split_whitespace().last().unwrap().to_owned();
    if complete {
        ok(data, &["visit", "start", &id, "--date", "2026-11-30"]);
        for criterion in [
            "IN08", "EX01", "EX02", "EX03", "EX04", "EX07", "EX08", "EX10",
        ] {
            ok(data, &["reconfirm", &id, criterion, "--still-true"]);
        }
        for (criterion, answer) in [("IN07", "Yes"), ("EX05", "No")] {
            ok(
                data,
                &[
                    "answer",
                    &id,
                    criterion,
                    "--answer",
                    answer,
                    "--investigator",
                    "Dr Lucie Bernard",
                    "--judged-on",
                    "2026-11-30",
                    "--reason",
                    "the judging investigator named",
                ],
            );
        }
    }
    id
}

fn sign(data: &Path, id: &str, out: &Path) {
    ok(
        data,
        &[
            "export",
            id,
            "--out",
            out.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
        ],
    );
}

#[test]
fn the_investigator_countersigns_and_verify_lists_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    act_as(&data, "Camille Martin", "Study coordinator");
    identity(&data, None, "Camille Martin", "coordinator", &[]);
    identity(
        &data,
        Some("investigator"),
        "Dr Lucie Bernard",
        "investigator",
        &["--delegation", "sub-investigator, delegation log line 4"],
    );
    let shown = ok(&data, &["identity", "--identity", "investigator", "show"]);
    assert!(
        shown.contains("Investigator (sub-investigator, delegation log line 4)"),
        "{shown}"
    );
    let id = screened(&data, true);
    let signed = dir.path().join("signed.pdf");
    sign(&data, &id, &signed);
    act_as(&data, "Dr Lucie Bernard", "Investigator");
    let both = dir.path().join("countersigned.pdf");
    let countersign = |out: &Path, identity: Option<&str>| -> Output {
        let mut args = vec![
            "countersign".to_owned(),
            signed.display().to_string(),
            "--out".to_owned(),
            out.display().to_string(),
        ];
        if let Some(name) = identity {
            args.extend(["--identity".to_owned(), name.to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        prescreen(&data, &args)
    };
    // Never over the coordinator's file; never with a coordinator's key.
    let same = countersign(&signed, Some("investigator"));
    assert_eq!(same.status.code(), Some(1), "{}", said(&same));
    assert!(said(&same).contains("write the countersigned copy elsewhere"));
    let wrong_role = countersign(&both, None);
    assert_eq!(wrong_role.status.code(), Some(1), "{}", said(&wrong_role));
    assert!(
        said(&wrong_role).contains("is signed by an investigator"),
        "{}",
        said(&wrong_role)
    );
    assert!(!both.exists());
    let out = countersign(&both, Some("investigator"));
    assert!(out.status.success(), "{}", said(&out));
    let report = ok(&data, &["verify", both.to_str().unwrap()]);
    for expected in [
        "RESULT: VALID",
        "Screened by — I confirm",
        "countersignature 1: field InvestigatorConfirmation",
        "Dr Lucie Bernard — Investigator (sub-investigator, delegation log line 4) (signs as investigator",
        "Eligibility confirmed by investigator",
        "its own revision; only the countersignature below was added after it",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }
    let history = ok(&data, &["audit", "history", &id]);
    assert!(history.contains("countersigns PDF SHA-256"), "{history}");
    if let Some(pdfsig) = pdf_common::tool("pdfsig", None) {
        let out = pdf_common::run(&pdfsig, &[both.to_str().unwrap()]);
        assert_eq!(
            pdf_common::text(&out)
                .matches("Signature is Valid.")
                .count(),
            2
        );
    }
    // A change to the screening after signing supersedes the summary: no countersignature.
    ok(
        &data,
        &[
            "answer",
            &id,
            "EX06",
            "--answer",
            "No",
            "--note",
            "checked again",
            "--reason",
            "note added",
        ],
    );
    let later = dir.path().join("later.pdf");
    let superseded = countersign(&later, Some("investigator"));
    assert_eq!(superseded.status.code(), Some(1), "{}", said(&superseded));
    assert!(
        said(&superseded).contains("SUPERSEDED"),
        "{}",
        said(&superseded)
    );
    assert!(!later.exists());
}

#[test]
fn no_countersignature_while_the_visit_check_is_open_or_from_another_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    act_as(&data, "Camille Martin", "Study coordinator");
    identity(&data, None, "Camille Martin", "coordinator", &[]);
    identity(&data, Some("pi"), "Dr Lucie Bernard", "investigator", &[]);
    let id = screened(&data, false);
    let signed = dir.path().join("signed.pdf");
    sign(&data, &id, &signed);
    let out = dir.path().join("both.pdf");
    let open = refused(
        &data,
        &[
            "countersign",
            signed.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--identity",
            "pi",
        ],
    );
    assert!(
        open.contains("the visit check is open") && open.contains("EX02 to re-confirm"),
        "{open}"
    );
    // Another store does not know this summary.
    let elsewhere = dir.path().join("elsewhere");
    act_as(&elsewhere, "Dr Lucie Bernard", "Investigator");
    identity(&elsewhere, None, "Dr Lucie Bernard", "investigator", &[]);
    let foreign = refused(
        &elsewhere,
        &[
            "countersign",
            signed.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(foreign.contains("this store has no screening"), "{foreign}");
    assert!(!out.exists());
}

/// `--tsa` (and `PRESCREEN_TSA`) through the binary: the coordinator's signature and the
/// investigator's countersignature each carry a local TSA's token and `verify` names it; a
/// TSA where nothing listens leaves a B-B signature, a warning, and the signer's own claim.
#[test]
fn export_and_countersign_timestamp_with_a_tsa_and_fall_back_without() {
    let Some(tsa) = pdf_common::tsa::LocalTsa::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    act_as(&data, "Camille Martin", "Study coordinator");
    identity(&data, None, "Camille Martin", "coordinator", &[]);
    identity(&data, Some("pi"), "Dr Lucie Bernard", "investigator", &[]);
    let id = screened(&data, true);
    let signed = dir.path().join("signed.pdf");
    let exported = ok(
        &data,
        &[
            "export",
            &id,
            "--out",
            signed.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
            "--tsa",
            &tsa.url,
        ],
    );
    assert!(exported.contains("timestamped by Test TSA"), "{exported}");
    act_as(&data, "Dr Lucie Bernard", "Investigator");
    let both = dir.path().join("both.pdf");
    // PRESCREEN_TSA is the default for --tsa.
    let out = common::prescreen_command()
        .arg("--data-dir")
        .arg(&data)
        .args([
            "countersign",
            signed.to_str().unwrap(),
            "--out",
            both.to_str().unwrap(),
            "--identity",
            "pi",
        ])
        .env("PRESCREEN_PASSPHRASE", SECRET)
        .env("PRESCREEN_TSA", &tsa.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("timestamped by Test TSA"),
        "{}",
        said(&out)
    );
    let report = ok(&data, &["verify", both.to_str().unwrap()]);
    assert_eq!(
        report
            .matches("(trusted timestamp by Test TSA, genTime ")
            .count(),
        2,
        "{report}"
    );
    assert!(report.contains("RESULT: VALID"), "{report}");
    // Nothing listens: signed all the same, as B-B, with a warning.
    let dead = pdf_common::tsa::dead_url();
    act_as(&data, "Camille Martin", "Study coordinator");
    let plain = dir.path().join("plain.pdf");
    let out = prescreen(
        &data,
        &[
            "export",
            &id,
            "--out",
            plain.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
            "--tsa",
            &dead,
        ],
    );
    assert!(out.status.success(), "{}", said(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: no trusted timestamp") && stderr.contains("signer's own claim"),
        "{stderr}"
    );
    let report = ok(&data, &["verify", plain.to_str().unwrap()]);
    assert!(
        report.contains(
            "(claimed by the signer: a PAdES B-B signature carries no trusted timestamp)"
        ),
        "{report}"
    );
    // The data folder's setting: set once, used by every signature without --tsa.
    let refused_setting = refused(&data, &["settings", "tsa", "https://tsa.example"]);
    assert!(
        refused_setting.contains("not an http:// URL"),
        "{refused_setting}"
    );
    ok(&data, &["settings", "tsa", &tsa.url]);
    assert!(ok(&data, &["settings", "tsa"]).contains(&tsa.url));
    let by_setting = dir.path().join("by-setting.pdf");
    let exported = ok(
        &data,
        &[
            "export",
            &id,
            "--out",
            by_setting.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
        ],
    );
    assert!(exported.contains("timestamped by Test TSA"), "{exported}");
    // A document timestamp added later: a new file, both signatures still valid.
    let stamped = dir.path().join("stamped.pdf");
    let said_stamp = ok(
        &data,
        &[
            "timestamp",
            both.to_str().unwrap(),
            "--out",
            stamped.to_str().unwrap(),
        ],
    );
    assert!(
        said_stamp.contains("document timestamp by Test TSA"),
        "{said_stamp}"
    );
    let report = ok(&data, &["verify", stamped.to_str().unwrap()]);
    assert!(
        report.contains("document timestamp: by Test TSA") && report.contains("RESULT: VALID"),
        "{report}"
    );
    let over = refused(
        &data,
        &[
            "timestamp",
            both.to_str().unwrap(),
            "--out",
            both.to_str().unwrap(),
        ],
    );
    assert!(over.contains("write the copy elsewhere"), "{over}");
    ok(&data, &["settings", "tsa", "--clear"]);
    assert!(ok(&data, &["settings", "tsa"]).contains("no timestamp authority"));
    let none = refused(
        &data,
        &[
            "timestamp",
            both.to_str().unwrap(),
            "--out",
            stamped.to_str().unwrap(),
        ],
    );
    assert!(none.contains("no timestamp authority"), "{none}");
}
