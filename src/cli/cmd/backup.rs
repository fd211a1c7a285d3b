//! `prescreen backup`: a consistent copy of the store, even while the app writes.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::context::Context;
use crate::storage::Store;

/// Runs `backup`.
pub fn run(context: &mut Context, file: &Path) -> Result<ExitCode> {
    context.store()?.backup_to(file)?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {} ({size} bytes)", file.display());
    Ok(ExitCode::SUCCESS)
}
