//! What the chain's coverage of the current state costs: `audit verify` (every link, every
//! screening's state replayed and compared with the tables, every cached verdict recomputed,
//! every stored definition re-hashed) over 2 000 screenings — several years of a busy site —
//! the per-export check of one screening, and one answer's save with its state hash.
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use prescreen_core::screening::{Answer, CriterionEntry, Screening};
use prescreen_core::screening_file::screening_from_str;
use prescreen_core::trial::load::TrialSet;
use prescreen_store::clock::SystemClock;
use prescreen_store::sqlite::Durability;
use prescreen_store::{NewCoordinator, SqliteStore, Store};

const SCREENINGS: usize = 2_000;

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

fn audit_benchmarks(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("audit.sqlite3");
    let mut store = SqliteStore::open_with(
        &path,
        Box::new(SystemClock::default()),
        Durability::PowerLoss,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let by = store
        .save_coordinator(&NewCoordinator {
            name: "Synthetic Coordinator".to_owned(),
            role: "study nurse".to_owned(),
            site_code: "CPH".to_owned(),
        })
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    let set = TrialSet::built_in();
    let assix = set.latest("assix").unwrap_or_else(|| panic!("assix"));
    let a_muse = set.latest("a-muse").unwrap_or_else(|| panic!("a-muse"));
    let (assix_case, a_muse_case) = (fixture("assix-eligible"), fixture("a-muse-not-eligible"));
    let mut last = String::new();
    for i in 0..SCREENINGS {
        let (trial, screening) = if i % 2 == 0 {
            (assix, &assix_case)
        } else {
            (a_muse, &a_muse_case)
        };
        let id = store
            .import_screening(trial, screening, by)
            .unwrap_or_else(|e| panic!("{e}"));
        if i % 2 == 0 {
            last = id; // an ASSIX screening: EX09 is an investigator judgement
        }
    }
    let report = store.verify_audit_chain().unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_intact());
    eprintln!(
        "{SCREENINGS} screenings, {} events, database {} bytes",
        report.events,
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    );
    let mut group = c.benchmark_group("audit_2k");
    group.sample_size(10);
    group.bench_function(
        "audit verify (links, replay, verdicts, definitions, schema)",
        |b| b.iter(|| store.verify_audit_chain().unwrap_or_else(|e| panic!("{e}"))),
    );
    group.bench_function("one screening's record check (before every export)", |b| {
        b.iter(|| {
            store
                .screening_record_problems(&last)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    let notes = ["first", "second"];
    let mut turn = 0;
    group.bench_function("one answer saved with its state hash (fsync)", |b| {
        b.iter(|| {
            turn += 1;
            let entry = CriterionEntry {
                answer: Answer::No,
                note: Some(notes[turn % 2].to_owned()),
                ..CriterionEntry::new(Answer::No)
            };
            store
                .set_answer(&last, "EX09", Some(&entry), by, Some("bench"))
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(Path::new(dir.path()));
}

criterion_group!(benches, audit_benchmarks);
criterion_main!(benches);
