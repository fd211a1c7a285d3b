//! `prescreen audit verify|history|head`: the hash-chained audit trail.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::args::AuditAction;
use crate::cli::context::Context;
use crate::cli::output::exit_code;
use crate::storage::Store;

/// Runs `audit verify|history|head`.
pub fn run(context: &mut Context, action: AuditAction) -> Result<ExitCode> {
    let store = context.store()?;
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
