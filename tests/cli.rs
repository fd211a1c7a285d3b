//! The command line as a user runs it: the real binary, its output and exit codes.
#![cfg(test)]

mod common;

use std::process::Output;

fn prescreen(args: &[&str]) -> Output {
    common::prescreen_command()
        .args(args)
        .env(
            "PRESCREEN_DATA_DIR",
            std::env::temp_dir().join("prescreen-cli-test-unused"),
        )
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run prescreen")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn repo(path: &str) -> String {
    common::repo(path).display().to_string()
}

#[test]
fn validate_passes_on_the_shipped_trials() {
    let output = prescreen(&["validate", &repo("trials")]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("ASSIX 1.2.0 (14 criteria)") && text.contains("A-MUSE 1.2.0 (18 criteria)"),
        "{text}"
    );
}

#[test]
fn validate_lists_every_problem_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad-syntax.ron"),
        "(\n  id: \"x\",\n  acronym: 42,\n)",
    )
    .expect("write");
    let assix = std::fs::read_to_string(repo("trials/assix.ron")).expect("read");
    std::fs::write(
        dir.path().join("bad-rule.ron"),
        assix.replacen("id: \"EX03\"", "id: \"EX02\"", 1),
    )
    .expect("write");
    let output = prescreen(&["validate", &dir.path().display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("bad-syntax.ron:3:"), "{text}");
    assert!(
        text.contains("bad-rule.ron: criterion EX02: duplicate id"),
        "{text}"
    );
}

#[test]
fn validate_reports_a_missing_path() {
    let output = prescreen(&["validate", "/nonexistent/trials"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("/nonexistent/trials: cannot read: no such file or folder"));
}

#[test]
fn trials_lists_ids_versions_and_hashes_from_any_folder() {
    let output = prescreen(&["trials"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let assix_hash = prescreen::trial::load::sha256_hex(
        &std::fs::read_to_string(repo("trials/assix.ron")).expect("read"),
    );
    assert!(
        text.contains("assix") && text.contains(&assix_hash),
        "{text}"
    );
    assert!(
        text.contains("a-muse") && text.contains("NCT07326033"),
        "{text}"
    );
}

#[test]
fn evaluate_exit_codes_tell_the_verdicts_apart() {
    for (fixture, trial, code, verdict) in [
        ("a-muse-eligible", "a-muse", 0, "ELIGIBLE"),
        ("a-muse-prescreen-passed", "a-muse", 10, "PRE-SCREEN PASSED"),
        ("a-muse-incomplete", "a-muse", 11, "INCOMPLETE"),
        ("a-muse-not-eligible", "a-muse", 12, "NOT ELIGIBLE"),
        ("assix-eligible", "assix", 0, "ELIGIBLE"),
        ("assix-prescreen-passed", "assix", 10, "PRE-SCREEN PASSED"),
        ("assix-incomplete", "assix", 11, "INCOMPLETE"),
        ("assix-not-eligible", "assix", 12, "NOT ELIGIBLE"),
    ] {
        let output = prescreen(&[
            "evaluate",
            "--trial",
            trial,
            &repo(&format!("tests/fixtures/{fixture}.ron")),
        ]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{fixture}: {}",
            stdout(&output)
        );
        assert!(
            stdout(&output).contains(&format!("VERDICT: {verdict}\n")),
            "{fixture}"
        );
    }
}

#[test]
fn evaluate_names_the_failing_criteria() {
    let output = prescreen(&[
        "evaluate",
        "--trial",
        "a-muse",
        &repo("tests/fixtures/a-muse-not-eligible.ron"),
    ]);
    let text = stdout(&output);
    assert!(
        text.contains(
            "IN03  visit  not met            MHISS score 19 points (entered) is below the minimum 20 points: not met"
        ),
        "{text}"
    );
    assert!(
        text.contains("excluded until 2026-12-07, clear from 2026-12-08"),
        "{text}"
    );
    assert!(text.contains("  failing:\n    IN03 (inclusion)"), "{text}");
}

#[test]
fn evaluate_json_is_machine_readable() {
    let output = prescreen(&[
        "evaluate",
        "--trial",
        "assix",
        "--format",
        "json",
        &repo("tests/fixtures/assix-not-eligible.ron"),
    ]);
    assert_eq!(output.status.code(), Some(12));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(json["trial_id"], "assix");
    // One spelling of the verdict in text and JSON.
    assert_eq!(json["verdict"]["name"], "NOT ELIGIBLE");
    let failing = &json["verdict"]["failing"];
    assert_eq!(failing, &serde_json::json!(["IN04", "EX08"]));
    // Numbers a script can compare, beside the words a person reads.
    let in04 = json["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "IN04"))
        .expect("IN04");
    assert_eq!(in04["value"], serde_json::json!(0.04));
    assert_eq!(in04["status_label"], "not met");
    assert_eq!(in04["answer_state"], "answered");
}

#[test]
fn evaluate_errors_are_not_verdicts() {
    // Wrong trial for the screening.
    let output = prescreen(&[
        "evaluate",
        "--trial",
        "assix",
        &repo("tests/fixtures/a-muse-eligible.ron"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("was answered for trial \"a-muse\""));
    // A broken screening file: file, line and column.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("s.ron");
    std::fs::write(
        &file,
        "(\n  screening_id: \"X\",\n  trial: (id: \"assix\", version: 1.0.0),\n)",
    )
    .expect("write");
    let output = prescreen(&["evaluate", "--trial", "assix", &file.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("s.ron:3:"), "{stderr}");
    // Usage errors keep clap's code.
    assert_eq!(prescreen(&["evaluate"]).status.code(), Some(2));
}
