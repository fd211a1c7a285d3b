//! `prescreen evaluate`: a screening file against a trial, with the verdict as exit code.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::args::OutputFormat;
use crate::cli::context::Context;
use crate::cli::output::{evaluation_text, verdict_exit_code};
use crate::eligibility::evaluate;
use crate::screening::Screening;
use crate::screening_file::read_screening;
use crate::trial::load::{LoadedTrial, TrialSet};

/// Runs `evaluate`: the same checks as `import`, `answer` and the window; a bad input is
/// refused, naming the file, the criterion and the field, never evaluated.
pub fn run(
    context: &mut Context,
    trial: &str,
    screening: &Path,
    format: OutputFormat,
) -> Result<ExitCode> {
    let set = context.trials();
    let screening_data = read_screening(screening)?;
    let loaded = trial_for(set, trial, &screening_data)?;
    let today = jiff::Zoned::now().date();
    let problems =
        crate::validation::check_screening(&loaded.definition, &screening_data, Some(today));
    if !problems.is_empty() {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {p}", screening.display()))
            .collect();
        bail!("{}", lines.join("\n"));
    }
    let evaluation = evaluate(&loaded.definition, &screening_data);
    match format {
        OutputFormat::Text => crate::cli::output::say_fmt(format_args!(
            "{}",
            evaluation_text(&loaded.definition, &screening_data, &evaluation)
        )),
        OutputFormat::Json => {
            // The visit check's open re-confirmations also at the top, beside the verdict.
            let mut json = serde_json::to_value(&evaluation)?;
            if let Some(object) = json.as_object_mut() {
                object.insert(
                    "reconfirm_open".to_owned(),
                    serde_json::to_value(&evaluation.visit.reconfirm_open)?,
                );
            }
            crate::say!("{}", serde_json::to_string_pretty(&json)?)
        }
    }
    Ok(ExitCode::from(verdict_exit_code(&evaluation.verdict)))
}

/// Picks the definition a screening was answered against: the same id and version, and the
/// same text when the screening records its hash.
fn trial_for<'a>(
    set: &'a TrialSet,
    trial_id: &str,
    screening: &Screening,
) -> Result<&'a LoadedTrial> {
    if screening.trial.id != trial_id {
        bail!(
            "screening {} was answered for trial \"{}\", not \"{trial_id}\"",
            screening.screening_id,
            screening.trial.id
        );
    }
    let Some(trial) = set.get(trial_id, &screening.trial.version) else {
        let known: Vec<String> = set
            .trials
            .keys()
            .map(|(id, version)| format!("{id} {version}"))
            .collect();
        bail!(
            "trial {trial_id} version {} is not loaded (loaded: {}); add its file with --trials DIR",
            screening.trial.version,
            known.join(", ")
        );
    };
    if let Some(hash) = &screening.trial.sha256
        && !hash.eq_ignore_ascii_case(&trial.sha256)
    {
        bail!(
            "screening {} records trial file SHA-256 {hash}, but the loaded {trial_id} {} has {}",
            screening.screening_id,
            screening.trial.version,
            trial.sha256
        );
    }
    Ok(trial)
}
