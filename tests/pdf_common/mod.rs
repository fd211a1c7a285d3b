//! Helpers shared by the report and signing tests: fixtures as report input, and the
//! external validators (poppler, qpdf, pyHanko, openssl), which must exist under CI.
#![allow(dead_code, reason = "each test file uses its own part of the helpers")]

pub mod tsa;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jiff::Timestamp;
use jiff::tz::Offset;
use prescreen::eligibility::evaluate;
use prescreen::report::{ReportInput, ReportOptions, SignatureAppearance, SignatureMeaning};
use prescreen::screening_file::read_screening;
use prescreen::trial::load::TrialSet;

/// A screening fixture by file name.
pub fn fixture(name: &str) -> PathBuf {
    crate::common::fixture(name)
}

/// A fixture as report input (unsigned).
pub fn input(name: &str) -> ReportInput {
    let screening = read_screening(&fixture(name)).unwrap();
    let set = TrialSet::built_in();
    let trial = set
        .get(&screening.trial.id, &screening.trial.version)
        .unwrap()
        .clone();
    let evaluation = evaluate(&trial.definition, &screening);
    ReportInput {
        trial: trial.definition,
        trial_sha256: trial.sha256,
        screening,
        evaluation,
        signature: None,
        audit: Vec::new(),
        chain_hash: None,
    }
}

/// A fixed clock: 2026-11-23 14:05:31 UTC, +01:00.
pub fn options() -> ReportOptions {
    ReportOptions {
        generated_at: "2026-11-23T14:05:31Z".parse::<Timestamp>().unwrap(),
        utc_offset: Offset::from_seconds(3600).unwrap(),
    }
}

/// A signature appearance with a drawn squiggle.
pub fn appearance(name: &str, meaning: SignatureMeaning) -> SignatureAppearance {
    let stroke: Vec<(f32, f32)> = (0..40)
        .map(|i| {
            let t = i as f32 / 39.0;
            (0.05 + 0.9 * t, 0.5 + 0.3 * (t * 12.0).sin())
        })
        .collect();
    SignatureAppearance {
        name: name.to_owned(),
        role: "Clinical research coordinator".to_owned(),
        site: "CHU Toulouse".to_owned(),
        signed_at: options().generated_at,
        utc_offset: options().utc_offset,
        meaning,
        strokes: vec![stroke, vec![(0.2, 0.9), (0.8, 0.85)]],
    }
}

/// Whether external tools are required (CI).
pub fn tools_required() -> bool {
    std::env::var_os("PRESCREEN_REQUIRE_TOOLS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Finds a tool on PATH (or via `env_var`); `None` (with a loud warning) when missing and
/// not required; a failure when required.
pub fn tool(name: &str, env_var: Option<&str>) -> Option<PathBuf> {
    if let Some(var) = env_var
        && let Some(path) = std::env::var_os(var)
    {
        let path = PathBuf::from(path);
        if path.exists() {
            return Some(path);
        }
    }
    if name == "pyhanko" {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/pyhanko");
        if venv.exists() {
            return Some(venv);
        }
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !tools_required(),
            "{name} is required (PRESCREEN_REQUIRE_TOOLS is set) but was not found; run scripts/setup.sh"
        );
        eprintln!(
            "WARNING: {name} not found — this external check is SKIPPED. Run scripts/setup.sh; CI sets PRESCREEN_REQUIRE_TOOLS=1 and fails instead."
        );
    }
    found
}

/// Runs a command and returns its output.
pub fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

/// stdout + stderr as text.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Whitespace collapsed to single spaces.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// pdftotext of a file, whitespace normalised.
pub fn pdf_text(pdftotext: &Path, file: &Path) -> String {
    let out = run(pdftotext, &[file.to_str().unwrap(), "-"]);
    assert!(out.status.success(), "pdftotext failed: {}", text(&out));
    normalise(&String::from_utf8_lossy(&out.stdout))
}
