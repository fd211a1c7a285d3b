//! One frame's CPU time (egui_kittest harness, no rendering) for a synthetic 200-criterion
//! trial and for the two shipped trials, with a started screening on screen.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use eframe::egui;
use egui_kittest::Harness;
use jiff::civil::date;
use prescreen::app::{AppConfig, Command, PrescreenApp};
use prescreen::storage::DataDir;

/// A valid trial file with `count` criteria of mixed rules (ids IN001…, EX001…).
fn synthetic_trial(count: usize) -> String {
    let mut criteria = String::new();
    for n in 0..count {
        let (id, kind) = if n % 2 == 0 {
            (format!("IN{n:03}"), "Inclusion")
        } else {
            (format!("EX{n:03}"), "Exclusion")
        };
        let rule = match n % 4 {
            0 => {
                "Measurement((quantity: \"Value\", unit: \"mm\", min: (value: 1, inclusive: true), plausible: (min: 0, max: 100)))"
            }
            1 => {
                "TimeWindow((event: \"Event\", length: (amount: 3, unit: Months), start: Inclusive, reference: PreScreeningDate))"
            }
            _ => "Confirmation",
        };
        let stage = if n % 3 == 0 {
            "ScreeningVisit"
        } else {
            "PreScreen"
        };
        criteria.push_str(&format!(
            "(id: \"{id}\", kind: {kind}, text: \"Synthetic criterion number {n} with enough words to wrap across the detail pane and be truncated in the list\", stage: {stage}, rule: {rule}),\n"
        ));
    }
    format!(
        "(id: \"synthetic\", acronym: \"SYN-200\", short_title: \"Synthetic\", official_title: \"Synthetic 200-criterion trial\",
          identifiers: [(kind: SponsorProtocol, value: \"SYN-1\")], sponsor: \"Benchmark\", condition: \"none\",
          intervention: \"none\", primary_outcome: \"none\", sites: [],
          provenance: (source_registry: \"none\", source_record: \"generated\", definition_version: \"1.0.0\", transcribed_by: \"bench\"),
          visit_name: \"visit\", colour: \"#336699\", criteria: [{criteria}])"
    )
}

fn harness_for(
    trial_id: &str,
    data: &std::path::Path,
    trials: &std::path::Path,
) -> Harness<'static, PrescreenApp> {
    let config = AppConfig {
        data_dir: DataDir::at(data),
        trial_dirs: vec![trials.to_path_buf()],
        today: date(2026, 11, 23),
        database: None,
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| PrescreenApp::new(config, &cc.egui_ctx, None));
    harness.run_steps(2);
    let app = harness.state_mut();
    app.set_profile_for_tests("Bench Coordinator", "coordinator", "BEN");
    app.apply(Command::SaveProfile);
    app.settle();
    let index = app.trial_index(trial_id).expect("trial loaded");
    app.apply(Command::SwitchTrial(index));
    app.fill_candidate_for_tests("ZZ", "1970-01-01");
    app.apply(Command::StartScreening);
    app.settle();
    harness.run_steps(3);
    harness
}

fn frame(c: &mut Criterion) {
    let trials = tempfile::tempdir().unwrap();
    std::fs::write(trials.path().join("synthetic.ron"), synthetic_trial(200)).unwrap();
    for trial_id in ["synthetic", "a-muse", "assix"] {
        let data = tempfile::tempdir().unwrap();
        let mut harness = harness_for(trial_id, data.path(), trials.path());
        assert!(
            harness.state().workspace().unwrap().stored,
            "{:?}",
            harness.state().message()
        );
        c.bench_function(&format!("one frame, {trial_id}"), |b| {
            b.iter(|| harness.step())
        });
    }
}

criterion_group!(benches, frame);
criterion_main!(benches);
