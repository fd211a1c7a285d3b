//! The 100 000-screening SQLite database the log benchmarks read: built once through the
//! `Store` API (imports, verdicts, status changes with their audit events) and kept under the
//! target folder; later runs reuse it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use prescreen_core::eligibility::evaluate;
use prescreen_core::partial_date::PartialDate;
use prescreen_core::screening::{Answer, EventAnswer, Judgement, Screening};
use prescreen_core::screening_file::screening_from_str;
use prescreen_core::trial::load::{LoadedTrial, TrialSet};
use prescreen_core::trial::model::{Rule, TrialDefinition};
use prescreen_core::visit::visit_check;
use prescreen_store::clock::SystemClock;
use prescreen_store::sqlite::{Durability, SCHEMA_VERSION};
use prescreen_store::{
    CoordinatorId, LogFilter, NewCoordinator, ScreeningStatus, SqliteStore, Store,
};

/// How many screenings the database holds.
pub const SCREENINGS: usize = 100_000;

fn fixture(name: &str) -> Screening {
    let path = format!(
        "{}/../../tests/fixtures/{name}.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut screening = screening_from_str(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    screening.screening_id = String::new();
    screening
}

/// The database's path, built first when missing or incomplete.
pub fn database() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prescreen-bench-log");
    // The schema version is in the name so a migration never benchmarks a stale layout.
    let path = dir.join(format!("log-{SCREENINGS}-schema{SCHEMA_VERSION}.sqlite3"));
    if let Ok(store) = SqliteStore::open(&path) {
        let mut count = 0;
        let _ = store.log(&LogFilter::default(), &mut |_| {
            count += 1;
            Ok(())
        });
        if count == SCREENINGS {
            return path;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    build(&path);
    path
}

/// Moves a fixture to another prescreening day, its planned visit ten days later, and the
/// exact days its events last happened by as much as the prescreening day moved (so an event
/// never falls after the visit, and the time windows judge as in the fixture). Investigator
/// judgements name a (synthetic) investigator who judged on the prescreening day, as the
/// visit check asks before enrolment.
fn move_to(screening: &mut Screening, trial: &TrialDefinition, day: Date) {
    let shift = screening
        .prescreening_date
        .until(day)
        .unwrap_or_else(|e| panic!("{e}"));
    for (id, entry) in &mut screening.answers {
        if let Answer::Event(EventAnswer::LastOn(PartialDate::Day(when))) = &mut entry.answer {
            *when = when.checked_add(shift).unwrap_or(*when);
        }
        let judgement = trial
            .criteria
            .iter()
            .any(|c| &c.id == id && matches!(c.rule, Rule::InvestigatorJudgement));
        if judgement && matches!(entry.answer, Answer::Yes | Answer::No) {
            entry.judged_by = Some(Judgement {
                investigator: "Synthetic Investigator".to_owned(),
                on: day,
            });
        }
    }
    screening.prescreening_date = day;
    screening.planned_visit_date = day.checked_add(10.days()).ok();
}

/// Holds the visit on the planned day and re-confirms every answer the visit check lists, so
/// enrolment is allowed.
fn visit(
    store: &mut SqliteStore,
    trial: &LoadedTrial,
    screening: &Screening,
    id: &str,
    by: CoordinatorId,
) {
    let day = screening
        .planned_visit_date
        .unwrap_or(screening.prescreening_date);
    store
        .start_visit(id, day, by, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut held = screening.clone();
    held.visit_date = Some(day);
    let trial = &trial.definition;
    let check = visit_check(trial, &held, &evaluate(trial, &held));
    for criterion in &check.reconfirm_open {
        store
            .reconfirm(id, criterion, false, Some(day), by, None)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Fills a database with synthetic screenings spread over three sites, two trials and three
/// years, in every lifecycle stage.
fn build(path: &Path) {
    let started = Instant::now();
    let mut store = SqliteStore::open_with(
        path,
        Box::new(SystemClock::default()),
        Durability::ProcessCrash,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let set = TrialSet::built_in();
    let trials = [
        (
            set.latest("assix").unwrap_or_else(|| panic!("assix")),
            [
                "assix-eligible",
                "assix-prescreen-passed",
                "assix-not-eligible",
                "assix-incomplete",
            ],
        ),
        (
            set.latest("a-muse").unwrap_or_else(|| panic!("a-muse")),
            [
                "a-muse-eligible",
                "a-muse-prescreen-passed",
                "a-muse-not-eligible",
                "a-muse-incomplete",
            ],
        ),
    ];
    let fixtures: Vec<Vec<Screening>> = trials
        .iter()
        .map(|(_, names)| names.iter().map(|n| fixture(n)).collect())
        .collect();
    let coordinators: Vec<i64> = ["CPH", "TLS", "AAR"]
        .iter()
        .map(|site| {
            store
                .save_coordinator(&NewCoordinator {
                    name: format!("Synthetic Coordinator {site}"),
                    role: "study nurse".to_owned(),
                    site_code: (*site).to_owned(),
                })
                .unwrap_or_else(|e| panic!("{e}"))
                .id
        })
        .collect();
    let first_day = date(2024, 1, 1);
    for i in 0..SCREENINGS {
        let t = i % 2;
        let kind = (i / 2) % 4;
        let by = coordinators[(i / 8) % coordinators.len()];
        let mut screening = fixtures[t][kind].clone();
        let day: Date = first_day
            .checked_add((((i * 7) % 1000) as i64).days())
            .unwrap_or(first_day);
        move_to(&mut screening, &trials[t].0.definition, day);
        let id = store
            .import_screening(trials[t].0, &screening, by)
            .unwrap_or_else(|e| panic!("{e}"));
        if kind == 3 {
            continue; // incomplete: stays a draft
        }
        if store.record_verdict(&id, by).is_err() {
            continue; // a date shift made it incomplete
        }
        let steps: &[(ScreeningStatus, Option<&str>)] = match (kind, i % 5) {
            (0, 0) | (1, 0) => &[
                (ScreeningStatus::Approached, None),
                (ScreeningStatus::Declined, Some("does not want injections")),
            ],
            (0, 1) | (1, 1) => &[
                (ScreeningStatus::Approached, None),
                (ScreeningStatus::Consented, None),
                (
                    ScreeningStatus::NotEnrolled,
                    Some("screen failure at the visit"),
                ),
            ],
            (0, _) | (1, _) => &[
                (ScreeningStatus::Approached, None),
                (ScreeningStatus::Consented, None),
                (ScreeningStatus::Enrolled, None),
            ],
            (_, 4) => &[(ScreeningStatus::Voided, Some("entered in error"))],
            _ => &[],
        };
        for (status, reason) in steps {
            if *status == ScreeningStatus::Enrolled {
                visit(&mut store, trials[t].0, &screening, &id, by);
            }
            store
                .set_status(&id, *status, by, *reason)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        if i % 10_000 == 0 {
            eprintln!("built {i} screenings in {:?}", started.elapsed());
        }
    }
    eprintln!(
        "built {SCREENINGS} screenings in {:?}; database {} bytes",
        started.elapsed(),
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    );
}
