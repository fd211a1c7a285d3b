//! The records commands end to end through the binary, each test in its own data folder:
//! a full session at debug logging that never leaks initials or dates of birth, import and
//! show round trips, RFC 4180 CSV, the summary, backup and refusal of a foreign file.
#![cfg(test)]

mod common;

use std::path::Path;
use std::process::Output;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn prescreen(data: &Path, args: &[&str], log: Option<&str>) -> Run {
    let mut command = common::prescreen_command();
    command.args(args).env("PRESCREEN_DATA_DIR", data);
    if let Some(level) = log {
        command.env("PRESCREEN_LOG", level);
    }
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
    let run = prescreen(data, args, None);
    assert_eq!(run.code, Some(0), "{args:?}: {}{}", run.stdout, run.stderr);
    run.stdout
}

fn fixture(name: &str) -> String {
    common::fixture(name).display().to_string()
}

fn set_coordinator(data: &Path) {
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
            "CPH",
        ],
    );
}

/// Splits RFC 4180 text into records of fields (quoted fields may hold commas, quotes, CRLF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                other => field.push(other),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => record.push(std::mem::take(&mut field)),
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "CR only before LF");
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                '\n' => panic!("a bare LF ends a record; RFC 4180 wants CRLF"),
                other => field.push(other),
            }
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record ends in CRLF"
    );
    records
}

#[test]
fn a_full_session_at_debug_level_never_logs_initials_or_dates_of_birth() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let initials = "XQ";
    let dob = "1961-07-19";
    let mut runs = Vec::new();
    let mut step = |args: &[&str]| {
        let run = prescreen(data, args, Some("debug"));
        assert_eq!(run.code, Some(0), "{args:?}: {}{}", run.stdout, run.stderr);
        let stdout = run.stdout.clone();
        runs.push((args.join(" "), run));
        stdout
    };
    step(&[
        "coordinator",
        "set",
        "--name",
        "Synthetic Coordinator",
        "--role",
        "study nurse",
        "--site",
        "CPH",
    ]);
    let id = step(&[
        "new",
        "--trial",
        "assix",
        "--initials",
        initials,
        "--dob",
        dob,
        "--sex",
        "female",
        "--childbearing",
        "no",
        "--date",
        "2026-11-23",
    ])
    .trim()
    .to_owned();
    assert_eq!(id, "AS-CPH-2026-0001");
    step(&[
        "answer",
        &id,
        "IN01",
        "--answer",
        "DocumentedDiagnosis(source: \"letter\")",
    ]);
    step(&["answer", &id, "IN04", "--answer", "Value(0.04)"]);
    step(&["answer", &id, "EX08", "--answer", "Value(2)"]);
    step(&[
        "answer", &id, "EX08", "--answer", "Value(3)", "--reason", "re-asked",
    ]);
    step(&["status", &id, "pre-screened"]);
    step(&["log"]);
    step(&["log", "--format", "csv"]);
    step(&["log", "--summary"]);
    step(&["audit", "verify"]);
    step(&["audit", "history", &id]);
    let backup = data.join("backup.sqlite3");
    step(&["backup", backup.to_str().unwrap()]);
    step(&["status", &id, "voided", "--reason", "entered in error"]);
    // Errors too: a refused change, a bad date of birth.
    let refused = prescreen(
        data,
        &["answer", &id, "EX08", "--answer", "Value(9)"],
        Some("debug"),
    );
    assert_eq!(refused.code, Some(1));
    let bad_dob = prescreen(
        data,
        &[
            "new",
            "--trial",
            "assix",
            "--initials",
            initials,
            "--dob",
            "1961-13-45",
        ],
        Some("debug"),
    );
    assert_eq!(bad_dob.code, Some(1));
    assert!(!bad_dob.stderr.contains("1961-13-45"), "{}", bad_dob.stderr);
    runs.push(("refused".to_owned(), refused));
    runs.push(("bad dob".to_owned(), bad_dob));

    let mut saw_id_in_logs = false;
    for (what, run) in &runs {
        for (stream, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
            if stream == "stdout" && what.starts_with("audit history") {
                continue; // the audit trail itself records the values, as it must
            }
            assert!(
                !text.contains(initials),
                "{what}: initials in {stream}:\n{text}"
            );
            assert!(
                !text.contains(dob),
                "{what}: date of birth in {stream}:\n{text}"
            );
            assert!(!text.contains("19610719"), "{what}: {stream}:\n{text}");
        }
        saw_id_in_logs |= run.stderr.contains("DEBUG") && run.stderr.contains(&id);
    }
    assert!(saw_id_in_logs, "debug logging names the screening id");
    // File names in the data folder carry no candidate data either.
    for entry in std::fs::read_dir(data).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(initials) && !name.contains(dob), "{name}");
    }
}

#[test]
fn import_keeps_the_id_refuses_a_duplicate_and_show_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    set_coordinator(data);
    let out = ok(data, &["import", &fixture("assix-not-eligible")]);
    assert_eq!(out.trim(), "imported AS-CPH-2026-0002");
    let again = prescreen(data, &["import", &fixture("assix-not-eligible")], None);
    assert_eq!(again.code, Some(1));
    assert!(
        again.stderr.contains("AS-CPH-2026-0002 is already taken"),
        "{}",
        again.stderr
    );

    let text = std::fs::read_to_string(fixture("assix-not-eligible")).unwrap();
    let without_id = data.join("no-id.ron");
    std::fs::write(&without_id, text.replace("\"AS-CPH-2026-0002\"", "\"\"")).unwrap();
    let out = ok(data, &["import", without_id.to_str().unwrap()]);
    assert_eq!(out.trim(), "imported AS-CPH-2026-0003");

    // show --format ron is what import reads: export, change the id, import, compare.
    let ron = ok(data, &["show", "AS-CPH-2026-0002", "--format", "ron"]);
    let exported = data.join("exported.ron");
    std::fs::write(
        &exported,
        ron.replace("AS-CPH-2026-0002", "AS-CPH-2026-0042"),
    )
    .unwrap();
    ok(data, &["import", exported.to_str().unwrap()]);
    let back = ok(data, &["show", "AS-CPH-2026-0042", "--format", "ron"]);
    assert_eq!(back, ron.replace("AS-CPH-2026-0002", "AS-CPH-2026-0042"));
    let text = ok(data, &["show", "AS-CPH-2026-0042"]);
    assert!(text.contains("VERDICT: NOT ELIGIBLE"), "{text}");
}

#[test]
fn the_csv_log_follows_rfc_4180() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    set_coordinator(data);
    ok(data, &["import", &fixture("assix-prescreen-passed")]);
    ok(data, &["import", &fixture("assix-not-eligible")]);
    ok(data, &["status", "AS-CPH-2026-0004", "pre-screened"]);
    ok(data, &["status", "AS-CPH-2026-0004", "approached"]);
    let reason = "lives far away, says \"too far\"\nand has no car";
    ok(
        data,
        &["status", "AS-CPH-2026-0004", "declined", "--reason", reason],
    );
    ok(
        data,
        &[
            "status",
            "AS-CPH-2026-0002",
            "voided",
            "--reason",
            "=1+1 typed by mistake",
        ],
    );
    let csv = ok(data, &["log", "--format", "csv"]);
    let body = csv.strip_prefix('\u{feff}').expect("UTF-8 byte-order mark");
    let records = parse_csv(body);
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.len() == 12));
    assert_eq!(records[0][10], "rescreen_from");
    assert_eq!(records[0][0], "screening_id");
    assert_eq!(records[0][9], "status_reason");
    let declined = records.iter().find(|r| r[0] == "AS-CPH-2026-0004").unwrap();
    assert_eq!(declined[6], "declined");
    assert_eq!(declined[9], reason);
    let voided = records.iter().find(|r| r[0] == "AS-CPH-2026-0002").unwrap();
    assert_eq!(
        voided[9], "'=1+1 typed by mistake",
        "no formula in a spreadsheet"
    );
    assert!(voided[8].starts_with("IN04 "), "{}", voided[8]);
    assert!(voided[8].contains("; EX08 "), "{}", voided[8]);

    let filtered = ok(
        data,
        &[
            "log",
            "--format",
            "csv",
            "--status",
            "declined,enrolled",
            "--trial",
            "assix",
        ],
    );
    assert_eq!(parse_csv(filtered.trim_start_matches('\u{feff}')).len(), 2);
    let none = ok(data, &["log", "--from", "2026-11-24"]);
    assert!(none.contains("0 screening(s)"), "{none}");
}

#[test]
fn the_summary_gives_the_sear_counts_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    set_coordinator(data);
    for name in [
        "assix-not-eligible",
        "assix-eligible",
        "assix-prescreen-passed",
    ] {
        ok(data, &["import", &fixture(name)]);
    }
    for id in ["AS-CPH-2026-0001", "AS-CPH-2026-0002", "AS-CPH-2026-0004"] {
        ok(data, &["status", id, "pre-screened"]);
    }
    ok(data, &["status", "AS-CPH-2026-0001", "approached"]);
    ok(data, &["status", "AS-CPH-2026-0001", "consented"]);
    // Enrolment follows the visit: its re-confirmations done, the judgement named.
    ok(
        data,
        &["visit", "start", "AS-CPH-2026-0001", "--date", "2026-12-01"],
    );
    for criterion in ["IN03", "EX01", "EX02", "EX05", "EX06", "EX07", "EX08"] {
        ok(
            data,
            &["reconfirm", "AS-CPH-2026-0001", criterion, "--still-true"],
        );
    }
    ok(
        data,
        &[
            "answer",
            "AS-CPH-2026-0001",
            "EX09",
            "--answer",
            "No",
            "--investigator",
            "Dr Synthetic Investigator",
            "--judged-on",
            "2026-12-01",
            "--reason",
            "the judging investigator named",
        ],
    );
    ok(data, &["status", "AS-CPH-2026-0001", "enrolled"]);
    let table = ok(data, &["log", "--summary"]);
    assert!(
        table.contains("screened 3  eligible 2  approached 1  consented 1  declined 0  enrolled 1"),
        "{table}"
    );
    assert!(table.contains("IN04"), "{table}");
    let csv = ok(data, &["log", "--summary", "--format", "csv"]);
    let records = parse_csv(csv.trim_start_matches('\u{feff}'));
    let count = |measure: &str, key: &str| {
        records
            .iter()
            .find(|r| r[1] == measure && r[2] == key)
            .map(|r| r[4].clone())
    };
    assert_eq!(count("screened", "").as_deref(), Some("3"));
    assert_eq!(count("enrolled", "").as_deref(), Some("1"));
    assert_eq!(
        count("ineligible_by_criterion", "IN04").as_deref(),
        Some("1")
    );
}

#[test]
fn backup_works_while_the_store_is_open_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    set_coordinator(data);
    ok(data, &["import", &fixture("assix-eligible")]);
    // The "app" holds the database open.
    let app = prescreen::storage::SqliteStore::open(&data.join("prescreen.sqlite3")).unwrap();
    let copy = dir.path().join("copies").join("copy.sqlite3");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let out = ok(data, &["backup", copy.to_str().unwrap()]);
    assert!(out.contains("backup written"), "{out}");
    drop(app);
    let copy_dir = copy.parent().unwrap().join("data");
    std::fs::create_dir_all(&copy_dir).unwrap();
    std::fs::rename(&copy, copy_dir.join("prescreen.sqlite3")).unwrap();
    let verified = ok(&copy_dir, &["audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    let log = ok(&copy_dir, &["log"]);
    assert!(log.contains("AS-CPH-2026-0001"), "{log}");
}

#[test]
fn a_foreign_file_in_the_data_folder_is_named_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let db = data.join("prescreen.sqlite3");
    std::fs::write(&db, "not a database at all\n").unwrap();
    let run = prescreen(data, &["log"], None);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains(&db.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("not a prescreen database"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&db).unwrap(),
        "not a database at all\n"
    );
}

#[test]
fn writes_need_a_coordinator() {
    let dir = tempfile::tempdir().unwrap();
    let run = prescreen(dir.path(), &["import", &fixture("assix-eligible")], None);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("coordinator set"), "{}", run.stderr);
}

#[test]
fn data_dir_option_wins_over_the_environment() {
    let env_dir = tempfile::tempdir().unwrap();
    let option_dir = tempfile::tempdir().unwrap();
    let run = prescreen(
        env_dir.path(),
        &[
            "--data-dir",
            option_dir.path().to_str().unwrap(),
            "coordinator",
            "set",
            "--name",
            "Synthetic Coordinator",
            "--role",
            "study nurse",
            "--site",
            "CPH",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(option_dir.path().join("prescreen.sqlite3").exists());
    assert!(!env_dir.path().join("prescreen.sqlite3").exists());
}

#[test]
fn a_backup_taken_while_another_process_writes_is_consistent() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("live");
    std::fs::create_dir_all(&data).unwrap();
    set_coordinator(&data);
    ok(&data, &["import", &fixture("a-muse-prescreen-passed")]);
    // Another process after another saves answers while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let saves = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (data, stop, saves) = (data.clone(), Arc::clone(&stop), Arc::clone(&saves));
        std::thread::spawn(move || {
            let mut n = 0_usize;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let answer = if n.is_multiple_of(2) { "Yes" } else { "No" };
                let note = format!("save {n}");
                ok(
                    &data,
                    &[
                        "answer",
                        "AM-TLS-2026-0004",
                        "IN06",
                        "--answer",
                        answer,
                        "--note",
                        &note,
                        "--reason",
                        "writer",
                    ],
                );
                saves.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while saves.load(Ordering::SeqCst) < 5 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    let copy = restored.join("prescreen.sqlite3");
    let out = ok(&data, &["backup", copy.to_str().unwrap()]);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(out.contains("backup written"), "{out}");
    let verified = ok(&restored, &["audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
}
