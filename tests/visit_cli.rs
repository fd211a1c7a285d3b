//! The visit through the binary: `visit start` records the day it took place (and moves a
//! window counted from the visit), `reconfirm` settles each pre-screen answer to re-check,
//! `enrolled` is refused while anything is open, a judgement names its investigator, and
//! the whole history verifies and travels in the screening RON.
#![cfg(test)]

mod common;
mod pdf_common;

use std::path::Path;
use std::process::Output;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn prescreen(data: &Path, args: &[&str]) -> Run {
    let mut command = common::prescreen_command();
    command.args(args).env("PRESCREEN_DATA_DIR", data);
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn ok(data: &Path, args: &[&str]) -> String {
    let run = prescreen(data, args);
    assert_eq!(run.code, Some(0), "{args:?}: {}{}", run.stdout, run.stderr);
    run.stdout
}

fn refused(data: &Path, args: &[&str]) -> String {
    let run = prescreen(data, args);
    assert_eq!(
        run.code,
        Some(1),
        "{args:?} must fail: {}{}",
        run.stdout,
        run.stderr
    );
    run.stderr
}

/// An A-MUSE screening pre-screened on 2026-10-20 with a visit planned for 2026-11-20: every
/// pre-screen answer given, the botulinum injection on `injection`.
fn pre_screened(data: &Path, injection: &str) -> String {
    ok(
        data,
        &[
            "coordinator",
            "set",
            "--name",
            "Synthetic Coordinator",
            "--role",
            "study nurse",
            "--site",
            "TLS",
        ],
    );
    let id = ok(
        data,
        &[
            "new",
            "--trial",
            "a-muse",
            "--initials",
            "QX",
            "--dob",
            "1968-03-14",
            "--sex",
            "female",
            "--childbearing",
            "no",
            "--pregnant",
            "no",
            "--breastfeeding",
            "no",
            "--date",
            "2026-10-20",
            "--visit",
            "2026-11-20",
        ],
    )
    .trim()
    .to_owned();
    let injection = format!("Event(LastOn(\"{injection}\"))");
    for (criterion, answer) in [
        (
            "IN02",
            "DocumentedClassification(source: \"rheumatology letter\")",
        ),
        ("IN08", "Yes"),
        ("EX01", "Event(Never)"),
        ("EX02", injection.as_str()),
        ("EX03", "Event(Never)"),
        ("EX04", "Event(Never)"),
        ("EX06", "No"),
        ("EX07", "No"),
        ("EX08", "No"),
        ("EX10", "No"),
    ] {
        ok(data, &["answer", &id, criterion, "--answer", answer]);
    }
    id
}

fn show(data: &Path, id: &str) -> String {
    ok(data, &["show", id])
}

#[test]
fn the_actual_visit_date_moves_a_window_counted_from_the_visit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    // 27 days before the planned visit (within 4 weeks), 30 before the actual one.
    let id = pre_screened(data, "2026-10-24");
    let before = show(data, &id);
    assert!(
        before.contains("VERDICT: NOT ELIGIBLE"),
        "excluded against the planned visit: {before}"
    );
    assert!(before.contains("before the planned inclusion visit 2026-11-20"));
    // Never before the pre-screening, never in the future.
    let early = refused(data, &["visit", "start", &id, "--date", "2026-10-19"]);
    assert!(early.contains("before the pre-screening date"), "{early}");
    let future = refused(data, &["visit", "start", &id, "--date", "2999-01-01"]);
    assert!(future.contains("in the future"), "{future}");
    let started = ok(data, &["visit", "start", &id, "--date", "2026-11-23"]);
    assert!(started.contains("visit started on 2026-11-23"), "{started}");
    let after = show(data, &id);
    assert!(after.contains("VERDICT: PRE-SCREEN PASSED"), "{after}");
    assert!(
        after.contains("more than 4 weeks before the actual inclusion visit 2026-11-23"),
        "the evaluation names the date it used: {after}"
    );
    assert!(
        after.contains("inclusion visit held on 2026-11-23"),
        "{after}"
    );
    // Correcting the visit date needs a reason.
    let corrected = refused(data, &["visit", "start", &id, "--date", "2026-11-21"]);
    assert!(corrected.contains("needs a reason"), "{corrected}");
    ok(data, &["audit", "verify"]);
}

#[test]
fn enrolment_waits_for_every_reconfirmation_and_a_change_needs_its_new_answer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let id = pre_screened(data, "2026-09-01");
    ok(data, &["status", &id, "pre-screened"]);
    ok(data, &["status", &id, "approached"]);
    let early = refused(data, &["reconfirm", &id, "EX02", "--still-true"]);
    assert!(early.contains("the visit has not started"), "{early}");
    ok(data, &["visit", "start", &id, "--date", "2026-11-20"]);
    // The visit items.
    for (criterion, answer) in [
        (
            "IN03",
            "Mhiss((items: [2, 3, 2, 1, 2, 3, 2, 2, 1, 2, 2, 2]))",
        ),
        ("IN04", "Value(1)"),
        ("IN05", "Value(32)"),
        ("IN06", "Yes"),
    ] {
        ok(data, &["answer", &id, criterion, "--answer", answer]);
    }
    // A bare investigator judgement is refused: the judging investigator is named.
    let bare = refused(data, &["answer", &id, "IN07", "--answer", "Yes"]);
    assert!(bare.contains("investigator"), "{bare}");
    for criterion in ["IN07", "EX05"] {
        let answer = if criterion == "IN07" { "Yes" } else { "No" };
        ok(
            data,
            &[
                "answer",
                &id,
                criterion,
                "--answer",
                answer,
                "--investigator",
                "Dr Synthetic Investigator",
                "--judged-on",
                "2026-11-20",
            ],
        );
    }
    ok(data, &["status", &id, "consented"]);
    let text = show(data, &id);
    assert!(text.contains("VERDICT: ELIGIBLE\n"), "{text}");
    assert!(
        text.contains("VISIT CHECK: 8 answers to re-confirm at the inclusion visit"),
        "{text}"
    );
    let open = refused(data, &["status", &id, "enrolled"]);
    assert!(
        open.contains("not enrolled while the visit check is open")
            && open.contains("EX02 to re-confirm"),
        "{open}"
    );
    let not_asked = refused(data, &["reconfirm", &id, "IN02", "--still-true"]);
    assert!(
        not_asked.contains("not re-confirmed at the visit"),
        "{not_asked}"
    );
    for criterion in ["IN08", "EX01", "EX03", "EX04", "EX07", "EX08", "EX10"] {
        ok(
            data,
            &[
                "reconfirm",
                &id,
                criterion,
                "--still-true",
                "--date",
                "2026-11-20",
            ],
        );
    }
    // EX02 changed: open until the new answer is recorded (which needs a reason).
    let changed = ok(
        data,
        &[
            "reconfirm",
            &id,
            "EX02",
            "--changed",
            "--date",
            "2026-11-20",
            "--reason",
            "candidate reports a new injection",
        ],
    );
    assert!(
        changed.contains("visit check open: EX02 changed: new answer awaited"),
        "{changed}"
    );
    let waiting = refused(data, &["status", &id, "enrolled"]);
    assert!(
        waiting.contains("EX02 changed: new answer awaited"),
        "{waiting}"
    );
    ok(
        data,
        &[
            "answer",
            &id,
            "EX02",
            "--answer",
            "Event(LastOn(\"2026-09-15\"))",
            "--reason",
            "second injection, medical record",
        ],
    );
    let text = show(data, &id);
    assert!(!text.contains("VISIT CHECK"), "{text}");
    ok(data, &["status", &id, "enrolled"]);
    // Every step is in the trail, which verifies, and the RON carries the visit.
    let history = ok(data, &["audit", "history", &id]);
    assert!(history.contains("visit_started"), "{history}");
    assert_eq!(
        history.matches("answer_reconfirmed").count(),
        8,
        "{history}"
    );
    ok(data, &["audit", "verify"]);
    let ron = ok(data, &["show", &id, "--format", "ron"]);
    assert!(ron.contains("visit_date: \"2026-11-20\""), "{ron}");
    assert!(ron.contains("reconfirmed:"), "{ron}");
    assert!(
        ron.contains("investigator: \"Dr Synthetic Investigator\""),
        "{ron}"
    );
    // … and imports into another store with its visit intact.
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("screening.ron");
    std::fs::write(&file, &ron).unwrap();
    let second = other.path().join("data");
    std::fs::create_dir(&second).unwrap();
    ok(
        &second,
        &[
            "coordinator",
            "set",
            "--name",
            "Second Coordinator",
            "--role",
            "study nurse",
            "--site",
            "TLS",
        ],
    );
    // The PDF says when the visit was held, each re-confirmation and who judged.
    if let Some(pdftotext) = pdf_common::tool("pdftotext", None) {
        let pdf = other.path().join("summary.pdf");
        ok(data, &["export", &id, "--out", &pdf.display().to_string()]);
        let text = pdf_common::pdf_text(&pdftotext, &pdf);
        for expected in [
            "Visit held",
            "2026-11-20 (inclusion visit; windows counted from it)",
            "re-confirmed at the visit on 2026-11-20 (still true)",
            "last on 2026-09-15; re-confirmed at the visit on 2026-11-20 (changed)",
            "EX02 re-confirmed at the visit",
            "judged by Dr Synthetic Investigator on 2026-11-20",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
    }
    ok(&second, &["import", &file.display().to_string()]);
    let imported = show(&second, &id);
    assert!(
        imported.contains("inclusion visit held on 2026-11-20"),
        "{imported}"
    );
    assert!(!imported.contains("VISIT CHECK"), "{imported}");
    ok(&second, &["audit", "verify"]);
}

#[test]
fn evaluate_lists_the_open_reconfirmations_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.ron");
    let fixture = std::fs::read_to_string(common::fixture("a-muse-eligible")).unwrap();
    std::fs::write(&file, fixture).unwrap();
    let path = file.display().to_string();
    let text = prescreen(dir.path(), &["evaluate", "--trial", "a-muse", &path]);
    assert!(
        text.stdout.contains("VERDICT: ELIGIBLE\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("VISIT CHECK: 8 answers to re-confirm at the inclusion visit"),
        "{}",
        text.stdout
    );
    let json = prescreen(
        dir.path(),
        &["evaluate", "--trial", "a-muse", &path, "--format", "json"],
    );
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let open: Vec<&str> = value["reconfirm_open"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        open,
        [
            "IN08", "EX01", "EX02", "EX03", "EX04", "EX07", "EX08", "EX10"
        ]
    );
    assert_eq!(
        value["verdict"]["name"], "ELIGIBLE",
        "the verdict is unchanged"
    );
}
