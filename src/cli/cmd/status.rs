//! `prescreen status`: move a screening through its lifecycle (the core decides what is
//! allowed and what needs a reason).

use std::process::ExitCode;

use anyhow::{Result, anyhow};

use crate::cli::context::Context;
use crate::storage::ScreeningStatus;

/// Runs `status`.
pub fn run(
    context: &mut Context,
    id: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<ExitCode> {
    let status: ScreeningStatus = status.parse().map_err(|e: String| anyhow!(e))?;
    let by = context.coordinator()?;
    let store = context.store()?;
    store.set_status(id, status, by.id, reason)?;
    let stored = store.load_screening(id)?;
    crate::say!(
        "{id}: {} (verdict {})",
        stored.status,
        stored.verdict.name()
    );
    Ok(ExitCode::SUCCESS)
}
