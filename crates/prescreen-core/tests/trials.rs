//! Loading trial definitions: the shipped files are complete and verbatim, and bad files get
//! errors a person can act on.
#![cfg(test)]

use prescreen_core::trial::model::{CriterionKind, Rule, Stage};
use prescreen_core::trial::{LoadError, TrialSet, load_trial_str};

const ASSIX: &str = include_str!("../../../trials/assix.ron");
const A_MUSE: &str = include_str!("../../../trials/a-muse.ron");

#[test]
fn both_shipped_trials_load_with_all_32_criteria_in_registry_order() {
    let set = TrialSet::built_in();
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let ids = |trial: &str| -> Vec<String> {
        set.latest(trial)
            .map(|t| t.definition.criteria.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default()
    };
    let expected = |inclusions: usize, exclusions: usize| -> Vec<String> {
        (1..=inclusions)
            .map(|n| format!("IN{n:02}"))
            .chain((1..=exclusions).map(|n| format!("EX{n:02}")))
            .collect()
    };
    assert_eq!(ids("assix"), expected(5, 9));
    assert_eq!(ids("a-muse"), expected(8, 10));
    for trial in set.trials.values() {
        for criterion in &trial.definition.criteria {
            let kind = if criterion.id.starts_with("IN") {
                CriterionKind::Inclusion
            } else {
                CriterionKind::Exclusion
            };
            assert_eq!(criterion.kind, kind, "{}", criterion.id);
        }
    }
}

/// Every criterion's text appears verbatim in the registry record it was copied from.
#[test]
fn criterion_texts_are_verbatim_from_the_registry_records() {
    let assix_source = include_str!("../../../trials/sources/assix-medpath-record.txt");
    let a_muse_json: serde_json::Value =
        serde_json::from_str(include_str!("../../../trials/sources/NCT07326033.json"))
            .expect("seed JSON");
    let a_muse_source = a_muse_json["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
        .as_str()
        .expect("eligibility text")
        .to_owned();
    let set = TrialSet::built_in();
    for (trial, source) in [
        ("assix", assix_source.to_owned()),
        ("a-muse", a_muse_source),
    ] {
        let definition = &set.latest(trial).expect("trial").definition;
        for criterion in &definition.criteria {
            assert!(
                source.contains(&criterion.text),
                "{trial} {}: text not found verbatim in the registry record",
                criterion.id
            );
        }
    }
}

#[test]
fn rules_and_stages_as_designed() {
    let set = TrialSet::built_in();
    let rule = |trial: &str, id: &str| {
        set.latest(trial)
            .and_then(|t| t.definition.criterion(id))
            .map(|c| c.rule.kind_name())
    };
    assert_eq!(rule("assix", "EX09"), Some("investigator judgement"));
    assert_eq!(rule("a-muse", "EX05"), Some("investigator judgement"));
    assert_eq!(rule("assix", "EX08"), Some("sex-dependent limit"));
    assert_eq!(rule("assix", "IN01"), Some("classification score"));
    assert_eq!(rule("a-muse", "IN02"), Some("classification score"));
    assert_eq!(rule("a-muse", "EX06"), Some("confirmation"));
    let stage = |trial: &str, id: &str| {
        set.latest(trial)
            .and_then(|t| t.definition.criterion(id))
            .map(|c| c.stage)
    };
    assert_eq!(
        stage("assix", "IN05"),
        Some(Stage::ScreeningVisit),
        "consent at the visit"
    );
    assert_eq!(
        stage("a-muse", "IN06"),
        Some(Stage::ScreeningVisit),
        "consent at the visit"
    );
    assert_eq!(
        stage("assix", "IN04"),
        Some(Stage::ScreeningVisit),
        "UFR measured on site"
    );
    let a_muse = &set.latest("a-muse").expect("a-muse").definition;
    assert_eq!(
        a_muse.provenance.record_date.map(|d| d.to_string()),
        Some("2026-01-08".to_owned())
    );
    assert_eq!(a_muse.visit_name, "inclusion visit");
    assert_eq!(
        set.latest("assix").expect("assix").definition.visit_name,
        "screening visit"
    );
    match &a_muse.criterion("EX03").expect("EX03").rule {
        Rule::TimeWindow(w) => assert_eq!(
            w.start,
            prescreen_core::trial::model::WindowStart::Exclusive
        ),
        other => panic!("EX03 should be a time window, got {other:?}"),
    }
}

#[test]
fn syntax_error_names_file_line_column_and_criterion() {
    let broken = A_MUSE.replacen("stage: ScreeningVisit,\n            reconfirm_at_visit: false,\n            rule: Measurement((\n                quantity: \"Maximal", "stage: ScreeningVisit,\n            reconfirm_at_visit: false\n            rule: Measurement((\n                quantity: \"Maximal", 1);
    assert_ne!(broken, A_MUSE, "the mutation must apply");
    let error = load_trial_str(&broken, "trials/broken.ron").expect_err("must fail");
    match &error {
        LoadError::Syntax {
            file,
            line,
            column,
            criterion,
            ..
        } => {
            assert_eq!(file, "trials/broken.ron");
            // The missing comma is noticed at the next field, `rule:` of IN05.
            let in05 = broken.find("id: \"IN05\"").expect("IN05");
            let rule_line = broken[..in05].lines().count()
                + broken[in05..]
                    .lines()
                    .position(|l| l.contains("rule: Measurement(("))
                    .expect("rule");
            assert_eq!(*line, rule_line, "{error}");
            assert_eq!(*column, 13, "{error}");
            assert_eq!(criterion.as_deref(), Some("IN05"), "{error}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.starts_with("trials/broken.ron:"), "{message}");
    assert!(message.contains("(in criterion IN05)"), "{message}");
}

#[test]
fn unknown_enum_value_is_a_positioned_error() {
    let broken = ASSIX.replacen(
        "calculator: UnstimulatedSalivaFlow",
        "calculator: SalivaMagic",
        1,
    );
    let error = load_trial_str(&broken, "x.ron")
        .expect_err("must fail")
        .to_string();
    let line = broken
        .lines()
        .position(|l| l.contains("SalivaMagic"))
        .map(|i| i + 1)
        .expect("line");
    assert!(error.starts_with(&format!("x.ron:{line}:")), "{error}");
    assert!(
        error.contains("SalivaMagic") && error.contains("IN04"),
        "{error}"
    );
}

fn semantic_messages(text: &str) -> Vec<String> {
    match load_trial_str(text, "t.ron") {
        Err(LoadError::Semantic { file, problems }) => {
            assert_eq!(file, "t.ron");
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected semantic errors, got {other:?}"),
    }
}

#[test]
fn semantic_errors_name_the_criterion() {
    let duplicate = ASSIX.replacen("id: \"EX03\"", "id: \"EX02\"", 1);
    assert_eq!(
        semantic_messages(&duplicate),
        vec!["criterion EX02: duplicate id"]
    );

    let min_above_max = ASSIX.replacen(
        "min: (value: 0.05, inclusive: true)",
        "min: (value: 5, inclusive: true)",
        1,
    );
    assert_eq!(
        semantic_messages(&min_above_max),
        vec!["criterion IN04: min 5 > max 3.0: no value can pass"]
    );

    let unknown_unit = A_MUSE.replacen("unit: \"mm\"", "unit: \"furlongs\"", 1);
    let messages = semantic_messages(&unknown_unit);
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with("criterion IN05: unknown unit \"furlongs\""),
        "{messages:?}"
    );

    let empty_text = ASSIX.replacen("text: \"Are breastfeeding\"", "text: \"  \"", 1);
    assert_eq!(
        semantic_messages(&empty_text),
        vec!["criterion EX06: empty text"]
    );

    let wrong_kind = ASSIX.replacen(
        "id: \"EX07\",\n            kind: Exclusion",
        "id: \"EX07\",\n            kind: Inclusion",
        1,
    );
    let messages = semantic_messages(&wrong_kind);
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("criterion EX07: a time window rule belongs to an exclusion")),
        "{messages:?}"
    );

    let calculator_unit =
        ASSIX.replacen("calculator: UnstimulatedSalivaFlow", "calculator: Mhiss", 1);
    let messages = semantic_messages(&calculator_unit);
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("criterion IN04: calculator Mhiss gives points")),
        "{messages:?}"
    );

    let threshold = A_MUSE.replacen("min_score: 9", "min_score: 40", 1);
    let messages = semantic_messages(&threshold);
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("criterion IN02: min_score 40")),
        "{messages:?}"
    );
}

#[test]
fn a_folder_with_a_broken_file_still_loads_the_good_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a-muse.ron"), A_MUSE).expect("write");
    std::fs::write(dir.path().join("broken.ron"), "(id: \"x\", acronym: ").expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a trial").expect("write");
    let mut set = TrialSet::default();
    set.add_path(dir.path());
    assert_eq!(set.trials.len(), 1);
    assert!(set.latest("a-muse").is_some());
    assert_eq!(set.problems.len(), 1);
    assert!(
        set.problems[0].to_string().contains("broken.ron:1:"),
        "{}",
        set.problems[0]
    );
}

#[test]
fn same_id_and_version_with_different_content_is_a_conflict() {
    let mut set = TrialSet::built_in();
    // An identical copy is fine.
    set.add_result(load_trial_str(ASSIX, "copy/assix.ron"));
    assert!(set.problems.is_empty());
    let changed = ASSIX.replacen("colour: \"#1565c0\"", "colour: \"#000000\"", 1);
    set.add_result(load_trial_str(&changed, "other/assix.ron"));
    assert_eq!(set.problems.len(), 1);
    let message = set.problems[0].to_string();
    assert!(
        message.contains("other/assix.ron") && message.contains("built-in:assix.ron"),
        "{message}"
    );
    // The first definition stays in use.
    assert_eq!(
        set.latest("assix").map(|t| t.origin.as_str()),
        Some("built-in:assix.ron")
    );
}

#[test]
fn a_new_version_is_a_new_file_not_new_code() {
    let mut set = TrialSet::built_in();
    let newer = ASSIX.replacen(
        "definition_version: \"1.2.0\"",
        "definition_version: \"9.0.0\"",
        1,
    );
    assert_ne!(newer, ASSIX, "the mutation must apply");
    set.add_result(load_trial_str(&newer, "assix-9.0.ron"));
    assert!(set.problems.is_empty());
    assert_eq!(
        set.latest("assix").map(|t| t.definition.version()),
        Some("9.0.0")
    );
    assert!(
        set.get("assix", "1.2.0").is_some() && set.get("assix", "1.0.0").is_some(),
        "the old version stays available for old screenings"
    );
}
