//! Limits on what comes in: oversized trial and screening files are refused before they are
//! parsed, with the file named; free-text fields are bounded at the checks every door calls.
#![cfg(test)]

use std::io::Write;
use std::time::{Duration, Instant};

use prescreen_core::screening_file::{
    MAX_SCREENING_FILE_BYTES, ScreeningFileError, read_screening, screening_from_str,
};
use prescreen_core::trial::load::{MAX_TRIAL_FILE_BYTES, load_trial_file};
use prescreen_core::trial::{LoadError, TrialSet, load_trial_str};
use prescreen_core::validation::{
    MAX_INITIALS_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS, check_candidate, check_screening,
};

const A_MUSE: &str = include_str!("../../../trials/a-muse.ron");

/// A valid trial padded with a RON comment: it would load but for its size.
fn padded_trial(total_bytes: usize) -> String {
    let mut text = String::from(A_MUSE);
    text.push_str("\n/* ");
    while text.len() + 3 < total_bytes {
        text.push_str("padding padding padding padding\n");
    }
    text.push_str(" */\n");
    text
}

#[test]
fn a_trial_file_over_the_cap_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-trial.ron");
    let text = padded_trial(MAX_TRIAL_FILE_BYTES as usize + 4096);
    std::fs::write(&path, &text).unwrap();
    let err = load_trial_file(&path).unwrap_err();
    match &err {
        LoadError::TooLarge { file, bytes, max } => {
            assert!(file.ends_with("huge-trial.ron"), "{file}");
            assert_eq!(*bytes, text.len() as u64);
            assert_eq!(*max, MAX_TRIAL_FILE_BYTES);
        }
        other => panic!("not TooLarge: {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("huge-trial.ron"), "{message}");
    assert!(message.contains("at most 1048576 bytes"), "{message}");
    // The text door refuses it too, and a folder load keeps it as a problem.
    assert!(matches!(
        load_trial_str(&text, "pasted"),
        Err(LoadError::TooLarge { .. })
    ));
    let mut set = TrialSet::default();
    set.add_path(dir.path());
    assert!(set.trials.is_empty());
    assert!(matches!(
        set.problems.as_slice(),
        [LoadError::TooLarge { .. }]
    ));
}

#[test]
fn a_trial_just_under_the_cap_still_loads() {
    let text = padded_trial(MAX_TRIAL_FILE_BYTES as usize - 64);
    assert!(text.len() as u64 <= MAX_TRIAL_FILE_BYTES);
    load_trial_str(&text, "padded.ron").unwrap();
}

#[test]
fn a_screening_file_with_a_million_answers_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million-answers.ron");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write!(
            file,
            "(screening_id: \"AM-TLS-2026-0001\", trial: (id: \"a-muse\", version: \"1.0.0\"), \
             candidate: (initials: \"QX\"), prescreening_date: \"2026-11-23\", answers: {{"
        )
        .unwrap();
        for n in 0..1_000_000 {
            write!(file, "\"X{n:07}\": (answer: Unknown),").unwrap();
        }
        write!(file, "}})").unwrap();
        file.flush().unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 20 * MAX_SCREENING_FILE_BYTES);
    let started = Instant::now();
    let err = read_screening(&path).unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        ScreeningFileError::TooLarge { file, bytes, max } => {
            assert!(file.ends_with("million-answers.ron"), "{file}");
            assert_eq!(*bytes, size);
            assert_eq!(*max, MAX_SCREENING_FILE_BYTES);
        }
        other => panic!("not TooLarge: {other:?}"),
    }
    assert!(err.to_string().contains("million-answers.ron"), "{err}");
    // Only the first MB is read; parsing 10^6 answers would take seconds and hundreds of MB.
    assert!(elapsed < Duration::from_millis(500), "took {elapsed:?}");
}

fn screening() -> prescreen_core::screening::Screening {
    screening_from_str(
        "(screening_id: \"AM-TLS-2026-0001\", trial: (id: \"a-muse\", version: \"1.0.0\"), \
         candidate: (initials: \"QX\"), prescreening_date: \"2026-11-23\")",
        "inline",
    )
    .unwrap()
}

#[test]
fn free_text_fields_are_bounded() {
    let set = TrialSet::built_in();
    let trial = &set.latest("a-muse").unwrap().definition;
    let base = screening();
    assert!(check_screening(trial, &base, None).is_empty());

    // Initials: a few letters.
    let mut long_initials = base.clone();
    long_initials.candidate.initials = "A".repeat(MAX_INITIALS_CHARS + 1);
    let problems = check_candidate(&long_initials.candidate, base.prescreening_date, None, None);
    assert_eq!(problems.len(), 1);
    const _: () = assert!(MAX_INITIALS_CHARS <= 5, "initials are a few letters");

    // Coordinator: a name, not a document.
    let mut long_coordinator = base.clone();
    long_coordinator.coordinator = Some("C".repeat(MAX_NAME_CHARS + 1));
    let problems = check_screening(trial, &long_coordinator, None);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "coordinator");
    long_coordinator.coordinator = Some("C".repeat(MAX_NAME_CHARS));
    assert!(check_screening(trial, &long_coordinator, None).is_empty());

    // Notes: a few KB.
    let first = trial.criteria[0].id.clone();
    let mut long_note = base.clone();
    long_note.answers.insert(
        first.clone(),
        prescreen_core::screening::CriterionEntry {
            note: Some("n".repeat(MAX_TEXT_CHARS + 1)),
            ..prescreen_core::screening::CriterionEntry::new(
                prescreen_core::screening::Answer::Unknown,
            )
        },
    );
    let problems = check_screening(trial, &long_note, None);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "note");
}
