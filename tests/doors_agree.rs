//! Every door agrees: generated screening files and single answers — valid and invalid, of
//! every kind — go through `evaluate`'s checks, the store's `import` and `answer`, a
//! `show`-style reload, and the app's state. Each input is either refused by all of them with
//! a named field, or gives the same verdict through all of them.
//!
//! Deterministic: a fixed seed per run (`PRESCREEN_DOORS_SEED` replays another); a failure
//! prints the case as RON.
#![cfg(test)]

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use prescreen::app::{AppConfig, Command, PrescreenApp};
use prescreen::calculators::{alcohol_units, mhiss, pss_2016, ssc_2013, ufr};
use prescreen::eligibility::evaluate;
use prescreen::partial_date::PartialDate;
use prescreen::screening::{
    Answer, Candidate, CriterionEntry, EventAnswer, Screening, Sex, TrialReference,
};
use prescreen::screening_file::{screening_from_str, screening_to_string};
use prescreen::storage::clock::SteppingClock;
use prescreen::storage::sqlite::Durability;
use prescreen::storage::{NewCoordinator, SqliteStore, Store, StoreError};
use prescreen::trial::TrialSet;
use prescreen::trial::load::LoadedTrial;
use prescreen::trial::model::{Rule, TrialDefinition};
use prescreen::validation::{AnswerContext, check_screening};
use rust_decimal::Decimal;

/// Screening files through all doors, and single answers through the answer door.
const FILES: usize = 20_000;
const ANSWERS: usize = 80_000;
const TODAY: Date = date(2026, 11, 23);

fn seed() -> u64 {
    std::env::var("PRESCREEN_DOORS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026)
}

struct Gen(fastrand::Rng);

impl Gen {
    fn chance(&mut self, percent: u32) -> bool {
        self.0.u32(0..100) < percent
    }
    fn decimal(&mut self, low: i64, high: i64, places: u32) -> Decimal {
        let scale = 10_i64.pow(places);
        Decimal::new(self.0.i64(low * scale..=high * scale), places)
    }
    fn option_bool(&mut self) -> Option<bool> {
        match self.0.u8(0..3) {
            0 => None,
            1 => Some(true),
            _ => Some(false),
        }
    }
    fn day(&mut self, from_year: i16, to_year: i16) -> Date {
        let year = self.0.i16(from_year..=to_year);
        let month = self.0.i8(1..=12);
        let day = self.0.i8(1..=28);
        date(year, month, day)
    }
    fn partial(&mut self) -> PartialDate {
        let day = self.day(2024, 2027);
        match self.0.u8(0..4) {
            0 => PartialDate::Year(day.year()),
            1 => PartialDate::Month {
                year: day.year(),
                month: day.month(),
            },
            _ => PartialDate::Day(day),
        }
    }
    fn bool_map(&mut self, fields: &[&str]) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|f| {
                let value = match self.option_bool() {
                    Some(b) => serde_json::Value::Bool(b),
                    None => serde_json::Value::Null,
                };
                ((*f).to_owned(), value)
            })
            .collect();
        serde_json::Value::Object(map)
    }

    /// Any answer at all, of any kind, valid or not.
    fn any_answer(&mut self) -> Answer {
        match self.0.u8(0..12) {
            0 => Answer::Unknown,
            1 => Answer::Yes,
            2 => Answer::No,
            3 => {
                let places = self.0.u32(0..3);
                Answer::Value(self.decimal(-5, 120, places))
            }
            4 => Answer::Event(match self.0.u8(0..4) {
                0 => EventAnswer::Never,
                1 => EventAnswer::Ongoing,
                _ => EventAnswer::LastOn(self.partial()),
            }),
            5 => Answer::DocumentedClassification {
                source: if self.chance(80) {
                    "rheumatology letter".to_owned()
                } else {
                    "  ".to_owned()
                },
            },
            6 => Answer::DocumentedDiagnosis {
                source: "hospital record".to_owned(),
            },
            7 => {
                let mut fields: Vec<&str> =
                    pss_2016::ENTRY_QUESTIONS.iter().map(|(f, _)| *f).collect();
                fields.extend(pss_2016::ITEMS.iter().map(|(f, _, _)| *f));
                fields.push("exclusion_present");
                Answer::Pss2016(serde_json::from_value(self.bool_map(&fields)).unwrap())
            }
            8 => {
                let mut fields: Vec<&str> = ssc_2013::ITEMS.iter().map(|(f, _, _)| *f).collect();
                fields.push("better_explained_by_other_disorder");
                Answer::Ssc2013(serde_json::from_value(self.bool_map(&fields)).unwrap())
            }
            9 => {
                let count = if self.chance(85) {
                    mhiss::ITEM_COUNT
                } else {
                    self.0.usize(9..14)
                };
                let items = (0..count)
                    .map(|_| {
                        if self.chance(15) {
                            None
                        } else if self.chance(95) {
                            Some(self.0.u8(0..=4))
                        } else {
                            Some(self.0.u8(5..=9))
                        }
                    })
                    .collect();
                Answer::Mhiss(mhiss::MhissInput { items })
            }
            10 => Answer::SalivaFlow(ufr::UfrInput {
                collected: self.decimal(-1, 20, 2),
                collected_unit: if self.chance(50) {
                    ufr::CollectedUnit::Grams
                } else {
                    ufr::CollectedUnit::Millilitres
                },
                minutes: self.decimal(0, 20, 0),
            }),
            _ => Answer::Alcohol(alcohol_units::AlcoholInput {
                drinks: (0..self.0.usize(0..4))
                    .map(|_| alcohol_units::Drink {
                        per_week: self.decimal(-1, 20, 1),
                        volume_ml: self.decimal(0, 700, 0),
                        abv_percent: self.decimal(-5, 105, 1),
                    })
                    .collect(),
            }),
        }
    }

    /// An answer of the kind the rule asks for most of the time, anything otherwise
    /// (`noise` percent of the time).
    fn answer_for(&mut self, rule: &Rule, noise: u32) -> Answer {
        if self.chance(noise) {
            return self.any_answer();
        }
        match rule {
            Rule::Confirmation | Rule::InvestigatorJudgement => match self.0.u8(0..5) {
                0 => Answer::Unknown,
                1 | 2 => Answer::Yes,
                _ => Answer::No,
            },
            Rule::Measurement(m) => {
                if m.calculator.is_some() && self.chance(50) {
                    loop {
                        let answer = self.any_answer();
                        if matches!(
                            answer,
                            Answer::Mhiss(_) | Answer::SalivaFlow(_) | Answer::Alcohol(_)
                        ) {
                            return answer;
                        }
                    }
                }
                let places = if self.chance(70) { 0 } else { 2 };
                Answer::Value(self.decimal(0, 55, places))
            }
            Rule::SexDependentLimit(_) => Answer::Value(self.decimal(0, 30, 1)),
            Rule::TimeWindow(_) => Answer::Event(match self.0.u8(0..5) {
                0 => EventAnswer::Never,
                1 => EventAnswer::Ongoing,
                _ => EventAnswer::LastOn(self.partial()),
            }),
            Rule::Classification(_) => {
                if self.chance(50) {
                    Answer::DocumentedClassification {
                        source: "letter".to_owned(),
                    }
                } else {
                    self.any_answer()
                }
            }
            Rule::MinimumAge(_) => Answer::Unknown,
        }
    }

    fn screening(&mut self, trial: &LoadedTrial) -> Screening {
        let definition = &trial.definition;
        let prescreening_date = self.day(2025, 2026).min(TODAY);
        let planned_visit_date = self.chance(60).then(|| {
            prescreening_date
                .checked_add(jiff::Span::new().days(self.0.i64(-5..60)))
                .unwrap()
        });
        let sex = match self.0.u8(0..3) {
            0 => None,
            1 => Some(Sex::Female),
            _ => Some(Sex::Male),
        };
        let candidate = Candidate {
            initials: if self.chance(95) {
                "QZ".to_owned()
            } else {
                "TOOLONG".to_owned()
            },
            date_of_birth: self.chance(90).then(|| self.day(1930, 2010)),
            sex,
            childbearing_potential: self.option_bool(),
            pregnant: self.option_bool(),
            breastfeeding: self.option_bool(),
        };
        // Half the files are clean but for the odd slip, half are noisy.
        let noise = if self.chance(50) { 1 } else { 20 };
        let mut answers = BTreeMap::new();
        for criterion in &definition.criteria {
            if self.chance(60) && !matches!(criterion.rule, Rule::MinimumAge(_)) || self.chance(2) {
                answers.insert(
                    criterion.id.clone(),
                    CriterionEntry {
                        answer: self.answer_for(&criterion.rule, noise),
                        note: self.chance(10).then(|| "note 'quoted' \\ \"x\"".to_owned()),
                        ..CriterionEntry::new(Answer::Unknown)
                    },
                );
            }
        }
        Screening {
            screening_id: String::new(),
            trial: TrialReference {
                id: definition.id.clone(),
                version: definition.version().to_owned(),
                sha256: Some(trial.sha256.clone()),
            },
            coordinator: None,
            candidate,
            prescreening_date,
            planned_visit_date,
            visit_date: None,
            answers,
        }
    }
}

struct Doors {
    store: SqliteStore,
    by: i64,
    app: PrescreenApp,
    _dir: tempfile::TempDir,
}

fn doors() -> Doors {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prescreen.sqlite3");
    let start: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let mut store = SqliteStore::open_with(
        &path,
        Box::new(SteppingClock::new(start, 1, jiff::tz::Offset::UTC)),
        Durability::ProcessCrash,
    )
    .unwrap();
    let by = store
        .save_coordinator(&NewCoordinator {
            name: "Synthetic Coordinator".to_owned(),
            role: "study coordinator".to_owned(),
            site_code: "TLS".to_owned(),
        })
        .unwrap();
    store.set_current_coordinator(by.id).unwrap();
    let ctx = eframe::egui::Context::default();
    let app = PrescreenApp::new(
        AppConfig {
            data_dir: prescreen::storage::DataDir::at(dir.path()),
            trial_dirs: Vec::new(),
            today: TODAY,
            database: None,
        },
        &ctx,
        None,
    );
    Doors {
        store,
        by: by.id,
        app,
        _dir: dir,
    }
}

fn latest(set: &TrialSet) -> Vec<LoadedTrial> {
    set.latest_each().into_iter().cloned().collect()
}

#[test]
fn screening_files_are_refused_by_every_door_or_give_one_verdict_through_all() {
    let set = TrialSet::built_in();
    let trials = latest(&set);
    let mut generator = Gen(fastrand::Rng::with_seed(seed()));
    let mut doors = doors();
    let (mut refused, mut accepted) = (0_usize, 0_usize);
    for case in 0..FILES {
        let trial = &trials[case % trials.len()];
        let screening = generator.screening(trial);
        // The file door: what is written reads back the same.
        let text = screening_to_string(&screening).unwrap();
        let read = screening_from_str(&text, "generated.ron")
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
        assert_eq!(
            read, screening,
            "case {case}: the exchange format round-trips"
        );
        // `evaluate`'s door.
        let problems = check_screening(&trial.definition, &read, Some(TODAY));
        // `import`'s door.
        let imported = doors.store.import_screening(trial, &read, doors.by);
        match (&problems[..], imported) {
            ([], Ok(id)) => {
                accepted += 1;
                let by_evaluate = evaluate(&trial.definition, &read);
                // `show`: the stored record, re-evaluated against its stored definition.
                let stored = doors.store.load_screening(&id).unwrap();
                let definition = stored_definition(&doors.store, &stored.screening);
                let by_show = evaluate(&definition, &stored.screening);
                // The app's state after opening it from the log.
                doors.app.apply(Command::OpenScreening(id.clone()));
                doors.app.settle();
                let workspace = doors.app.workspace().unwrap();
                assert_eq!(workspace.screening.screening_id, id, "case {case}");
                let in_app = &workspace.evaluation;
                assert_eq!(by_evaluate.verdict, by_show.verdict, "case {case}\n{text}");
                assert_eq!(by_evaluate.verdict, in_app.verdict, "case {case}\n{text}");
                assert_eq!(by_evaluate.counts, in_app.counts, "case {case}\n{text}");
                assert_eq!(
                    stored.verdict.name(),
                    by_evaluate.verdict.name(),
                    "case {case}"
                );
                assert!(
                    by_evaluate.invalid.is_empty(),
                    "case {case}: accepted yet invalid"
                );
            }
            ([], Err(error)) => {
                panic!("case {case}: evaluate accepts, import refuses: {error}\n{text}")
            }
            (problems, Ok(id)) => {
                panic!("case {case}: import stored {id} despite {problems:?}\n{text}")
            }
            (problems, Err(StoreError::InvalidInput(stored_problems))) => {
                refused += 1;
                assert_eq!(problems, &stored_problems[..], "case {case}\n{text}");
                for problem in problems {
                    assert!(!problem.field.is_empty(), "case {case}: {problem:?}");
                    if let Some(id) = &problem.criterion {
                        assert!(id.starts_with("IN") || id.starts_with("EX"), "{problem:?}");
                    }
                }
            }
            (problems, Err(other)) => {
                panic!("case {case}: refused for another reason: {other} (checks: {problems:?})")
            }
        }
    }
    eprintln!(
        "{FILES} files: {accepted} accepted, {refused} refused (seed {})",
        seed()
    );
    assert!(
        accepted > FILES / 20 && refused > FILES / 20,
        "both paths exercised"
    );
}

fn stored_definition(store: &SqliteStore, screening: &Screening) -> TrialDefinition {
    let reference = &screening.trial;
    let text = store
        .trial_text(
            &reference.id,
            &reference.version,
            reference.sha256.as_deref().unwrap_or_default(),
        )
        .unwrap()
        .unwrap();
    prescreen::trial::load_trial_str(&text, "stored")
        .unwrap()
        .definition
}

#[test]
fn single_answers_are_refused_by_every_door_or_change_the_verdict_the_same_way() {
    let set = TrialSet::built_in();
    let trials = latest(&set);
    let mut generator = Gen(fastrand::Rng::with_seed(seed() ^ 0xa5a5));
    let mut doors = doors();
    // A handful of valid base screenings per trial, answered one answer at a time.
    let mut bases: Vec<(usize, String, Screening)> = Vec::new();
    while bases.len() < 400 {
        let index = bases.len() % trials.len();
        let trial = &trials[index];
        let mut screening = generator.screening(trial);
        screening.answers.clear();
        if let Ok(id) = doors.store.import_screening(trial, &screening, doors.by) {
            let stored = doors.store.load_screening(&id).unwrap().screening;
            bases.push((index, id, stored));
        }
    }
    let (mut refused, mut accepted) = (0_usize, 0_usize);
    for case in 0..ANSWERS {
        let slot = case % bases.len();
        let (index, id, screening) = &mut bases[slot];
        let trial = &trials[*index].definition;
        let criterion = &trial.criteria[generator.0.usize(0..trial.criteria.len())];
        let entry = CriterionEntry::new(generator.answer_for(&criterion.rule, 25));
        let context = AnswerContext {
            screening,
            visit_name: &trial.visit_name,
            today: Some(TODAY),
        };
        let checked = prescreen::visit::check_new_entry(criterion, &entry, context);
        let saved = doors.store.set_answer(
            id,
            &criterion.id,
            Some(&entry),
            doors.by,
            Some("generated change"),
        );
        match (checked, saved) {
            (Ok(()), Ok(verdict)) => {
                accepted += 1;
                screening.answers.insert(criterion.id.clone(), entry);
                let expected = evaluate(trial, screening);
                assert_eq!(verdict.name(), expected.verdict.name(), "case {case}");
                if case % 16 == 0 {
                    let stored = doors.store.load_screening(id).unwrap();
                    assert_eq!(&stored.screening.answers, &screening.answers, "case {case}");
                }
            }
            (Err(problem), Err(StoreError::InvalidInput(stored))) => {
                refused += 1;
                assert_eq!(stored, vec![problem.clone()], "case {case}");
                assert_eq!(problem.criterion.as_deref(), Some(criterion.id.as_str()));
                assert!(!problem.field.is_empty());
            }
            (checked, saved) => panic!(
                "case {case}: {} {:?}: core says {checked:?}, store says {saved:?}",
                criterion.id, entry.answer
            ),
        }
    }
    eprintln!("{ANSWERS} answers: {accepted} accepted, {refused} refused");
    assert!(accepted > ANSWERS / 10 && refused > ANSWERS / 10);
}
