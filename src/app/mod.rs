//! The desktop app: egui only draws state and turns clicks and keys into [`Command`]s; the
//! domain (trials, engine, store) knows nothing of egui.

mod candidate;
mod checklist;
pub mod command;
mod criterion;
mod fields;
mod profile;
mod screenings;
mod sign_dialog;
mod trial_bar;
mod verdict;

use std::collections::BTreeSet;
use std::path::PathBuf;

use eframe::egui;
use jiff::civil::Date;

pub use command::{Command, View};

use crate::eligibility::{Evaluation, Verdict, evaluate};
use crate::screening::{Answer, Candidate, CriterionEntry, Screening, TrialReference};
use crate::storage::{
    Coordinator, DataDir, LogFilter, LogRow, NewScreening, ScreeningStatus, Store,
};
use crate::trial::TrialSet;
use crate::trial::load::LoadedTrial;

/// Where the app finds its data and extra trial files.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The data folder (database, identities, settings).
    pub data_dir: DataDir,
    /// Extra folders of trial files (`--trials`), besides the built-in ones, `trials/` beside
    /// the binary and the data folder's `trials/`.
    pub trial_dirs: Vec<PathBuf>,
    /// Today's date (the pre-screening date a new screening starts with).
    pub today: Date,
}

/// A change waiting for the reason the audit trail needs.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingChange {
    /// A criterion's answer changes.
    Entry {
        /// Criterion id.
        criterion: String,
        /// The new entry (`None` clears it).
        entry: Option<CriterionEntry>,
    },
    /// Candidate fields or dates change.
    Candidate,
}

/// One trial's in-progress screening, kept exactly as it was while another trial is shown.
pub struct Workspace {
    /// The screening (a draft until started in the store).
    pub screening: Screening,
    /// Whether the screening exists in the store (it has a generated id).
    pub stored: bool,
    /// Lifecycle status in the store.
    pub status: Option<ScreeningStatus>,
    /// The engine's result for `screening`, recomputed only when it changes.
    pub evaluation: Evaluation,
    /// Text buffers and messages of the candidate panel.
    pub candidate_form: candidate::CandidateForm,
    /// Text buffers of the criterion inputs.
    pub inputs: criterion::CriterionInputs,
    /// Index of the selected criterion.
    pub selected: usize,
    /// Candidate facts pre-filled from another trial ("carried over").
    pub carried_over: BTreeSet<&'static str>,
}

impl Workspace {
    fn new(trial: &LoadedTrial, today: Date) -> Self {
        let screening = Screening {
            screening_id: String::new(),
            trial: TrialReference {
                id: trial.definition.id.clone(),
                version: trial.definition.version().to_owned(),
                sha256: Some(trial.sha256.clone()),
            },
            coordinator: None,
            candidate: Candidate::default(),
            prescreening_date: today,
            planned_visit_date: None,
            answers: Default::default(),
        };
        let evaluation = evaluate(&trial.definition, &screening);
        let candidate_form = candidate::CandidateForm::from_screening(&screening);
        Self {
            screening,
            stored: false,
            status: None,
            evaluation,
            candidate_form,
            inputs: Default::default(),
            selected: 0,
            carried_over: BTreeSet::new(),
        }
    }
}

/// The whole app: state, the store, and the frame loop.
pub struct PrescreenApp {
    config: AppConfig,
    trials: Vec<LoadedTrial>,
    trial_problems: Vec<String>,
    store: Option<Box<dyn Store>>,
    store_error: Option<String>,
    coordinator: Option<Coordinator>,
    profile_form: profile::ProfileForm,
    active: usize,
    view: View,
    workspaces: Vec<Workspace>,
    /// Every loaded trial's verdict for the active candidate, recomputed on change.
    across_trials: Vec<(usize, Verdict)>,
    log: screenings::LogView,
    pending: Option<PendingChange>,
    reason_text: String,
    /// The reason field takes focus once when the dialog opens.
    focus_reason: bool,
    message: Option<String>,
    dark: bool,
    sign_dialog: Option<sign_dialog::SignDialog>,
    /// The theme last handed to egui.
    theme_applied: Option<bool>,
    /// The export spinner has been drawn once: the queued export runs now.
    export_ready: bool,
}

/// Storage key of the UI preferences in eframe's storage.
const PREFERENCES_KEY: &str = "prescreen-preferences";

impl PrescreenApp {
    /// Builds the app: loads trials (a broken file goes to the problems panel, the app still
    /// starts), opens the store, restores each trial's newest draft.
    pub fn new(
        config: AppConfig,
        ctx: &egui::Context,
        storage: Option<&dyn eframe::Storage>,
    ) -> Self {
        install_fonts(ctx);
        let mut set = TrialSet::built_in();
        if let Ok(exe) = std::env::current_exe()
            && let Some(dir) = exe.parent()
        {
            let beside = dir.join("trials");
            if beside.is_dir() {
                set.add_path(&beside);
            }
        }
        let data_trials = config.data_dir.root().join("trials");
        if data_trials.is_dir() {
            set.add_path(&data_trials);
        }
        for dir in &config.trial_dirs {
            set.add_path(dir);
        }
        let trial_problems = set.problems.iter().map(ToString::to_string).collect();
        let trials: Vec<LoadedTrial> = set.latest_each().into_iter().cloned().collect();
        let (store, store_error) = match crate::storage::open_store(&config.data_dir) {
            Ok(store) => (Some(Box::new(store) as Box<dyn Store>), None),
            Err(error) => (None, Some(error.to_string())),
        };
        let coordinator = store
            .as_ref()
            .and_then(|s| s.current_coordinator().ok().flatten());
        let workspaces = trials
            .iter()
            .map(|t| Workspace::new(t, config.today))
            .collect();
        let preferences: Preferences = storage
            .and_then(|s| s.get_string(PREFERENCES_KEY))
            .and_then(|text| ron::from_str(&text).ok())
            .unwrap_or_default();
        let active = trials
            .iter()
            .position(|t| Some(&t.definition.id) == preferences.last_trial.as_ref())
            .unwrap_or(0);
        let mut app = Self {
            config,
            trials,
            trial_problems,
            store,
            store_error,
            coordinator,
            profile_form: profile::ProfileForm::default(),
            active,
            view: View::Screening,
            workspaces,
            across_trials: Vec::new(),
            log: screenings::LogView::default(),
            pending: None,
            reason_text: String::new(),
            focus_reason: false,
            message: None,
            dark: preferences.dark,
            sign_dialog: None,
            theme_applied: None,
            export_ready: false,
        };
        app.restore_drafts();
        app.refresh_across_trials();
        app
    }

    /// The active trial's index.
    pub fn active_trial(&self) -> Option<&LoadedTrial> {
        self.trials.get(self.active)
    }

    /// The active trial's workspace (for tests and benchmarks).
    pub fn workspace(&self) -> Option<&Workspace> {
        self.workspaces.get(self.active)
    }

    /// A trial's workspace by trial id.
    pub fn workspace_for(&self, trial_id: &str) -> Option<&Workspace> {
        let index = self
            .trials
            .iter()
            .position(|t| t.definition.id == trial_id)?;
        self.workspaces.get(index)
    }

    /// The index of a loaded trial by id.
    pub fn trial_index(&self, trial_id: &str) -> Option<usize> {
        self.trials.iter().position(|t| t.definition.id == trial_id)
    }

    /// Fills the first-run profile form (benchmarks drive the app without typing).
    #[doc(hidden)]
    pub fn set_profile_for_tests(&mut self, name: &str, role: &str, site: &str) {
        self.profile_form.name = name.to_owned();
        self.profile_form.role = role.to_owned();
        self.profile_form.site_code = site.to_owned();
    }

    /// Fills the active trial's candidate form (benchmarks drive the app without typing).
    #[doc(hidden)]
    pub fn fill_candidate_for_tests(&mut self, initials: &str, date_of_birth: &str) {
        if let Some(workspace) = self.workspaces.get_mut(self.active) {
            workspace.candidate_form.initials = initials.to_owned();
            workspace.candidate_form.date_of_birth = date_of_birth.to_owned();
        }
    }

    /// The last message shown to the user (errors and confirmations).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Trial files that failed to load, as shown in the problems panel.
    pub fn trial_problems(&self) -> &[String] {
        &self.trial_problems
    }

    /// Each trial's newest draft in the store comes back into its workspace.
    fn restore_drafts(&mut self) {
        let Some(store) = &self.store else { return };
        for (index, trial) in self.trials.iter().enumerate() {
            let filter = LogFilter {
                trial: Some(trial.definition.id.clone()),
                statuses: vec![ScreeningStatus::Draft],
                ..LogFilter::default()
            };
            let mut newest: Option<String> = None;
            let _ = store.log(&filter, &mut |row: &LogRow| {
                newest = Some(row.screening_id.clone());
                Ok(())
            });
            if let Some(id) = newest
                && let Ok(stored) = store.load_screening(&id)
                && stored.screening.trial.version == trial.definition.version()
            {
                let workspace = &mut self.workspaces[index];
                workspace.screening = stored.screening;
                workspace.stored = true;
                workspace.status = Some(stored.status);
                workspace.candidate_form =
                    candidate::CandidateForm::from_screening(&workspace.screening);
                workspace.inputs = Default::default();
                workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
            }
        }
    }

    /// Applies one command; the only place state and the store change.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::SwitchTrial(index) if index < self.trials.len() => {
                self.active = index;
                self.offer_shared_facts(index);
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
            Command::CommitCandidate => self.commit_candidate(None),
            Command::NewCandidate => {
                if let Some(trial) = self.trials.get(self.active) {
                    self.workspaces[self.active] = Workspace::new(trial, self.config.today);
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
                    }
                }
            }
            Command::NextUnanswered => {
                if let Some(workspace) = self.workspaces.get_mut(self.active) {
                    let count = workspace.evaluation.criteria.len();
                    let open = |i: usize| {
                        workspace.evaluation.criteria[i].settlement
                            == crate::eligibility::Settlement::Open
                    };
                    if let Some(next) = (1..=count)
                        .map(|step| (workspace.selected + step) % count)
                        .find(|&i| open(i))
                    {
                        workspace.selected = next;
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
                self.change_entry(criterion, Some(entry), None);
            }
            Command::SaveEntry { criterion, entry } => {
                self.change_entry(criterion, Some(entry), None)
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
                if let Some(PendingChange::Candidate) = self.pending.take()
                    && let Some(workspace) = self.workspaces.get_mut(self.active)
                {
                    workspace.candidate_form =
                        candidate::CandidateForm::from_screening(&workspace.screening);
                }
                self.reason_text.clear();
                self.message = Some("Change cancelled; nothing was saved.".to_owned());
            }
            Command::OpenScreening(id) => self.open_screening(&id),
            Command::SetStatus {
                screening_id,
                status,
                reason,
            } => self.set_status(&screening_id, status, reason),
            Command::RefreshLog => self.refresh_log(),
            Command::Rescreen(id) => self.rescreen(&id),
            Command::ToggleTheme => self.dark = !self.dark,
            Command::OpenSignDialog => self.open_sign_dialog(),
            Command::CloseSignDialog => self.sign_dialog = None,
            Command::ChooseExportPath => self.choose_export_path(),
            Command::CreateIdentity => self.create_identity(),
        }
    }

    /// The open "Sign & export…" dialog, for tests.
    pub fn sign_dialog(&self) -> Option<&sign_dialog::SignDialog> {
        self.sign_dialog.as_ref()
    }

    fn open_sign_dialog(&mut self) {
        let Some(workspace) = self.workspaces.get(self.active).filter(|w| w.stored) else {
            self.message = Some("Start the screening before exporting it.".to_owned());
            return;
        };
        let id = workspace.screening.screening_id.clone();
        let settled = workspace.evaluation.is_signable();
        let has_identity = crate::signing::store::read(&self.config.data_dir.signing_dir()).is_ok();
        let path = self
            .config
            .data_dir
            .root()
            .join("exports")
            .join(format!("{id}.pdf"));
        self.sign_dialog = Some(sign_dialog::SignDialog {
            screening_id: id,
            verdict_settled: settled,
            sign: settled,
            has_identity,
            path: path.display().to_string(),
            ..Default::default()
        });
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
            Some(path) => dialog.path = path.display().to_string(),
            None => {
                dialog.message = Some(
                    "No file was chosen (cancelled, or no file dialog is available here): type the path instead.".to_owned(),
                );
            }
        }
    }

    fn create_identity(&mut self) {
        let (Some(dialog), Some(coordinator)) =
            (self.sign_dialog.as_mut(), self.coordinator.as_ref())
        else {
            return;
        };
        let [first, second] = &dialog.new_passphrase;
        if first != second {
            dialog.message = Some("The two passphrases differ.".to_owned());
            return;
        }
        let now = crate::storage::clock::SystemClock::default();
        let stamp = crate::storage::clock::Clock::now(&now);
        let result = crate::signing::identity::check_passphrase_strength(first)
            .and_then(|()| {
                crate::signing::identity::generate(
                    &coordinator.name,
                    &coordinator.role,
                    &coordinator.site_code,
                    crate::signing::identity::KeyAlgorithm::Rsa2048,
                    stamp.utc,
                )
            })
            .and_then(|identity| {
                crate::signing::store::save(
                    &self.config.data_dir.signing_dir(),
                    &identity,
                    first,
                    false,
                )
            });
        dialog.new_passphrase = Default::default();
        match result {
            Ok(_) => {
                dialog.has_identity = true;
                dialog.message =
                    Some("Signing identity created. Sign with its passphrase.".to_owned());
            }
            Err(error) => dialog.message = Some(error.to_string()),
        }
    }

    /// Runs the queued export: unlocks the identity, renders or signs, writes atomically and
    /// notes it in the audit trail; a wrong passphrase writes nothing.
    fn run_export(&mut self) {
        let Some(mut dialog) = self.sign_dialog.take() else {
            return;
        };
        dialog.phase = sign_dialog::ExportPhase::Editing;
        let passphrase = std::mem::take(&mut dialog.passphrase);
        let outcome = self.export_now(&dialog, &passphrase);
        dialog.message = Some(match outcome {
            Ok(message) => message,
            Err(message) => message,
        });
        self.sign_dialog = Some(dialog);
    }

    fn export_now(
        &mut self,
        dialog: &sign_dialog::SignDialog,
        passphrase: &str,
    ) -> Result<String, String> {
        let by = self
            .coordinator
            .as_ref()
            .map(|c| c.id)
            .ok_or("no coordinator profile")?;
        let store = self.store.as_mut().ok_or("the records store is not open")?;
        let identity = if dialog.sign {
            Some(
                crate::signing::store::load(&self.config.data_dir.signing_dir(), passphrase)
                    .map_err(|e| e.to_string())?,
            )
        } else {
            None
        };
        let mut set = TrialSet::default();
        for trial in &self.trials {
            set.add_result(Ok(trial.clone()));
        }
        let input = crate::export::gather(store.as_ref(), &dialog.screening_id, &set)
            .map_err(|e| e.to_string())?;
        let out = PathBuf::from(dialog.path.trim());
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let sign = identity
            .as_ref()
            .map(|identity| crate::export::SignRequest {
                identity,
                meaning: dialog
                    .meaning
                    .unwrap_or(crate::report::SignatureMeaning::ScreenedBy),
                strokes: dialog.strokes.clone(),
            });
        let stamp =
            crate::storage::clock::Clock::now(&crate::storage::clock::SystemClock::default());
        let exported = crate::export::export_pdf(
            input,
            sign,
            stamp.utc,
            stamp.offset,
            &out,
            Some((store.as_mut(), &dialog.screening_id, by)),
        )
        .map_err(|e| e.to_string())?;
        tracing::info!(screening = %dialog.screening_id, signed = exported.signed, "summary exported");
        Ok(format!(
            "{} PDF written: {} ({} KB, verdict {}, SHA-256 {}).",
            if exported.signed {
                "Signed"
            } else {
                "Unsigned draft"
            },
            out.display(),
            exported.bytes.div_ceil(1024),
            exported.verdict,
            exported.sha256
        ))
    }

    /// Holds a change until the reason dialog is answered.
    fn ask_reason(&mut self, change: PendingChange) {
        self.pending = Some(change);
        self.focus_reason = true;
    }

    fn coordinator_id(&mut self) -> Option<i64> {
        match &self.coordinator {
            Some(c) => Some(c.id),
            None => {
                self.message = Some("Save your coordinator profile first.".to_owned());
                None
            }
        }
    }

    fn save_profile(&mut self) {
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let new = match self.profile_form.validated() {
            Ok(new) => new,
            Err(message) => {
                self.profile_form.error = Some(message);
                return;
            }
        };
        match store
            .save_coordinator(&new)
            .and_then(|c| store.set_current_coordinator(c.id).map(|()| c))
        {
            Ok(coordinator) => {
                self.profile_form.error = None;
                self.message = Some(format!(
                    "Profile saved: {} ({}, {}).",
                    coordinator.name, coordinator.role, coordinator.site_code
                ));
                self.coordinator = Some(coordinator);
            }
            Err(error) => self.profile_form.error = Some(error.to_string()),
        }
    }

    /// Candidate facts shared by every trial, from the workspace edited last.
    fn offer_shared_facts(&mut self, target: usize) {
        let Some(source) = self
            .workspaces
            .iter()
            .enumerate()
            .filter(|(i, w)| *i != target && w.stored)
            .map(|(_, w)| w.screening.candidate.clone())
            .next()
        else {
            return;
        };
        let workspace = &mut self.workspaces[target];
        if workspace.stored {
            return;
        }
        let candidate = &mut workspace.screening.candidate;
        let mut carried = BTreeSet::new();
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
        let candidate = match workspace.candidate_form.validated(self.config.today) {
            Ok(valid) => valid,
            Err(()) => {
                self.message = Some("Check the candidate fields marked in red.".to_owned());
                return;
            }
        };
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let new = NewScreening {
            site_code: None,
            candidate: candidate.candidate.clone(),
            prescreening_date: candidate.prescreening_date,
            planned_visit_date: candidate.planned_visit_date,
            rescreen_of: None,
        };
        let result = store
            .record_trial_definition(trial)
            .and_then(|()| store.create_screening(trial, &new, by));
        match result {
            Ok(id) => {
                workspace.screening.screening_id = id.clone();
                workspace.screening.candidate = candidate.candidate;
                workspace.screening.prescreening_date = candidate.prescreening_date;
                workspace.screening.planned_visit_date = candidate.planned_visit_date;
                workspace.stored = true;
                workspace.status = Some(ScreeningStatus::Draft);
                workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
                workspace.candidate_form =
                    candidate::CandidateForm::from_screening(&workspace.screening);
                tracing::info!(screening = %id, "screening started");
                self.message = Some(format!(
                    "Screening {id} started; every answer is saved as you go."
                ));
                self.refresh_across_trials();
            }
            Err(error) => self.message = Some(error.to_string()),
        }
    }

    fn commit_candidate(&mut self, reason: Option<String>) {
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
        let overwrites = candidate::overwrites_a_value(old, &valid);
        if overwrites && reason.is_none() {
            self.ask_reason(PendingChange::Candidate);
            return;
        }
        let Some(by) = self.coordinator.as_ref().map(|c| c.id) else {
            return;
        };
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let id = workspace.screening.screening_id.clone();
        let mut result = Ok(());
        if candidate_changed {
            result = store
                .set_candidate(&id, &valid.candidate, by, reason.as_deref())
                .map(|_| ());
        }
        if result.is_ok() && dates_changed {
            result = store
                .set_dates(
                    &id,
                    valid.prescreening_date,
                    valid.planned_visit_date,
                    by,
                    reason.as_deref(),
                )
                .map(|_| ());
        }
        match result {
            Ok(()) => {
                workspace.screening.candidate = valid.candidate;
                workspace.screening.prescreening_date = valid.prescreening_date;
                workspace.screening.planned_visit_date = valid.planned_visit_date;
                workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
                self.refresh_across_trials();
            }
            Err(crate::storage::StoreError::ReasonRequired { .. }) if reason.is_none() => {
                self.ask_reason(PendingChange::Candidate);
            }
            Err(error) => self.message = Some(error.to_string()),
        }
    }

    /// Saves a criterion's entry through the store; a change to an answered criterion first
    /// asks for a reason.
    fn change_entry(
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
            let context = crate::validation::AnswerContext {
                screening: &workspace.screening,
                visit_name: &trial.definition.visit_name,
                today: Some(self.config.today),
            };
            let checked = crate::validation::check_entry(definition, entry, context);
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
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let id = workspace.screening.screening_id.clone();
        match store.set_answer(&id, &criterion, entry.as_ref(), by, reason.as_deref()) {
            Ok(_) => {
                match entry {
                    Some(entry) => workspace.screening.answers.insert(criterion, entry),
                    None => workspace.screening.answers.remove(&criterion),
                };
                workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
                self.refresh_across_trials();
            }
            // The store knows more cases that need a reason (a change after signing): ask.
            Err(crate::storage::StoreError::ReasonRequired { .. }) if reason.is_none() => {
                self.ask_reason(PendingChange::Entry { criterion, entry });
            }
            Err(crate::storage::StoreError::InvalidInput(problems)) => {
                let text = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                workspace.inputs.entry(criterion).or_default().answer_error = Some(text.clone());
                self.message = Some(format!("Not saved: {text}"));
            }
            Err(error) => self.message = Some(error.to_string()),
        }
    }

    fn open_screening(&mut self, id: &str) {
        let Some(store) = &self.store else { return };
        match store.load_screening(id) {
            Ok(stored) => {
                let Some(index) = self.trials.iter().position(|t| {
                    t.definition.id == stored.screening.trial.id
                        && t.definition.version() == stored.screening.trial.version
                }) else {
                    self.message = Some(format!(
                        "{id} was screened against {} {}, which is not loaded.",
                        stored.screening.trial.id, stored.screening.trial.version
                    ));
                    return;
                };
                let workspace = &mut self.workspaces[index];
                workspace.evaluation = evaluate(&self.trials[index].definition, &stored.screening);
                workspace.screening = stored.screening;
                workspace.stored = true;
                workspace.status = Some(stored.status);
                workspace.candidate_form =
                    candidate::CandidateForm::from_screening(&workspace.screening);
                workspace.inputs = Default::default();
                workspace.selected = 0;
                workspace.carried_over.clear();
                self.active = index;
                self.view = View::Screening;
                self.refresh_across_trials();
            }
            Err(error) => self.message = Some(error.to_string()),
        }
    }

    fn set_status(&mut self, id: &str, status: ScreeningStatus, reason: Option<String>) {
        let Some(by) = self.coordinator_id() else {
            return;
        };
        let Some(store) = self.store.as_mut() else {
            return;
        };
        match store.set_status(id, status, by, reason.as_deref()) {
            Ok(()) => {
                self.message = Some(format!("{id}: {status}"));
                for workspace in &mut self.workspaces {
                    if workspace.screening.screening_id == id {
                        workspace.status = Some(status);
                    }
                }
                self.refresh_log();
            }
            Err(error) => self.message = Some(error.to_string()),
        }
    }

    /// A new screening of the same candidate for the same trial's newest definition, linked to
    /// the earlier NOT ELIGIBLE one, pre-screened today; then it opens.
    fn rescreen(&mut self, earlier: &str) {
        let Some(by) = self.coordinator_id() else {
            return;
        };
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let result = store.load_screening(earlier).and_then(|stored| {
            let trial = self
                .trials
                .iter()
                .find(|t| t.definition.id == stored.screening.trial.id)
                .ok_or_else(|| {
                    crate::storage::StoreError::DefinitionMismatch(format!(
                        "trial {} is not loaded",
                        stored.screening.trial.id
                    ))
                })?;
            store.record_trial_definition(trial)?;
            store.create_screening(
                trial,
                &NewScreening {
                    site_code: Some(stored.site_code.clone()),
                    candidate: stored.screening.candidate.clone(),
                    prescreening_date: self.config.today,
                    planned_visit_date: None,
                    rescreen_of: Some(earlier.to_owned()),
                },
                by,
            )
        });
        match result {
            Ok(id) => {
                self.open_screening(&id);
                self.message = Some(format!(
                    "{id} started as a re-screen of {earlier}: candidate facts carried over, answers not."
                ));
            }
            Err(error) => self.message = Some(error.to_string()),
        }
    }

    fn refresh_log(&mut self) {
        let Some(store) = &self.store else { return };
        self.log.reload(store.as_ref());
    }

    /// The active candidate's verdict in every loaded trial: another trial's answers count
    /// only when its screening is of the same candidate (same initials, date of birth and
    /// sex); otherwise only the shared facts are evaluated, with nothing answered.
    fn refresh_across_trials(&mut self) {
        let Some(active) = self.workspaces.get(self.active) else {
            return;
        };
        let facts = &active.screening.candidate;
        self.across_trials = self
            .trials
            .iter()
            .zip(&self.workspaces)
            .enumerate()
            .map(|(index, (trial, workspace))| {
                let same_candidate =
                    index == self.active || &workspace.screening.candidate == facts;
                let verdict = if same_candidate {
                    evaluate(&trial.definition, &workspace.screening).verdict
                } else {
                    let mut fresh = workspace.screening.clone();
                    fresh.candidate = facts.clone();
                    fresh.prescreening_date = active.screening.prescreening_date;
                    fresh.planned_visit_date = None;
                    fresh.answers.clear();
                    evaluate(&trial.definition, &fresh).verdict
                };
                (index, verdict)
            })
            .collect();
    }

    /// Draws one frame and returns what the panels asked for.
    pub fn frame(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        if self.theme_applied != Some(self.dark) {
            // Only when it changes: setting the theme restyles everything.
            ui.ctx().set_theme(if self.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            self.theme_applied = Some(self.dark);
        }
        if self.coordinator.is_none() && self.store.is_some() {
            egui::CentralPanel::default().show(ui, |ui| {
                profile::ui(&mut self.profile_form, ui, &mut commands);
            });
            return commands;
        }
        if let Some(error) = &self.store_error {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.heading("The records store could not be opened");
                ui.label(error);
                ui.label("Nothing was changed. Start prescreen with another --data-dir, or restore the database from a backup.");
            });
            return commands;
        }
        trial_bar::ui(
            ui,
            &self.trials,
            self.active,
            self.view,
            self.coordinator.as_ref(),
            self.dark,
            &mut commands,
        );
        egui::Panel::bottom("status-bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                if let Some(message) = &self.message {
                    ui.label(message);
                }
                if !self.trial_problems.is_empty() {
                    ui.separator();
                    ui.collapsing(
                        format!("Trial files: {} problem(s)", self.trial_problems.len()),
                        |ui| {
                            for problem in &self.trial_problems {
                                ui.label(
                                    egui::RichText::new(problem).color(ui.visuals().error_fg_color),
                                );
                            }
                        },
                    );
                }
            });
        });
        match self.view {
            View::Log => {
                egui::CentralPanel::default().show(ui, |ui| {
                    self.log
                        .ui(ui, &self.trials, self.config.today, &mut commands);
                });
            }
            View::Screening => self.screening_view(ui, &mut commands),
        }
        if self.pending.is_some() {
            reason_dialog(
                ui.ctx(),
                &mut self.reason_text,
                &mut self.focus_reason,
                &mut commands,
            );
        }
        if let Some(dialog) = self.sign_dialog.as_mut() {
            let signer = self
                .coordinator
                .as_ref()
                .map(|c| format!("{} · {} · {}", c.name, c.role, c.site_code))
                .unwrap_or_default();
            sign_dialog::ui(ui.ctx(), dialog, &signer, &mut commands);
        }
        commands
    }

    fn screening_view(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Self {
            trials,
            workspaces,
            active,
            across_trials,
            config,
            ..
        } = self;
        let (Some(trial), Some(workspace)) = (trials.get(*active), workspaces.get_mut(*active))
        else {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.label("No trial definitions loaded.");
            });
            return;
        };
        egui::Panel::top("verdict").show(ui, |ui| {
            verdict::ui(ui, &trial.definition, &workspace.evaluation, commands);
        });
        egui::Panel::left("candidate")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    candidate::ui(ui, &trial.definition, workspace, config.today, commands);
                    ui.separator();
                    verdict::across_trials(ui, trials, across_trials, *active, commands);
                });
            });
        egui::Panel::left("checklist")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                checklist::ui(ui, &trial.definition, workspace, commands);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                criterion::ui(ui, &trial.definition, workspace, commands);
            });
        });
    }

    /// Keyboard shortcuts: letter keys only while no text field has focus.
    fn shortcuts(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        if self.sign_dialog.is_some() {
            return;
        }
        if self.view != View::Screening || self.pending.is_some() || self.coordinator.is_none() {
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
                commands.push(Command::ShowView(View::Log));
                self.log.request_filter_focus();
            }
            return;
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            commands.push(Command::ShowView(View::Log));
            self.log.request_filter_focus();
            return;
        }
        let typing = ctx.egui_wants_keyboard_input();
        let pressed = |key: egui::Key| ctx.input(|i| i.key_pressed(key) && i.modifiers.is_none());
        if pressed(egui::Key::ArrowDown) && !typing {
            commands.push(Command::MoveSelection(1));
        }
        if pressed(egui::Key::ArrowUp) && !typing {
            commands.push(Command::MoveSelection(-1));
        }
        if typing {
            return;
        }
        if pressed(egui::Key::J) {
            commands.push(Command::MoveSelection(1));
        }
        if pressed(egui::Key::K) {
            commands.push(Command::MoveSelection(-1));
        }
        if pressed(egui::Key::Enter) {
            commands.push(Command::NextUnanswered);
        }
        let Some(workspace) = self.workspaces.get(self.active) else {
            return;
        };
        let Some(trial) = self.trials.get(self.active) else {
            return;
        };
        let Some(criterion) = trial.definition.criteria.get(workspace.selected) else {
            return;
        };
        if !criterion::answers_yes_no(criterion) {
            return;
        }
        for (key, answer) in [
            (egui::Key::Y, Answer::Yes),
            (egui::Key::N, Answer::No),
            (egui::Key::U, Answer::Unknown),
        ] {
            if pressed(key) {
                commands.push(Command::Answer {
                    criterion: criterion.id.clone(),
                    answer,
                });
            }
        }
    }
}

fn reason_dialog(
    ctx: &egui::Context,
    text: &mut String,
    focus: &mut bool,
    commands: &mut Vec<Command>,
) {
    egui::Modal::new(egui::Id::unique("prescreen-reason-dialog")).show(ctx, |ui| {
        ui.heading("Reason for change");
        ui.label("This changes a value that was already recorded. The audit trail keeps the old value, the new one and your reason.");
        let label = ui.label("Reason");
        let response = ui.add(egui::TextEdit::singleline(text).hint_text("e.g. corrected after checking the lab report")).labelled_by(label.id);
        if std::mem::take(focus) {
            response.request_focus();
        }
        ui.horizontal(|ui| {
            let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Save change").clicked() || enter {
                commands.push(Command::ConfirmReason(text.clone()));
            }
            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                commands.push(Command::CancelReason);
            }
        });
    });
}

/// Adds DejaVu Sans (shipped in `assets/fonts`) as a fallback, so every character of the
/// trial files ("≥", "≤", "µ", "–", "²") and the status icons draw.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "DejaVuSans".to_owned(),
        std::sync::Arc::new(egui::FontData::from_static(include_bytes!(
            "../../assets/fonts/DejaVuSans.ttf"
        ))),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("DejaVuSans".to_owned());
    }
    ctx.set_fonts(fonts);
}

/// UI preferences kept in eframe's storage (in the data folder): never screenings.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Preferences {
    dark: bool,
    last_trial: Option<String>,
}

impl eframe::App for PrescreenApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let queued = self
            .sign_dialog
            .as_ref()
            .is_some_and(|d| d.phase == sign_dialog::ExportPhase::Queued);
        if queued && self.export_ready {
            self.export_ready = false;
            self.run_export();
        } else if queued {
            // Draw the progress indicator first; export on the next frame.
            self.export_ready = true;
            ui.ctx().request_repaint();
        }
        let mut commands = Vec::new();
        self.shortcuts(ui.ctx(), &mut commands);
        commands.extend(self.frame(ui));
        for command in commands {
            self.apply(command);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let preferences = Preferences {
            dark: self.dark,
            last_trial: self.active_trial().map(|t| t.definition.id.clone()),
        };
        if let Ok(text) = ron::to_string(&preferences) {
            storage.set_string(PREFERENCES_KEY, text);
        }
    }
}

/// Opens the window (blocking until it is closed).
pub fn run(config: AppConfig) -> Result<(), eframe::Error> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("prescreen")
            .with_app_id("prescreen")
            .with_inner_size([1280.0, 800.0]),
        persistence_path: Some(config.data_dir.settings_path()),
        ..Default::default()
    };
    eframe::run_native(
        "prescreen",
        options,
        Box::new(move |cc| {
            Ok(Box::new(PrescreenApp::new(
                config,
                &cc.egui_ctx,
                cc.storage,
            )))
        }),
    )
}
