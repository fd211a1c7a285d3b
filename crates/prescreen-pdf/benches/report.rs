//! Benchmarks of the signed PDF summary: render a full A-MUSE screening, and render + sign it
//! with RSA-2048 and with P-256 (keys made once, outside the timed loop).
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::tz::Offset;
use prescreen_core::eligibility::evaluate;
use prescreen_core::screening_file::screening_from_str;
use prescreen_core::trial::TrialSet;
use prescreen_pdf::report::{
    ReportInput, ReportOptions, SignatureAppearance, SignatureMeaning, render,
};
use prescreen_pdf::signing::identity::{KeyAlgorithm, generate};
use prescreen_pdf::signing::sign_report;

fn input_and_options() -> (ReportInput, ReportOptions) {
    let set = TrialSet::built_in();
    let screening = screening_from_str(
        include_str!("../../../tests/fixtures/a-muse-eligible.ron"),
        "fixture",
    )
    .ok();
    let trial = screening
        .as_ref()
        .and_then(|s| set.get(&s.trial.id, &s.trial.version))
        .cloned();
    let (Some(trial), Some(screening)) = (trial, screening) else {
        panic!("fixtures must load");
    };
    let evaluation = evaluate(&trial.definition, &screening);
    let at = Timestamp::from_second(1_795_442_731).unwrap_or(Timestamp::UNIX_EPOCH);
    let offset = Offset::from_seconds(3600).unwrap_or(Offset::UTC);
    let stroke: Vec<(f32, f32)> = (0..60)
        .map(|i| {
            let t = i as f32 / 59.0;
            (t, 0.5 + 0.3 * (t * 10.0).sin())
        })
        .collect();
    let input = ReportInput {
        trial: trial.definition,
        trial_sha256: trial.sha256,
        screening,
        evaluation,
        signature: Some(SignatureAppearance {
            name: "Camille Lefèvre".to_owned(),
            role: "Clinical research coordinator".to_owned(),
            site: "CHU Toulouse".to_owned(),
            signed_at: at,
            utc_offset: offset,
            meaning: SignatureMeaning::ScreenedBy,
            strokes: vec![stroke],
        }),
        audit: Vec::new(),
        chain_hash: None,
    };
    let options = ReportOptions {
        generated_at: at,
        utc_offset: offset,
    };
    (input, options)
}

fn report(c: &mut Criterion) {
    let (input, options) = input_and_options();
    let mut unsigned = input.clone();
    unsigned.signature = None;
    let size = render(&unsigned, &options).map(|p| p.len()).unwrap_or(0);
    println!("unsigned A-MUSE report: {size} bytes");
    c.bench_function("render A-MUSE report (full answers)", |b| {
        b.iter(|| std::hint::black_box(render(&unsigned, &options).ok()));
    });
    for (label, algorithm) in [
        ("RSA-2048", KeyAlgorithm::Rsa2048),
        ("P-256", KeyAlgorithm::P256),
    ] {
        let Ok(identity) = generate(
            "Camille Lefèvre",
            "Clinical research coordinator",
            "CHU Toulouse",
            algorithm,
            options.generated_at,
        ) else {
            panic!("key generation failed");
        };
        let size = sign_report(&input, &options, &identity)
            .map(|p| p.len())
            .unwrap_or(0);
        println!("signed A-MUSE report ({label}): {size} bytes");
        c.bench_function(&format!("render + sign A-MUSE report ({label})"), |b| {
            b.iter(|| std::hint::black_box(sign_report(&input, &options, &identity).ok()));
        });
    }
}

/// The investigator's countersignature on a coordinator-certified summary, and `verify` of
/// the file with both signatures (P-256 keys, no TSA: a network round trip is not timed).
fn countersignature(c: &mut Criterion) {
    use prescreen_pdf::signing::pdf_sig::{SignatureDetails, countersign_pdf};
    use prescreen_pdf::signing::verify::verify;
    let (input, options) = input_and_options();
    let (Ok(coordinator), Ok(investigator)) = (
        generate(
            "Camille Lefèvre",
            "Clinical research coordinator",
            "CHU Toulouse",
            KeyAlgorithm::P256,
            options.generated_at,
        ),
        generate(
            "Dr Lucie Bernard",
            "Investigator (sub-investigator, delegation log line 4)",
            "CHU Toulouse",
            KeyAlgorithm::P256,
            options.generated_at,
        ),
    ) else {
        panic!("key generation failed");
    };
    let Ok(certified) = sign_report(&input, &options, &coordinator) else {
        panic!("certification failed");
    };
    let details = SignatureDetails {
        signed_at: options.generated_at,
        utc_offset: options.utc_offset,
        meaning: SignatureMeaning::EligibilityConfirmedByInvestigator,
        location: "CHU Toulouse".to_owned(),
    };
    let role = "Investigator (sub-investigator, delegation log line 4)";
    let Ok(both) = countersign_pdf(&certified, &investigator, &details, role) else {
        panic!("countersignature failed");
    };
    println!(
        "certified A-MUSE report: {} bytes; countersigned: {} bytes",
        certified.len(),
        both.len()
    );
    c.bench_function("countersign a certified A-MUSE report (P-256)", |b| {
        b.iter(|| {
            std::hint::black_box(countersign_pdf(&certified, &investigator, &details, role).ok())
        });
    });
    c.bench_function(
        "verify a countersigned A-MUSE report (two signatures)",
        |b| {
            b.iter(|| std::hint::black_box(verify(&both).is_valid()));
        },
    );
}

criterion_group!(benches, report, countersignature);
criterion_main!(benches);
