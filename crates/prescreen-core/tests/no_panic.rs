//! No panic on any input: mutated versions of the real trial files and of a screening file go
//! through the loader and the engine; each gives an error or a value, never a panic.
#![cfg(test)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use prescreen_core::eligibility::evaluate;
use prescreen_core::screening_file::screening_from_str;
use prescreen_core::trial::{TrialSet, load_trial_str};

const ASSIX: &str = include_str!("../../../trials/assix.ron");
const A_MUSE: &str = include_str!("../../../trials/a-muse.ron");
const SCREENING: &str = include_str!("../../../tests/fixtures/a-muse-eligible.ron");

/// One edit of a text: delete a range, insert a snippet, or replace a range with a snippet.
#[derive(Debug, Clone)]
enum Edit {
    Delete {
        at: usize,
        len: usize,
    },
    Insert {
        at: usize,
        snippet: String,
    },
    Replace {
        at: usize,
        len: usize,
        snippet: String,
    },
}

fn snippet() -> impl Strategy<Value = String> {
    prop_oneof![
        // Fragments that are meaningful to RON and to the schema, to get past the parser.
        prop::sample::select(vec![
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "\"",
            "\\",
            "None",
            "Some(",
            "-1",
            "0",
            "1e309",
            "99999999999999999999999999999",
            "0.000000000000000000000000001",
            "\"2026-02-30\"",
            "\"9999-12-31\"",
            "\"-009999-01-01\"",
            "Yes",
            "No",
            "Unknown",
            "Value(\"",
            "Event(Ongoing)",
            "Event(LastOn(\"2026-01-01\"))",
            "inclusive: false",
            "Exclusive",
            "Female",
            "Male",
            "ml/min",
            "≥",
            "µ",
            "\u{0}",
            "\u{feff}",
            "true",
            "false",
            "amount: 0",
            "amount: 65535",
            "min_score: 0",
        ])
        .prop_map(str::to_owned),
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), snippet()).prop_map(|(at, snippet)| Edit::Insert { at, snippet }),
        (any::<usize>(), 1usize..12, snippet()).prop_map(|(at, len, snippet)| Edit::Replace {
            at,
            len,
            snippet
        }),
    ]
}

/// Applies edits at char boundaries (positions taken modulo the text length).
fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let n = chars.len().max(1);
        match edit {
            Edit::Delete { at, len } => {
                let start = at % n;
                let end = (start + len).min(chars.len());
                chars.drain(start.min(chars.len())..end);
            }
            Edit::Insert { at, snippet } => {
                let at = (at % n).min(chars.len());
                chars.splice(at..at, snippet.chars());
            }
            Edit::Replace { at, len, snippet } => {
                let start = (at % n).min(chars.len());
                let end = (start + len).min(chars.len());
                chars.splice(start..end, snippet.chars());
            }
        }
    }
    chars.into_iter().collect()
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 10_000,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn mutated_trial_files_never_panic() {
    let trials = TrialSet::built_in();
    let screening = screening_from_str(SCREENING, "fixture").expect("fixture parses");
    let mut runner = runner();
    let strategy = (prop::bool::ANY, prop::collection::vec(edit(), 1..4));
    runner
        .run(&strategy, |(which, edits)| {
            let text = mutate(if which { ASSIX } else { A_MUSE }, &edits);
            if let Ok(loaded) = load_trial_str(&text, "mutated.ron") {
                // A definition that loads must also evaluate without panicking.
                let _ = evaluate(&loaded.definition, &screening);
            } else if let Err(error) = load_trial_str(&text, "mutated.ron") {
                prop_assert!(error.to_string().starts_with("mutated.ron"), "{error}");
            }
            Ok(())
        })
        .expect("no panic and every error names the file");
    drop(trials);
}

#[test]
fn mutated_screening_files_never_panic() {
    let set = TrialSet::built_in();
    let a_muse = set.latest("a-muse").expect("a-muse").definition.clone();
    let assix = set.latest("assix").expect("assix").definition.clone();
    let mut runner = runner();
    runner
        .run(&prop::collection::vec(edit(), 1..4), |edits| {
            let text = mutate(SCREENING, &edits);
            match screening_from_str(&text, "mutated-screening.ron") {
                Ok(screening) => {
                    // Evaluated against both trials: answers that do not fit never panic.
                    let _ = evaluate(&a_muse, &screening);
                    let _ = evaluate(&assix, &screening);
                }
                Err(error) => prop_assert!(
                    error.to_string().starts_with("mutated-screening.ron:"),
                    "{error}"
                ),
            }
            Ok(())
        })
        .expect("no panic and every error names the file");
}
