//! The trial library in the app: every loaded definition (all versions), the review form of
//! the one open, and what its buttons do. Files are written on the worker
//! ([`super::library_jobs`]); what comes back is loaded into the app at once, so the trial
//! bar, the screening view and the library show the definition as its file now says.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::library_jobs::{DefinitionJob, DefinitionWritten, WritePurpose};
use super::review_form::{ReviewForm, VerifyForm, checked, verified_by};
use super::tasks::Job;
use super::{Command, PrescreenApp, Workspace, ui};
use crate::trial::load::{LoadedTrial, TrialSet};
use crate::trial::model::DefinitionStatus;

/// The table's height while a review is open under it (about seven rows; more scroll).
const LIBRARY_TABLE_HEIGHT: f32 = 270.0;

/// What the library view holds.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// Every loaded definition, every version (the app screens with the newest of each).
    pub set: TrialSet,
    /// The review form open, if any.
    pub review: Option<ReviewForm>,
}

impl Library {
    /// The library of the definitions loaded at start.
    pub fn new(set: TrialSet) -> Self {
        Self { set, review: None }
    }
}

/// What the library's panels ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibraryCommand {
    /// Open the review form of the definition loaded from this origin.
    Open(String),
    /// Close the review form.
    Close,
    /// Check the form and write the draft's file.
    Save,
    /// Open the "Mark verified" dialog (pre-filled with the current coordinator).
    AskVerify,
    /// Mark the draft verified with what the dialog holds.
    Verify,
    /// Copy the verified definition as a draft of the form's next version, in a new file.
    NewVersion,
    /// Read a ClinicalTrials.gov record (the file, or ask for it) into a new draft in the
    /// data folder's `trials/`, and open its review.
    ImportRecord(Option<PathBuf>),
}

/// The newest loaded version of the same trial older than `trial` (what an amendment changed).
fn previous_version<'a>(set: &'a TrialSet, trial: &LoadedTrial) -> Option<&'a LoadedTrial> {
    let key = |t: &LoadedTrial| ui::library::version_key(t.definition.version());
    set.trials
        .values()
        .filter(|t| t.definition.id == trial.definition.id && key(t) < key(trial))
        .max_by(|a, b| key(a).cmp(&key(b)))
}

/// The review form of a definition, with what differs from its previous version.
fn review_form(set: &TrialSet, path: PathBuf, trial: LoadedTrial) -> ReviewForm {
    let changes = previous_version(set, &trial).map(|old| {
        let changes = crate::trial::diff::diff(&old.definition, &trial.definition);
        (old.definition.version().to_owned(), changes.to_string())
    });
    let mut form = ReviewForm::new(path, trial);
    form.changes = changes;
    form
}

impl PrescreenApp {
    /// The trial library (for tests).
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// Applies one library command.
    pub(super) fn apply_library(&mut self, command: LibraryCommand) {
        match command {
            LibraryCommand::Open(origin) => {
                let found = self
                    .library
                    .set
                    .trials
                    .values()
                    .find(|t| t.origin == origin)
                    .cloned();
                match found {
                    Some(trial) if ui::library::file_backed(&trial) => {
                        self.library.review = Some(review_form(
                            &self.library.set,
                            PathBuf::from(&origin),
                            trial,
                        ));
                    }
                    Some(_) => {
                        self.message = Some(format!(
                            "{origin} is built into the program: it is not edited here."
                        ));
                    }
                    None => self.message = Some(format!("{origin} is not loaded.")),
                }
            }
            LibraryCommand::Close => self.library.review = None,
            LibraryCommand::Save => self.save_review(),
            LibraryCommand::AskVerify => {
                let coordinator = self.coordinator.clone();
                if let Some(form) = self.library.review.as_mut() {
                    if form.can_verify() {
                        form.verify = Some(VerifyForm {
                            name: coordinator
                                .as_ref()
                                .map(|c| c.name.clone())
                                .unwrap_or_default(),
                            role: coordinator.map(|c| c.role).unwrap_or_default(),
                            error: None,
                        });
                    } else {
                        form.message = Some("Save the changes before marking it verified.".into());
                    }
                }
            }
            LibraryCommand::Verify => self.verify_review(),
            LibraryCommand::NewVersion => self.new_version(),
            LibraryCommand::ImportRecord(record) => self.import_record(record),
        }
    }

    fn save_review(&mut self) {
        let Some(form) = self.library.review.as_mut() else {
            return;
        };
        if !form.editable() {
            form.message = Some(format!(
                "{}: nothing was written.",
                super::review_form::VERIFIED_NOTE
            ));
            return;
        }
        let text = form.file_text().and_then(|text| {
            let loaded = checked(&text, &form.path)?;
            taken_elsewhere(&self.library.set, &loaded, &form.path)
                .map_or(Ok(text), |why| Err(vec![why]))
        });
        match text {
            Ok(text) => {
                form.problems.clear();
                form.message = None;
                form.busy = true;
                let job = DefinitionJob {
                    purpose: WritePurpose::Save,
                    path: form.path.clone(),
                    text,
                    previous: Some(form.loaded.text.clone()),
                    by: None,
                    record: None,
                };
                self.submit(Job::Definition(Box::new(job)));
            }
            Err(problems) => self.refused(problems),
        }
    }

    fn verify_review(&mut self) {
        let today = self.config.today;
        let by = self.coordinator.as_ref().map(|c| c.id);
        let Some(form) = self.library.review.as_mut() else {
            return;
        };
        let can_verify = form.can_verify();
        let Some(verify) = form.verify.as_mut() else {
            return;
        };
        if verify.name.trim().is_empty() || verify.role.trim().is_empty() {
            verify.error = Some("Give the verifier's name and role.".to_owned());
            return;
        }
        if !can_verify {
            verify.error = Some("Save the changes before marking it verified.".to_owned());
            return;
        }
        let Some(by) = by else {
            verify.error = Some("Save your coordinator profile first.".to_owned());
            return;
        };
        let mut definition = form.loaded.definition.clone();
        definition.provenance.verified_by = Some(verified_by(&verify.name, &verify.role, today));
        definition.status = DefinitionStatus::InUse;
        // The draft's header (the importer's warnings) says "not for screening": it goes.
        let text = crate::trial::import::to_ron(&definition);
        if let Err(problems) = checked(&text, &form.path) {
            verify.error = Some(problems.join("; "));
            return;
        }
        form.verify = None;
        form.busy = true;
        form.problems.clear();
        let job = DefinitionJob {
            purpose: WritePurpose::Verify,
            path: form.path.clone(),
            text,
            previous: Some(form.loaded.text.clone()),
            by: Some(by),
            record: None,
        };
        self.submit(Job::Definition(Box::new(job)));
    }

    fn new_version(&mut self) {
        let today = self.config.today;
        let Some(form) = self.library.review.as_mut() else {
            return;
        };
        let version = form.new_version.trim().to_owned();
        let old = &form.loaded.definition;
        let mut definition = old.clone();
        definition.provenance.definition_version = version.clone();
        definition.provenance.verified_by = None;
        definition.status = DefinitionStatus::Draft;
        let path = form
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .join(file_name(&definition.id, &version));
        let header = format!(
            "// {} {version}: a new version of {} made in the trial library on {today}.\n\
             // A draft until verified: review every change against the protocol.\n",
            definition.id,
            old.version(),
        );
        let text = format!("{header}{}", crate::trial::import::to_ron(&definition));
        let problems = if version.is_empty() {
            vec!["Give the new version a number.".to_owned()]
        } else if path.exists() {
            vec![format!(
                "{} already exists and is never replaced; choose another version",
                path.display()
            )]
        } else {
            match checked(&text, &path) {
                Ok(loaded) => taken_elsewhere(&self.library.set, &loaded, &path)
                    .into_iter()
                    .collect(),
                Err(problems) => problems,
            }
        };
        if !problems.is_empty() {
            self.refused(problems);
            return;
        }
        form.problems.clear();
        form.busy = true;
        let job = DefinitionJob {
            purpose: WritePurpose::NewVersion,
            path,
            text,
            previous: None,
            by: None,
            record: None,
        };
        self.submit(Job::Definition(Box::new(job)));
    }

    /// The form's problems are shown, and said in the status bar; nothing was written.
    fn refused(&mut self, problems: Vec<String>) {
        self.message = Some(format!(
            "Not saved: {}. Nothing was written.",
            problems.join("; ")
        ));
        if let Some(form) = self.library.review.as_mut() {
            form.message = None;
            form.problems = problems;
        }
    }

    /// A definition file the worker wrote (or why not): loaded into the app, and its form
    /// shown as the file now is.
    pub(super) fn apply_definition_written(&mut self, written: DefinitionWritten) {
        let DefinitionWritten {
            purpose,
            path,
            result,
        } = written;
        let loaded = match result {
            Ok(loaded) => loaded,
            Err(why) => {
                if let Some(form) = self.library.review.as_mut() {
                    form.busy = false;
                }
                self.refused(vec![why]);
                return;
            }
        };
        let origin = path.display().to_string();
        self.library.set.trials.retain(|_, t| t.origin != origin);
        self.library.set.add_result(Ok(loaded.clone()));
        self.reload_trials();
        let d = &loaded.definition;
        let file = path.display();
        let said = match purpose {
            WritePurpose::Save => format!(
                "Saved {file}: {} {} is {}.",
                d.id,
                d.version(),
                if d.status == DefinitionStatus::Draft {
                    "still a draft"
                } else {
                    d.status.label()
                }
            ),
            WritePurpose::Verify => format!(
                "{} {} verified by {}: in use from now on; the audit trail notes it.",
                d.id,
                d.version(),
                d.provenance.verified_by.as_deref().unwrap_or_default()
            ),
            WritePurpose::NewVersion => format!(
                "New version {} of {} written to {file}: a draft until verified.",
                d.version(),
                d.id
            ),
            WritePurpose::Import => format!(
                "Imported as a draft: {file}. Review each criterion's rule (the file's header \
                 lists the importer's warnings and suggestions), then mark it verified."
            ),
        };
        let mut form = review_form(&self.library.set, path, loaded);
        form.message = Some(said.clone());
        self.library.review = Some(form);
        self.message = Some(said);
    }

    /// Imports a registry record into a new draft file under the data folder's `trials/`
    /// (a free name: never over another file); the review opens when it is written.
    fn import_record(&mut self, record: Option<PathBuf>) {
        let record = match record {
            Some(record) => record,
            None => match rfd::FileDialog::new()
                .set_title("A ClinicalTrials.gov study record (API v2 JSON)")
                .add_filter("JSON", &["json"])
                .pick_file()
            {
                Some(record) => record,
                None => return,
            },
        };
        let stem = record
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "record".to_owned());
        let dir = self.config.data_dir.root().join("trials");
        let mut path = dir.join(format!("{stem}-draft.ron"));
        let mut n = 2;
        while path.exists() {
            path = dir.join(format!("{stem}-draft-{n}.ron"));
            n += 1;
        }
        self.view = super::View::Library;
        let job = DefinitionJob {
            purpose: WritePurpose::Import,
            path,
            text: String::new(),
            previous: None,
            by: None,
            record: Some(record),
        };
        self.submit(Job::Definition(Box::new(job)));
    }

    /// The app screens with the newest version of each trial in the library: after a file
    /// changed, the trials and their workspaces follow it. A workspace stays as it is while
    /// its trial's definition is the same text; the active trial stays active.
    fn reload_trials(&mut self) {
        let latest: Vec<LoadedTrial> = self
            .library
            .set
            .latest_each()
            .into_iter()
            .cloned()
            .collect();
        let active_id = self
            .trials
            .get(self.active)
            .map(|t| t.definition.id.clone());
        let mut old: Vec<(LoadedTrial, Workspace)> = std::mem::take(&mut self.trials)
            .into_iter()
            .zip(std::mem::take(&mut self.workspaces))
            .collect();
        let today = self.config.today;
        for trial in latest {
            let workspace = match old.iter().position(|(t, _)| t.sha256 == trial.sha256) {
                Some(index) => old.swap_remove(index).1,
                None => Workspace::new(&trial, today),
            };
            self.trials.push(trial);
            self.workspaces.push(workspace);
        }
        self.active = active_id.and_then(|id| self.trial_index(&id)).unwrap_or(0);
        self.refresh_across_trials();
    }

    /// Draws the library view: the table, and the review form under it when one is open.
    pub(super) fn library_view(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let open = self
            .library
            .review
            .as_ref()
            .map(|f| f.path.display().to_string());
        match self.library.review.as_mut() {
            Some(form) => {
                egui::Panel::top("library-table")
                    .exact_size(LIBRARY_TABLE_HEIGHT)
                    .show(ui, |ui| {
                        ui::library::ui(
                            ui,
                            &self.library.set,
                            open.as_deref(),
                            &self.trial_problems,
                            LIBRARY_TABLE_HEIGHT - 70.0,
                            commands,
                        );
                    });
                egui::CentralPanel::default().show(ui, |ui| ui::review::ui(ui, form, commands));
            }
            None => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui::library::ui(
                        ui,
                        &self.library.set,
                        None,
                        &self.trial_problems,
                        f32::INFINITY,
                        commands,
                    );
                });
            }
        }
    }
}

/// Why a definition cannot be written at `path`: another file already defines its id and
/// version (the loader would refuse one of the two).
fn taken_elsewhere(set: &TrialSet, trial: &LoadedTrial, path: &Path) -> Option<String> {
    let d = &trial.definition;
    set.get(&d.id, d.version())
        .filter(|other| other.origin != path.display().to_string())
        .map(|other| {
            format!(
                "{} {} is already defined by {}; choose another version",
                d.id,
                d.version(),
                other.origin
            )
        })
}

/// A new version's file name: the id and version, with anything but letters, digits, '-',
/// '.' and '_' made '_'.
fn file_name(id: &str, version: &str) -> String {
    let safe: String = format!("{id}-{version}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.ron")
}
