//! Correctness through the real binary: bad input is refused at every door (`evaluate`,
//! `import`, `answer`) and never evaluated or stored; calculators, partial dates, reference
//! dates, minimum age and re-screen advice give the documented results; labels are honest.
//! Every candidate is synthetic; every test has its own throw-away data folder.
#![cfg(test)]

mod common;

mod correctness_common;

use correctness_common::{A_MUSE_PRE, Env, a_muse, a_muse_visit, answers, assix, screening};

/// The line of the criterion `id` in `evaluate`/`show` text output.
fn criterion_line<'a>(text: &'a str, id: &str) -> &'a str {
    text.lines()
        .find(|line| line.starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("no {id} line in:\n{text}"))
}

// --- 1. Bad input is refused at every door ---------------------------------------------

const MHISS_ITEM_3_IS_5: &str = "Mhiss((items: [1, 2, 5, 2, 2, 2, 2, 2, 2, 2, 2, 2]))";

#[test]
fn an_mhiss_item_out_of_range_is_refused_by_evaluate_naming_file_criterion_and_item() {
    let env = Env::new();
    let text = a_muse("", &answers(&A_MUSE_PRE, &[("IN03", MHISS_ITEM_3_IS_5)]));
    let path = env.file("s.ron", &text);
    let run = env.run(&["evaluate", "--trial", "a-muse", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("s.ron: IN03: MHISS item 3: 5 is outside 0–4"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing evaluated: {}", run.stdout);
}

#[test]
fn an_mhiss_item_out_of_range_is_refused_by_import_and_nothing_is_stored() {
    let env = Env::with_coordinator();
    let head = env.ok(&["audit", "head"]);
    let verify = env.ok(&["audit", "verify"]);
    let text = a_muse(
        "AM-TLS-2026-0031",
        &answers(&A_MUSE_PRE, &[("IN03", MHISS_ITEM_3_IS_5)]),
    );
    let path = env.file("s.ron", &text);
    let run = env.run(&["import", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("IN03: MHISS item 3: 5 is outside 0–4"),
        "{}",
        run.stderr
    );
    let log = env.ok(&["log"]);
    assert!(log.contains("0 screening(s)"), "{log}");
    assert!(!log.contains("AM-TLS-2026-0031"), "{log}");
    assert_eq!(env.ok(&["audit", "head"]), head, "no audit event written");
    assert_eq!(env.ok(&["audit", "verify"]), verify, "same event count");
    let history = env.run(&["audit", "history", "AM-TLS-2026-0031"]);
    assert_eq!(history.code, Some(1), "{}", history.stdout);
    assert!(
        history.stderr.contains("no screening AM-TLS-2026-0031"),
        "{}",
        history.stderr
    );
}

#[test]
fn eleven_mhiss_items_are_refused_by_evaluate_and_import() {
    let env = Env::with_coordinator();
    let eleven = "Mhiss((items: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]))";
    let text = a_muse(
        "AM-TLS-2026-0032",
        &answers(&A_MUSE_PRE, &[("IN03", eleven)]),
    );
    let path = env.file("s.ron", &text);
    let expected = "IN03: MHISS items: 11 given, the scale has 12";
    let run = env.run(&["evaluate", "--trial", "a-muse", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("s.ron: {expected}")),
        "{}",
        run.stderr
    );
    let head = env.ok(&["audit", "head"]);
    let run = env.run(&["import", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert_eq!(env.ok(&["audit", "head"]), head);
    assert!(env.ok(&["log"]).contains("0 screening(s)"));
}

#[test]
fn answer_refuses_an_mhiss_item_out_of_range_and_stores_nothing() {
    let env = Env::with_coordinator();
    let id = env.new_a_muse();
    let head = env.ok(&["audit", "head"]);
    let run = env.run(&[
        "answer",
        &id,
        "IN03",
        "--answer",
        "Mhiss((items: [5,0,0,0,0,0,0,0,0,0,0,0]))",
    ]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("IN03") && run.stderr.contains("MHISS item 1: 5 is outside 0–4"),
        "{}",
        run.stderr
    );
    assert_eq!(env.ok(&["audit", "head"]), head, "no audit event written");
    let show = env.ok(&["show", &id]);
    assert!(
        criterion_line(&show, "IN03").contains("not answered"),
        "{show}"
    );
}

#[test]
fn whole_number_scales_refuse_a_fraction_and_accept_a_whole_number() {
    let env = Env::with_coordinator();
    let id = env.new_a_muse();
    let head = env.ok(&["audit", "head"]);
    let run = env.run(&["answer", &id, "IN04", "--answer", "Value(1.5)"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("IN04: Rodnan skin score on the face: 1.5 is not a whole number"),
        "{}",
        run.stderr
    );
    assert_eq!(env.ok(&["audit", "head"]), head);
    let out = env.ok(&["answer", &id, "IN04", "--answer", "Value(1)"]);
    assert!(out.contains(&format!("{id}: IN04 saved")), "{out}");
    let show = env.ok(&["show", &id]);
    assert!(criterion_line(&show, "IN04").contains(" met "), "{show}");
}

#[test]
fn a_value_outside_the_plausible_range_is_refused_by_answer_and_evaluate() {
    let env = Env::with_coordinator();
    let expected = "IN05: Maximal mouth opening: 400 mm is outside the possible range 0–100 mm";
    let id = env.new_a_muse();
    let run = env.run(&["answer", &id, "IN05", "--answer", "Value(400)"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(expected), "{}", run.stderr);

    let text = a_muse("", &answers(&A_MUSE_PRE, &[("IN05", "Value(400)")]));
    let path = env.file("s.ron", &text);
    let run = env.run(&["evaluate", "--trial", "a-muse", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("s.ron: {expected}")),
        "{}",
        run.stderr
    );
}

#[test]
fn an_answer_of_the_wrong_kind_does_not_fit() {
    let env = Env::with_coordinator();
    let id = env.new_a_muse();
    let run = env.run(&["answer", &id, "IN08", "--answer", "Value(1)"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "IN08: answer: a value does not fit this criterion: expected yes, no or unknown"
        ),
        "{}",
        run.stderr
    );
    let text = a_muse("", &answers(&A_MUSE_PRE, &[("IN08", "Value(1)")]));
    let path = env.file("s.ron", &text);
    let run = env.run(&["evaluate", "--trial", "a-muse", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("does not fit"), "{}", run.stderr);
}

#[test]
fn an_event_after_the_reference_date_is_refused() {
    let env = Env::with_coordinator();
    let event = "Event(LastOn(\"2026-12-20\"))";
    let expected = "EX02: Injection of botulinum toxin — last happened on: 2026-12-20 is after \
                    the pre-screening date (no planned inclusion visit entered) 2026-11-23";
    let text = a_muse("", &answers(&A_MUSE_PRE, &[("EX02", event)]));
    let path = env.file("s.ron", &text);
    let run = env.run(&["evaluate", "--trial", "a-muse", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(expected), "{}", run.stderr);

    let id = env.new_a_muse();
    let head = env.ok(&["audit", "head"]);
    let run = env.run(&["answer", &id, "EX02", "--answer", event]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert_eq!(env.ok(&["audit", "head"]), head);
}

#[test]
fn a_day_that_does_not_exist_is_refused_naming_the_position_and_the_field() {
    let env = Env::with_coordinator();
    let text = a_muse(
        "",
        &answers(&A_MUSE_PRE, &[("EX02", "Event(LastOn(\"2026-02-30\"))")]),
    );
    let path = env.file("s.ron", &text);
    let line = 1 + text.lines().position(|l| l.contains("2026-02-30")).unwrap();
    for args in [
        vec!["evaluate", "--trial", "a-muse", path.as_str()],
        vec!["import", path.as_str()],
    ] {
        let run = env.run(&args);
        assert_eq!(run.code, Some(1), "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(&format!("s.ron:{line}:")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("answers.EX02.answer.Event.LastOn"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("2026-02-30 does not exist in the calendar"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(env.ok(&["log"]).contains("0 screening(s)"));
    let id = env.new_a_muse();
    let head = env.ok(&["audit", "head"]);
    let run = env.run(&[
        "answer",
        &id,
        "EX02",
        "--answer",
        "Event(LastOn(\"2026-02-30\"))",
    ]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("EX02: --answer is not a valid answer")
            && run
                .stderr
                .contains("2026-02-30 does not exist in the calendar"),
        "{}",
        run.stderr
    );
    assert_eq!(env.ok(&["audit", "head"]), head);
}

#[test]
fn an_integer_overflow_in_a_file_names_the_field_path_and_position() {
    let env = Env::new();
    let text = a_muse(
        "",
        &answers(
            &A_MUSE_PRE,
            &[(
                "IN03",
                "Mhiss((items: [1, 2, 300, 2, 2, 2, 2, 2, 2, 2, 2, 2]))",
            )],
        ),
    );
    let path = env.file("s.ron", &text);
    let line = 1 + text.lines().position(|l| l.contains("300")).unwrap();
    let run = env.run(&["evaluate", "--trial", "a-muse", &path]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("answers.IN03.answer.Mhiss.items[2]: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("s.ron:{line}:")),
        "{}",
        run.stderr
    );
}

#[test]
fn the_counts_line_says_how_many_are_answered_unknown_and_open() {
    let env = Env::new();
    let extra = [("IN04", "Unknown"), ("EX10", "Unknown"), ("IN06", "Yes")];
    // Male, born 1970: IN01 settled by the age, EX08 and EX09 not applicable.
    let text = a_muse("", &answers(&A_MUSE_PRE, &extra));
    let run = env.evaluate("a-muse", &text);
    assert_eq!(
        run.code,
        Some(11),
        "INCOMPLETE: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l == "12 answered · 2 unknown · 4 open"),
        "{}",
        run.stdout
    );
    // Without a date of birth the age is not settled: IN01 is open, not answered.
    let text = text.replace("date_of_birth: \"1970-01-01\", ", "");
    let run = env.evaluate("a-muse", &text);
    assert_eq!(run.code, Some(11), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l == "11 answered · 2 unknown · 5 open"),
        "{}",
        run.stdout
    );
    assert!(
        criterion_line(&run.stdout, "IN01").contains("date of birth not recorded"),
        "{}",
        run.stdout
    );
}

// --- 2. and 3. Calculators and documented classification ----------------------------------

#[test]
fn a_saliva_collection_gives_the_flow_rate_in_ml_per_min() {
    let env = Env::new();
    let text = assix(&[
        (
            "IN01",
            "DocumentedClassification(source: \"rheumatology letter\")",
        ),
        (
            "IN04",
            "SalivaFlow((collected: \"0.6\", collected_unit: Millilitres, minutes: \"15\"))",
        ),
    ]);
    let run = env.evaluate("assix", &text);
    assert_eq!(
        run.code,
        Some(12),
        "NOT ELIGIBLE: {}{}",
        run.stdout,
        run.stderr
    );
    let line = criterion_line(&run.stdout, "IN04");
    assert!(line.contains("not met"), "{line}");
    assert!(line.contains("0.04 ml/min"), "{line}");
    let json = env.evaluate_json("assix", &text);
    assert_eq!(json["verdict"]["failing"], serde_json::json!(["IN04"]));
}

#[test]
fn a_documented_classification_names_the_criteria_and_the_source() {
    let env = Env::new();
    let documented = "DocumentedClassification(source: \"rheumatology letter 2024-03-02\")";
    let text = a_muse("", &answers(&A_MUSE_PRE, &[("IN02", documented)]));
    let run = env.evaluate("a-muse", &text);
    assert_eq!(
        run.code,
        Some(10),
        "PRE-SCREEN PASSED: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        criterion_line(&run.stdout, "IN02").contains(
            "classification per the 2013 ACR/EULAR SSc criteria documented in rheumatology \
             letter 2024-03-02: met"
        ),
        "{}",
        run.stdout
    );
    // The earlier spelling of the same answer keeps its verdict.
    let old = text.replace("DocumentedClassification(", "DocumentedDiagnosis(");
    let run_old = env.evaluate("a-muse", &old);
    assert_eq!(
        run_old.code,
        Some(10),
        "{}{}",
        run_old.stdout,
        run_old.stderr
    );
    assert_eq!(
        criterion_line(&run_old.stdout, "IN02"),
        criterion_line(&run.stdout, "IN02")
    );
}

// --- 4. Partial dates --------------------------------------------------------------------

#[test]
fn a_month_or_a_year_is_accepted_and_kept_as_entered() {
    let env = Env::with_coordinator();
    let text = a_muse_visit(
        "2026-12-07",
        &answers(
            &A_MUSE_PRE,
            &[
                ("EX01", "Event(LastOn(\"2026-02\"))"),
                ("EX02", "Event(LastOn(\"2025\"))"),
            ],
        ),
    )
    .replace("screening_id: \"\"", "screening_id: \"AM-TLS-2026-0041\"");
    let run = env.evaluate("a-muse", &text);
    assert_eq!(run.code, Some(10), "{}{}", run.stdout, run.stderr);
    assert!(
        criterion_line(&run.stdout, "EX01").contains(
            "Participation in a clinical trial in 2026-02, more than 3 months before the \
             planned inclusion visit 2026-12-07: absent"
        ),
        "{}",
        run.stdout
    );
    assert!(
        criterion_line(&run.stdout, "EX02").contains(
            "Injection of botulinum toxin in 2025, more than 4 weeks before the planned \
             inclusion visit 2026-12-07: absent"
        ),
        "{}",
        run.stdout
    );
    let path = env.file("partial.ron", &text);
    env.ok(&["import", &path]);
    let ron = env.ok(&["show", "AM-TLS-2026-0041", "--format", "ron"]);
    assert!(ron.contains("Event(LastOn(\"2026-02\"))"), "{ron}");
    assert!(ron.contains("Event(LastOn(\"2025\"))"), "{ron}");
    assert!(
        !ron.contains("2026-02-01") && !ron.contains("2025-01-01"),
        "{ron}"
    );
}

#[test]
fn a_month_that_straddles_the_window_start_asks_for_the_exact_date() {
    let env = Env::new();
    let visit = |event: &str| {
        a_muse_visit(
            "2026-12-07",
            &answers(
                &A_MUSE_PRE,
                &[("EX02", &format!("Event(LastOn(\"{event}\"))"))],
            ),
        )
    };
    // 4 weeks before 2026-12-07 is 2026-11-09: November is partly inside.
    let run = env.evaluate("a-muse", &visit("2026-11"));
    assert_eq!(
        run.code,
        Some(11),
        "INCOMPLETE: {}{}",
        run.stdout,
        run.stderr
    );
    let line = criterion_line(&run.stdout, "EX02");
    assert!(line.contains(" unknown "), "{line}");
    assert!(line.contains("the window starts on 2026-11-09"), "{line}");
    assert!(line.contains("ask for the exact date"), "{line}");
    // October is wholly before the window.
    let run = env.evaluate("a-muse", &visit("2026-10"));
    assert_eq!(run.code, Some(10), "{}{}", run.stdout, run.stderr);
    assert!(
        criterion_line(&run.stdout, "EX02").contains(
            "Injection of botulinum toxin in 2026-10, more than 4 weeks before the planned \
             inclusion visit 2026-12-07: absent"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_month_wholly_inside_the_window_is_present_and_clears_from_its_last_day() {
    let env = Env::new();
    let text = a_muse_visit(
        "2026-12-07",
        &answers(&A_MUSE_PRE, &[("EX01", "Event(LastOn(\"2026-10\"))")]),
    );
    let run = env.evaluate("a-muse", &text);
    assert_eq!(
        run.code,
        Some(12),
        "NOT ELIGIBLE: {}{}",
        run.stdout,
        run.stderr
    );
    // 3 months before 2026-12-07 is 2026-09-07: all of October is inside. From its last
    // day, 2026-10-31, the window (3 calendar months, inclusive) is left on 2027-02-01.
    let line = criterion_line(&run.stdout, "EX01");
    assert!(
        line.contains(
            "Participation in a clinical trial in 2026-10, within 3 months before the planned \
             inclusion visit 2026-12-07: present (excludes): excluded until 2027-01-31, clear \
             from 2027-02-01"
        ),
        "{line}"
    );
    assert!(
        run.stdout
            .contains("VERDICT: NOT ELIGIBLE — re-screen from 2027-02-01"),
        "{}",
        run.stdout
    );
}

// --- 5. and 6. Reference dates and minimum age ----------------------------------------------

#[test]
fn windows_count_from_the_planned_visit_else_the_prescreening_date() {
    let env = Env::new();
    let events = [
        ("EX01", "Event(LastOn(\"2026-01-01\"))"),
        ("EX03", "Event(LastOn(\"2025-05-01\"))"),
    ];
    let on = |visit| {
        screening(
            "a-muse",
            "",
            correctness_common::MALE_1970,
            "2026-03-01",
            visit,
            &answers(&A_MUSE_PRE, &events),
        )
    };
    let with_visit = on(Some("2026-05-01"));
    let run = env.evaluate("a-muse", &with_visit);
    assert_eq!(
        run.code,
        Some(10),
        "PRE-SCREEN PASSED: {}{}",
        run.stdout,
        run.stderr
    );
    let ex01 = criterion_line(&run.stdout, "EX01");
    assert!(
        ex01.contains(
            "Participation in a clinical trial on 2026-01-01, more than 3 months before the \
             planned inclusion visit 2026-05-01: absent"
        ),
        "{ex01}"
    );
    let ex03 = criterion_line(&run.stdout, "EX03");
    assert!(
        ex03.contains(
            "Autologous HSCT on 2025-05-01, 1 year or more before the planned inclusion visit \
             2026-05-01: absent"
        ),
        "{ex03}"
    );

    // No planned visit: both count from the pre-screening date 2026-03-01 and exclude.
    let without = on(None);
    let run = env.evaluate("a-muse", &without);
    assert_eq!(
        run.code,
        Some(12),
        "NOT ELIGIBLE: {}{}",
        run.stdout,
        run.stderr
    );
    let reference = "pre-screening date (no planned inclusion visit entered) 2026-03-01";
    for id in ["EX01", "EX03"] {
        let line = criterion_line(&run.stdout, id);
        assert!(line.contains(reference), "{line}");
        assert!(line.contains("present (excludes)"), "{line}");
    }
    let json = env.evaluate_json("a-muse", &without);
    let ex01 = &json["criteria"][8];
    assert_eq!(ex01["id"], "EX01");
    assert_eq!(ex01["reference"]["date"], "2026-03-01");
}

/// Born 2008-12-20: 17 when pre-screened on 2026-11-23, 18 from 2026-12-20.
fn seventeen_year_old(visit: &str) -> String {
    screening(
        "a-muse",
        "",
        "(initials: \"YO\", date_of_birth: \"2008-12-20\", sex: Male)",
        "2026-11-23",
        Some(visit),
        &answers(&A_MUSE_PRE, &[]),
    )
}

#[test]
fn the_minimum_age_is_taken_on_the_planned_visit() {
    let env = Env::new();
    let run = env.evaluate("a-muse", &seventeen_year_old("2026-12-21"));
    assert_eq!(
        run.code,
        Some(10),
        "18 on the visit: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        criterion_line(&run.stdout, "IN01")
            .contains("age 18 on the planned inclusion visit 2026-12-21: at least 18 years: met"),
        "{}",
        run.stdout
    );

    let early = seventeen_year_old("2026-12-10");
    let run = env.evaluate("a-muse", &early);
    assert_eq!(
        run.code,
        Some(12),
        "NOT ELIGIBLE: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        criterion_line(&run.stdout, "IN01").contains("eligible from 2026-12-20 (18th birthday)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l == "VERDICT: NOT ELIGIBLE — re-screen from 2026-12-20"),
        "{}",
        run.stdout
    );
    let json = env.evaluate_json("a-muse", &early);
    assert_eq!(json["verdict"]["failing"], serde_json::json!(["IN01"]));
    assert_eq!(json["rescreen_from"], "2026-12-20");
}

// --- 7. Re-screen advice -------------------------------------------------------------------

#[test]
fn an_ongoing_event_advises_a_rescreen_once_it_has_ended() {
    let env = Env::new();
    let text = a_muse("", &answers(&A_MUSE_PRE, &[("EX04", "Event(Ongoing)")]));
    let run = env.evaluate("a-muse", &text);
    assert_eq!(run.code, Some(12), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l == "VERDICT: NOT ELIGIBLE — re-screen when the event has ended (EX04)"),
        "{}",
        run.stdout
    );
    let json = env.evaluate_json("a-muse", &text);
    assert_eq!(json["verdict"]["failing"], serde_json::json!(["EX04"]));
    assert!(json["rescreen_from"].is_null(), "{json}");
    assert_eq!(
        json["rescreen"]["after_event_ends"],
        serde_json::json!(["EX04"])
    );
}

#[test]
fn a_permanent_failure_gives_no_rescreen_advice() {
    let env = Env::new();
    let text = a_muse(
        "",
        &answers(
            &A_MUSE_PRE,
            &[
                ("IN03", "Value(19)"),
                ("EX02", "Event(LastOn(\"2026-11-20\"))"),
            ],
        ),
    );
    let run = env.evaluate("a-muse", &text);
    assert_eq!(run.code, Some(12), "{}{}", run.stdout, run.stderr);
    // EX02 alone would clear with time; IN03 (MHISS 19 < 20) never does.
    assert!(
        criterion_line(&run.stdout, "EX02").contains("clear from"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.lines().any(|l| l == "VERDICT: NOT ELIGIBLE"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("— re-screen"), "{}", run.stdout);
    let json = env.evaluate_json("a-muse", &text);
    assert_eq!(
        json["verdict"]["failing"],
        serde_json::json!(["IN03", "EX02"])
    );
    assert!(json["rescreen_from"].is_null(), "{json}");
    assert!(json["rescreen"].is_null(), "{json}");
}

// --- 9. Honest labels --------------------------------------------------------------------

#[test]
fn assix_is_labelled_by_its_eu_ct_number_in_evaluate() {
    let env = Env::new();
    let run = env.evaluate("assix", &assix(&[]));
    assert_eq!(run.code, Some(11), "{}{}", run.stdout, run.stderr);
    let header = run.stdout.lines().next().unwrap();
    assert!(
        header.starts_with("ASSIX (EU CT 2024-516715-25-00), definition 1.1.0"),
        "{header}"
    );
    assert!(!run.stdout.contains("NCT06805448"), "{}", run.stdout);
}

#[test]
fn the_current_assix_definition_is_listed_without_the_unverified_nct_number() {
    let env = Env::new();
    let out = env.ok(&["trials"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("assix ") && l.contains(" 1.1.0 "))
        .unwrap_or_else(|| panic!("no ASSIX 1.1.0 in:\n{out}"));
    assert!(line.contains("2024-516715-25-00"), "{line}");
    assert!(!line.contains("NCT06805448"), "{line}");
}

/// `prescreen trials` output for ASSIX does not contain NCT06805448, not even for the
/// archived 1.0.0 (whose text still lists it): the EU CT number is shown first.
#[test]
fn trials_never_labels_assix_with_the_unverified_nct_number() {
    let env = Env::new();
    let out = env.ok(&["trials"]);
    let assix: Vec<&str> = out.lines().filter(|l| l.starts_with("assix ")).collect();
    assert!(!assix.is_empty(), "{out}");
    for line in assix {
        assert!(!line.contains("NCT06805448"), "{line}");
    }
}
