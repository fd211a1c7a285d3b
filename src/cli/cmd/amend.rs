//! `prescreen move`: a screening in progress follows a protocol amendment to the next version
//! of its trial's definition; the store decides what carries over and records one event.

use std::process::ExitCode;

use anyhow::{Result, anyhow};

use crate::cli::context::Context;

/// Runs `move ID [--to-version V] [--reason R]`.
pub fn run(
    context: &mut Context,
    id: &str,
    to_version: Option<&str>,
    reason: Option<&str>,
) -> Result<ExitCode> {
    let by = context.coordinator()?.id;
    let (trials, store) = context.trials_and_store()?;
    let trial_id = store.load_screening(id)?.screening.trial.id;
    let to = match to_version {
        Some(version) => trials.get(&trial_id, version),
        None => trials.latest(&trial_id),
    }
    .ok_or_else(|| {
        anyhow!(
            "trial {trial_id} version {} is not loaded; add its file with --trials DIR",
            to_version.unwrap_or("(newest)")
        )
    })?
    .clone();
    let moved = store.move_screening(id, &to, by, reason)?;
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        }
    };
    crate::say!(
        "{id} moved from {trial_id} {} to {}: answers kept for {}; open again: {}; removed: {}",
        moved.from_version,
        moved.to_version,
        list(&moved.carried),
        list(&moved.reopened),
        list(&moved.removed)
    );
    Ok(ExitCode::SUCCESS)
}
