//! `prescreen trials`: the loaded trial definitions with id, version and SHA-256.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::context::Context;

/// Runs `trials`.
pub fn run(context: &mut Context) -> Result<ExitCode> {
    let set = context.trials();
    for trial in set.trials.values() {
        let d = &trial.definition;
        crate::say!(
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
