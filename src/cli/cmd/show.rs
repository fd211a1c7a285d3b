//! `prescreen show`: a stored screening for people, or in the exchange format.

use std::process::ExitCode;

use anyhow::{Result, anyhow};

use crate::cli::args::ShowFormat;
use crate::cli::context::Context;
use crate::cli::output::evaluation_text;
use crate::eligibility::{Evaluation, evaluate};
use crate::screening_file::screening_to_string;
use crate::storage::{Store, StoredScreening};
use crate::trial::load::load_trial_str;
use crate::trial::model::TrialDefinition;

/// Runs `show`.
pub fn run(context: &mut Context, id: &str, format: ShowFormat) -> Result<ExitCode> {
    let by = match format {
        ShowFormat::Ron => Some(context.coordinator()?),
        ShowFormat::Text => None,
    };
    let store = context.store()?;
    let stored = store.load_screening(id)?;
    match format {
        ShowFormat::Ron => {
            // The record leaves prescreen: attribute and log the export first.
            let text = screening_to_string(&stored.screening)?;
            if let Some(by) = by {
                store.mark_exported(id, by.id, "RON (prescreen show --format ron)")?;
            }
            crate::say!("{text}");
        }
        ShowFormat::Text => {
            let (trial, evaluation) = stored_evaluation(store, &stored)?;
            crate::say!(
                "{id}: status {}{}",
                stored.status,
                stored
                    .status_reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            if let Some(earlier) = &stored.rescreen_of {
                crate::say!("re-screen of {earlier}");
            }
            for later in &stored.rescreened_as {
                crate::say!("re-screened as {later}");
            }
            crate::cli::output::say_fmt(format_args!(
                "{}",
                evaluation_text(&trial, &stored.screening, &evaluation)
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A stored screening evaluated against the definition the store holds for it.
pub fn stored_evaluation(
    store: &dyn Store,
    stored: &StoredScreening,
) -> Result<(TrialDefinition, Evaluation)> {
    let reference = &stored.screening.trial;
    let sha = reference.sha256.clone().unwrap_or_default();
    let text = store
        .trial_text(&reference.id, &reference.version, &sha)?
        .ok_or_else(|| {
            anyhow!(
                "the definition of {} is not in the store",
                stored.screening.screening_id
            )
        })?;
    let trial = load_trial_str(&text, &format!("stored:{}", reference.id))?;
    let evaluation = evaluate(&trial.definition, &stored.screening);
    Ok((trial.definition, evaluation))
}
