//! `trials import` and `trials diff` through the binary: the A-MUSE record becomes a draft
//! that validates, `--out` never overwrites, and `diff` exits 0 when the same, 1 when
//! different, 2 when a file cannot be read.
#![cfg(test)]

mod common;

use std::path::Path;
use std::process::Output;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn prescreen(dir: &Path, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = common::prescreen_command()
        .args(args)
        .env("PRESCREEN_DATA_DIR", dir.join("data"))
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn record() -> String {
    common::repo("trials/sources/NCT07326033.json")
        .display()
        .to_string()
}

#[test]
fn the_a_muse_record_imports_to_a_draft_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let run = prescreen(
        dir.path(),
        &["trials", "import", &record(), "--out", "a-muse-draft.ron"],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("DRAFT of A-MUSE (NCT07326033), 8 inclusion and 10 exclusion criteria"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("warn    visit_name \"screening visit\" is a placeholder")
    );
    assert!(
        run.stdout
            .contains("suggest IN05 «less than 40 mm»: rule: Measurement((quantity: …, max: (value: 40, inclusive: false)"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(dir.path().join("a-muse-draft.ron")).unwrap();
    assert!(text.starts_with("// DRAFT imported by prescreen"), "{text}");
    assert!(text.contains("\n    status: Draft,\n"), "{text}");

    let run = prescreen(dir.path(), &["validate", "a-muse-draft.ron"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("A-MUSE 0.1.0-draft (18 criteria)"),
        "{}",
        run.stdout
    );

    // Listed as a draft when loaded next to the built-in trials.
    let run = prescreen(dir.path(), &["--trials", "a-muse-draft.ron", "trials"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("0.1.0-draft") && l.ends_with(" DRAFT")),
        "{}",
        run.stdout
    );
}

#[test]
fn import_never_writes_over_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("taken.ron");
    std::fs::write(&out, "keep me").unwrap();
    let run = prescreen(
        dir.path(),
        &["trials", "import", &record(), "--out", "taken.ron"],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
}

#[test]
fn a_record_that_is_not_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("page.json"),
        "<html>Too many requests</html>",
    )
    .unwrap();
    let run = prescreen(
        dir.path(),
        &["trials", "import", "page.json", "--out", "draft.ron"],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("not a JSON document"), "{}", run.stderr);
    assert!(!dir.path().join("draft.ron").exists());
}

#[test]
fn diff_exits_0_when_the_same_1_when_different_2_when_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = common::repo("trials/a-muse.ron").display().to_string();
    let archived = common::repo("trials/archive/a-muse-1.1.0.ron")
        .display()
        .to_string();

    let run = prescreen(dir.path(), &["trials", "diff", &shipped, &shipped]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no differences"), "{}", run.stdout);

    let run = prescreen(dir.path(), &["trials", "diff", &archived, &shipped]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("a-muse 1.1.0 → a-muse 1.2.0\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("rule changed:"), "{}", run.stdout);

    let run = prescreen(
        dir.path(),
        &["trials", "diff", &archived, &shipped, "--format", "json"],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["new"], "a-muse 1.2.0");
    assert!(
        json["rule_changed"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );

    // The imported draft against the shipped file: same criteria, other readings.
    let run = prescreen(
        dir.path(),
        &["trials", "import", &record(), "--out", "draft.ron"],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let run = prescreen(dir.path(), &["trials", "diff", &shipped, "draft.ron"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("added:") && !run.stdout.contains("removed:"));
    assert!(!run.stdout.contains("reworded:"), "{}", run.stdout);

    let run = prescreen(dir.path(), &["trials", "diff", &shipped, "missing.ron"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("missing.ron"), "{}", run.stderr);
}

#[test]
fn a_draft_screens_for_practice_but_is_never_signed() {
    let dir = tempfile::tempdir().unwrap();
    let trials = dir.path().join("trials");
    std::fs::create_dir_all(&trials).unwrap();
    let draft = trials.join("draft.ron");
    let run = prescreen(
        dir.path(),
        &[
            "trials",
            "import",
            &record(),
            "--out",
            draft.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    // Its own trial id, so it is the only definition of its trial.
    let text = std::fs::read_to_string(&draft).unwrap().replacen(
        "id: \"a-muse\"",
        "id: \"a-muse-import\"",
        1,
    );
    assert!(
        text.contains("a-muse-import"),
        "the draft names its trial id"
    );
    std::fs::write(&draft, text).unwrap();
    let trials_arg = trials.to_str().unwrap();
    let with_trials = |args: &[&str]| {
        let mut all = vec!["--trials", trials_arg];
        all.extend_from_slice(args);
        prescreen(dir.path(), &all)
    };
    let listed = with_trials(&["trials"]);
    assert!(listed.stdout.contains("DRAFT"), "{}", listed.stdout);
    let setup = with_trials(&[
        "coordinator",
        "set",
        "--name",
        "Synthetic Coordinator",
        "--role",
        "study nurse",
        "--site",
        "TLS",
    ]);
    assert_eq!(setup.code, Some(0), "{}", setup.stderr);
    let new = with_trials(&[
        "new",
        "--trial",
        "a-muse-import",
        "--initials",
        "QX",
        "--dob",
        "1968-03-14",
        "--sex",
        "male",
        "--date",
        "2026-10-20",
    ]);
    assert_eq!(
        new.code,
        Some(0),
        "practice screening refused: {}",
        new.stderr
    );
    let id = new.stdout.trim().to_owned();
    let identity = common::prescreen_command()
        .args([
            "identity",
            "new",
            "--name",
            "Synthetic Coordinator",
            "--role",
            "study nurse",
            "--site",
            "TLS",
            "--key",
            "p256",
        ])
        .env("PRESCREEN_DATA_DIR", dir.path().join("data"))
        .env("PRESCREEN_PASSPHRASE", "correct horse battery staple 2026")
        .output()
        .unwrap();
    assert!(
        identity.status.success(),
        "{}",
        String::from_utf8_lossy(&identity.stderr)
    );
    let out = dir.path().join("summary.pdf");
    let signed = common::prescreen_command()
        .args([
            "--trials",
            trials_arg,
            "export",
            &id,
            "--out",
            out.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
        ])
        .env("PRESCREEN_DATA_DIR", dir.path().join("data"))
        .env("PRESCREEN_PASSPHRASE", "correct horse battery staple 2026")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&signed.stderr);
    assert_eq!(signed.status.code(), Some(1), "{said}");
    assert!(said.contains("draft definition"), "{said}");
    assert!(!out.exists(), "nothing is written");
}
