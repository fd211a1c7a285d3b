//! Correctness through the store, with the real binary: re-screening a time-limited NOT
//! ELIGIBLE screening (log, CSV, summary, due list, links in both trails), and the exchange
//! format and store of the previous release (1.0.0 files, schema 2) still read with the
//! verdicts they had. Every candidate is synthetic.
#![cfg(test)]

mod common;

mod correctness_common;

use correctness_common::{A_MUSE_PRE, Env, answers, parse_csv, repo, screening};

// --- 8. Re-screening through the store ------------------------------------------------------

/// A female candidate not of childbearing potential (EX08 needs its answer, EX09 does not
/// apply), whose facts a re-screening must carry over.
const CANDIDATE: &str = "(initials: \"KV\", date_of_birth: \"1964-05-17\", sex: Female, \
                         childbearing_potential: false)";

/// Botulinum toxin on 2026-10-20, visit 2026-11-10: 4 weeks back is 2026-10-13, so EX02
/// excludes until 2026-11-17 and the candidate may be re-screened from 2026-11-18 (past).
const DUE: &str = "AM-TLS-2026-0051";
/// A candidate born 2020-03-01, visit 2026-12-07: IN01 fails until the 18th birthday,
/// 2038-03-01 (far enough ahead that the case stays "not due" for years).
const NOT_DUE: &str = "AM-TLS-2026-0052";
/// tests/fixtures/a-muse-eligible.ron.
const ELIGIBLE: &str = "AM-TLS-2026-0001";

fn import_rescreen_cases(env: &Env) {
    let due = screening(
        "a-muse",
        DUE,
        CANDIDATE,
        "2026-11-01",
        Some("2026-11-10"),
        &answers(
            &A_MUSE_PRE,
            &[("EX02", "Event(LastOn(\"2026-10-20\"))"), ("EX08", "No")],
        ),
    );
    let not_due = screening(
        "a-muse",
        NOT_DUE,
        "(initials: \"KV\", date_of_birth: \"2020-03-01\", sex: Female, \
         childbearing_potential: false)",
        "2026-11-23",
        Some("2026-12-07"),
        &answers(&A_MUSE_PRE, &[("EX08", "No")]),
    );
    for (name, text) in [("due.ron", due), ("not-due.ron", not_due)] {
        let path = env.file(name, &text);
        env.ok(&["import", &path]);
    }
    let eligible = repo("tests/fixtures/a-muse-eligible.ron");
    env.ok(&["import", eligible.to_str().unwrap()]);
}

fn row<'a>(text: &'a str, id: &str) -> &'a str {
    text.lines()
        .find(|line| line.starts_with(id))
        .unwrap_or_else(|| panic!("no {id} in:\n{text}"))
}

#[test]
fn a_time_limited_failure_is_logged_with_its_rescreen_date() {
    let env = Env::with_coordinator();
    import_rescreen_cases(&env);

    let show = env.ok(&["show", DUE]);
    assert!(
        show.contains(
            "Injection of botulinum toxin on 2026-10-20, within 4 weeks before the planned \
             inclusion visit 2026-11-10: present (excludes): excluded until 2026-11-17, clear \
             from 2026-11-18"
        ),
        "{show}"
    );
    let log = env.ok(&["log"]);
    assert!(
        row(&log, DUE).contains("NOT ELIGIBLE — re-screen from 2026-11-18"),
        "{log}"
    );
    assert!(
        row(&log, NOT_DUE).contains("NOT ELIGIBLE — re-screen from 2038-03-01"),
        "{log}"
    );
    assert!(log.contains("3 screening(s)"), "{log}");

    let csv = parse_csv(&env.ok(&["log", "--format", "csv"]));
    assert_eq!(csv[0][10], "rescreen_from");
    let field = |id: &str, column: usize| {
        csv.iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("no {id} in {csv:?}"))[column]
            .clone()
    };
    assert_eq!(field(DUE, 7), "NOT ELIGIBLE");
    assert_eq!(field(DUE, 10), "2026-11-18");
    assert_eq!(field(NOT_DUE, 10), "2038-03-01");
    assert_eq!(field(ELIGIBLE, 7), "ELIGIBLE");
    assert_eq!(field(ELIGIBLE, 10), "");

    // The summary counts screenings whose verdict is recorded (pre-screened). Both failures
    // are time-limited: COUNT 1, TIME-LIMITED 1, PERMANENT 0 each.
    for id in [DUE, NOT_DUE, ELIGIBLE] {
        env.ok(&["status", id, "pre-screened"]);
    }
    let summary = env.ok(&["log", "--summary"]);
    assert!(
        summary.contains("    ID       COUNT TIME-LIMITED  PERMANENT  TEXT"),
        "{summary}"
    );
    for id in ["EX02", "IN01"] {
        let columns: Vec<&str> = row(&summary, &format!("    {id} "))
            .split_whitespace()
            .take(4)
            .collect();
        assert_eq!(columns, [id, "1", "1", "0"], "{summary}");
    }
    assert!(
        summary.contains("screened 3  eligible 1  ") && summary.contains("not eligible 2  "),
        "{summary}"
    );

    // Due today (2026-12-02 or later): only the one whose date has been reached.
    let due = env.ok(&["log", "--rescreen-due"]);
    assert!(due.contains(DUE), "{due}");
    assert!(!due.contains(NOT_DUE), "{due}");
    assert!(!due.contains(ELIGIBLE), "{due}");
    assert!(due.contains("1 screening(s)"), "{due}");
}

#[test]
fn a_rescreening_is_linked_both_ways_and_carries_the_candidate_but_no_answers() {
    let env = Env::with_coordinator();
    import_rescreen_cases(&env);

    let out = env.ok(&["new", "--rescreen", DUE, "--date", "2026-11-30"]);
    let mut lines = out.lines();
    let new_id = lines.next().unwrap().trim().to_owned();
    assert!(new_id.starts_with("AM-TLS-2026-"), "{out}");
    assert_ne!(new_id, DUE);
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with(&format!("re-screen of {DUE}"))),
        "{out}"
    );

    let show_new = env.ok(&["show", &new_id]);
    assert!(
        show_new.lines().any(|l| l == format!("re-screen of {DUE}")),
        "{show_new}"
    );
    let show_old = env.ok(&["show", DUE]);
    assert!(
        show_old
            .lines()
            .any(|l| l == format!("re-screened as {new_id}")),
        "{show_old}"
    );
    for (id, text) in [
        (DUE, format!("re-screened as {new_id}")),
        (new_id.as_str(), format!("re-screen of {DUE}")),
    ] {
        let history = env.ok(&["audit", "history", id]);
        let linked: Vec<&str> = history
            .lines()
            .filter(|l| l.contains(" rescreen_linked"))
            .collect();
        assert_eq!(linked.len(), 1, "{id}: {history}");
        assert!(linked[0].contains(&text), "{id}: {history}");
    }

    let ron = env.ok(&["show", &new_id, "--format", "ron"]);
    for fact in [
        "initials: \"KV\"",
        "date_of_birth: \"1964-05-17\"",
        "sex: Female",
        "childbearing_potential: false",
        "prescreening_date: \"2026-11-30\"",
        "version: \"1.2.0\"",
    ] {
        assert!(ron.contains(fact), "{fact}: {ron}");
    }
    assert!(
        ron.contains("answers: {}"),
        "no answers carried over: {ron}"
    );

    let due = env.ok(&["log", "--rescreen-due"]);
    assert!(!due.contains(DUE), "{due}");
    assert!(due.contains("0 screening(s)"), "{due}");
    let csv = parse_csv(&env.ok(&["log", "--format", "csv"]));
    let old_row = csv.iter().find(|r| r[0] == DUE).unwrap();
    assert_eq!(old_row[11], new_id);

    // Re-screened once only, and only a NOT ELIGIBLE screening; a refusal creates nothing.
    let head = env.ok(&["audit", "head"]);
    let again = env.run(&["new", "--rescreen", DUE, "--date", "2026-11-30"]);
    assert_eq!(again.code, Some(1), "{}{}", again.stdout, again.stderr);
    assert!(
        again
            .stderr
            .contains(&format!("{DUE} was already re-screened as {new_id}")),
        "{}",
        again.stderr
    );
    let eligible = env.run(&["new", "--rescreen", ELIGIBLE, "--date", "2026-11-30"]);
    assert_eq!(
        eligible.code,
        Some(1),
        "{}{}",
        eligible.stdout,
        eligible.stderr
    );
    assert!(
        eligible
            .stderr
            .contains(&format!("{ELIGIBLE} is ELIGIBLE, not NOT ELIGIBLE")),
        "{}",
        eligible.stderr
    );
    assert_eq!(env.ok(&["audit", "head"]), head, "nothing written");
    assert!(env.ok(&["log"]).contains("4 screening(s)"));
}

// --- 10. The previous release's files and store ---------------------------------------------

const VERDICTS: [&str; 4] = [
    "NOT ELIGIBLE",
    "PRE-SCREEN PASSED",
    "INCOMPLETE",
    "ELIGIBLE",
];

/// What the previous release decided for a legacy screening id (both trials alike).
fn legacy_verdict(id: &str) -> &'static str {
    match &id[id.len() - 4..] {
        "0001" => "ELIGIBLE",
        "0002" => "NOT ELIGIBLE",
        "0003" => "INCOMPLETE",
        "0004" => "PRE-SCREEN PASSED",
        other => panic!("unexpected legacy id {id} ({other})"),
    }
}

fn exit_code_of(verdict: &str) -> i32 {
    match verdict {
        "ELIGIBLE" => 0,
        "PRE-SCREEN PASSED" => 10,
        "INCOMPLETE" => 11,
        "NOT ELIGIBLE" => 12,
        other => panic!("no verdict {other}"),
    }
}

/// The `screening_id: "…"` of a screening file.
fn screening_id(text: &str) -> &str {
    let start = text.find("screening_id: \"").unwrap() + "screening_id: \"".len();
    let end = start + text[start..].find('"').unwrap();
    &text[start..end]
}

#[test]
fn every_legacy_file_evaluates_and_imports_with_the_verdict_it_had() {
    let folder = repo("tests/fixtures/legacy-1.0.0");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 16, "{files:?}");
    let env = Env::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let id = screening_id(&text);
        let expected = legacy_verdict(id);
        if let Some(comment) = text
            .lines()
            .next()
            .unwrap()
            .split("Expected verdict: ")
            .nth(1)
        {
            // The fixture says it in its first line; the table above must agree.
            let said = VERDICTS.iter().find(|v| comment.starts_with(**v)).unwrap();
            assert_eq!(*said, expected, "{name}");
        } else {
            assert!(name.starts_with("show-"), "{name} names no verdict");
        }
        let trial = if id.starts_with("AM-") {
            "a-muse"
        } else {
            "assix"
        };
        let file = path.to_str().unwrap();
        let run = env.run(&["evaluate", "--trial", trial, file]);
        assert_eq!(
            run.code,
            Some(exit_code_of(expected)),
            "{name}: {}{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stdout
                .lines()
                .next()
                .unwrap()
                .contains("definition 1.0.0"),
            "{name}: {}",
            run.stdout
        );
        assert!(
            run.stdout
                .lines()
                .any(|l| l == format!("VERDICT: {expected}")
                    || l.starts_with(&format!("VERDICT: {expected} — "))),
            "{name}: {}",
            run.stdout
        );

        let store = Env::with_coordinator();
        let out = store.ok(&["import", file]);
        assert_eq!(out.trim(), format!("imported {id}"), "{name}");
        let csv = parse_csv(&store.ok(&["log", "--format", "csv"]));
        assert_eq!(csv.len(), 2, "{name}: {csv:?}");
        assert_eq!(csv[1][2], "1.0.0", "{name}");
        assert_eq!(csv[1][7], expected, "{name}");
    }
}

#[test]
fn the_schema_2_store_opens_migrated_verifies_and_keeps_its_verdicts() {
    let env = Env::new();
    std::fs::copy(
        repo("tests/fixtures/legacy-1.0.0/store-schema-2.sqlite3"),
        env.data().join("prescreen.sqlite3"),
    )
    .unwrap();
    let verify = env.ok(&["audit", "verify"]);
    assert!(verify.starts_with("audit chain intact: "), "{verify}");

    let log = env.ok(&["log"]);
    assert!(log.contains("8 screening(s)"), "{log}");
    let csv = parse_csv(&env.ok(&["log", "--format", "csv"]));
    assert_eq!(csv.len(), 9, "{csv:?}");
    let mut ids = Vec::new();
    for record in &csv[1..] {
        let id = record[0].as_str();
        let expected = legacy_verdict(id);
        assert_eq!(record[7], expected, "{id}");
        let line = row(&log, id);
        assert!(line.contains(expected), "{line}");
        if expected == "ELIGIBLE" {
            assert!(!line.contains("NOT ELIGIBLE"), "{line}");
        }
        // Re-evaluated from the stored 1.0.0 definition, the verdict is the same.
        let show = env.ok(&["show", id]);
        assert!(
            show.lines().any(|l| l == format!("VERDICT: {expected}")
                || l.starts_with(&format!("VERDICT: {expected} — "))),
            "{id}: {show}"
        );
        ids.push(id.to_owned());
    }
    ids.sort();
    let mut wanted: Vec<String> = ["AM-TLS", "AS-CPH"]
        .iter()
        .flat_map(|p| (1..=4).map(move |n| format!("{p}-2026-{n:04}")))
        .collect();
    wanted.sort();
    assert_eq!(ids, wanted);
    // Opening migrated the store; the chain still verifies afterwards.
    let again = env.ok(&["audit", "verify"]);
    assert!(again.starts_with("audit chain intact: "), "{again}");
}
