//! `prescreen log`: the screening log as a table or CSV, or the SEAR summary.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};

use crate::cli::args::{LogArgs, LogFormat};
use crate::cli::context::Context;
use crate::cli::output::{write_summary_csv, write_summary_table};
use crate::storage::csv::{CSV_BOM, LOG_COLUMNS, log_fields, write_csv_record};
use crate::storage::{LogFilter, ScreeningStatus, StoreError};

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
        definition_version: args.definition_version.clone(),
        ..LogFilter::default()
    })
}

/// Runs `log`: rows streamed from the store as they are read.
pub fn run(context: &mut Context, args: LogArgs) -> Result<ExitCode> {
    let store = context.store()?;
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
