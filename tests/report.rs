//! The PDF report: deterministic bytes, every criterion's verbatim text extractable, the
//! verdict, the draft marking, no date of birth, and a structurally valid file (qpdf).
#![cfg(test)]

mod common;

mod pdf_common;

use pdf_common::{input, normalise, options, pdf_text, run, text, tool};
use prescreen::report::{AuditRow, render, render_with_layout};
use prescreen::screening::Answer;
use prescreen::signing::verify::embedded_record;

const FIXTURES: &[&str] = &[
    "a-muse-eligible.ron",
    "a-muse-incomplete.ron",
    "a-muse-not-eligible.ron",
    "a-muse-prescreen-passed.ron",
    "assix-eligible.ron",
    "assix-incomplete.ron",
    "assix-not-eligible.ron",
    "assix-prescreen-passed.ron",
];

#[test]
fn same_input_gives_same_bytes() {
    let input = input("a-muse-eligible.ron");
    let first = render(&input, &options()).unwrap();
    let second = render(&input, &options()).unwrap();
    assert_eq!(first, second, "rendering is not deterministic");
    assert!(first.starts_with(b"%PDF-"));
    let mut later = options();
    later.generated_at += jiff::SignedDuration::from_secs(1);
    assert_ne!(first, render(&input, &later).unwrap());
}

#[test]
fn every_fixture_renders_with_an_embedded_record_without_birth_date() {
    for name in FIXTURES {
        let input = input(name);
        let rendered = render_with_layout(&input, &options()).unwrap();
        assert!(
            rendered.page_count >= 2,
            "{name}: {} pages",
            rendered.page_count
        );
        let doc = lopdf::Document::load_mem(&rendered.pdf).unwrap();
        let record = embedded_record(&doc).unwrap();
        assert!(record.contains(&input.screening.screening_id), "{name}");
        assert!(record.contains(&input.trial_sha256), "{name}");
        assert!(record.contains(input.evaluation.verdict.name()), "{name}");
        if let Some(dob) = input.screening.candidate.date_of_birth {
            assert!(
                !record.contains(&dob.to_string()),
                "{name}: date of birth in the record"
            );
        }
        let parsed = prescreen::report::record::ScreeningRecord::from_ron(&record).unwrap();
        assert_eq!(parsed.criteria.len(), input.trial.criteria.len());
    }
}

#[test]
fn a_long_audit_trail_breaks_across_pages() {
    let mut input = input("assix-eligible.ron");
    input.audit = (0..120)
        .map(|i| AuditRow {
            at_utc: "2026-11-23T09:00:00Z".parse().unwrap(),
            utc_offset_seconds: 3600,
            who: "Synthetic Coordinator (study nurse)".to_owned(),
            what: format!("answer IN{:02}", i % 12 + 1),
            old_value: Some("Unknown".to_owned()),
            new_value: Some(format!(
                "Value({i}.5) — a long value that wraps over several lines of the column µ ≥ ≤"
            )),
            reason: (i % 3 == 0).then(|| "Corrected after reading the lab report".to_owned()),
        })
        .collect();
    input.chain_hash = Some("ab".repeat(32));
    let rendered = render_with_layout(&input, &options()).unwrap();
    assert!(rendered.page_count >= 5, "{} pages", rendered.page_count);
}

#[test]
fn unicode_answers_and_notes_render() {
    let mut input = input("assix-eligible.ron");
    for entry in input.screening.answers.values_mut() {
        entry.note = Some("Søren Ødegård: ≥ 0,05 µl – ≤ 3 ml/min; öäü ÆØÅ “quoted”".to_owned());
    }
    if let Some(entry) = input.screening.answers.values_mut().next() {
        entry.answer = Answer::Unknown;
    }
    render(&input, &options()).unwrap();
}

#[test]
fn pdftotext_extracts_every_criterion_verbatim() {
    let Some(pdftotext) = tool("pdftotext", None) else {
        return;
    };
    let qpdf = tool("qpdf", None);
    let dir = tempfile::tempdir().unwrap();
    for name in FIXTURES {
        let input = input(name);
        let pdf = render(&input, &options()).unwrap();
        let file = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        let extracted = pdf_text(&pdftotext, &file);
        for criterion in &input.trial.criteria {
            assert!(
                extracted.contains(&normalise(&criterion.text)),
                "{name}: criterion {} not extractable:\n{}\n---\n{extracted}",
                criterion.id,
                criterion.text
            );
        }
        assert!(extracted.contains(&format!("VERDICT: {}", input.evaluation.verdict.name())));
        assert!(extracted.contains(&input.trial_sha256));
        assert!(extracted.contains(&input.screening.screening_id));
        if let Some(dob) = input.screening.candidate.date_of_birth {
            assert!(
                !extracted.contains(&dob.to_string()),
                "{name}: date of birth printed"
            );
        }
        // Unsigned: every page says so.
        let pages = pdf_page_count(&pdf);
        for page in 1..=pages {
            let p = page.to_string();
            let out = run(
                &pdftotext,
                &["-f", &p, "-l", &p, file.to_str().unwrap(), "-"],
            );
            let page_text = normalise(&String::from_utf8_lossy(&out.stdout));
            assert!(
                page_text.contains("DRAFT — NOT SIGNED"),
                "{name} page {page}"
            );
            assert!(
                page_text.contains(&format!("page {page} of {pages}")),
                "{name} page {page}"
            );
        }
        if let Some(qpdf) = &qpdf {
            let out = run(qpdf, &["--check", file.to_str().unwrap()]);
            assert!(out.status.success(), "{name}: qpdf --check: {}", text(&out));
        }
    }
}

#[test]
fn special_characters_render_and_extract() {
    let Some(pdftotext) = tool("pdftotext", None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut all = String::new();
    let mut wanted: Vec<char> = "≥≤öØµ–".chars().collect();
    for name in ["a-muse-eligible.ron", "assix-eligible.ron"] {
        let mut input = input(name);
        let trial_file = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("trials")
                .join(format!("{}.ron", input.trial.id)),
        )
        .unwrap();
        wanted.extend(trial_file.chars().filter(|c| !c.is_ascii()));
        if let Some(entry) = input.screening.answers.values_mut().next() {
            entry.note = Some("Søren Ødegård: ≥ 0,05 µl – ≤ 3 ml/min; Sjögren".to_owned());
        }
        let pdf = render(&input, &options()).unwrap();
        let file = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        all.push_str(&pdf_text(&pdftotext, &file));
    }
    wanted.sort_unstable();
    wanted.dedup();
    for c in wanted {
        assert!(
            all.contains(c),
            "{c} (U+{:04X}) missing from the extracted text",
            c as u32
        );
    }
}

fn pdf_page_count(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
}

#[test]
fn cli_unsigned_export_is_reproducible_with_source_date_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = pdf_common::fixture("a-muse-not-eligible.ron");
    let export = |name: &str| {
        let out_file = dir.path().join(name);
        let out = common::prescreen_command()
            .args(["--data-dir", dir.path().join("data").to_str().unwrap()])
            .args(["export", "--from", fixture.to_str().unwrap(), "--out"])
            .arg(&out_file)
            .env("SOURCE_DATE_EPOCH", "1795442731")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        std::fs::read(out_file).unwrap()
    };
    let first = export("one.pdf");
    let second = export("two.pdf");
    assert_eq!(first, second);
    // Signing from a file (not in the store) is refused, and nothing is written.
    let out = common::prescreen_command()
        .args(["--data-dir", dir.path().join("data").to_str().unwrap()])
        .args(["export", "--from", fixture.to_str().unwrap(), "--out"])
        .arg(dir.path().join("signed.pdf"))
        .args(["--sign", "--meaning", "screened"])
        .env("PRESCREEN_PASSPHRASE", "whatever passphrase")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!dir.path().join("signed.pdf").exists());
}

proptest::proptest! {
    /// Wrapping never loses, reorders or invents words, and every line fits its column
    /// (unless a single character is wider than the column).
    #[test]
    fn wrapping_keeps_every_word_and_fits(text in "[a-zA-Zéö≥≤µ–0-9 ,.()/-]{0,300}", width in 20.0f32..300.0) {
        use prescreen::report::layout::{Face, fonts, text_width, wrap};
        let fonts = fonts().unwrap();
        let lines = wrap(fonts, Face::Regular, 8.0, &text, width);
        let rejoined: String = lines.concat().chars().filter(|c| !c.is_whitespace()).collect();
        let original: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        proptest::prop_assert_eq!(rejoined, original);
        for line in &lines {
            proptest::prop_assert!(
                text_width(fonts, Face::Regular, 8.0, line) <= width || line.chars().count() == 1,
                "{:?} is wider than {}", line, width
            );
        }
    }
}
