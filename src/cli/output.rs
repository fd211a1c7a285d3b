//! Everything a command prints, in one place: exit codes, the evaluation table, the log and
//! summary as text or CSV, the identity and the verification report.

use std::io::Write;

use crate::eligibility::{Evaluation, Verdict};
use crate::screening::Screening;
use crate::signing::identity::{self, signer_name};
use crate::storage::TrialSummary;
use crate::storage::csv::{CSV_BOM, write_csv_record};
use crate::trial::model::{CriterionKind, Stage, TrialDefinition};

/// Prints a line on stdout. A closed stdout (`prescreen audit history … | head -1`) ends the
/// command quietly, as other command-line tools end on SIGPIPE, instead of panicking as
/// `println!` does.
#[macro_export]
macro_rules! say {
    () => { $crate::cli::output::say_fmt(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::output::say_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Writes to stdout; on a closed pipe exits quietly (0), on another error reports it (1).
pub fn say_fmt(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_fmt(args).and_then(|()| out.flush()) {
        quiet_exit_on_closed_pipe(&error);
        eprintln!("error: writing the output: {error}");
        std::process::exit(i32::from(exit_code::ERROR));
    }
}

/// Ends the process quietly (exit 0) when `error` is a closed pipe: whoever read the output
/// has what they wanted.
pub fn quiet_exit_on_closed_pipe(error: &std::io::Error) {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}

/// Exit codes of `prescreen evaluate`, one per verdict, distinct from error codes.
pub mod exit_code {
    /// ELIGIBLE.
    pub const ELIGIBLE: u8 = 0;
    /// A command failed (bad file, unknown trial, I/O).
    pub const ERROR: u8 = 1;
    /// The command line itself was wrong (clap's usage error code).
    pub const USAGE: u8 = 2;
    /// `verify`: the PDF is intact, but no trusted signer or CA vouches for its signer.
    pub const SIGNER_NOT_TRUSTED: u8 = 3;
    /// PRE-SCREEN PASSED.
    pub const PRE_SCREEN_PASSED: u8 = 10;
    /// INCOMPLETE.
    pub const INCOMPLETE: u8 = 11;
    /// NOT ELIGIBLE.
    pub const NOT_ELIGIBLE: u8 = 12;
}

/// The exit code `evaluate` returns for a verdict.
pub fn verdict_exit_code(verdict: &Verdict) -> u8 {
    match verdict {
        Verdict::Eligible => exit_code::ELIGIBLE,
        Verdict::PreScreenPassed { .. } => exit_code::PRE_SCREEN_PASSED,
        Verdict::Incomplete { .. } => exit_code::INCOMPLETE,
        Verdict::NotEligible { .. } => exit_code::NOT_ELIGIBLE,
    }
}

/// The per-criterion table and verdict as plain text.
pub fn evaluation_text(
    trial: &TrialDefinition,
    screening: &Screening,
    evaluation: &Evaluation,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let identifier = trial
        .primary_identifier()
        .map(|i| i.display())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} ({identifier}), definition {} — screening {}",
        trial.acronym,
        trial.version(),
        screening.screening_id
    );
    let _ = writeln!(
        out,
        "{:<5} {:<6} {:<18} EXPLANATION",
        "ID", "STAGE", "STATUS"
    );
    for finding in &evaluation.criteria {
        let stage = match finding.stage {
            Stage::PreScreen => "pre",
            Stage::ScreeningVisit => "visit",
        };
        let _ = writeln!(
            out,
            "{:<5} {:<6} {:<18} {}",
            finding.id,
            stage,
            finding.status.label(finding.kind),
            finding.explanation
        );
    }
    let _ = writeln!(out, "{}", evaluation.counts);
    let _ = writeln!(out, "VERDICT: {}", evaluation.verdict_line());
    if let Some(open) = evaluation.visit_summary(&trial.visit_name) {
        let _ = writeln!(out, "VISIT CHECK: {open}");
    }
    if let Some(held) = screening.visit_date {
        let _ = writeln!(out, "{} held on {held}", trial.visit_name);
    }
    let list = |out: &mut String, heading: &str, ids: &[String]| {
        if ids.is_empty() {
            return;
        }
        let _ = writeln!(out, "  {heading}:");
        for id in ids {
            let text = trial
                .criterion(id)
                .map(|c| c.short_text())
                .unwrap_or_default();
            let kind = trial.criterion(id).map(|c| match c.kind {
                CriterionKind::Inclusion => "inclusion",
                CriterionKind::Exclusion => "exclusion",
            });
            let why = evaluation
                .criterion(id)
                .map(|f| f.explanation.as_str())
                .unwrap_or_default();
            let _ = writeln!(out, "    {id} ({}) {text} — {why}", kind.unwrap_or(""));
        }
    };
    let invalid: Vec<String> = evaluation
        .invalid
        .iter()
        .filter_map(|p| p.criterion.clone())
        .collect();
    list(
        &mut out,
        "invalid answers (re-enter them; they block signing)",
        &invalid,
    );
    list(
        &mut out,
        &format!("to re-confirm at the {}", trial.visit_name),
        &evaluation.visit.reconfirm_open,
    );
    list(
        &mut out,
        "changed at the visit: new answer awaited",
        &evaluation.visit.new_answer_awaited,
    );
    list(
        &mut out,
        "investigator judgement without the investigator's name",
        &evaluation.visit.judgement_unnamed,
    );
    match &evaluation.verdict {
        Verdict::NotEligible { failing, missing } => {
            list(&mut out, "failing", failing);
            list(&mut out, "still missing", missing);
        }
        Verdict::Incomplete { missing } => list(&mut out, "missing", missing),
        Verdict::PreScreenPassed { pending } => list(
            &mut out,
            &format!("pending at the {}", trial.visit_name),
            pending,
        ),
        Verdict::Eligible => {}
    }
    out
}

/// The SEAR summary for people.
pub fn write_summary_table(out: &mut dyn Write, summaries: &[TrialSummary]) -> std::io::Result<()> {
    if summaries.is_empty() {
        writeln!(out, "no screenings")?;
    }
    for s in summaries {
        writeln!(out, "{}", s.trial_id)?;
        writeln!(
            out,
            "  screened {}  eligible {}  approached {}  consented {}  declined {}  enrolled {}",
            s.screened, s.eligible, s.approached, s.consented, s.declined, s.enrolled
        )?;
        writeln!(
            out,
            "  not eligible {}  not enrolled {}  in progress (draft) {}  voided {}",
            s.not_eligible, s.not_enrolled, s.in_progress, s.voided
        )?;
        if !s.ineligible_by_criterion.is_empty() {
            writeln!(out, "  not eligible by criterion:")?;
            writeln!(
                out,
                "    {:<6} {:>7} {:>12} {:>10}  TEXT",
                "ID", "COUNT", "TIME-LIMITED", "PERMANENT"
            )?;
            for c in &s.ineligible_by_criterion {
                writeln!(
                    out,
                    "    {:<6} {:>7} {:>12} {:>10}  {}",
                    c.criterion_id,
                    c.count,
                    c.time_limited,
                    c.count - c.time_limited.min(c.count),
                    c.text
                )?;
            }
        }
        for (heading, reasons) in [
            ("declined", &s.declined_reasons),
            ("not enrolled", &s.not_enrolled_reasons),
        ] {
            if !reasons.is_empty() {
                writeln!(out, "  {heading}, by reason:")?;
                for r in reasons {
                    writeln!(out, "    {:>7}  {}", r.count, r.reason)?;
                }
            }
        }
    }
    Ok(())
}

/// The SEAR summary as CSV.
pub fn write_summary_csv(out: &mut dyn Write, summaries: &[TrialSummary]) -> std::io::Result<()> {
    out.write_all(CSV_BOM.as_bytes())?;
    write_csv_record(
        out,
        &[
            "trial",
            "measure",
            "criterion_or_reason",
            "text",
            "count",
            "time_limited",
        ],
    )?;
    for s in summaries {
        let counts = [
            ("screened", s.screened),
            ("eligible", s.eligible),
            ("approached", s.approached),
            ("consented", s.consented),
            ("declined", s.declined),
            ("enrolled", s.enrolled),
            ("not_eligible", s.not_eligible),
            ("not_enrolled", s.not_enrolled),
            ("in_progress", s.in_progress),
            ("voided", s.voided),
        ];
        for (measure, count) in counts {
            write_csv_record(out, &[&s.trial_id, measure, "", "", &count.to_string(), ""])?;
        }
        for c in &s.ineligible_by_criterion {
            write_csv_record(
                out,
                &[
                    &s.trial_id,
                    "ineligible_by_criterion",
                    &c.criterion_id,
                    &c.text,
                    &c.count.to_string(),
                    &c.time_limited.to_string(),
                ],
            )?;
        }
        for (measure, reasons) in [
            ("declined_reason", &s.declined_reasons),
            ("not_enrolled_reason", &s.not_enrolled_reasons),
        ] {
            for r in reasons {
                write_csv_record(
                    out,
                    &[
                        &s.trial_id,
                        measure,
                        &r.reason,
                        "",
                        &r.count.to_string(),
                        "",
                    ],
                )?;
            }
        }
    }
    Ok(())
}

/// The signing identity's certificate, as `identity show` prints it.
pub fn print_identity(certificate: &crate::signing::Certificate) {
    let name = signer_name(certificate);
    crate::say!("signer:      {}", name.name);
    crate::say!("role:        {}", name.role.as_deref().unwrap_or("-"));
    crate::say!("site:        {}", name.site.as_deref().unwrap_or("-"));
    crate::say!("key:         {}", identity::key_algorithm_name(certificate));
    crate::say!(
        "certificate: SHA-256 {}",
        identity::fingerprint(certificate)
    );
}

/// A PDF date for people: `D:20261123141127+01'00'` → `2026-11-23 14:11:27 +01:00`;
/// anything else as it is.
pub fn readable_pdf_date(raw: &str) -> String {
    let digits = raw.strip_prefix("D:").unwrap_or(raw);
    let bytes = digits.as_bytes();
    if bytes.len() < 14 || !bytes[..14].iter().all(u8::is_ascii_digit) {
        return raw.to_owned();
    }
    let part = |a: usize, b: usize| &digits[a..b];
    let zone = match digits.get(14..) {
        Some(rest) if rest.starts_with('Z') => " UTC".to_owned(),
        Some(rest) if rest.is_ascii() && rest.len() >= 6 => {
            format!(" {}:{}", &rest[..3], rest.get(4..6).unwrap_or("00"))
        }
        _ => String::new(),
    };
    format!(
        "{}-{}-{} {}:{}:{}{zone}",
        part(0, 4),
        part(4, 6),
        part(6, 8),
        part(8, 10),
        part(10, 12),
        part(12, 14)
    )
}
