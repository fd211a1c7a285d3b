//! Records: where screenings, their answers and the audit trail are kept.
//!
//! The app and the command line talk to the store only through the [`Store`] trait, so a
//! shared server database for a multi-coordinator site can be added later beside
//! [`sqlite::SqliteStore`] (the embedded default) without touching the UI or the engine.
//! Every change goes through the trait, is one transaction, and appends an audit event.

pub mod audit;
pub mod clock;
pub mod csv;
pub mod data_dir;
pub mod ids;
pub mod pg;
mod records;
mod sql;
pub mod sqlite;
pub mod state;

use std::path::Path;

use jiff::civil::Date;

pub use audit::{AuditAction, AuditEvent, BrokenLink, ChainReport};
pub use data_dir::DataDir;
pub use pg::PgStore;
pub use records::amend::MoveReport;
pub use sqlite::SqliteStore;

// The lifecycle and the counts are the core's; a store keeps and returns them.
pub use prescreen_core::lifecycle::{
    LifecycleError, ScreeningStatus, StoredVerdict, TransitionKind,
};
pub use prescreen_core::sear::{CriterionCount, ReasonCount, TrialSummary};

use prescreen_core::io_error::IoError;
use prescreen_core::screening::{Candidate, CriterionEntry, Screening};
use prescreen_core::trial::load::LoadedTrial;
use prescreen_core::validation::InputProblem;

/// A coordinator's id in the store; every audit event names one.
pub type CoordinatorId = i64;

/// A person who screens: events are attributed to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coordinator {
    /// Store id.
    pub id: CoordinatorId,
    /// Full name as they sign.
    pub name: String,
    /// Role at the site ("study nurse", "investigator").
    pub role: String,
    /// The site's code, part of every screening id they create (`CPH`, `TLS`).
    pub site_code: String,
}

/// What a coordinator is saved with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCoordinator {
    /// Full name.
    pub name: String,
    /// Role at the site.
    pub role: String,
    /// Site code: 2 to 8 ASCII letters or digits (upper-cased when saved).
    pub site_code: String,
}

/// A new screening's first facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScreening {
    /// The site the id is generated for; `None` uses the coordinator's site.
    pub site_code: Option<String>,
    /// Initials, date of birth, sex, childbearing potential.
    pub candidate: Candidate,
    /// The pre-screening date (its year goes into the id).
    pub prescreening_date: Date,
    /// The planned visit, when known.
    pub planned_visit_date: Option<Date>,
    /// The earlier NOT ELIGIBLE screening this one repeats (`prescreen new --rescreen ID`):
    /// linked in both audit trails.
    pub rescreen_of: Option<String>,
}

/// A screening as kept: the exchange-format record plus its place in the lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScreening {
    /// Answers and candidate in the exchange format (trial reference includes the SHA-256;
    /// `coordinator` is the name of whoever created it).
    pub screening: Screening,
    /// The site code.
    pub site_code: String,
    /// Lifecycle status.
    pub status: ScreeningStatus,
    /// Why it is declined, not enrolled, voided or was last corrected.
    pub status_reason: Option<String>,
    /// The verdict after the last save.
    pub verdict: StoredVerdict,
    /// The earlier screening this one repeats, if it is a re-screening.
    pub rescreen_of: Option<String>,
    /// Later screenings that repeat this one.
    pub rescreened_as: Vec<String>,
    /// How many writes it has seen (1 when created): a save based on an older version is
    /// refused as a [`StoreError::Conflict`].
    pub version: i64,
}

/// Which screenings the log and summary cover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// One trial id only.
    pub trial: Option<String>,
    /// Pre-screening date on or after.
    pub from: Option<Date>,
    /// Pre-screening date on or before.
    pub to: Option<Date>,
    /// Only these statuses (empty: all). Ignored by the summary, which counts every stage.
    pub statuses: Vec<ScreeningStatus>,
    /// Only NOT ELIGIBLE screenings whose re-screen date has been reached on this day and
    /// that no later screening repeats yet ("re-screen due"). Ignored by the summary.
    pub rescreen_due_on: Option<Date>,
    /// Only screenings answered against this version of their definition (the log and the
    /// summary read per version).
    pub definition_version: Option<String>,
    /// Newest first (the window's order) instead of oldest first. Ignored by the summary.
    pub newest_first: bool,
    /// At most this many rows: one page. Ignored by the summary.
    pub limit: Option<u64>,
    /// Only the rows after this (pre-screening date, id) in the order asked for: the next
    /// page, read by key so a page costs the same however deep it is. Ignored by the summary.
    pub after: Option<(Date, String)>,
}

/// A criterion named as a reason: its id and the first words of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCriterion {
    /// Criterion id (`IN04`).
    pub criterion_id: String,
    /// Short text of the criterion.
    pub text: String,
}

/// One row of the screening log (ICH E6 screening log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    /// Pseudonymous screening id.
    pub screening_id: String,
    /// Trial id.
    pub trial_id: String,
    /// Definition version screened against.
    pub definition_version: String,
    /// Pre-screening date.
    pub prescreening_date: Date,
    /// Who created the screening.
    pub coordinator: String,
    /// Site code.
    pub site_code: String,
    /// Lifecycle status.
    pub status: ScreeningStatus,
    /// Why declined, not enrolled, voided or corrected.
    pub status_reason: Option<String>,
    /// The verdict's name.
    pub verdict: String,
    /// The failing criteria for NOT ELIGIBLE.
    pub reasons: Vec<ReasonCriterion>,
    /// The verdict with its re-screen advice ("NOT ELIGIBLE — re-screen from 2026-12-08").
    pub verdict_line: String,
    /// When every failure is time-limited: the date to re-screen from.
    pub rescreen_from: Option<Date>,
    /// The later screening that repeats this one, if any.
    pub rescreened_as: Option<String>,
}

/// Whether a register entry is a signer's own certificate or a CA whose signers are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerKind {
    /// One signer's certificate (or its fingerprint).
    Signer,
    /// A certification authority: certificates it issued are trusted.
    Ca,
}

impl SignerKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signer => "signer",
            Self::Ca => "ca",
        }
    }
}

/// A signer the site trusts, as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedSigner {
    /// SHA-256 of the certificate (DER), lowercase hex.
    pub fingerprint: String,
    /// Signer or CA.
    pub kind: SignerKind,
    /// The person (or the CA) as the site knows them.
    pub name: String,
    /// Their role.
    pub role: String,
    /// The certificate (PEM), when it was given (always for a CA).
    pub certificate_pem: Option<String>,
    /// When it was added (UTC).
    pub added_utc: String,
    /// Who added it.
    pub added_by: String,
    /// When and why it was revoked.
    pub revoked: Option<(String, String)>,
}

/// What a register entry is added with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTrustedSigner {
    /// SHA-256 of the certificate (DER), lowercase hex.
    pub fingerprint: String,
    /// Signer or CA.
    pub kind: SignerKind,
    /// The person (or CA).
    pub name: String,
    /// Their role.
    pub role: String,
    /// The certificate (PEM), when known.
    pub certificate_pem: Option<String>,
}

/// Why a records operation failed. Messages name files and screening ids, never a
/// candidate's initials, date of birth or name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a prescreen database (another program's file, or text).
    #[error("{file}: not a prescreen database ({detail}); the file was left untouched")]
    NotOurDatabase {
        /// The file.
        file: String,
        /// What was found.
        detail: String,
    },
    /// The file is a damaged SQLite database.
    #[error(
        "{file}: the database is damaged ({detail}); the file was left untouched — restore it from a backup"
    )]
    Corrupt {
        /// The file.
        file: String,
        /// SQLite's words.
        detail: String,
    },
    /// The database was written by a newer prescreen.
    #[error(
        "{file}: written by a newer prescreen (schema version {found}; this version knows up to {supported}); the file was left untouched — use a newer prescreen"
    )]
    NewerSchema {
        /// The file.
        file: String,
        /// The schema version found.
        found: i64,
        /// The newest schema this build knows.
        supported: i64,
    },
    /// A file or folder could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// SQLite reported an error (kept as the source).
    #[error("database error: {0}")]
    Database(#[source] std::sync::Arc<rusqlite::Error>),
    /// No screening has this id.
    #[error("no screening {0}")]
    UnknownScreening(String),
    /// The id is taken (ids are never reused).
    #[error("screening id {0} is already taken; ids are never reused")]
    DuplicateScreeningId(String),
    /// An id given in a file is not a pseudonymous id (the id itself is not repeated here).
    #[error(
        "the screening id is not usable (letters, digits, '-' and '_' only, at most {max} characters); leave it empty to get one generated",
        max = ids::MAX_ID_LEN
    )]
    UnacceptableScreeningId,
    /// A site code is not 2 to 8 ASCII letters or digits.
    #[error("site code {0:?} must be 2 to 8 letters or digits")]
    InvalidSiteCode(String),
    /// No coordinator has this id.
    #[error("no coordinator with id {0}")]
    UnknownCoordinator(CoordinatorId),
    /// Nobody is set as the current coordinator.
    #[error(
        "no coordinator set: run `prescreen coordinator set --name NAME --role ROLE --site CODE`"
    )]
    NoCurrentCoordinator,
    /// The trial definition the screening refers to is not in the store.
    #[error("trial {trial} version {version} (SHA-256 {sha256}) is not recorded in the store")]
    UnknownDefinition {
        /// Trial id.
        trial: String,
        /// Version.
        version: String,
        /// Hash.
        sha256: String,
    },
    /// The screening belongs to another trial or version than the definition given.
    #[error("{0}")]
    DefinitionMismatch(String),
    /// A stored definition's text no longer has the SHA-256 it is kept under: it was edited
    /// behind the store's back. It is never evaluated or rendered.
    #[error(
        "the stored text of {trial} {version} no longer has its SHA-256 {sha256}: it was altered; restore the store from a backup"
    )]
    TamperedDefinition {
        /// Trial id.
        trial: String,
        /// Version.
        version: String,
        /// The hash it is kept under.
        sha256: String,
    },
    /// A screening's record disagrees with its audit trail; it is not exported or signed.
    #[error(
        "the record of {id} does not match its audit trail ({}); nothing was exported — run `prescreen audit verify` and restore the store from a backup",
        .problems.join("; ")
    )]
    RecordTampered {
        /// The screening.
        id: String,
        /// What disagrees.
        problems: Vec<String>,
    },
    /// The store was opened read-only (its schema is not what the migrations made): nothing
    /// can be written until it is restored.
    #[error("{0}; the store is open read-only: nothing was written")]
    ReadOnly(String),
    /// A stored definition no longer loads in this version of prescreen.
    #[error("stored definition {trial} {version} cannot be loaded: {detail}")]
    StoredDefinition {
        /// Trial id.
        trial: String,
        /// Version.
        version: String,
        /// The loader's message.
        detail: String,
    },
    /// The trial has no such criterion.
    #[error("trial {trial} has no criterion {criterion}")]
    UnknownCriterion {
        /// Trial id.
        trial: String,
        /// Criterion id.
        criterion: String,
    },
    /// The change needs a reason (ALCOA+: a changed record says why).
    #[error("{screening}: {what} needs a reason")]
    ReasonRequired {
        /// Screening id.
        screening: String,
        /// What was being changed.
        what: String,
    },
    /// The status move is not allowed.
    #[error("{screening}: cannot go from {from} to {to}: {why}")]
    InvalidTransition {
        /// Screening id.
        screening: String,
        /// Current status.
        from: ScreeningStatus,
        /// Requested status.
        to: ScreeningStatus,
        /// Why not.
        why: String,
    },
    /// The screening is voided and frozen.
    #[error("{0} is voided (entered in error) and can no longer change")]
    Voided(String),
    /// A verdict can only be recorded once the pre-screen criteria are settled.
    #[error(
        "{0}: the verdict is INCOMPLETE; answer the open pre-screen criteria before recording it"
    )]
    VerdictNotSettled(String),
    /// The register already holds this signer (or it is already revoked).
    #[error("{0}")]
    DuplicateSigner(String),
    /// No register entry has this fingerprint.
    #[error("no trusted signer with fingerprint {0}")]
    UnknownSigner(String),
    /// An input was refused: every problem, each naming its criterion and field. Nothing was
    /// stored.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidInput(Vec<InputProblem>),
    /// Stored data could not be read back (the message says which column, not the value).
    #[error("stored data is invalid: {0}")]
    InvalidStoredData(String),
    /// The caller's output sink failed (e.g. a closed pipe).
    #[error("writing output: {0}")]
    Output(String),
    /// A visit step refused: the visit has not started, or the criterion is not one to
    /// re-confirm.
    #[error("{0}")]
    Visit(String),
    /// The login may not do this (a monitor writing, a change attributed to someone else,
    /// another site's records).
    #[error("not permitted: {0}")]
    NotPermitted(String),
    /// The site server cannot be reached (stopped, network down, TLS failure): nothing was
    /// written; the change can be made again once it is back.
    #[error("{store}: the site server cannot be reached ({detail}); nothing was saved")]
    Unreachable {
        /// The server, as a URL without its password.
        store: String,
        /// What failed.
        detail: String,
    },
    /// The site server refused or failed (its words; never a password).
    #[error("{store}: {detail}")]
    Server {
        /// The server, as a URL without its password.
        store: String,
        /// What went wrong.
        detail: String,
    },
    /// Someone else changed the screening after this handle read it: nothing was written.
    /// Read it again, look at their change, and re-apply yours if it still holds.
    #[error(
        "{screening} was changed by {changed_by} at {changed_at} after you opened it; nothing was saved — reload it, then re-apply your change if it still holds"
    )]
    Conflict {
        /// The screening.
        screening: String,
        /// Who changed it last.
        changed_by: String,
        /// When (UTC).
        changed_at: String,
        /// Its version now.
        version: i64,
    },
    /// Enrolment waits for the visit check.
    #[error("{screening}: not enrolled while the visit check is open: {}", open.join(", "))]
    VisitCheckOpen {
        /// The screening.
        screening: String,
        /// What is open ("EX02 to re-confirm").
        open: Vec<String>,
    },
}

/// The records API the app and command line use; implemented by [`SqliteStore`] now and by a
/// server-backed store later. Object-safe (`&mut dyn Store`). Every write is one transaction
/// that also appends its audit events; when a write returns `Ok`, it is durable.
pub trait Store {
    /// Saves a coordinator (or finds the identical one) and returns it with its id.
    fn save_coordinator(&mut self, new: &NewCoordinator) -> Result<Coordinator, StoreError>;
    /// Makes a coordinator the one the command line and app act as.
    fn set_current_coordinator(&mut self, id: CoordinatorId) -> Result<(), StoreError>;
    /// The coordinator set as current, if any.
    fn current_coordinator(&self) -> Result<Option<Coordinator>, StoreError>;
    /// One coordinator by id.
    fn coordinator(&self, id: CoordinatorId) -> Result<Coordinator, StoreError>;

    /// Keeps a definition's exact text and hash (idempotent), so screenings against it can be
    /// re-evaluated and re-rendered years later.
    fn record_trial_definition(&mut self, trial: &LoadedTrial) -> Result<(), StoreError>;
    /// The exact text of a recorded definition.
    fn trial_text(
        &self,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Starts a screening (status draft) and returns its generated id.
    fn create_screening(
        &mut self,
        trial: &LoadedTrial,
        new: &NewScreening,
        by: CoordinatorId,
    ) -> Result<String, StoreError>;
    /// Stores a screening from the exchange format: keeps its id when free (refuses a taken
    /// one), generates one when it has none. Returns the id.
    fn import_screening(
        &mut self,
        trial: &LoadedTrial,
        screening: &Screening,
        by: CoordinatorId,
    ) -> Result<String, StoreError>;
    /// Reads a screening back.
    fn load_screening(&self, id: &str) -> Result<StoredScreening, StoreError>;

    /// Sets (or with `None` clears) one criterion's answer and re-evaluates. Changing an
    /// answered criterion (an answer other than Unknown) or clearing one needs a reason.
    fn set_answer(
        &mut self,
        id: &str,
        criterion_id: &str,
        entry: Option<&CriterionEntry>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError>;
    /// Sets the candidate fields; one audit event per changed field. Changing a field that
    /// already had a value needs a reason.
    fn set_candidate(
        &mut self,
        id: &str,
        candidate: &Candidate,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError>;
    /// Sets the pre-screening and planned visit dates. Changing a date that was set needs a
    /// reason.
    fn set_dates(
        &mut self,
        id: &str,
        prescreening_date: Date,
        planned_visit_date: Option<Date>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError>;
    /// Moves a screening through its lifecycle (see [`ScreeningStatus::check_transition`]).
    /// Moving to pre-screened records the verdict and refuses an INCOMPLETE one.
    fn set_status(
        &mut self,
        id: &str,
        status: ScreeningStatus,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Records the day the visit took place (today by default at the doors); correcting it
    /// needs a reason. From then on windows counted from the visit use it.
    fn start_visit(
        &mut self,
        id: &str,
        visit_date: Date,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError>;
    /// Re-confirms a pre-screen answer at the visit, on `on` (today when `None`): still true,
    /// or changed (the criterion then waits for its new answer).
    fn reconfirm(
        &mut self,
        id: &str,
        criterion_id: &str,
        changed: bool,
        on: Option<Date>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError>;
    /// Records the verdict: draft → pre-screened.
    fn record_verdict(&mut self, id: &str, by: CoordinatorId) -> Result<StoredVerdict, StoreError>;
    /// Notes in the trail that the screening's summary was signed (`detail`: what, e.g. the
    /// PDF's hash and the certificate).
    fn mark_signed(&mut self, id: &str, by: CoordinatorId, detail: &str) -> Result<(), StoreError>;
    /// Notes in the trail that the screening left prescreen (`detail`: format and file name).
    fn mark_exported(
        &mut self,
        id: &str,
        by: CoordinatorId,
        detail: &str,
    ) -> Result<(), StoreError>;

    /// A screening's audit events in order (for the PDF appendix).
    fn screening_history(&self, id: &str) -> Result<Vec<AuditEvent>, StoreError>;
    /// Walks the whole chain and reports the first broken link.
    fn verify_audit_chain(&self) -> Result<ChainReport, StoreError>;
    /// Where one screening's record disagrees with its own audit events (a row edited behind
    /// the store's back, a cached verdict its answers do not give, an altered definition);
    /// empty when they agree. Exports refuse a screening with problems.
    fn screening_record_problems(&self, id: &str) -> Result<Vec<String>, StoreError>;
    /// Keeps what was typed into a trial's candidate form before its screening started, so a
    /// restart loses nothing (`None` forgets it). Not a record: nothing was screened yet, so
    /// it is no audit event; it lives in the same private database file as the records.
    fn set_form_draft(&mut self, trial_id: &str, text: Option<&str>) -> Result<(), StoreError>;
    /// The candidate form kept for a trial, if any.
    fn form_draft(&self, trial_id: &str) -> Result<Option<String>, StoreError>;
    /// Bases this handle's next changes to a screening on `version` (the one the user is looking
    /// at); a write finding another version is refused as a [`StoreError::Conflict`]. Reading a
    /// screening, or writing it, bases later changes on the version read or written.
    fn base_on(&mut self, id: &str, version: i64);
    /// The version this handle's changes to a screening are based on, if it read or wrote it.
    fn based_on(&self, id: &str) -> Option<i64>;
    /// Whether the last operation failed because the connection to the server was lost (an
    /// embedded store never loses it): the worker then reconnects and runs it again.
    fn connection_lost(&self) -> bool;
    /// Connects to the server again (an embedded store has nothing to do). What this handle
    /// read and based its changes on is kept.
    fn reconnect(&mut self) -> Result<(), StoreError>;
    /// The audit event with this sequence number (a checkpoint names its last event).
    fn audit_event_at(&self, seq: i64) -> Result<Option<AuditEvent>, StoreError>;
    /// The audit event with this hash (a signed PDF prints the head it saw).
    fn audit_event_with_hash(&self, hash: &str) -> Result<Option<AuditEvent>, StoreError>;
    /// The hash of the newest audit event, printed on the PDF.
    fn latest_chain_hash(&self) -> Result<String, StoreError>;

    /// Streams the screening log, one row at a time, in (date, id) order; returns the count.
    fn log(
        &self,
        filter: &LogFilter,
        sink: &mut dyn FnMut(&LogRow) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError>;
    /// Per-trial SEAR counts and ineligibility reasons, in trial id order.
    fn summary(&self, filter: &LogFilter) -> Result<Vec<TrialSummary>, StoreError>;

    /// Where the records are, for messages and checkpoints: the database file, or the site
    /// server's URL without its password.
    fn location(&self) -> String;
    /// The database engine's own consistency check (`Ok(())`, or the problems it lists).
    fn check_integrity(&self) -> Result<Result<(), Vec<String>>, StoreError>;

    /// A consistent copy of the whole store at `path`, even while others write.
    fn backup_to(&self, path: &Path) -> Result<(), StoreError>;

    /// Adds a signer (or a CA) to the site's register of trusted signers (an audit event).
    /// Adding one already there refreshes nothing and is refused.
    fn add_trusted_signer(
        &mut self,
        signer: &NewTrustedSigner,
        by: CoordinatorId,
    ) -> Result<(), StoreError>;
    /// Revokes a trusted signer or CA by fingerprint, with a reason (an audit event); it stays
    /// in the register, marked revoked.
    fn revoke_trusted_signer(
        &mut self,
        fingerprint: &str,
        reason: &str,
        by: CoordinatorId,
    ) -> Result<(), StoreError>;
    /// The register, oldest first (revoked entries included, marked).
    fn trusted_signers(&self) -> Result<Vec<TrustedSigner>, StoreError>;

    /// Notes in the trail that a definition was reviewed and marked verified (its provenance
    /// names who, their role and the date; the event names the version and its hash).
    fn mark_definition_verified(
        &mut self,
        trial: &LoadedTrial,
        by: CoordinatorId,
    ) -> Result<(), StoreError>;

    /// Moves a screening in progress to another version of its trial's definition (see
    /// [`prescreen_core::trial::diff::plan_move`]): one audit event naming both versions and
    /// the criteria affected. A signed, voided or finished screening never moves.
    fn move_screening(
        &mut self,
        id: &str,
        to: &LoadedTrial,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<MoveReport, StoreError>;
}

/// Opens the default store in a data folder, creating the folder if needed.
pub fn open_store(data_dir: &DataDir) -> Result<SqliteStore, StoreError> {
    data_dir.ensure_exists()?;
    SqliteStore::open(&data_dir.database_path())
}
