//! The records commands: coordinator, new, answer, status, log, audit, backup, import, show.
//!
//! A thin shell over [`crate::storage::Store`]: parse, call the store, print. Candidate data
//! (initials, date of birth) is only ever printed by `show`, whose purpose is to export it;
//! diagnostics (`PRESCREEN_LOG=debug`) name screening ids only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::cli::{evaluation_text, exit_code, trial_set};
use crate::eligibility::evaluate;
use crate::screening::{Answer, Candidate, CriterionEntry, Sex};
use crate::screening_file::{read_screening, screening_to_string};
use crate::storage::{
    Coordinator, DataDir, LogFilter, LogRow, NewCoordinator, NewScreening, ScreeningStatus,
    SqliteStore, Store, StoreError, TrialSummary, open_store,
};
use crate::trial::load::{load_trial_str, ron_options};

/// The environment variable that sets the diagnostic level (`PRESCREEN_LOG=debug`).
pub const LOG_ENV: &str = "PRESCREEN_LOG";

/// Sends `tracing` diagnostics to stderr at the level `PRESCREEN_LOG` names (default: warn).
/// Called once by the binary; the library never installs a subscriber.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env(LOG_ENV)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The records subcommands (flattened into the main command line).
#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Who the command line acts as: every change is attributed to this coordinator.
    Coordinator {
        /// What to do.
        #[command(subcommand)]
        action: CoordinatorAction,
    },
    /// Start a screening; prints its new pseudonymous id.
    New(NewArgs),
    /// Set, change or clear one criterion's answer (a change or clear needs --reason).
    Answer(AnswerArgs),
    /// Move a screening through its lifecycle; `pre-screened` records the verdict.
    #[command(after_help = STATUS_HELP)]
    Status {
        /// Screening id.
        id: String,
        /// New status.
        status: String,
        /// Why (required for declined, not-enrolled, voided and any move back).
        #[arg(long)]
        reason: Option<String>,
    },
    /// The screening log, one row per screening, or with --summary the SEAR counts per trial.
    Log(LogArgs),
    /// The audit trail.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Take a consistent copy of the database, even while the app is running.
    Backup {
        /// Where to write the copy (replaced atomically if it exists).
        file: PathBuf,
    },
    /// Import a screening file (RON): keeps its id when free, generates one when empty.
    Import {
        /// The screening file.
        file: PathBuf,
    },
    /// Print a stored screening: as text, or as RON (the exchange format `import` reads; the
    /// export is recorded in the audit trail).
    Show {
        /// Screening id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Test helper: saves answers in a loop, printing a line after each save returned.
    #[command(hide = true)]
    CrashWriter {
        /// Trial id.
        #[arg(long, default_value = "assix")]
        trial: String,
        /// Stop after this many saves (default: never).
        #[arg(long)]
        limit: Option<u64>,
    },
}

const STATUS_HELP: &str = "Statuses: draft, pre-screened, approached, consented, declined, \
enrolled, not-enrolled, voided. Forward: draft → pre-screened → approached → consented → \
enrolled; pre-screened or consented → not-enrolled; approached → declined. Any move back, and \
voided (entered in error), need --reason. A voided screening never changes again.";

/// `coordinator` subcommands.
#[derive(Debug, Subcommand)]
pub enum CoordinatorAction {
    /// Save a coordinator and act as them from now on.
    Set {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Role ("study nurse", "investigator").
        #[arg(long)]
        role: String,
        /// Site code (2–8 letters or digits), part of every screening id.
        #[arg(long)]
        site: String,
    },
    /// Print the current coordinator.
    Show,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Walk the hash chain and the database's integrity; name the first broken link.
    Verify,
    /// Print one screening's audit events in order.
    History {
        /// Screening id.
        id: String,
    },
    /// Print the latest chain hash.
    Head,
}

/// `new` arguments.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Trial id (`assix`, `a-muse`); the newest loaded version is used.
    #[arg(long, required_unless_present = "rescreen")]
    trial: Option<String>,
    /// Re-screen: start a new screening of the same candidate for the same trial, linked to
    /// this earlier NOT ELIGIBLE screening. Candidate facts are carried over (unless given
    /// here), answers are not.
    #[arg(long, value_name = "ID")]
    rescreen: Option<String>,
    /// Candidate's initials.
    #[arg(long, default_value = "")]
    initials: String,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long = "dob", value_name = "DATE")]
    date_of_birth: Option<String>,
    /// Sex: female or male.
    #[arg(long)]
    sex: Option<String>,
    /// Of childbearing potential: yes or no.
    #[arg(long)]
    childbearing: Option<String>,
    /// Pregnant: yes or no (a fact shared by every trial).
    #[arg(long, value_name = "yes|no")]
    pregnant: Option<String>,
    /// Breastfeeding: yes or no (a fact shared by every trial).
    #[arg(long, value_name = "yes|no")]
    breastfeeding: Option<String>,
    /// Pre-screening date (default: today).
    #[arg(long = "date", value_name = "DATE")]
    prescreening_date: Option<Date>,
    /// Planned visit date.
    #[arg(long = "visit", value_name = "DATE")]
    planned_visit_date: Option<Date>,
    /// Site code (default: the coordinator's).
    #[arg(long)]
    site: Option<String>,
}

/// `answer` arguments.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Screening id.
    id: String,
    /// Criterion id (`IN04`).
    criterion: String,
    /// The answer in RON: `Yes`, `No`, `Unknown`, `Value(0.04)`, `Event(LastOn("2026-01-02"))`,
    /// `DocumentedDiagnosis(source: "letter")`.
    #[arg(long, required_unless_present = "clear")]
    answer: Option<String>,
    /// A note.
    #[arg(long)]
    note: Option<String>,
    /// Where the answer comes from.
    #[arg(long)]
    evidence: Option<String>,
    /// Remove the answer (needs --reason).
    #[arg(long, conflicts_with = "answer")]
    clear: bool,
    /// Why (required to change or clear an answered criterion).
    #[arg(long)]
    reason: Option<String>,
}

/// `log` arguments.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this trial id.
    #[arg(long)]
    trial: Option<String>,
    /// Pre-screening date on or after (YYYY-MM-DD).
    #[arg(long)]
    from: Option<Date>,
    /// Pre-screening date on or before (YYYY-MM-DD).
    #[arg(long)]
    to: Option<Date>,
    /// Only these statuses (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    status: Vec<String>,
    /// Only NOT ELIGIBLE screenings whose re-screen date has been reached today and that no
    /// later screening repeats yet.
    #[arg(long)]
    rescreen_due: bool,
    /// Per trial: screened, eligible, approached, consented, declined, enrolled, and the
    /// ineligibility counts per criterion.
    #[arg(long)]
    summary: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LogFormat::Table)]
    format: LogFormat,
}

/// Formats of `log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Aligned columns for people.
    Table,
    /// RFC 4180 CSV (UTF-8 with a byte-order mark, CRLF line ends) for spreadsheets.
    Csv,
}

/// Formats of `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Status, verdict, criteria and history for people.
    Text,
    /// The exchange format, as `import` reads it.
    Ron,
}

/// Runs a records command against the store in `data_dir` (or the default data folder).
pub fn run(
    command: RecordsCommand,
    data_dir: Option<&Path>,
    trial_dirs: &[PathBuf],
) -> Result<ExitCode> {
    let dir = DataDir::resolve(data_dir)?;
    let mut store = open_store(&dir)?;
    match command {
        RecordsCommand::Coordinator { action } => coordinator(&mut store, action),
        RecordsCommand::New(args) => new_screening(&mut store, args, trial_dirs),
        RecordsCommand::Answer(args) => answer(&mut store, args),
        RecordsCommand::Status { id, status, reason } => {
            let status: ScreeningStatus = status.parse().map_err(|e: String| anyhow!(e))?;
            let by = current(&store)?;
            store.set_status(&id, status, by.id, reason.as_deref())?;
            let stored = store.load_screening(&id)?;
            println!("{id}: {} (verdict {})", stored.status, stored.verdict.name);
            Ok(ExitCode::SUCCESS)
        }
        RecordsCommand::Log(args) => log(&store, args),
        RecordsCommand::Audit { action } => audit(&store, action),
        RecordsCommand::Backup { file } => {
            store.backup_to(&file)?;
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            println!("backup written to {} ({size} bytes)", file.display());
            Ok(ExitCode::SUCCESS)
        }
        RecordsCommand::Import { file } => import(&mut store, &file, trial_dirs),
        RecordsCommand::Show { id, format } => show(&mut store, &id, format),
        RecordsCommand::CrashWriter { trial, limit } => {
            crash_writer(&mut store, &trial, limit, trial_dirs)
        }
    }
}

fn current(store: &dyn Store) -> Result<Coordinator> {
    Ok(store
        .current_coordinator()?
        .ok_or(StoreError::NoCurrentCoordinator)?)
}

fn coordinator(store: &mut dyn Store, action: CoordinatorAction) -> Result<ExitCode> {
    match action {
        CoordinatorAction::Set { name, role, site } => {
            let saved = store.save_coordinator(&NewCoordinator {
                name,
                role,
                site_code: site,
            })?;
            store.set_current_coordinator(saved.id)?;
            println!(
                "acting as {} ({}, site {})",
                saved.name, saved.role, saved.site_code
            );
        }
        CoordinatorAction::Show => match store.current_coordinator()? {
            Some(c) => println!("{} ({}, site {})", c.name, c.role, c.site_code),
            None => bail!(StoreError::NoCurrentCoordinator),
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses a candidate date without repeating the text in the error (it may be a birth date).
fn parse_private_date(text: &str, what: &str) -> Result<Date> {
    text.trim()
        .parse()
        .map_err(|_| anyhow!("{what} is not a valid date (YYYY-MM-DD)"))
}

fn parse_yes_no(text: &str, what: &str) -> Result<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => bail!("{what} must be yes or no"),
    }
}

fn new_screening(store: &mut dyn Store, args: NewArgs, trial_dirs: &[PathBuf]) -> Result<ExitCode> {
    let set = trial_set(trial_dirs);
    let earlier = args
        .rescreen
        .as_deref()
        .map(|id| store.load_screening(id))
        .transpose()?;
    let trial_id = match (&args.trial, &earlier) {
        (Some(trial), _) => trial.clone(),
        (None, Some(earlier)) => earlier.screening.trial.id.clone(),
        (None, None) => bail!("--trial is required"),
    };
    let trial = set
        .latest(&trial_id)
        .ok_or_else(|| anyhow!("no trial {trial_id} is loaded"))?;
    let sex = match args.sex.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
        None => None,
        Some(s) if s == "female" || s == "f" => Some(Sex::Female),
        Some(s) if s == "male" || s == "m" => Some(Sex::Male),
        Some(_) => bail!("sex must be female or male"),
    };
    let given = Candidate {
        initials: args.initials.trim().to_owned(),
        date_of_birth: args
            .date_of_birth
            .as_deref()
            .map(|d| parse_private_date(d, "the date of birth"))
            .transpose()?,
        sex,
        childbearing_potential: args
            .childbearing
            .as_deref()
            .map(|c| parse_yes_no(c, "childbearing potential"))
            .transpose()?,
        pregnant: args
            .pregnant
            .as_deref()
            .map(|c| parse_yes_no(c, "pregnant"))
            .transpose()?,
        breastfeeding: args
            .breastfeeding
            .as_deref()
            .map(|c| parse_yes_no(c, "breastfeeding"))
            .transpose()?,
    };
    // A re-screening carries the shared candidate facts over; what is given here wins.
    let candidate = match &earlier {
        Some(earlier) => {
            let old = &earlier.screening.candidate;
            Candidate {
                initials: if given.initials.is_empty() {
                    old.initials.clone()
                } else {
                    given.initials
                },
                date_of_birth: given.date_of_birth.or(old.date_of_birth),
                sex: given.sex.or(old.sex),
                childbearing_potential: given.childbearing_potential.or(old.childbearing_potential),
                pregnant: given.pregnant.or(old.pregnant),
                breastfeeding: given.breastfeeding.or(old.breastfeeding),
            }
        }
        None => given,
    };
    let by = current(store)?;
    let today = jiff::Zoned::now().date();
    let id = store.create_screening(
        trial,
        &NewScreening {
            site_code: args.site,
            candidate,
            prescreening_date: args.prescreening_date.unwrap_or(today),
            planned_visit_date: args.planned_visit_date,
            rescreen_of: args.rescreen.clone(),
        },
        by.id,
    )?;
    println!("{id}");
    if let Some(earlier) = &args.rescreen {
        println!("re-screen of {earlier} (shared candidate facts carried over, answers not)");
    }
    Ok(ExitCode::SUCCESS)
}

fn answer(store: &mut dyn Store, args: AnswerArgs) -> Result<ExitCode> {
    let by = current(store)?;
    let entry = match &args.answer {
        Some(text) => {
            let answer: Answer = ron_options().from_str(text).map_err(|e| {
                let field = crate::ron_path::path_at(text, e.span.start.line, e.span.start.col)
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default();
                anyhow!(
                    "{}: --answer is not a valid answer (column {}): {field}{}",
                    args.criterion,
                    e.span.start.col,
                    e.code
                )
            })?;
            Some(CriterionEntry {
                answer,
                note: args.note.clone(),
                evidence: args.evidence.clone(),
            })
        }
        None => None,
    };
    let verdict = store.set_answer(
        &args.id,
        &args.criterion,
        entry.as_ref(),
        by.id,
        args.reason.as_deref(),
    )?;
    println!(
        "{}: {} saved; verdict {}",
        args.id,
        args.criterion,
        verdict.line()
    );
    Ok(ExitCode::SUCCESS)
}

fn log_filter(args: &LogArgs) -> Result<LogFilter> {
    let statuses = args
        .status
        .iter()
        .map(|s| s.parse::<ScreeningStatus>().map_err(|e| anyhow!(e)))
        .collect::<Result<Vec<_>>>()?;
    Ok(LogFilter {
        trial: args.trial.clone(),
        from: args.from,
        to: args.to,
        statuses,
        rescreen_due_on: args.rescreen_due.then(|| jiff::Zoned::now().date()),
    })
}

fn log(store: &dyn Store, args: LogArgs) -> Result<ExitCode> {
    let filter = log_filter(&args)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.summary {
        let summaries = store.summary(&filter)?;
        match args.format {
            LogFormat::Table => write_summary_table(&mut out, &summaries)?,
            LogFormat::Csv => write_summary_csv(&mut out, &summaries)?,
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let output_error = |e: std::io::Error| StoreError::Output(e.to_string());
    match args.format {
        LogFormat::Csv => {
            out.write_all(CSV_BOM.as_bytes())?;
            write_csv_record(&mut out, &LOG_COLUMNS)?;
            store.log(&filter, &mut |row| {
                write_csv_record(&mut out, &log_fields(row)).map_err(output_error)
            })?;
        }
        LogFormat::Table => {
            writeln!(
                out,
                "{:<18} {:<8} {:<7} {:<10} {:<20} {:<12} {:<17} REASONS",
                "ID", "TRIAL", "VERSION", "DATE", "COORDINATOR", "STATUS", "VERDICT"
            )?;
            let count = store.log(&filter, &mut |row| {
                let fields = log_fields(row);
                let mut reasons = fields[8].clone();
                if !fields[9].is_empty() {
                    if !reasons.is_empty() {
                        reasons.push_str("; ");
                    }
                    reasons.push_str(&format!("{}: {}", row.status, fields[9]));
                }
                if let Some(later) = &row.rescreened_as {
                    if !reasons.is_empty() {
                        reasons.push_str("; ");
                    }
                    reasons.push_str(&format!("re-screened as {later}"));
                }
                writeln!(
                    out,
                    "{:<18} {:<8} {:<7} {:<10} {:<20} {:<12} {:<17} {}",
                    row.screening_id,
                    row.trial_id,
                    row.definition_version,
                    row.prescreening_date,
                    row.coordinator,
                    row.status.as_str(),
                    row.verdict_line,
                    reasons
                )
                .map_err(output_error)
            })?;
            writeln!(out, "{count} screening(s)")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Excel needs the byte-order mark to read UTF-8 (criterion texts have non-ASCII characters).
const CSV_BOM: &str = "\u{feff}";

/// Columns of the CSV log.
pub const LOG_COLUMNS: [&str; 12] = [
    "screening_id",
    "trial",
    "definition_version",
    "prescreening_date",
    "coordinator",
    "site",
    "status",
    "verdict",
    "reasons",
    "status_reason",
    "rescreen_from",
    "rescreened_as",
];

/// The fields of one log row, in [`LOG_COLUMNS`] order.
pub fn log_fields(row: &LogRow) -> [String; 12] {
    let reasons = row
        .reasons
        .iter()
        .map(|r| {
            if r.text.is_empty() {
                r.criterion_id.clone()
            } else {
                format!("{} {}", r.criterion_id, r.text)
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    [
        row.screening_id.clone(),
        row.trial_id.clone(),
        row.definition_version.clone(),
        row.prescreening_date.to_string(),
        row.coordinator.clone(),
        row.site_code.clone(),
        row.status.as_str().to_owned(),
        row.verdict.clone(),
        reasons,
        row.status_reason.clone().unwrap_or_default(),
        row.rescreen_from.map(|d| d.to_string()).unwrap_or_else(|| {
            if row.verdict_line.contains("when the event has ended") {
                "when the event has ended".to_owned()
            } else {
                String::new()
            }
        }),
        row.rescreened_as.clone().unwrap_or_default(),
    ]
}

/// One RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A
/// field a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Writes one CSV record ending in CRLF.
pub fn write_csv_record<S: AsRef<str>>(out: &mut dyn Write, fields: &[S]) -> std::io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f.as_ref())).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

fn write_summary_table(out: &mut dyn Write, summaries: &[TrialSummary]) -> std::io::Result<()> {
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

fn write_summary_csv(out: &mut dyn Write, summaries: &[TrialSummary]) -> std::io::Result<()> {
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

fn audit(store: &SqliteStore, action: AuditAction) -> Result<ExitCode> {
    match action {
        AuditAction::Verify => {
            let integrity = store.check_integrity()?;
            let report = store.verify_audit_chain()?;
            if let Err(problems) = &integrity {
                println!(
                    "database {} FAILS its integrity check: {}",
                    store.path_text(),
                    problems.join("; ")
                );
            }
            match &report.first_break {
                None => println!(
                    "audit chain intact: {} events, head {}",
                    report.events, report.head
                ),
                Some(link) => println!(
                    "audit chain BROKEN at {link} ({} events read)",
                    report.events
                ),
            }
            Ok(if integrity.is_ok() && report.is_intact() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(exit_code::ERROR)
            })
        }
        AuditAction::History { id } => {
            for event in store.screening_history(&id)? {
                let mut line = format!(
                    "#{} {} ({}) {} [{}] {}",
                    event.seq,
                    event.at_utc,
                    event.utc_offset,
                    event.coordinator_name,
                    event.coordinator_role,
                    event.action
                );
                if let Some(target) = &event.target {
                    line.push_str(&format!(" {target}"));
                }
                if event.old_value.is_some() || event.new_value.is_some() {
                    line.push_str(&format!(
                        ": {} → {}",
                        event.old_value.as_deref().unwrap_or("∅"),
                        event.new_value.as_deref().unwrap_or("∅")
                    ));
                }
                if let Some(reason) = &event.reason {
                    line.push_str(&format!(" (reason: {reason})"));
                }
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditAction::Head => {
            println!("{}", store.latest_chain_hash()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import(store: &mut dyn Store, file: &Path, trial_dirs: &[PathBuf]) -> Result<ExitCode> {
    let screening = read_screening(file)?;
    let set = trial_set(trial_dirs);
    let trial = set
        .get(&screening.trial.id, &screening.trial.version)
        .ok_or_else(|| {
            anyhow!(
                "{}: trial {} version {} is not loaded; add its file with --trials DIR",
                file.display(),
                screening.trial.id,
                screening.trial.version
            )
        })?;
    let by = current(store)?;
    let id = store
        .import_screening(trial, &screening, by.id)
        .with_context(|| format!("importing {}", file.display()))?;
    println!("imported {id}");
    Ok(ExitCode::SUCCESS)
}

fn show(store: &mut dyn Store, id: &str, format: ShowFormat) -> Result<ExitCode> {
    let stored = store.load_screening(id)?;
    match format {
        ShowFormat::Ron => {
            // The record leaves prescreen: attribute and log the export first.
            let by = current(store)?;
            let text = screening_to_string(&stored.screening)?;
            store.mark_exported(id, by.id, "RON (prescreen show --format ron)")?;
            println!("{text}");
        }
        ShowFormat::Text => {
            let reference = &stored.screening.trial;
            let sha = reference.sha256.clone().unwrap_or_default();
            let text = store
                .trial_text(&reference.id, &reference.version, &sha)?
                .ok_or_else(|| anyhow!("the definition of {id} is not in the store"))?;
            let trial = load_trial_str(&text, &format!("stored:{}", reference.id))?;
            let evaluation = evaluate(&trial.definition, &stored.screening);
            println!(
                "{id}: status {}{}",
                stored.status,
                stored
                    .status_reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            if let Some(earlier) = &stored.rescreen_of {
                println!("re-screen of {earlier}");
            }
            for later in &stored.rescreened_as {
                println!("re-screened as {later}");
            }
            print!(
                "{}",
                evaluation_text(&trial.definition, &stored.screening, &evaluation)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The crash test's child: creates a screening every ten saves and flips confirmation
/// answers, printing `created ID` / `saved ID CRITERION N` only after the store returned.
fn crash_writer(
    store: &mut dyn Store,
    trial_id: &str,
    limit: Option<u64>,
    trial_dirs: &[PathBuf],
) -> Result<ExitCode> {
    let set = trial_set(trial_dirs);
    let trial = set
        .latest(trial_id)
        .ok_or_else(|| anyhow!("no trial {trial_id} is loaded"))?;
    let criteria: Vec<String> = trial
        .definition
        .criteria
        .iter()
        .filter(|c| matches!(c.rule, crate::trial::model::Rule::Confirmation))
        .map(|c| c.id.clone())
        .collect();
    if criteria.is_empty() {
        bail!("trial {trial_id} has no confirmation criterion to answer");
    }
    let by = match store.current_coordinator()? {
        Some(c) => c,
        None => {
            let c = store.save_coordinator(&NewCoordinator {
                name: "Crash Writer".to_owned(),
                role: "test".to_owned(),
                site_code: "TST".to_owned(),
            })?;
            store.set_current_coordinator(c.id)?;
            c
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut screening = String::new();
    let mut saves: u64 = 0;
    let date = Date::constant(2026, 11, 23);
    loop {
        if limit.is_some_and(|l| saves >= l) {
            return Ok(ExitCode::SUCCESS);
        }
        if saves.is_multiple_of(10) {
            screening = store.create_screening(
                trial,
                &NewScreening {
                    site_code: None,
                    candidate: Candidate {
                        initials: "ZZ".to_owned(),
                        date_of_birth: Some(Date::constant(1970, 1, 1)),
                        sex: Some(Sex::Female),
                        childbearing_potential: Some(false),
                        pregnant: Some(false),
                        breastfeeding: Some(false),
                    },
                    prescreening_date: date,
                    planned_visit_date: None,
                    rescreen_of: None,
                },
                by.id,
            )?;
            writeln!(out, "created {screening}")?;
            out.flush()?;
        }
        saves += 1;
        let criterion = &criteria[(saves as usize) % criteria.len()];
        let entry = CriterionEntry {
            answer: if saves.is_multiple_of(2) {
                Answer::Yes
            } else {
                Answer::No
            },
            note: Some(format!("save {saves}")),
            evidence: None,
        };
        store.set_answer(
            &screening,
            criterion,
            Some(&entry),
            by.id,
            Some("crash test"),
        )?;
        writeln!(out, "saved {screening} {criterion} {saves}")?;
        out.flush()?;
    }
}
