//! Applying what the worker finished: the store's answer becomes what is on screen. Nothing
//! is shown as saved before the store said so.

use super::tasks::{CreatePurpose, Outcome};
use super::ui::{candidate, sign_dialog};
use super::{PendingChange, PrescreenApp, View};
use crate::eligibility::evaluate;
use crate::storage::{StoreError, StoredScreening};

impl PrescreenApp {
    /// Applies one finished job.
    pub fn apply_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::ProfileSaved(Ok(coordinator)) => {
                self.profile_form.error = None;
                self.message = Some(format!(
                    "Profile saved: {} ({}, {}).",
                    coordinator.name, coordinator.role, coordinator.site_code
                ));
                self.coordinator = Some(coordinator);
            }
            Outcome::ProfileSaved(Err(error)) => self.profile_form.error = Some(error.to_string()),
            Outcome::ScreeningCreated { purpose, result } => match (purpose, result) {
                (CreatePurpose::Start { trial_index }, Ok(stored)) => {
                    let id = stored.screening.screening_id.clone();
                    // Started: the form is a record now, the kept draft goes.
                    let trial_id = stored.screening.trial.id.clone();
                    self.submit(super::tasks::Job::SaveFormDraft {
                        trial_id,
                        text: None,
                    });
                    self.show_stored(trial_index, stored, false);
                    // The keyboard goes to the first criterion, not back to the window.
                    if let Some(workspace) = self.workspaces.get_mut(trial_index) {
                        workspace.focus_selected_row = true;
                    }
                    tracing::info!(screening = %id, "screening started");
                    self.message = Some(format!(
                        "Screening {id} started; every answer is saved as you go."
                    ));
                }
                (CreatePurpose::Rescreen { earlier }, Ok(stored)) => {
                    let id = stored.screening.screening_id.clone();
                    self.open_stored(stored);
                    self.message = Some(format!(
                        "{id} started as a re-screen of {earlier}: candidate facts carried over, answers not."
                    ));
                }
                (_, Err(error)) => self.message = Some(error.to_string()),
            },
            Outcome::VisitSaved {
                trial_index,
                said,
                then_edit,
                result,
            } => match result {
                Ok(stored) => {
                    self.show_stored(trial_index, stored, true);
                    self.message = Some(said);
                    if let (Some(criterion), Some(trial)) =
                        (then_edit, self.trials.get(trial_index))
                        && let Some(index) = trial
                            .definition
                            .criteria
                            .iter()
                            .position(|c| c.id == criterion)
                        && let Some(workspace) = self.workspaces.get_mut(trial_index)
                    {
                        // Changed: its answer opens for editing (a reason is asked on save).
                        workspace.selected = index;
                        workspace.focus_first_input = true;
                        self.view = super::View::Screening;
                    }
                }
                Err(error) => self.message = Some(format!("Not saved: {error}")),
            },
            Outcome::AnswerSaved {
                trial_index,
                screening_id,
                criterion,
                entry,
                had_reason,
                reason,
                result,
            } => {
                let Some(trial) = self.trials.get(trial_index) else {
                    return;
                };
                let Some(workspace) = self
                    .workspaces
                    .get_mut(trial_index)
                    .filter(|w| w.screening.screening_id == screening_id)
                else {
                    return;
                };
                match result {
                    Ok(_) => {
                        match entry {
                            Some(entry) => {
                                workspace.screening.answers.insert(criterion.clone(), entry)
                            }
                            None => workspace.screening.answers.remove(&criterion),
                        };
                        workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
                        // Said once in the status bar (a polite live region): the criterion and
                        // its new status, as a screen reader should hear a recorded answer.
                        let heard = trial
                            .definition
                            .criteria
                            .iter()
                            .zip(&workspace.evaluation.criteria)
                            .find(|(c, _)| c.id == criterion)
                            .map(|(c, finding)| {
                                format!("Saved: {} {}", c.id, finding.status.label(c.kind))
                            });
                        self.refresh_across_trials();
                        if let Some(heard) = heard {
                            self.message = Some(heard);
                        }
                    }
                    // The store knows more cases that need a reason (a change after signing).
                    Err(StoreError::ReasonRequired { .. })
                        if !had_reason && trial_index == self.active =>
                    {
                        self.ask_reason(PendingChange::Entry { criterion, entry });
                    }
                    Err(StoreError::Conflict {
                        changed_by,
                        changed_at,
                        ..
                    }) => {
                        self.message = Some(format!(
                            "Not saved: {changed_by} changed {screening_id} at {}. Their state \
                             is shown; your change is kept beside it.",
                            crate::app::ui::conflict::when(&changed_at)
                        ));
                        workspace.conflict = Some(crate::app::ui::conflict::ConflictedChange {
                            criterion: criterion.clone(),
                            entry,
                            reason,
                            changed_by,
                            changed_at,
                        });
                        self.submit(crate::app::tasks::Job::ReloadScreening {
                            trial_index,
                            screening_id,
                        });
                    }
                    Err(StoreError::InvalidInput(problems)) => {
                        let text = problems
                            .iter()
                            .map(|p| format!("{}: {}", p.field, p.message))
                            .collect::<Vec<_>>()
                            .join("; ");
                        workspace.inputs.entry(criterion).or_default().answer_error =
                            Some(text.clone());
                        self.message = Some(format!("Not saved: {text}"));
                    }
                    Err(error) => self.message = Some(error.to_string()),
                }
            }
            Outcome::CandidateSaved {
                trial_index,
                screening_id,
                had_reason,
                result,
            } => match result {
                Ok(stored) => {
                    if self
                        .workspaces
                        .get(trial_index)
                        .is_some_and(|w| w.screening.screening_id == screening_id)
                    {
                        self.show_stored(trial_index, stored, true);
                    }
                }
                Err(StoreError::ReasonRequired { .. })
                    if !had_reason && trial_index == self.active =>
                {
                    self.ask_reason(PendingChange::Candidate);
                }
                Err(StoreError::Conflict {
                    changed_by,
                    changed_at,
                    ..
                }) => {
                    if let Some(workspace) = self.workspaces.get_mut(trial_index) {
                        workspace.kept_candidate = Some(workspace.candidate_form.clone());
                    }
                    self.message = Some(format!(
                        "Not saved: {changed_by} changed {screening_id} at {}. Their state is \
                         shown; what you typed in the candidate panel is kept — save it again to \
                         put it on top.",
                        crate::app::ui::conflict::when(&changed_at)
                    ));
                    self.submit(crate::app::tasks::Job::ReloadScreening {
                        trial_index,
                        screening_id,
                    });
                }
                Err(error) => self.message = Some(error.to_string()),
            },
            Outcome::StatusSet {
                screening_id,
                status,
                result,
            } => match result {
                Ok(()) => {
                    self.message = Some(format!("{screening_id}: {status}"));
                    for workspace in &mut self.workspaces {
                        if workspace.screening.screening_id == screening_id {
                            workspace.status = Some(status);
                        }
                    }
                    self.refresh_log();
                }
                Err(error) => self.message = Some(error.to_string()),
            },
            Outcome::Connection(Some(why)) => {
                self.offline = Some(why);
            }
            Outcome::Connection(None) => {
                self.offline = None;
                self.message =
                    Some("The site server is back; the changes that waited were saved.".to_owned());
            }
            Outcome::StoreChanged => {
                if self.view == View::Log {
                    self.refresh_log();
                }
                let open: Vec<(usize, String)> = self
                    .workspaces
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.stored)
                    .map(|(index, w)| (index, w.screening.screening_id.clone()))
                    .collect();
                for (trial_index, screening_id) in open {
                    self.submit(crate::app::tasks::Job::CheckForChanges {
                        trial_index,
                        screening_id,
                    });
                }
            }
            Outcome::ChangedElsewhere {
                trial_index,
                changed: Some((stored, by, at)),
            } => {
                let id = stored.screening.screening_id.clone();
                if self
                    .workspaces
                    .get(trial_index)
                    .is_some_and(|w| w.screening.screening_id == id)
                {
                    self.show_stored_keeping_typing(trial_index, stored);
                    self.message = Some(format!(
                        "{id} was changed by {by} at {}: their change is shown now.",
                        crate::app::ui::conflict::when(&at)
                    ));
                }
            }
            Outcome::ChangedElsewhere { changed: None, .. } => {}
            Outcome::ScreeningOpened(Ok(stored)) => self.open_stored(stored),
            Outcome::ScreeningReloaded {
                trial_index,
                result: Ok(stored),
            } => {
                if self
                    .workspaces
                    .get(trial_index)
                    .is_some_and(|w| w.screening.screening_id == stored.screening.screening_id)
                {
                    self.show_stored_keeping_typing(trial_index, stored);
                }
            }
            Outcome::ScreeningReloaded {
                result: Err(error), ..
            } => self.message = Some(error.to_string()),
            Outcome::ScreeningOpened(Err(error)) => self.message = Some(error.to_string()),
            Outcome::LogLoaded {
                result,
                append,
                complete,
            } => self.log.set_rows(result, append, complete),
            Outcome::Exported(result) => {
                if let Some(dialog) = self.sign_dialog.as_mut() {
                    dialog.phase = sign_dialog::ExportPhase::Editing;
                    if result.is_ok() {
                        // The next export goes to the next free name, not over this file.
                        dialog.refresh_default_path();
                    }
                    dialog.message = Some(match result {
                        Ok(message) | Err(message) => message,
                    });
                }
            }
            Outcome::PagesPreviewed(pages) => {
                if let Some(dialog) = self.sign_dialog.as_mut() {
                    dialog.pages = Some(pages);
                }
            }
            Outcome::PdfChecked { path, summary } => {
                if let Some(dialog) = self.sign_dialog.as_mut()
                    && dialog.source_check.0 == path.display().to_string()
                {
                    dialog.source_check.1 = Some(summary);
                }
            }
            Outcome::DefinitionWritten(written) => self.apply_definition_written(*written),
            Outcome::ScreeningMoved(result) => self.apply_moved(result),
            Outcome::FormDraftSaved(Ok(())) => {}
            Outcome::FormDraftSaved(Err(error)) => {
                self.message = Some(format!("The candidate form could not be kept: {error}"));
            }
            Outcome::IdentityCreated(result) => {
                if let Some(dialog) = self.sign_dialog.as_mut() {
                    dialog.phase = sign_dialog::ExportPhase::Editing;
                    match result {
                        Ok(()) => {
                            dialog.has_identity = true;
                            dialog.message = Some(
                                "Signing identity created. Sign with its passphrase.".to_owned(),
                            );
                        }
                        Err(message) => dialog.message = Some(message),
                    }
                }
            }
        }
    }

    /// A stored screening into a trial's workspace (the store's copy is what is shown).
    fn show_stored(&mut self, trial_index: usize, stored: StoredScreening, keep_inputs: bool) {
        let Some(trial) = self.trials.get(trial_index) else {
            return;
        };
        let workspace = &mut self.workspaces[trial_index];
        workspace.evaluation = evaluate(&trial.definition, &stored.screening);
        workspace.screening = stored.screening;
        workspace.stored = true;
        workspace.status = Some(stored.status);
        workspace.candidate_form = candidate::CandidateForm::from_screening(&workspace.screening);
        if !keep_inputs {
            workspace.inputs = Default::default();
        }
        self.refresh_across_trials();
    }

    /// Shows the stored screening as someone else left it, keeping what this person is typing:
    /// the criterion inputs, and the candidate panel when it holds edits not saved yet.
    fn show_stored_keeping_typing(&mut self, trial_index: usize, stored: StoredScreening) {
        let Some(workspace) = self.workspaces.get(trial_index) else {
            return;
        };
        let typed = workspace.candidate_form.clone();
        let unsaved = typed != candidate::CandidateForm::from_screening(&workspace.screening);
        self.show_stored(trial_index, stored, true);
        let workspace = &mut self.workspaces[trial_index];
        if let Some(kept) = workspace.kept_candidate.take() {
            workspace.candidate_form = kept;
        } else if unsaved {
            workspace.candidate_form = typed;
        }
    }

    /// Opens a stored screening in its trial's workspace, if its definition is loaded.
    pub(super) fn open_stored(&mut self, stored: StoredScreening) {
        let id = stored.screening.screening_id.clone();
        let Some(index) = self.trials.iter().position(|t| {
            t.definition.id == stored.screening.trial.id
                && t.definition.version() == stored.screening.trial.version
        }) else {
            if !self.offer_move(&stored) {
                self.message = Some(format!(
                    "{id} was screened against {} {}, which is not loaded.",
                    stored.screening.trial.id, stored.screening.trial.version
                ));
            }
            return;
        };
        self.show_stored(index, stored, false);
        let workspace = &mut self.workspaces[index];
        workspace.selected = 0;
        workspace.carried_over.clear();
        self.active = index;
        self.view = View::Screening;
        self.refresh_across_trials();
    }
}
