//! What the panels ask for during a frame; the app applies it after the frame, in one place,
//! which is also where the store (and so the audit trail) is written.

use crate::screening::{Answer, CriterionEntry};
use crate::storage::ScreeningStatus;

/// Which main view is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// The checklist of the active trial.
    #[default]
    Screening,
    /// The screening log of every trial.
    Log,
    /// The active screening's visit: what to settle and re-confirm there.
    Visit,
    /// The trial library: every loaded definition, and the review of a draft.
    Library,
}

/// One thing a panel asked for.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Make another loaded trial the active one (by index).
    SwitchTrial(usize),
    /// Show a view.
    ShowView(View),
    /// Save the first-run coordinator profile form.
    SaveProfile,
    /// Create the screening in the store from the candidate form.
    StartScreening,
    /// Put the candidate form's valid fields into the screening (and the store).
    CommitCandidate,
    /// Clear the active trial's workspace for another candidate.
    NewCandidate,
    /// Select a criterion (by index) in the checklist.
    Select(usize),
    /// Move the selection by this many criteria.
    MoveSelection(i32),
    /// Jump to the next unanswered or unknown criterion.
    NextUnanswered,
    /// Give the selected criterion's row the keyboard focus (a value was saved with Enter).
    FocusSelectedRow,
    /// Start the active screening's visit on this day.
    StartVisit(jiff::civil::Date),
    /// Re-confirm a pre-screen answer at the visit.
    Reconfirm {
        /// Criterion id.
        criterion: String,
        /// Changed (its answer then opens for editing), else still true.
        changed: bool,
    },
    /// Open a criterion (by index) in the checklist with its first input focused.
    OpenCriterion(usize),
    /// Check the coordinator-signed PDF the investigator is about to countersign.
    CheckCountersignSource(std::path::PathBuf),
    /// Lay out the open dialog's screening summary pages for review.
    PreviewPages,
    /// Answer a criterion (keeps its note and evidence).
    Answer {
        /// Criterion id.
        criterion: String,
        /// The new answer.
        answer: Answer,
    },
    /// Save a criterion's whole entry (note and evidence edits).
    SaveEntry {
        /// Criterion id.
        criterion: String,
        /// The entry.
        entry: CriterionEntry,
    },
    /// Move the offered screening to the newer version of its definition.
    MoveAcross,
    /// Leave the offered screening on its version.
    DismissMove,
    /// Save the change a conflict kept, on top of the stored state.
    ReapplyMine,
    /// Let the change a conflict kept go.
    KeepTheirs,
    /// The reason dialog was confirmed with this text.
    ConfirmReason(String),
    /// The reason dialog was cancelled: the change is dropped.
    CancelReason,
    /// Open a stored screening from the log in its trial's workspace.
    OpenScreening(String),
    /// Move a screening through its lifecycle.
    SetStatus {
        /// Screening id.
        screening_id: String,
        /// Target status.
        status: ScreeningStatus,
        /// Reason, where the step needs one.
        reason: Option<String>,
    },
    /// Re-read the screening log with the current filter.
    RefreshLog,
    /// Start a new screening that repeats this NOT ELIGIBLE one (facts carried over, answers
    /// not) and open it.
    Rescreen(String),
    /// Switch between dark and light.
    ToggleTheme,
    /// Open "Sign & export…" for the active screening.
    OpenSignDialog,
    /// Close it.
    CloseSignDialog,
    /// Ask rfd's save dialog for the target path.
    ChooseExportPath,
    /// Create the signing identity from the dialog's new passphrase (on the worker).
    CreateIdentity,
    /// Cancel the identity being created: the key is discarded, never saved.
    CancelIdentity,
    /// Sign or export with what the dialog holds (on the worker).
    RunExport,
    /// Before the screening starts: follow the candidate form as typed, if it reads as a
    /// valid candidate (no messages; those come when a field is left).
    PreviewCandidate,
    /// Something the trial library asked for.
    Library(super::library::LibraryCommand),
    /// A digit typed outside any field on a criterion answered with a number or a date: it
    /// goes into that field, which takes the focus.
    StartTyping {
        /// The criterion.
        criterion: String,
        /// What was typed.
        text: String,
    },
}
