//! The desktop app: egui only draws state and turns clicks and keys into [`Command`]s; the
//! domain (trials, engine, store) knows nothing of egui.
//!
//! Split by role, as rerun's viewer is: this file holds the state and the `eframe::App`
//! glue; [`commands`] applies what a frame asked for; [`tasks`] runs slow work (every save,
//! the log, export and signing, key generation) on a worker thread; [`outcomes`] applies what
//! the worker finished; [`frame`] draws; [`ui`] has one panel per file.

pub mod amend;
pub mod command;
mod commands;
mod frame;
pub mod library;
pub mod library_jobs;
mod outcomes;
pub mod review_form;
pub mod tasks;
mod ui;
pub mod worker;

use std::collections::BTreeSet;
use std::path::PathBuf;

use eframe::egui;
use jiff::civil::Date;

pub use command::{Command, View};

use crate::eligibility::{Evaluation, Verdict, evaluate};
use crate::screening::{Candidate, CriterionEntry, Screening, TrialReference};
use crate::storage::{Coordinator, DataDir, LogFilter, LogRow, ScreeningStatus, Store};
use crate::trial::TrialSet;
use crate::trial::load::LoadedTrial;
use tasks::Tasks;
use ui::{candidate, criterion, profile, screenings, sign_dialog};

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
    /// The site server (`--database`), if records are kept there; else the data folder's
    /// saved one, else the data folder's own database.
    pub database: Option<String>,
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
    /// Where the criteria list is scrolled.
    pub list_scroll: ui::checklist::ListScroll,
    /// The Initials field takes the keyboard focus once (a new candidate starts there).
    pub focus_initials: bool,
    /// The selected criterion's first input takes the focus once (Tab from the checklist).
    pub focus_first_input: bool,
    /// "Sign & export…" takes the focus back once its dialog closes.
    pub focus_sign_button: bool,
    /// The selected criterion's row takes the keyboard focus once (after Start, after Enter
    /// in a value, after the selection moved by key), so focus and selection stay one.
    pub focus_selected_row: bool,
    /// The criterion row that had the keyboard focus when the list was last drawn.
    pub focused_row: Option<eframe::egui::Id>,
    /// The visit view's date field.
    pub visit_form: ui::visit::VisitForm,
    /// A change the store refused because someone else changed the screening first, kept
    /// until it is re-applied or let go.
    pub conflict: Option<ui::conflict::ConflictedChange>,
    /// What the candidate panel held when its save was refused as stale: put back once the
    /// stored state is shown, to be saved again on top.
    pub kept_candidate: Option<candidate::CandidateForm>,
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
            visit_date: None,
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
            list_scroll: Default::default(),
            focus_initials: true,
            focus_first_input: false,
            focus_sign_button: false,
            focus_selected_row: false,
            focused_row: None,
            visit_form: Default::default(),
            conflict: None,
            kept_candidate: None,
        }
    }
}

/// The whole app: state, the worker that owns the store, and the frame loop.
pub struct PrescreenApp {
    config: AppConfig,
    trials: Vec<LoadedTrial>,
    trial_problems: Vec<String>,
    /// The worker that owns the store; `None` when the store could not be opened.
    tasks: Option<Tasks>,
    /// Why the site server cannot be reached, while it cannot (the banner; saves wait).
    offline: Option<String>,
    /// A screening on an older version of its definition, offered to move across.
    move_offer: Option<amend::MoveOffer>,
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
    /// The keyboard help (F1) is open.
    help_open: bool,
    /// The window title last sent (the trial and the screening id).
    title: String,
    /// Every loaded definition, every version, and the review form open on one.
    library: library::Library,
}

/// Storage key of the UI preferences in eframe's storage.
const PREFERENCES_KEY: &str = "prescreen-preferences";

impl PrescreenApp {
    /// Builds the app: loads trials (a broken file goes to the problems panel, the app still
    /// starts), opens the store, restores each trial's newest draft, then hands the store to
    /// the worker.
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
        let library = library::Library::new(set);
        let mut workspaces: Vec<Workspace> = trials
            .iter()
            .map(|t| Workspace::new(t, config.today))
            .collect();
        // The window asks for no server password: it comes from the URL, PGPASSWORD or
        // ~/.pgpass, and a missing one is reported where a store error is.
        let opened = crate::settings::open_records(
            &config.data_dir,
            config.database.as_deref(),
            &mut |_| Ok(None),
        );
        let (tasks, store_error, coordinator) = match opened {
            Ok(store) => {
                let coordinator = store.current_coordinator().ok().flatten();
                restore_drafts(&*store, &trials, &mut workspaces);
                let wake = ctx.clone();
                let tasks = Tasks::start(store, move || wake.request_repaint());
                (Some(tasks), None, coordinator)
            }
            Err(error) => (None, Some(error.to_string()), None),
        };
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
            tasks,
            offline: None,
            move_offer: None,
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
            help_open: false,
            title: String::new(),
            theme_applied: None,
            library,
        };
        app.refresh_across_trials();
        app
    }

    /// The active trial.
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

    /// Moves the app's today (a window left open past midnight, or a test that follows a
    /// candidate from pre-screening to the visit); new defaults and checks use it.
    pub fn set_today(&mut self, today: Date) {
        self.config.today = today;
    }

    /// The move across an amendment the window offers, if any.
    pub fn move_offer(&self) -> Option<&amend::MoveOffer> {
        self.move_offer.as_ref()
    }

    /// Why the site server cannot be reached, while the banner says so.
    pub fn offline(&self) -> Option<&str> {
        self.offline.as_deref()
    }

    /// The last message shown to the user (errors and confirmations).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Trial files that failed to load, as shown in the problems panel.
    pub fn trial_problems(&self) -> &[String] {
        &self.trial_problems
    }

    /// "This candidate against every trial": (trial index, verdict) of this candidate's own
    /// screenings, for tests.
    pub fn across_trials(&self) -> &[(usize, Verdict)] {
        &self.across_trials
    }

    /// The window title names the trial and the screening (a screen reader says it when the
    /// window takes focus); the title is sent only when it changes, the window's accessible
    /// name every pass.
    fn update_title(&mut self, ctx: &egui::Context) {
        let mut title = "prescreen".to_owned();
        if let Some(trial) = self.active_trial() {
            title = format!("{} — prescreen", trial.definition.acronym);
            if let Some(workspace) = self.workspace().filter(|w| w.stored) {
                title = format!(
                    "{} — {} — prescreen",
                    workspace.screening.screening_id, trial.definition.acronym
                );
            }
        }
        // The AccessKit root (the window) is rebuilt every pass: it is named every pass, so a
        // screen reader never meets an unnamed window when the focus falls back to it.
        ctx.accesskit_node_builder(egui::accesskit_root_id(), |node| {
            node.set_label(title.clone());
        });
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// The window title as last sent, for tests.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Whether the keyboard help (F1) is open, for tests.
    pub fn help_open(&self) -> bool {
        self.help_open
    }

    /// The screening log's selected row, for tests.
    pub fn log_selection(&self) -> Option<&str> {
        self.log.selected()
    }

    /// The open "Sign & export…" dialog, for tests.
    pub fn sign_dialog(&self) -> Option<&sign_dialog::SignDialog> {
        self.sign_dialog.as_ref()
    }

    /// Whether slow work is still running on the worker (a save, an export, a key).
    pub fn is_busy(&self) -> bool {
        self.tasks.as_ref().is_some_and(|t| t.pending() > 0)
    }

    /// The thread and duration of the last finished job (the frame-time test checks that
    /// slow work never ran on the UI thread).
    pub fn last_job(&self) -> Option<(std::thread::ThreadId, std::time::Duration)> {
        self.tasks.as_ref().and_then(|t| t.last)
    }

    /// Waits until every submitted job has finished and applies the outcomes (tests and
    /// benchmarks; the window never waits).
    #[doc(hidden)]
    pub fn settle(&mut self) {
        while let Some(outcome) = self
            .tasks
            .as_mut()
            .and_then(|t| t.wait(std::time::Duration::from_secs(30)))
        {
            self.apply_outcome(outcome);
        }
    }
}

/// Each trial's newest draft in the store comes back into its workspace (at start-up, before
/// the store moves to the worker).
fn restore_drafts(store: &dyn Store, trials: &[LoadedTrial], workspaces: &mut [Workspace]) {
    for (trial, workspace) in trials.iter().zip(workspaces.iter_mut()) {
        // A candidate form typed but not started is the newest thing on this trial's page.
        if let Ok(Some(text)) = store.form_draft(&trial.definition.id)
            && let Some(form) = candidate::CandidateForm::from_draft_text(&text)
        {
            workspace.candidate_form = form.clone();
            let mut checked = form;
            if let Ok(valid) = checked.validated(workspace.screening.prescreening_date) {
                workspace.screening.candidate = valid.candidate;
                workspace.screening.prescreening_date = valid.prescreening_date;
                workspace.screening.planned_visit_date = valid.planned_visit_date;
                workspace.evaluation = evaluate(&trial.definition, &workspace.screening);
            }
            continue;
        }
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
        // What the worker finished since the last frame.
        let outcomes = self.tasks.as_mut().map(Tasks::poll).unwrap_or_default();
        for outcome in outcomes {
            self.apply_outcome(outcome);
        }
        let mut commands = Vec::new();
        self.shortcuts(ui.ctx(), &mut commands);
        commands.extend(self.frame(ui));
        self.start_typing(ui.ctx(), &mut commands);
        self.update_title(ui.ctx());
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
