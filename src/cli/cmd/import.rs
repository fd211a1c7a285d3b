//! `prescreen import`: a screening file (RON) into the store.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};

use crate::cli::context::Context;
use crate::screening_file::read_screening;

/// Runs `import`: the store checks the whole file with the core; nothing is stored when
/// anything is refused.
pub fn run(context: &mut Context, file: &Path) -> Result<ExitCode> {
    let screening = read_screening(file)?;
    let by = context.coordinator()?;
    let (set, store) = context.trials_and_store()?;
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
    let id = store
        .import_screening(trial, &screening, by.id)
        .with_context(|| format!("importing {}", file.display()))?;
    crate::say!("imported {id}");
    Ok(ExitCode::SUCCESS)
}
