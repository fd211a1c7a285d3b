//! Benchmarks of the core: loading both shipped trials and evaluating a full screening.
#![expect(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use prescreen_core::eligibility::evaluate;
use prescreen_core::screening_file::screening_from_str;
use prescreen_core::trial::{TrialSet, load_trial_str};

fn load_both_trials(c: &mut Criterion) {
    c.bench_function("load both trials (parse + validate + sha256)", |b| {
        b.iter(|| {
            for (origin, text) in prescreen_core::trial::load::BUILT_IN_TRIALS {
                std::hint::black_box(load_trial_str(text, origin).ok());
            }
        });
    });
}

fn evaluate_full_screening(c: &mut Criterion) {
    let set = TrialSet::built_in();
    let trial = set.latest("a-muse").map(|t| t.definition.clone());
    let screening = screening_from_str(
        include_str!("../../../tests/fixtures/a-muse-eligible.ron"),
        "fixture",
    )
    .ok();
    let (Some(trial), Some(screening)) = (trial, screening) else {
        panic!("fixtures must load");
    };
    c.bench_function("evaluate a full A-MUSE screening (18 criteria)", |b| {
        b.iter(|| std::hint::black_box(evaluate(&trial, &screening)));
    });
    // At the visit: held, every pre-screen answer re-confirmed (the visit check all clear).
    let mut at_visit = screening.clone();
    at_visit.visit_date = Some(at_visit.prescreening_date);
    for id in evaluate(&trial, &at_visit).visit.reconfirm_open {
        let evaluation = evaluate(&trial, &at_visit);
        if let Ok(entry) = prescreen_core::visit::reconfirm(
            &trial,
            &at_visit,
            &evaluation,
            &id,
            false,
            at_visit.prescreening_date,
            None,
        ) {
            at_visit.answers.insert(id, entry);
        }
    }
    c.bench_function(
        "evaluate at the visit (8 re-confirmations, visit check)",
        |b| {
            b.iter(|| std::hint::black_box(evaluate(&trial, &at_visit)));
        },
    );
}

criterion_group!(benches, load_both_trials, evaluate_full_screening);
criterion_main!(benches);
