//! `prescreen backup`: a consistent copy of the store, even while the app writes.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::context::Context;
use crate::storage::Store;

/// Runs `backup`.
pub fn run(context: &mut Context, file: &Path) -> Result<ExitCode> {
    let store = context.store()?;
    store.backup_to(file)?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    crate::say!("backup written to {} ({size} bytes)", file.display());
    // The head it copied, to note down away from the machine: an anchor for `audit verify`.
    let copy = crate::storage::SqliteStore::open(file)?;
    let head = copy.latest_chain_hash()?;
    let events = copy.audit_event_with_hash(&head)?.map_or(0, |e| e.seq);
    crate::say!("chain head copied: event #{events}, {head}");
    Ok(ExitCode::SUCCESS)
}
