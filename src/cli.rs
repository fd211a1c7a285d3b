//! The headless command line: everything the app does, scriptable and testable.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::eligibility::{Evaluation, Verdict, evaluate};
use crate::screening::Screening;
use crate::screening_file::read_screening;
use crate::trial::load::{LoadedTrial, TrialSet};
use crate::trial::model::{CriterionKind, Stage, TrialDefinition};

/// Exit codes of `prescreen evaluate`, one per verdict, distinct from error codes.
pub mod exit_code {
    /// ELIGIBLE.
    pub const ELIGIBLE: u8 = 0;
    /// A command failed (bad file, unknown trial, I/O).
    pub const ERROR: u8 = 1;
    /// The command line itself was wrong (clap's usage error code).
    pub const USAGE: u8 = 2;
    /// PRE-SCREEN PASSED.
    pub const PRE_SCREEN_PASSED: u8 = 10;
    /// INCOMPLETE.
    pub const INCOMPLETE: u8 = 11;
    /// NOT ELIGIBLE.
    pub const NOT_ELIGIBLE: u8 = 12;
}

const EVALUATE_HELP: &str = "Exit codes: 0 ELIGIBLE, 10 PRE-SCREEN PASSED, 11 INCOMPLETE, \
12 NOT ELIGIBLE; 1 an error (unreadable file, unknown trial, answers for another trial), \
2 a usage error.";

/// prescreen — eligibility pre-screening for clinical trials.
#[derive(Debug, Parser)]
#[command(name = "prescreen", version, about, long_about = None)]
pub struct Cli {
    /// Also load trial files from this folder (repeatable). The shipped trials are built in.
    #[arg(long = "trials", value_name = "DIR", global = true)]
    pub trial_dirs: Vec<PathBuf>,

    /// Keep everything (database, signing identities, settings) in this folder instead of the
    /// user's data folder.
    #[arg(
        long = "data-dir",
        value_name = "DIR",
        env = "PRESCREEN_DATA_DIR",
        global = true
    )]
    pub data_dir: Option<PathBuf>,

    /// What to do; without a command the desktop app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Records: coordinator, new, answer, status, log, audit, backup, import, show.
    #[command(flatten)]
    Records(crate::cli_records::RecordsCommand),
    /// Check trial files or folders of them; list every problem; exit 1 if there is any.
    Validate {
        /// Files or folders to check (default: the built-in trials).
        paths: Vec<PathBuf>,
    },
    /// List the loaded trials with id, version and SHA-256.
    Trials,
    /// Create, import or show your signing identity (key + certificate).
    Identity {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_pdf::IdentityAction,
    },
    /// Write a screening's PDF summary, signed (`--sign`) or as an unsigned draft.
    Export(crate::cli_pdf::ExportArgs),
    /// Check a signed PDF summary: signer, time, integrity, embedded record; exit 0 if valid.
    Verify(crate::cli_pdf::VerifyArgs),
    /// Evaluate a screening file against a trial and print every criterion and the verdict.
    #[command(after_help = EVALUATE_HELP)]
    Evaluate {
        /// Trial id (`assix`, `a-muse`).
        #[arg(long)]
        trial: String,
        /// The screening file (RON).
        screening: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
}

/// How to print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// Runs a parsed command line; errors are reported once, by the caller.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        let data_dir = crate::storage::DataDir::resolve(cli.data_dir.as_deref())?;
        let today = jiff::Zoned::now().date();
        crate::app::run(crate::app::AppConfig {
            data_dir,
            trial_dirs: cli.trial_dirs,
            today,
        })
        .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        Command::Records(records) => {
            crate::cli_records::run(records, cli.data_dir.as_deref(), &cli.trial_dirs)
        }
        Command::Identity { action } => crate::cli_pdf::identity(action, cli.data_dir.as_deref()),
        Command::Export(args) => {
            crate::cli_pdf::export(args, cli.data_dir.as_deref(), &cli.trial_dirs)
        }
        Command::Verify(args) => crate::cli_pdf::verify(args),
        Command::Validate { paths } => validate(&paths),
        Command::Trials => {
            let set = trial_set(&cli.trial_dirs);
            report_problems(&set);
            for trial in set.trials.values() {
                let d = &trial.definition;
                println!(
                    "{:<10} {:<8} {:<8} {}  {} ({} criteria) [{}]",
                    d.id,
                    d.acronym,
                    d.version(),
                    trial.sha256,
                    d.primary_identifier()
                        .map(|i| i.value.as_str())
                        .unwrap_or("-"),
                    d.criteria.len(),
                    trial.origin
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate {
            trial,
            screening,
            format,
        } => {
            let set = trial_set(&cli.trial_dirs);
            report_problems(&set);
            let screening_data = read_screening(&screening)?;
            let loaded = trial_for(&set, &trial, &screening_data)?;
            // The same checks as `import`, `answer` and the window: a bad input is refused,
            // naming the file, the criterion and the field, never evaluated.
            let today = jiff::Zoned::now().date();
            let problems = crate::validation::check_screening(
                &loaded.definition,
                &screening_data,
                Some(today),
            );
            if !problems.is_empty() {
                let lines: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}: {p}", screening.display()))
                    .collect();
                bail!("{}", lines.join("\n"));
            }
            let evaluation = evaluate(&loaded.definition, &screening_data);
            match format {
                OutputFormat::Text => print!(
                    "{}",
                    evaluation_text(&loaded.definition, &screening_data, &evaluation)
                ),
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&evaluation)?),
            }
            Ok(ExitCode::from(verdict_exit_code(&evaluation.verdict)))
        }
    }
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

/// Built-in trials plus every `--trials` folder.
pub fn trial_set(dirs: &[PathBuf]) -> TrialSet {
    let mut set = TrialSet::built_in();
    for dir in dirs {
        set.add_path(dir);
    }
    set
}

fn report_problems(set: &TrialSet) {
    for problem in &set.problems {
        eprintln!("warning: {problem}");
    }
}

fn validate(paths: &[PathBuf]) -> Result<ExitCode> {
    let set = if paths.is_empty() {
        TrialSet::built_in()
    } else {
        let mut set = TrialSet::default();
        for path in paths {
            if !path.exists() {
                set.problems.push(crate::trial::LoadError::Io {
                    file: path.display().to_string(),
                    message: "no such file or folder".to_owned(),
                });
                continue;
            }
            set.add_path(path);
        }
        set
    };
    for trial in set.trials.values() {
        println!(
            "ok    {}: {} {} ({} criteria)",
            trial.origin,
            trial.definition.acronym,
            trial.definition.version(),
            trial.definition.criteria.len()
        );
    }
    for problem in &set.problems {
        println!("error {problem}");
    }
    if set.problems.is_empty() {
        if set.trials.is_empty() {
            println!("no trial files found");
            return Ok(ExitCode::from(exit_code::ERROR));
        }
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(exit_code::ERROR))
    }
}

/// Picks the definition a screening was answered against: the same id and version, and the
/// same text when the screening records its hash.
fn trial_for<'a>(
    set: &'a TrialSet,
    trial_id: &str,
    screening: &Screening,
) -> Result<&'a LoadedTrial> {
    if screening.trial.id != trial_id {
        bail!(
            "screening {} was answered for trial \"{}\", not \"{trial_id}\"",
            screening.screening_id,
            screening.trial.id
        );
    }
    let Some(trial) = set.get(trial_id, &screening.trial.version) else {
        let known: Vec<String> = set
            .trials
            .keys()
            .map(|(id, version)| format!("{id} {version}"))
            .collect();
        bail!(
            "trial {trial_id} version {} is not loaded (loaded: {}); add its file with --trials DIR",
            screening.trial.version,
            known.join(", ")
        );
    };
    if let Some(hash) = &screening.trial.sha256
        && !hash.eq_ignore_ascii_case(&trial.sha256)
    {
        bail!(
            "screening {} records trial file SHA-256 {hash}, but the loaded {trial_id} {} has {}",
            screening.screening_id,
            screening.trial.version,
            trial.sha256
        );
    }
    Ok(trial)
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
