//! `prescreen trials`: the loaded trial definitions with id, version and SHA-256;
//! `trials import` drafts a definition from a registry record; `trials diff` compares two.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::cli::args::{DiffFormat, TrialsAction};
use crate::cli::context::Context;
use crate::trial::import::{MAX_RECORD_BYTES, import_ctgov};
use crate::trial::model::{CriterionKind, DefinitionStatus};

/// Exit codes of `trials diff`, as diff(1) has them.
mod diff_exit {
    /// The definitions are the same.
    pub const SAME: u8 = 0;
    /// They differ.
    pub const DIFFERENT: u8 = 1;
    /// A file could not be read or is no valid trial definition.
    pub const UNREADABLE: u8 = 2;
}

/// Runs `trials` and its subcommands.
pub fn run(context: &mut Context, action: Option<TrialsAction>) -> Result<ExitCode> {
    match action {
        None => list(context),
        Some(TrialsAction::Import { record, out }) => import(&record, &out),
        Some(TrialsAction::Diff { old, new, format }) => diff(&old, &new, format),
    }
}

/// The loaded trials, one a line; a definition not in use says so.
fn list(context: &mut Context) -> Result<ExitCode> {
    let set = context.trials();
    for trial in set.trials.values() {
        let d = &trial.definition;
        let status = match d.status {
            DefinitionStatus::InUse => String::new(),
            other => format!(" {}", other.label().to_uppercase()),
        };
        crate::say!(
            "{:<10} {:<8} {:<8} {}  {} ({} criteria) [{}]{status}",
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

/// `trials import RECORD --out FILE`: writes the draft (never over a file) and prints what
/// the reviewer must look at.
fn import(record: &Path, out: &Path) -> Result<ExitCode> {
    if out.symlink_metadata().is_ok() {
        bail!(
            "{}: already exists; a draft is never written over a file (choose another --out)",
            out.display()
        );
    }
    let mut text = String::new();
    std::fs::File::open(record)
        .and_then(|file| {
            file.take(u64::try_from(MAX_RECORD_BYTES).unwrap_or(u64::MAX) + 1)
                .read_to_string(&mut text)
        })
        .with_context(|| format!("{}: cannot read", record.display()))?;
    let source = record.display().to_string();
    let draft = import_ctgov(&text, &source, jiff::Zoned::now().date())?;
    crate::screening_file::write_atomically(out, draft.file_text().as_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;

    let d = &draft.definition;
    let count = |kind: CriterionKind| d.criteria.iter().filter(|c| c.kind == kind).count();
    crate::say!(
        "wrote {}: DRAFT of {} ({}), {} inclusion and {} exclusion criteria",
        out.display(),
        d.acronym,
        d.primary_identifier()
            .map(|i| i.display())
            .unwrap_or_default(),
        count(CriterionKind::Inclusion),
        count(CriterionKind::Exclusion)
    );
    for warning in &draft.warnings {
        crate::say!("warn    {warning}");
    }
    for suggestion in &draft.suggestions {
        crate::say!("suggest {suggestion}");
    }
    crate::say!(
        "Nothing suggested has been applied. Review the draft against the protocol, then check it with `prescreen validate {}`.",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `trials diff OLD NEW`: exit 0 the same, 1 different, 2 unreadable.
fn diff(old: &Path, new: &Path, format: DiffFormat) -> Result<ExitCode> {
    let load = |path: &Path| crate::trial::load_trial_file(path);
    let (old, new) = match (load(old), load(new)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            for error in [old.err(), new.err()].into_iter().flatten() {
                eprintln!("error: {error}");
            }
            return Ok(ExitCode::from(diff_exit::UNREADABLE));
        }
    };
    let differences = crate::trial::diff::diff(&old.definition, &new.definition);
    match format {
        DiffFormat::Text => crate::say!("{}", differences.to_string().trim_end()),
        DiffFormat::Json => crate::say!("{}", serde_json::to_string_pretty(&differences)?),
    }
    Ok(ExitCode::from(if differences.is_empty() {
        diff_exit::SAME
    } else {
        diff_exit::DIFFERENT
    }))
}
