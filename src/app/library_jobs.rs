//! The trial library's slow work, run on the worker like every save: a definition file
//! written atomically and read back, and a verification noted in the audit trail. The file
//! and the trail agree: when the store refuses the verification, the file's earlier text is
//! put back.

use std::path::{Path, PathBuf};

use crate::storage::{CoordinatorId, Store};
use crate::trial::load::{LoadedTrial, load_trial_file};

/// Why a definition file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePurpose {
    /// The review form's "Save" (the draft's own file).
    Save,
    /// "Mark verified": the file, then the audit trail.
    Verify,
    /// "New version": a new file next to the old one, never over another.
    NewVersion,
    /// "Import a registry record": a ClinicalTrials.gov record read into a new draft file,
    /// never over another.
    Import,
}

/// A definition file to write (its text already checked by the loader).
#[derive(Debug, Clone)]
pub struct DefinitionJob {
    /// Why.
    pub purpose: WritePurpose,
    /// Where.
    pub path: PathBuf,
    /// The new text.
    pub text: String,
    /// The file's text before (put back if the store refuses a verification).
    pub previous: Option<String>,
    /// Who verifies (the coordinator the trail names), for [`WritePurpose::Verify`].
    pub by: Option<CoordinatorId>,
    /// The registry record read, for [`WritePurpose::Import`] (then `text` is unused).
    pub record: Option<PathBuf>,
}

/// What writing a definition file came to.
#[derive(Debug)]
pub struct DefinitionWritten {
    /// Why it was written.
    pub purpose: WritePurpose,
    /// The file.
    pub path: PathBuf,
    /// The definition as read back from the file, or why nothing changed.
    pub result: Result<LoadedTrial, String>,
}

/// Runs one library job against the file system and the store (on the worker thread).
pub fn run(store: &mut dyn Store, job: DefinitionJob) -> DefinitionWritten {
    let result = write(store, &job);
    DefinitionWritten {
        purpose: job.purpose,
        path: job.path,
        result,
    }
}

fn write(store: &mut dyn Store, job: &DefinitionJob) -> Result<LoadedTrial, String> {
    let path = &job.path;
    if job.purpose == WritePurpose::NewVersion && path.exists() {
        return Err(format!(
            "{} already exists and was not replaced; choose another version",
            path.display()
        ));
    }
    let text = match (&job.purpose, &job.record) {
        (WritePurpose::Import, Some(record)) => imported_text(record, path)?,
        _ => job.text.clone(),
    };
    put(path, &text)?;
    let loaded = load_trial_file(path).map_err(|e| e.to_string())?;
    if job.purpose != WritePurpose::Verify {
        return Ok(loaded);
    }
    let noted = match job.by {
        Some(by) => store
            .mark_definition_verified(&loaded, by)
            .map_err(|e| e.to_string()),
        None => Err("save your coordinator profile first".to_owned()),
    };
    match noted {
        Ok(()) => Ok(loaded),
        Err(why) => {
            let restored = match &job.previous {
                Some(previous) => put(path, previous).map(|()| " the file is as it was"),
                None => Ok(""),
            };
            Err(match restored {
                Ok(note) => format!("Not verified: {why};{note}"),
                Err(also) => {
                    format!("Not verified: {why}; and the file could not be put back: {also}")
                }
            })
        }
    }
}

/// A registry record read into the draft's text (the importer's warnings and suggestions in
/// its header), for a file that does not exist yet.
fn imported_text(record: &Path, path: &Path) -> Result<String, String> {
    if path.exists() {
        return Err(format!(
            "{} already exists and was not replaced",
            path.display()
        ));
    }
    let json = std::fs::read_to_string(record).map_err(|e| format!("{}: {e}", record.display()))?;
    let name = record.display().to_string();
    let draft = crate::trial::import::import_ctgov(&json, &name, jiff::Zoned::now().date())
        .map_err(|e| format!("{name}: {e}"))?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    Ok(draft.file_text())
}

fn put(path: &Path, text: &str) -> Result<(), String> {
    crate::screening_file::write_atomically(path, text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}
