//! Applying what a frame asked for: the only place app state changes in response to the
//! user. Anything that touches the store becomes a [`Job`] for the worker; its result comes
//! back through [`super::outcomes`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::tasks::{CreatePurpose, ExportJob, IdentityJob, Job};
use super::ui::{candidate, sign_dialog};
use super::{Command, PendingChange, PrescreenApp, View, Workspace};
use crate::eligibility::{Settlement, evaluate};
use crate::screening::{Answer, CriterionEntry};
use crate::storage::{NewScreening, ScreeningStatus};
use crate::trial::TrialSet;
use crate::validation::AnswerContext;
use crate::visit::check_new_entry;

impl PrescreenApp {
    /// Applies one command.
    pub fn apply(&mut self, command: Command) {
        // The status bar speaks of the last thing done: a new action clears what an earlier
        // one said (moving around the checklist keeps it).
        if !matches!(
            command,
            Command::MoveSelection(_)
                | Command::Select(_)
                | Command::FocusSelectedRow
                | Command::CheckCountersignSource(_)
                | Command::PreviewPages
                | Command::CommitCandidate
                | Command::StartTyping { .. }
                | Command::PreviewCandidate
        ) {
            self.message = None;
        }
        match command {
            Command::SwitchTrial(index) if index < self.trials.len() => {
                self.active = index;
                self.offer_shared_facts(index);
                // An empty candidate form starts in Initials.
                if let Some(workspace) = self.workspaces.get_mut(index)
                    && !workspace.stored
                    && workspace.candidate_form.initials.is_empty()
                {
                    workspace.focus_initials = true;
                }
                self.refresh_across_trials();
            }
            Command::SwitchTrial(_) => {}
            Command::ShowView(view) => {
                self.view = view;
                if view == View::Log {
                    self.refresh_log();
                }
            }
            Command::SaveProfile => self.save_profile(),
            Command::StartScreening => self.start_screening(),
            Command::CommitCandidate => {
                self.keep_form_draft();
                self.commit_candidate(None);
            }
            Command::NewCandidate => {
                if let Some(trial) = self.trials.get(self.active) {
                    self.workspaces[self.active] = Workspace::new(trial, self.config.today);
                    self.submit(Job::SaveFormDraft {
                        trial_id: trial.definition.id.clone(),
                        text: None,
                    });
                    self.refresh_across_trials();
                }
            }
            Command::Select(index) => {
                if let Some(workspace) = self.workspaces.get_mut(self.active) {
                    workspace.selected =
                        index.min(workspace.evaluation.criteria.len().saturating_sub(1));
                }
            }
            Command::MoveSelection(delta) => {
                if let Some(workspace) = self.workspaces.get_mut(self.active) {
                    let count = workspace.evaluation.criteria.len();
                    if count > 0 {
                        let next = (workspace.selected as i64 + i64::from(delta))
                            .clamp(0, count as i64 - 1);
                        workspace.selected = usize::try_from(next).unwrap_or(0);
                        // J/K on a focused row: the focus follows the selection.
                        workspace.focus_selected_row = workspace.focused_row.is_some();
                    }
                }
            }
            Command::FocusSelectedRow => {
                // A change that needs a reason opens its dialog instead, which takes the focus.
                // A refused value keeps the keyboard in its field, beside its message.
                if self.pending.is_none()
                    && let Some(workspace) = self.workspaces.get_mut(self.active)
                    && let Some(trial) = self.trials.get(self.active)
                    && let Some(criterion) = trial.definition.criteria.get(workspace.selected)
                {
                    match workspace.inputs.get_mut(&criterion.id) {
                        Some(buffers) if buffers.typed_value_refused() => buffers.request_focus(),
                        _ => workspace.focus_selected_row = true,
                    }
                }
            }
            Command::StartVisit(visit_date) => {
                self.visit_job(|trial_index, screening_id, by| Job::StartVisit {
                    trial_index,
                    screening_id,
                    visit_date,
                    by,
                })
            }
            Command::Reconfirm { criterion, changed } => {
                let on = self.config.today;
                self.visit_job(|trial_index, screening_id, by| Job::Reconfirm {
                    trial_index,
                    screening_id,
                    criterion,
                    changed,
                    on,
                    by,
                });
            }
            Command::OpenCriterion(index) => {
                if let Some(workspace) = self.workspaces.get_mut(self.active) {
                    workspace.selected =
                        index.min(workspace.evaluation.criteria.len().saturating_sub(1));
                    workspace.focus_first_input = true;
                    self.view = View::Screening;
                }
            }
            Command::NextUnanswered => {
                if let Some(workspace) = self.workspaces.get_mut(self.active) {
                    let count = workspace.evaluation.criteria.len();
                    let open =
                        |i: usize| workspace.evaluation.criteria[i].settlement == Settlement::Open;
                    if let Some(next) = (1..=count)
                        .map(|step| (workspace.selected + step) % count)
                        .find(|&i| open(i))
                    {
                        workspace.selected = next;
                        workspace.focus_selected_row = workspace.focused_row.is_some();
                    }
                }
            }
            Command::Answer { criterion, answer } => {
                let existing = self
                    .workspaces
                    .get(self.active)
                    .and_then(|w| w.screening.answers.get(&criterion))
                    .cloned();
                let mut entry = existing.unwrap_or_else(|| CriterionEntry::new(Answer::Unknown));
                entry.answer = answer;
                if !self.attach_judgement(&criterion, &mut entry) {
                    return;
                }
                self.change_entry(criterion, Some(entry), None);
            }
            Command::SaveEntry { criterion, entry } => {
                self.change_entry(criterion, Some(entry), None)
            }
            Command::MoveAcross => self.accept_move(),
            Command::DismissMove => self.move_offer = None,
            Command::ReapplyMine => {
                let kept = self
                    .workspaces
                    .get_mut(self.active)
                    .and_then(|w| w.conflict.take());
                if let Some(kept) = kept {
                    self.change_entry(kept.criterion, kept.entry, kept.reason);
                }
            }
            Command::KeepTheirs => {
                if let Some(workspace) = self.workspaces.get_mut(self.active)
                    && let Some(kept) = workspace.conflict.take()
                {
                    // The inputs show the stored entry again.
                    workspace.inputs.remove(&kept.criterion);
                }
                self.message = Some("Your change was let go; the stored answer stands.".to_owned());
            }
            Command::ConfirmReason(reason) => {
                let reason = reason.trim().to_owned();
                if reason.is_empty() {
                    self.message =
                        Some("A reason is required for this change (audit trail).".to_owned());
                    return;
                }
                match self.pending.take() {
                    Some(PendingChange::Entry { criterion, entry }) => {
                        self.change_entry(criterion, entry, Some(reason))
                    }
                    Some(PendingChange::Candidate) => self.commit_candidate(Some(reason)),
                    None => {}
                }
                self.reason_text.clear();
            }
            Command::CancelReason => {
                // What is on screen goes back to what is recorded: nothing typed stays
                // shown as if it had been saved.
                let pending = self.pending.take();
                if let Some(workspace) = self.workspaces.get_mut(self.active) {
                    match pending {
                        Some(PendingChange::Candidate) => {
                            workspace.candidate_form =
                                candidate::CandidateForm::from_screening(&workspace.screening);
                        }
                        Some(PendingChange::Entry { criterion, .. }) => {
                            // Reloaded from the stored entry when next drawn, and the field
                            // the change was typed into takes the focus back.
                            workspace.inputs.remove(&criterion);
                            workspace
                                .inputs
                                .entry(criterion)
                                .or_default()
                                .request_focus();
                        }
                        None => {}
                    }
                }
                self.reason_text.clear();
                self.message = Some("Change cancelled; nothing was saved.".to_owned());
            }
            Command::OpenScreening(id) => {
                self.submit(Job::OpenScreening(id));
            }
            Command::SetStatus {
                screening_id,
                status,
                reason,
            } => self.set_status(screening_id, status, reason),
            Command::RefreshLog => self.refresh_log(),
            Command::Rescreen(id) => self.rescreen(id),
            Command::ToggleTheme => self.dark = !self.dark,
            Command::Library(command) => self.apply_library(command),
            Command::OpenSignDialog => self.open_sign_dialog(),
            Command::CloseSignDialog => {
                self.sign_dialog = None;
                if let Some(workspace) = self.workspaces.get_mut(self.active) {
                    workspace.focus_sign_button = true;
                }
            }
            Command::ChooseExportPath => self.choose_export_path(),
            Command::CreateIdentity => self.create_identity(),
            Command::CancelIdentity => {
                if let Some(dialog) = &self.sign_dialog {
                    dialog.cancel_identity();
                }
            }
            Command::RunExport => self.run_export(),
            Command::CheckCountersignSource(path) => {
                self.submit(Job::CheckPdf(path));
            }
            Command::PreviewPages => {
                if let Some(id) = self.sign_dialog.as_ref().map(|d| d.screening_id.clone()) {
                    let mut trials = TrialSet::default();
                    for trial in &self.trials {
                        trials.add_result(Ok(trial.clone()));
                    }
                    self.submit(Job::PreviewPages {
                        screening_id: id,
                        trials,
                    });
                }
            }
            Command::PreviewCandidate => {
                let Some(trial) = self.trials.get(self.active) else {
                    return;
                };
                let Some(workspace) = self.workspaces.get_mut(self.active) else {
                    return;
                };
                if workspace.stored {
                    return;
                }
                let mut form = workspace.candidate_form.clone();
                if let Ok(valid) = form.validated(self.config.today) {
                    workspace.screening.candidate = valid.candidate;
                    workspace.screening.prescreening_date = valid.prescreening_date;
                    workspace.screening.planned_visit_date = valid.planned_visit_date;
                    workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
                }
            }
            Command::StartTyping { criterion, text } => {
                let Some(trial) = self.trials.get(self.active) else {
                    return;
                };
                let Some(workspace) = self.workspaces.get_mut(self.active) else {
                    return;
                };
                if let Some(rule_of) = trial.definition.criteria.iter().find(|c| c.id == criterion)
                {
                    let entry = workspace.screening.answers.get(&criterion).cloned();
                    workspace.inputs.entry(criterion).or_default().start_typing(
                        rule_of,
                        entry.as_ref(),
                        &text,
                    );
                }
            }
        }
    }

    /// Hands a job to the worker; says so when there is none (the store did not open).
    /// An investigator judgement (yes or no) carries the judging investigator's name from
    /// its field and today's date; without a name it is refused under the field (`false`).
    fn attach_judgement(&mut self, criterion: &str, entry: &mut CriterionEntry) -> bool {
        let index = self.active;
        let judgement = self
            .trials
            .get(index)
            .and_then(|t| t.definition.criterion(criterion))
            .is_some_and(|c| matches!(c.rule, crate::trial::model::Rule::InvestigatorJudgement));
        if !judgement || !matches!(entry.answer, Answer::Yes | Answer::No) {
            return true;
        }
        let today = self.config.today;
        let Some(workspace) = self.workspaces.get_mut(index) else {
            return false;
        };
        let buffers = workspace.inputs.entry(criterion.to_owned()).or_default();
        let name = buffers.investigator.trim().to_owned();
        if name.is_empty() {
            let why = "enter the judging investigator's name first";
            buffers.answer_error = Some(format!("investigator: {why}"));
            self.message = Some(format!("Not saved: {criterion}: {why}"));
            return false;
        }
        buffers.answer_error = None;
        let unchanged = entry
            .judged_by
            .as_ref()
            .is_some_and(|j| j.investigator == name);
        if !unchanged {
            entry.judged_by = Some(crate::screening::Judgement {
                investigator: name,
                on: today,
            });
        }
        true
    }

    /// The folder of the signing identity of the person using the app: the data folder's
    /// default one when it is theirs (or there is none yet), else one named after them — one
    /// data folder can hold a coordinator's and an investigator's identity.
    fn identity_dir(&self) -> PathBuf {
        let base = self.config.data_dir.signing_dir();
        let Some(person) = &self.coordinator else {
            return base;
        };
        let slug: String = person
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let named = base.join("named").join(slug.trim_matches('-'));
        if crate::signing::store::read(&named).is_ok() {
            return named;
        }
        let default_holder = crate::signing::store::read(&base)
            .ok()
            .and_then(|pem| crate::signing::identity::certificates_from_pem(&pem).ok())
            .and_then(|certificates| certificates.into_iter().next())
            .map(|c| crate::signing::identity::signer_name(&c).name);
        match default_holder {
            Some(name) if name != person.name => named,
            _ => base,
        }
    }

    /// Submits a visit step for the active, stored screening.
    fn visit_job(&mut self, job: impl FnOnce(usize, String, crate::storage::CoordinatorId) -> Job) {
        let Some(by) = self.coordinator_id() else {
            return;
        };
        let index = self.active;
        let Some(workspace) = self.workspaces.get(index).filter(|w| w.stored) else {
            self.message = Some("Start the screening first.".to_owned());
            return;
        };
        let id = workspace.screening.screening_id.clone();
        self.submit(job(index, id, by));
    }

    pub(super) fn submit(&mut self, job: Job) -> bool {
        let submitted = self.tasks.as_mut().is_some_and(|tasks| tasks.submit(job));
        if !submitted {
            self.message = Some("The records store is not available; nothing was saved.".into());
        }
        submitted
    }

    fn open_sign_dialog(&mut self) {
        let Some(workspace) = self.workspaces.get(self.active).filter(|w| w.stored) else {
            self.message = Some("Start the screening before exporting it.".to_owned());
            return;
        };
        let id = workspace.screening.screening_id.clone();
        let settled = workspace.evaluation.is_signable();
        let stored = crate::signing::store::read(&self.identity_dir()).ok();
        let has_identity = stored.is_some();
        // The role that binds the meanings: the identity's certificate names it, else the
        // profile the new identity will be made from.
        let role_text = stored
            .as_deref()
            .and_then(|pem| crate::signing::identity::certificates_from_pem(pem).ok())
            .and_then(|certificates| certificates.into_iter().next())
            .and_then(|c| crate::signing::identity::signer_name(&c).role)
            .or_else(|| self.coordinator.as_ref().map(|c| c.role.clone()))
            .unwrap_or_default();
        let mut dialog = sign_dialog::SignDialog {
            screening_id: id,
            verdict_settled: settled,
            sign: settled,
            has_identity,
            role: crate::roles::SignerRole::from_role_text(&role_text),
            tsa: crate::settings::resolve_tsa(
                std::env::var("PRESCREEN_TSA").ok().as_deref(),
                &self.config.data_dir,
            )
            .unwrap_or_default(),
            countersign_from: latest_coordinator_pdf(
                &self.config.data_dir.root().join("exports"),
                &workspace.screening.screening_id,
            )
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
            path_is_default: true,
            exports_dir: self.config.data_dir.root().join("exports"),
            ..Default::default()
        };
        // An investigator has one meaning to sign: it is chosen (the statement still asks).
        if let [only] = dialog.role.meanings()[..] {
            dialog.meaning = Some(only);
        }
        dialog.refresh_default_path();
        self.sign_dialog = Some(dialog);
    }

    fn choose_export_path(&mut self) {
        let Some(dialog) = self.sign_dialog.as_mut() else {
            return;
        };
        let chosen = rfd::FileDialog::new()
            .add_filter("PDF", &["pdf"])
            .set_file_name(format!("{}.pdf", dialog.screening_id))
            .save_file();
        match chosen {
            Some(path) => {
                // The system dialog asked about replacing an existing file itself.
                dialog.replace_confirmed = path.exists();
                dialog.path_is_default = false;
                dialog.path = path.display().to_string();
            }
            None => {
                dialog.message = Some(
                    "No file was chosen (cancelled, or no file dialog is available here): type the path instead.".to_owned(),
                );
            }
        }
    }

    /// Key generation and scrypt run on the worker; the dialog shows progress and a cancel.
    fn create_identity(&mut self) {
        let signing_dir = self.identity_dir();
        let (Some(dialog), Some(coordinator)) =
            (self.sign_dialog.as_mut(), self.coordinator.as_ref())
        else {
            return;
        };
        let [first, second] = std::mem::take(&mut dialog.new_passphrase);
        if first != second {
            dialog.message = Some("The two passphrases differ.".to_owned());
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let job = IdentityJob {
            name: coordinator.name.clone(),
            role: coordinator.role.clone(),
            site: coordinator.site_code.clone(),
            passphrase: first,
            signing_dir,
            cancel: Arc::clone(&cancel),
            by: Some(coordinator.id),
        };
        dialog.phase = sign_dialog::ExportPhase::CreatingIdentity(cancel);
        dialog.message = None;
        if !self.submit(Job::CreateIdentity(Box::new(job)))
            && let Some(dialog) = self.sign_dialog.as_mut()
        {
            dialog.phase = sign_dialog::ExportPhase::Editing;
        }
    }

    /// Signing, rendering and the fsync'd write run on the worker; the passphrase moves into
    /// the job and is wiped when it is done.
    fn run_export(&mut self) {
        let Some(by) = self.coordinator.as_ref().map(|c| c.id) else {
            return;
        };
        let mut trials = TrialSet::default();
        for trial in &self.trials {
            trials.add_result(Ok(trial.clone()));
        }
        let signing_dir = self.identity_dir();
        let Some(dialog) = self.sign_dialog.as_mut() else {
            return;
        };
        let countersign_from = dialog
            .countersigns()
            .then(|| PathBuf::from(dialog.countersign_from.trim()));
        let job = ExportJob {
            screening_id: dialog.screening_id.clone(),
            by,
            trials,
            sign: dialog.sign,
            meaning: dialog
                .meaning
                .unwrap_or(crate::report::SignatureMeaning::ScreenedBy),
            strokes: dialog.strokes.clone(),
            passphrase: std::mem::take(&mut dialog.passphrase),
            signing_dir,
            path: PathBuf::from(dialog.path.trim()),
            replace_existing: dialog.replace_confirmed,
            countersign_from,
            tsa: Some(dialog.tsa.trim().to_owned()).filter(|url| !url.is_empty()),
            data_dir: self.config.data_dir.clone(),
        };
        dialog.phase = sign_dialog::ExportPhase::Exporting;
        dialog.message = None;
        if !self.submit(Job::Export(Box::new(job)))
            && let Some(dialog) = self.sign_dialog.as_mut()
        {
            dialog.phase = sign_dialog::ExportPhase::Editing;
        }
    }

    /// Holds a change until the reason dialog is answered.
    pub(super) fn ask_reason(&mut self, change: PendingChange) {
        self.pending = Some(change);
        self.focus_reason = true;
    }

    pub(super) fn coordinator_id(&mut self) -> Option<i64> {
        match &self.coordinator {
            Some(c) => Some(c.id),
            None => {
                self.message = Some("Save your coordinator profile first.".to_owned());
                None
            }
        }
    }

    fn save_profile(&mut self) {
        match self.profile_form.validated() {
            Ok(new) => {
                self.profile_form.error = None;
                self.submit(Job::SaveProfile(new));
            }
            Err(message) => self.profile_form.error = Some(message),
        }
    }

    /// Candidate facts shared by every trial, from the workspace edited last.
    fn offer_shared_facts(&mut self, target: usize) {
        let Some(source) = self
            .workspaces
            .iter()
            .enumerate()
            .filter(|(i, w)| *i != target && w.stored)
            .map(|(_, w)| (w.screening.candidate.clone(), w.screening.prescreening_date))
            .next()
        else {
            return;
        };
        let (source, source_date) = source;
        let workspace = &mut self.workspaces[target];
        if workspace.stored {
            return;
        }
        let mut carried = BTreeSet::new();
        // The same pre-screening (a date other than today's default) is offered too.
        if workspace.screening.prescreening_date == self.config.today
            && source_date != self.config.today
            && workspace.screening.candidate.initials.is_empty()
        {
            workspace.screening.prescreening_date = source_date;
            carried.insert("pre-screening date");
        }
        let candidate = &mut workspace.screening.candidate;
        if candidate.initials.is_empty() && !source.initials.is_empty() {
            candidate.initials = source.initials.clone();
            carried.insert("initials");
        }
        if candidate.date_of_birth.is_none() && source.date_of_birth.is_some() {
            candidate.date_of_birth = source.date_of_birth;
            carried.insert("date of birth");
        }
        if candidate.sex.is_none() && source.sex.is_some() {
            candidate.sex = source.sex;
            carried.insert("sex");
        }
        if candidate.childbearing_potential.is_none() && source.childbearing_potential.is_some() {
            candidate.childbearing_potential = source.childbearing_potential;
            carried.insert("childbearing potential");
        }
        for (value, source_value, name) in [
            (&mut candidate.pregnant, source.pregnant, "pregnant"),
            (
                &mut candidate.breastfeeding,
                source.breastfeeding,
                "breastfeeding",
            ),
        ] {
            if value.is_none() && source_value.is_some() {
                *value = source_value;
                carried.insert(name);
            }
        }
        if !carried.is_empty() {
            workspace.carried_over.extend(carried);
            workspace.candidate_form =
                candidate::CandidateForm::from_screening(&workspace.screening);
            if let Some(trial) = self.trials.get(target) {
                workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
            }
        }
    }

    fn start_screening(&mut self) {
        let Some(by) = self.coordinator_id() else {
            return;
        };
        let index = self.active;
        let Some(trial) = self.trials.get(index) else {
            return;
        };
        let workspace = &mut self.workspaces[index];
        let Ok(valid) = workspace.candidate_form.validated(self.config.today) else {
            self.message = Some("Check the candidate fields marked in red.".to_owned());
            return;
        };
        let job = Job::CreateScreening {
            trial: Box::new(trial.clone()),
            new: NewScreening {
                site_code: None,
                candidate: valid.candidate,
                prescreening_date: valid.prescreening_date,
                planned_visit_date: valid.planned_visit_date,
                rescreen_of: None,
            },
            by,
            purpose: CreatePurpose::Start { trial_index: index },
        };
        self.submit(job);
    }

    pub(super) fn commit_candidate(&mut self, reason: Option<String>) {
        let index = self.active;
        let Some(trial) = self.trials.get(index) else {
            return;
        };
        let workspace = &mut self.workspaces[index];
        let Ok(valid) = workspace.candidate_form.validated(self.config.today) else {
            return;
        };
        if !workspace.stored {
            // Not in the store yet: the draft simply follows the form.
            workspace.screening.candidate = valid.candidate;
            workspace.screening.prescreening_date = valid.prescreening_date;
            workspace.screening.planned_visit_date = valid.planned_visit_date;
            workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
            self.refresh_across_trials();
            return;
        }
        let old = &workspace.screening;
        let candidate_changed = old.candidate != valid.candidate;
        let dates_changed = old.prescreening_date != valid.prescreening_date
            || old.planned_visit_date != valid.planned_visit_date;
        if !candidate_changed && !dates_changed {
            return;
        }
        if candidate::overwrites_a_value(old, &valid) && reason.is_none() {
            self.ask_reason(PendingChange::Candidate);
            return;
        }
        let Some(by) = self.coordinator.as_ref().map(|c| c.id) else {
            return;
        };
        let job = Job::SetCandidate {
            trial_index: index,
            screening_id: workspace.screening.screening_id.clone(),
            candidate: candidate_changed.then_some(valid.candidate),
            dates: dates_changed.then_some((valid.prescreening_date, valid.planned_visit_date)),
            by,
            reason,
        };
        self.submit(job);
    }

    /// Checks a criterion's entry with the core, then saves it through the worker; a change
    /// to an answered criterion first asks for a reason.
    pub(super) fn change_entry(
        &mut self,
        criterion: String,
        entry: Option<CriterionEntry>,
        reason: Option<String>,
    ) {
        let index = self.active;
        if !self.workspaces.get(index).is_some_and(|w| w.stored) {
            self.message =
                Some("Enter the candidate and press \"Start screening\" first.".to_owned());
            return;
        }
        let Some(by) = self.coordinator_id() else {
            return;
        };
        let Some(trial) = self.trials.get(index) else {
            return;
        };
        let workspace = &mut self.workspaces[index];
        let previous = workspace.screening.answers.get(&criterion);
        if previous == entry.as_ref() {
            return;
        }
        // The core's checks, the same as every other door's, before anything is saved.
        if let (Some(entry), Some(definition)) = (&entry, trial.definition.criterion(&criterion)) {
            let context = AnswerContext {
                screening: &workspace.screening,
                visit_name: &trial.definition.visit_name,
                today: Some(self.config.today),
            };
            let checked = check_new_entry(definition, entry, context);
            let buffers = workspace.inputs.entry(criterion.clone()).or_default();
            match checked {
                Ok(()) => buffers.answer_error = None,
                Err(problem) => {
                    // A typed value's problem shows under its field; others under the inputs.
                    if matches!(entry.answer, Answer::Value(_)) {
                        buffers.set_value_error(format!("{}: not used", problem.message));
                    } else {
                        buffers.answer_error =
                            Some(format!("{}: {}", problem.field, problem.message));
                    }
                    self.message = Some(format!("Not saved: {problem}"));
                    return;
                }
            }
        }
        let answered_before = previous.is_some_and(|p| p.answer != Answer::Unknown);
        if answered_before && reason.is_none() {
            self.ask_reason(PendingChange::Entry { criterion, entry });
            return;
        }
        let job = Job::SetAnswer {
            trial_index: index,
            screening_id: workspace.screening.screening_id.clone(),
            criterion,
            entry,
            by,
            reason,
        };
        self.submit(job);
    }

    fn set_status(
        &mut self,
        screening_id: String,
        status: ScreeningStatus,
        reason: Option<String>,
    ) {
        let Some(by) = self.coordinator_id() else {
            return;
        };
        self.submit(Job::SetStatus {
            screening_id,
            status,
            by,
            reason,
        });
    }

    pub(super) fn refresh_log(&mut self) {
        let filter = self.log.store_filter();
        self.log.loading = true;
        self.submit(Job::RefreshLog(filter));
    }

    /// A new screening of the same candidate for the same trial's newest definition, linked to
    /// the earlier NOT ELIGIBLE one, pre-screened today; then it opens.
    fn rescreen(&mut self, earlier: String) {
        let Some(by) = self.coordinator_id() else {
            return;
        };
        let Some(row) = self.log.row(&earlier).cloned() else {
            return;
        };
        let Some(trial) = self
            .trials
            .iter()
            .find(|t| t.definition.id == row.trial_id)
            .cloned()
        else {
            self.message = Some(format!("trial {} is not loaded", row.trial_id));
            return;
        };
        self.submit(Job::Rescreen {
            trial: Box::new(trial),
            earlier,
            site_code: row.site_code,
            prescreening_date: self.config.today,
            by,
        });
    }

    /// The active candidate's verdict in every loaded trial: another trial's answers count
    /// only when its screening is of the same candidate (same initials, date of birth and
    /// sex); otherwise only the shared facts are evaluated, with nothing answered.
    /// Keeps what is typed into an unstarted candidate form (a restart then loses nothing).
    fn keep_form_draft(&mut self) {
        let Some(trial) = self.trials.get(self.active) else {
            return;
        };
        let Some(workspace) = self.workspaces.get(self.active) else {
            return;
        };
        if workspace.stored {
            return;
        }
        let job = Job::SaveFormDraft {
            trial_id: trial.definition.id.clone(),
            text: workspace.candidate_form.draft_text(),
        };
        self.submit(job);
    }

    pub(super) fn refresh_across_trials(&mut self) {
        let Some(active) = self.workspaces.get(self.active) else {
            return;
        };
        let facts = &active.screening.candidate;
        // Only this candidate's own screenings: another trial's workspace counts when it
        // holds a screening of the same person (initials, date of birth and sex recorded and
        // equal). A made-up evaluation of another trial would show a verdict nobody reached.
        let same_person = |other: &crate::screening::Candidate| {
            !facts.initials.is_empty()
                && facts.date_of_birth.is_some()
                && other.initials == facts.initials
                && other.date_of_birth == facts.date_of_birth
                && other.sex == facts.sex
        };
        self.across_trials = self
            .trials
            .iter()
            .zip(&self.workspaces)
            .enumerate()
            .filter(|(index, (_, workspace))| {
                *index == self.active
                    || (workspace.stored && same_person(&workspace.screening.candidate))
            })
            .map(|(index, (trial, workspace))| {
                (
                    index,
                    evaluate(&trial.definition, &workspace.screening).verdict,
                )
            })
            .collect();
    }
}

/// The newest coordinator-signed summary of a screening in the exports folder (what an
/// investigator countersigns), if any.
fn latest_coordinator_pdf(exports: &std::path::Path, screening_id: &str) -> Option<PathBuf> {
    std::fs::read_dir(exports)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.starts_with(&format!("{screening_id}-screened-"))
                || name.starts_with(&format!("{screening_id}-prescreened-"))
        })
        .max_by_key(|entry| entry.metadata().and_then(|m| m.modified()).ok())
        .map(|entry| entry.path())
}
