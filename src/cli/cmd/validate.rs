//! `prescreen validate`: check trial files or folders of them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::output::exit_code;
use crate::trial::TrialSet;

/// Runs `validate`: every problem of every file, exit 1 if there is any.
pub fn run(paths: &[PathBuf]) -> Result<ExitCode> {
    let set = if paths.is_empty() {
        TrialSet::built_in()
    } else {
        let mut set = TrialSet::default();
        for path in paths {
            if !path.exists() {
                set.problems.push(crate::trial::LoadError::Io(
                    crate::io_error::IoError::other(path, "no such file or folder"),
                ));
                continue;
            }
            set.add_path(path);
        }
        set
    };
    for trial in set.trials.values() {
        crate::say!(
            "ok    {}: {} {} ({} criteria)",
            trial.origin,
            trial.definition.acronym,
            trial.definition.version(),
            trial.definition.criteria.len()
        );
    }
    // Warnings for the newest version of each trial (older ones are kept as they were, for
    // the screenings answered against them).
    for trial in set.latest_each() {
        for warning in crate::visit::definition_warnings(&trial.definition) {
            crate::say!("warn  {}: {warning}", trial.origin);
        }
    }
    for problem in &set.problems {
        crate::say!("error {problem}");
    }
    if set.problems.is_empty() {
        if set.trials.is_empty() {
            crate::say!("no trial files found");
            return Ok(ExitCode::from(exit_code::ERROR));
        }
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(exit_code::ERROR))
    }
}
