//! A protocol amendment through the command line: a screening started under A-MUSE 1.2.0
//! moves to an amended 1.3.0 (IN06 reworded, EX10 replaced by EX11); the answers to unchanged
//! criteria come along, the changed ones open again, the trail has one event naming both
//! versions, and the log reads per version. Synthetic candidates only.
#![cfg(test)]

mod common;

use std::path::Path;

fn run(data: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = common::prescreen_command()
        .args(args)
        .env("PRESCREEN_DATA_DIR", data)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn ok(data: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(data, args);
    assert_eq!(code, Some(0), "{args:?}: {stdout}{stderr}");
    stdout
}

#[test]
fn a_screening_moves_to_the_amended_version_and_the_log_reads_per_version() {
    let data = tempfile::tempdir().unwrap();
    let trials = tempfile::tempdir().unwrap();
    common::amended_a_muse(trials.path());
    let d = data.path();
    ok(
        d,
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
        d,
        &[
            "new",
            "--trial",
            "a-muse",
            "--initials",
            "QX",
            "--dob",
            "1968-03-14",
            "--sex",
            "male",
            "--date",
            "2026-10-20",
        ],
    )
    .trim()
    .to_owned();
    for (criterion, answer) in [("IN06", "Yes"), ("IN08", "Yes"), ("EX10", "No")] {
        ok(d, &["answer", &id, criterion, "--answer", answer]);
    }
    let t = trials.path().to_str().unwrap();
    let diff = run(
        d,
        &[
            "trials",
            "diff",
            common::repo("trials/a-muse.ron").to_str().unwrap(),
            &format!("{t}/a-muse-1.3.0.ron"),
        ],
    );
    assert_eq!(diff.0, Some(1), "{}", diff.1);
    let said = ok(
        d,
        &[
            "--trials",
            t,
            "move",
            &id,
            "--reason",
            "protocol amendment 2",
        ],
    );
    assert!(said.contains("1.2.0 to 1.3.0"), "{said}");
    assert!(said.contains("answers kept for IN08"), "{said}");
    assert!(
        said.contains("open again: EX11, IN06") && said.contains("removed: EX10"),
        "{said}"
    );
    let history = ok(d, &["--trials", t, "audit", "history", &id]);
    assert!(history.contains("definition_moved"), "{history}");
    let verified = ok(d, &["--trials", t, "audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    let on_new = ok(
        d,
        &["log", "--definition-version", "1.3.0", "--format", "csv"],
    );
    let on_old = ok(
        d,
        &["log", "--definition-version", "1.2.0", "--format", "csv"],
    );
    assert!(
        on_new.contains(&id) && !on_old.contains(&id),
        "{on_new}\n{on_old}"
    );
    // Once there, moving to the same version again is refused.
    let (code, _, stderr) = run(d, &["--trials", t, "move", &id]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("already on"), "{stderr}");
}
