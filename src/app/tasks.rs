//! Slow work off the UI thread: one worker owns the store and runs every save (each is an
//! fsync'd transaction), the log refresh, the export and signing, and the creation of a
//! signing identity (RSA key generation and scrypt). The frame submits a [`Job`], keeps
//! drawing, and applies the [`Outcome`] when it arrives — so no frame waits on the disk or on
//! cryptography.
//!
//! Jobs run in the order they were submitted: two answers to one criterion are saved in the
//! order they were given.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::civil::Date;

pub use super::worker::{CHANGE_POLL, Done, Tasks};
use zeroize::Zeroizing;

use crate::report::SignatureMeaning;
use crate::screening::{Candidate, CriterionEntry};
use crate::storage::{
    Coordinator, CoordinatorId, LogFilter, LogRow, MoveReport, NewCoordinator, NewScreening,
    ScreeningStatus, Store, StoreError, StoredScreening, StoredVerdict,
};
use crate::trial::load::{LoadedTrial, TrialSet};

/// Why a new screening is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreatePurpose {
    /// "Start screening" in this trial's workspace.
    Start {
        /// The trial's index in the app.
        trial_index: usize,
    },
    /// A re-screening of this NOT ELIGIBLE screening.
    Rescreen {
        /// The earlier screening.
        earlier: String,
    },
}

/// What an export needs; the passphrase is wiped when the job is dropped.
#[derive(Clone)]
pub struct ExportJob {
    /// The screening.
    pub screening_id: String,
    /// Who exports.
    pub by: CoordinatorId,
    /// The loaded definitions (the one the screening was answered against among them).
    pub trials: TrialSet,
    /// Sign, or write an unsigned draft.
    pub sign: bool,
    /// What the signature means.
    pub meaning: SignatureMeaning,
    /// The drawn signature.
    pub strokes: Vec<Vec<(f32, f32)>>,
    /// The signing key's passphrase.
    pub passphrase: Zeroizing<String>,
    /// The signing identity's folder.
    pub signing_dir: PathBuf,
    /// The PDF to write.
    pub path: PathBuf,
    /// The user confirmed replacing an existing file at `path` (never replaced otherwise).
    pub replace_existing: bool,
    /// An investigator's countersignature of this coordinator-signed file (written to `path`).
    pub countersign_from: Option<PathBuf>,
    /// The RFC 3161 TSA to timestamp the signature with (as the dialog shows it: from
    /// `PRESCREEN_TSA` or the data folder's setting, or typed); `None` signs B-B.
    pub tsa: Option<String>,
    /// The data folder, which keeps a TSA typed in the dialog for the next signatures.
    pub data_dir: crate::storage::DataDir,
}

impl std::fmt::Debug for ExportJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportJob")
            .field("screening_id", &self.screening_id)
            .field("sign", &self.sign)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A new signing identity's facts; the passphrase is wiped when the job is dropped.
#[derive(Clone)]
pub struct IdentityJob {
    /// Name as it will be printed.
    pub name: String,
    /// Role.
    pub role: String,
    /// Site.
    pub site: String,
    /// The new key's passphrase.
    pub passphrase: Zeroizing<String>,
    /// Where the identity is kept.
    pub signing_dir: PathBuf,
    /// Set when the user cancels: the key is then never saved.
    pub cancel: Arc<AtomicBool>,
    /// Who creates it: the new signer is registered as trusted in the store by them.
    pub by: Option<crate::storage::CoordinatorId>,
}

impl std::fmt::Debug for IdentityJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityJob")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// One piece of slow work. Clone: a job the server could not take is run again once it is
/// back.
#[derive(Debug, Clone)]
pub enum Job {
    /// Save the first-run profile and act as it.
    SaveProfile(NewCoordinator),
    /// Record the definition and create a screening.
    CreateScreening {
        /// The definition.
        trial: Box<LoadedTrial>,
        /// Its first facts.
        new: NewScreening,
        /// Who.
        by: CoordinatorId,
        /// What the app does with it.
        purpose: CreatePurpose,
    },
    /// Record the day the visit took place.
    StartVisit {
        /// The workspace it came from.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
        /// The day.
        visit_date: Date,
        /// Who.
        by: CoordinatorId,
    },
    /// Re-confirm a pre-screen answer at the visit.
    Reconfirm {
        /// The workspace it came from.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
        /// Criterion id.
        criterion: String,
        /// Changed (else still true).
        changed: bool,
        /// The day.
        on: Date,
        /// Who.
        by: CoordinatorId,
    },
    /// Save one criterion's entry.
    SetAnswer {
        /// The workspace it came from.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
        /// Criterion id.
        criterion: String,
        /// The entry (`None` clears).
        entry: Option<CriterionEntry>,
        /// Who.
        by: CoordinatorId,
        /// Why, when a reason was given.
        reason: Option<String>,
    },
    /// Save the candidate fields and dates.
    SetCandidate {
        /// The workspace it came from.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
        /// The candidate, if it changed.
        candidate: Option<Candidate>,
        /// The dates, if they changed.
        dates: Option<(Date, Option<Date>)>,
        /// Who.
        by: CoordinatorId,
        /// Why, when a reason was given.
        reason: Option<String>,
    },
    /// Move a screening through its lifecycle.
    SetStatus {
        /// Screening id.
        screening_id: String,
        /// Target status.
        status: ScreeningStatus,
        /// Who.
        by: CoordinatorId,
        /// Why.
        reason: Option<String>,
    },
    /// Start a screening that repeats an earlier NOT ELIGIBLE one: its candidate facts are
    /// read from the store, its answers are not carried.
    Rescreen {
        /// The trial's newest definition.
        trial: Box<LoadedTrial>,
        /// The earlier screening.
        earlier: String,
        /// Its site.
        site_code: String,
        /// Today.
        prescreening_date: Date,
        /// Who.
        by: CoordinatorId,
    },
    /// Read a stored screening.
    OpenScreening(String),
    /// Move a screening in progress to a newer version of its definition.
    MoveScreening {
        /// Screening id.
        screening_id: String,
        /// The version to move to.
        to: Box<LoadedTrial>,
        /// Who.
        by: CoordinatorId,
        /// Why (the amendment).
        reason: String,
    },
    /// Whether someone else changed an open screening since this window based its changes on
    /// it; if so, it is read again (what is typed is kept).
    CheckForChanges {
        /// The workspace.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
    },
    /// Read a screening again into its workspace, keeping what is being typed (after a
    /// conflict, or when someone else changed it).
    ReloadScreening {
        /// The workspace.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
    },
    /// Read the whole log.
    RefreshLog(LogFilter),
    /// Render or sign, write, and note it in the trail.
    Export(Box<ExportJob>),
    /// Check a signed PDF before it is countersigned (what the investigator sees first).
    CheckPdf(PathBuf),
    /// Lay out a stored screening's summary pages (the page images the investigator reviews).
    PreviewPages {
        /// The screening.
        screening_id: String,
        /// The loaded definitions.
        trials: TrialSet,
    },
    /// Generate a key pair and certificate and store them.
    CreateIdentity(Box<IdentityJob>),
    /// Write a trial definition file from the library (and note a verification).
    Definition(Box<super::library_jobs::DefinitionJob>),
    /// Keep (or forget, with `None`) a trial's unstarted candidate form.
    SaveFormDraft {
        /// The trial.
        trial_id: String,
        /// The form as RON text.
        text: Option<String>,
    },
}

/// What a job produced, applied by the frame.
#[derive(Debug)]
pub enum Outcome {
    /// [`Job::SaveFormDraft`]: only a failure is worth saying.
    FormDraftSaved(Result<(), StoreError>),
    /// [`Job::SaveProfile`].
    ProfileSaved(Result<Coordinator, StoreError>),
    /// [`Job::CreateScreening`]: the stored screening as created.
    ScreeningCreated {
        /// Why it was created.
        purpose: CreatePurpose,
        /// The result.
        result: Result<StoredScreening, StoreError>,
    },
    /// [`Job::StartVisit`] and [`Job::Reconfirm`]: the stored screening afterwards.
    VisitSaved {
        /// The workspace.
        trial_index: usize,
        /// What to say when it worked ("Visit started on 2026-12-10").
        said: String,
        /// A criterion re-confirmed as changed: its answer opens for editing.
        then_edit: Option<String>,
        /// The result.
        result: Result<StoredScreening, StoreError>,
    },
    /// [`Job::SetAnswer`].
    AnswerSaved {
        /// The workspace.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
        /// Criterion id.
        criterion: String,
        /// What was saved.
        entry: Option<CriterionEntry>,
        /// Whether a reason was given (a refusal for want of one asks for it).
        had_reason: bool,
        /// The reason given, kept with the change if it is refused as stale.
        reason: Option<String>,
        /// The result.
        result: Result<StoredVerdict, StoreError>,
    },
    /// [`Job::SetCandidate`].
    CandidateSaved {
        /// The workspace.
        trial_index: usize,
        /// Screening id.
        screening_id: String,
        /// Whether a reason was given.
        had_reason: bool,
        /// The stored screening afterwards.
        result: Result<StoredScreening, StoreError>,
    },
    /// [`Job::SetStatus`].
    StatusSet {
        /// Screening id.
        screening_id: String,
        /// Target status.
        status: ScreeningStatus,
        /// The result.
        result: Result<(), StoreError>,
    },
    /// [`Job::OpenScreening`].
    ScreeningOpened(Result<StoredScreening, StoreError>),
    /// Unasked: the site server went away (`Some(why)`: saves wait, what is typed is kept)
    /// or came back (`None`).
    Connection(Option<String>),
    /// Unasked: someone else changed the records (the chain head moved): the log is read
    /// again and open screenings are checked.
    StoreChanged,
    /// [`Job::CheckForChanges`]: the screening someone else changed, as it is now, with who
    /// changed it and when (`None`: unchanged).
    ChangedElsewhere {
        /// The workspace.
        trial_index: usize,
        /// The stored screening now and who changed it last, when.
        changed: Option<(StoredScreening, String, String)>,
    },
    /// [`Job::ReloadScreening`].
    ScreeningReloaded {
        /// The workspace.
        trial_index: usize,
        /// The stored screening as it is now.
        result: Result<StoredScreening, StoreError>,
    },
    /// [`Job::RefreshLog`].
    LogLoaded {
        /// One page of rows, newest first, or why it could not be read.
        result: Result<Vec<LogRow>, StoreError>,
        /// Whether the page follows the ones already shown (else it starts the log afresh).
        append: bool,
        /// Whether it is the last page.
        complete: bool,
    },
    /// [`Job::Export`]: the message for the dialog.
    Exported(Result<String, String>),
    /// [`Job::PreviewPages`]: the pages' drawing primitives, or why not.
    PagesPreviewed(Result<Vec<Vec<crate::report::layout::Draw>>, String>),
    /// [`Job::CheckPdf`]: the file and what its signature check found, in words.
    PdfChecked {
        /// The file checked.
        path: PathBuf,
        /// One line: the coordinator's signature and the screening it is for, or why not.
        summary: String,
    },
    /// [`Job::CreateIdentity`].
    IdentityCreated(Result<(), String>),
    /// [`Job::MoveScreening`]: what the move did, and the screening afterwards.
    ScreeningMoved(Result<(MoveReport, StoredScreening), StoreError>),
    /// [`Job::Definition`].
    DefinitionWritten(Box<super::library_jobs::DefinitionWritten>),
}

/// Rows per page of the log: the first page shows at once, the rest follow.
pub const LOG_PAGE: u64 = 500;

/// Runs one job against the store (on the worker thread); `partial` takes what a long job
/// shows before it is done (the log's first pages).
pub(super) fn run(store: &mut dyn Store, job: Job, partial: &mut dyn FnMut(Outcome)) -> Outcome {
    match job {
        Job::SaveProfile(new) => Outcome::ProfileSaved(
            store
                .save_coordinator(&new)
                .and_then(|c| store.set_current_coordinator(c.id).map(|()| c)),
        ),
        Job::CreateScreening {
            trial,
            new,
            by,
            purpose,
        } => Outcome::ScreeningCreated {
            purpose,
            result: store
                .record_trial_definition(&trial)
                .and_then(|()| store.create_screening(&trial, &new, by))
                .and_then(|id| store.load_screening(&id)),
        },
        Job::SetAnswer {
            trial_index,
            screening_id,
            criterion,
            entry,
            by,
            reason,
        } => {
            let result = store.set_answer(
                &screening_id,
                &criterion,
                entry.as_ref(),
                by,
                reason.as_deref(),
            );
            // The entry as stored: the store dates a re-confirmation given at the visit. The
            // window shows only this entry of the reload, so its next change stays based on
            // the version this save left, not on whatever else the reload saw.
            let own_version = store.based_on(&screening_id);
            let entry = match &result {
                Ok(_) => store
                    .load_screening(&screening_id)
                    .map(|stored| stored.screening.answers.get(&criterion).cloned())
                    .unwrap_or(entry),
                Err(_) => entry,
            };
            if let Some(version) = own_version {
                store.base_on(&screening_id, version);
            }
            Outcome::AnswerSaved {
                trial_index,
                screening_id,
                criterion,
                entry,
                had_reason: reason.is_some(),
                reason,
                result,
            }
        }
        Job::SetCandidate {
            trial_index,
            screening_id,
            candidate,
            dates,
            by,
            reason,
        } => {
            let mut result = Ok(());
            if let Some(candidate) = &candidate {
                result = store
                    .set_candidate(&screening_id, candidate, by, reason.as_deref())
                    .map(|_| ());
            }
            if let (Ok(()), Some((prescreening, visit))) = (&result, dates) {
                result = store
                    .set_dates(&screening_id, prescreening, visit, by, reason.as_deref())
                    .map(|_| ());
            }
            Outcome::CandidateSaved {
                trial_index,
                had_reason: reason.is_some(),
                result: result.and_then(|()| store.load_screening(&screening_id)),
                screening_id,
            }
        }
        Job::StartVisit {
            trial_index,
            screening_id,
            visit_date,
            by,
        } => Outcome::VisitSaved {
            trial_index,
            said: format!("Visit started on {visit_date}"),
            then_edit: None,
            result: store
                .start_visit(&screening_id, visit_date, by, None)
                .and_then(|_| store.load_screening(&screening_id)),
        },
        Job::Reconfirm {
            trial_index,
            screening_id,
            criterion,
            changed,
            on,
            by,
        } => Outcome::VisitSaved {
            trial_index,
            said: if changed {
                format!("Re-confirmed: {criterion} changed — enter its new answer")
            } else {
                format!("Re-confirmed: {criterion} still true")
            },
            result: store
                .reconfirm(&screening_id, &criterion, changed, Some(on), by, None)
                .and_then(|_| store.load_screening(&screening_id)),
            then_edit: changed.then_some(criterion),
        },
        Job::SetStatus {
            screening_id,
            status,
            by,
            reason,
        } => Outcome::StatusSet {
            result: store.set_status(&screening_id, status, by, reason.as_deref()),
            screening_id,
            status,
        },
        Job::Rescreen {
            trial,
            earlier,
            site_code,
            prescreening_date,
            by,
        } => {
            let result = store.load_screening(&earlier).and_then(|stored| {
                store.record_trial_definition(&trial)?;
                let id = store.create_screening(
                    &trial,
                    &NewScreening {
                        site_code: Some(site_code),
                        candidate: stored.screening.candidate,
                        prescreening_date,
                        planned_visit_date: None,
                        rescreen_of: Some(earlier.clone()),
                    },
                    by,
                )?;
                store.load_screening(&id)
            });
            Outcome::ScreeningCreated {
                purpose: CreatePurpose::Rescreen { earlier },
                result,
            }
        }
        Job::OpenScreening(id) => Outcome::ScreeningOpened(store.load_screening(&id)),
        Job::CheckForChanges {
            trial_index,
            screening_id,
        } => {
            let mine = store.based_on(&screening_id);
            let changed = match store.load_screening(&screening_id) {
                Ok(stored) if mine.is_some_and(|v| v != stored.version) => {
                    let last = store
                        .screening_history(&screening_id)
                        .ok()
                        .and_then(|events| events.last().cloned());
                    let (by, at) = last
                        .map(|e| (e.coordinator_name, e.at_utc))
                        .unwrap_or_default();
                    Some((stored, by, at))
                }
                _ => {
                    // Unchanged (or unreadable now): stay based on what the window shows.
                    if let Some(version) = mine {
                        store.base_on(&screening_id, version);
                    }
                    None
                }
            };
            Outcome::ChangedElsewhere {
                trial_index,
                changed,
            }
        }
        Job::ReloadScreening {
            trial_index,
            screening_id,
        } => Outcome::ScreeningReloaded {
            trial_index,
            result: store.load_screening(&screening_id),
        },
        Job::RefreshLog(filter) => {
            // Newest first, a page at a time by key: the first rows show at once however
            // long the log is, and the rest follow while the window stays live.
            let mut filter = LogFilter {
                newest_first: true,
                limit: Some(LOG_PAGE),
                after: None,
                ..filter
            };
            let mut append = false;
            loop {
                let mut rows = Vec::new();
                let result = store.log(&filter, &mut |row: &LogRow| {
                    rows.push(row.clone());
                    Ok(())
                });
                let complete = result.is_err() || (rows.len() as u64) < LOG_PAGE;
                let next = rows
                    .last()
                    .map(|row| (row.prescreening_date, row.screening_id.clone()));
                let page = Outcome::LogLoaded {
                    result: result.map(|_| rows),
                    append,
                    complete,
                };
                if complete {
                    break page;
                }
                partial(page);
                filter.after = next;
                append = true;
            }
        }
        Job::Export(job) => Outcome::Exported(export(store, &job)),
        Job::PreviewPages {
            screening_id,
            trials,
        } => Outcome::PagesPreviewed(
            crate::export::gather(store, &screening_id, &trials)
                .map_err(|e| e.to_string())
                .and_then(|input| {
                    let stamp = crate::storage::clock::Clock::now(
                        &crate::storage::clock::SystemClock::default(),
                    );
                    crate::report::page_drawings(
                        &input,
                        &crate::report::ReportOptions {
                            generated_at: stamp.utc,
                            utc_offset: stamp.offset,
                        },
                    )
                    .map_err(|e| e.to_string())
                }),
        ),
        Job::CheckPdf(path) => Outcome::PdfChecked {
            summary: check_pdf(&path),
            path,
        },
        Job::CreateIdentity(job) => Outcome::IdentityCreated(create_identity(store, &job)),
        Job::MoveScreening {
            screening_id,
            to,
            by,
            reason,
        } => Outcome::ScreeningMoved(
            store
                .move_screening(&screening_id, &to, by, Some(&reason))
                .and_then(|report| Ok((report, store.load_screening(&screening_id)?))),
        ),
        Job::Definition(job) => {
            Outcome::DefinitionWritten(Box::new(super::library_jobs::run(store, *job)))
        }
        Job::SaveFormDraft { trial_id, text } => {
            Outcome::FormDraftSaved(store.set_form_draft(&trial_id, text.as_deref()))
        }
    }
}

/// Unlocks the identity, renders or signs, writes atomically and notes it in the audit
/// trail; a wrong passphrase writes nothing.
fn export(store: &mut dyn Store, job: &ExportJob) -> Result<String, String> {
    let mut key_note = String::new();
    // A TSA typed in the dialog is the data folder's from now on (as `settings tsa` keeps it).
    if job.sign
        && let Some(url) = &job.tsa
        && crate::settings::tsa_url(&job.data_dir).as_ref() != Some(url)
        && std::env::var("PRESCREEN_TSA").ok().as_ref() != Some(url)
    {
        crate::settings::set_tsa_url(&job.data_dir, Some(url)).map_err(|e| e.to_string())?;
    }
    let identity = if job.sign {
        let unlocked = crate::signing::store::unlock_and_upgrade(&job.signing_dir, &job.passphrase)
            .map_err(|e| e.to_string())?;
        if unlocked.upgrade != crate::signing::store::KeyUpgrade::NotNeeded {
            key_note = format!(" Note: {}.", unlocked.upgrade);
        }
        Some(unlocked.identity)
    } else {
        None
    };
    if job.path.exists() && !job.replace_existing {
        return Err(format!(
            "{} already exists and was not replaced; nothing was written",
            job.path.display()
        ));
    }
    if let (Some(from), Some(identity)) = (&job.countersign_from, &identity) {
        let stamp =
            crate::storage::clock::Clock::now(&crate::storage::clock::SystemClock::default());
        let done = crate::export::countersign_file(
            store,
            &job.trials,
            from,
            &job.path,
            identity,
            stamp.utc,
            stamp.offset,
            job.by,
            job.tsa.as_deref(),
        )
        .map_err(|e| e.to_string())?;
        tracing::info!(screening = %done.screening_id, "summary countersigned");
        if let Some(warning) = &done.warning {
            key_note.push_str(&format!(" Warning: {warning}."));
        }
        return Ok(format!(
            "Countersigned PDF written: {} ({} KB, SHA-256 {}).{key_note}",
            job.path.display(),
            done.bytes.div_ceil(1024),
            done.sha256
        ));
    }
    let input =
        crate::export::gather(store, &job.screening_id, &job.trials).map_err(|e| e.to_string())?;
    if let Some(parent) = job.path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let sign = identity
        .as_ref()
        .map(|identity| crate::export::SignRequest {
            identity,
            meaning: job.meaning,
            strokes: job.strokes.clone(),
            tsa: job.tsa.clone(),
        });
    let stamp = crate::storage::clock::Clock::now(&crate::storage::clock::SystemClock::default());
    let exported = crate::export::export_pdf(
        input,
        sign,
        stamp.utc,
        stamp.offset,
        &job.path,
        Some((store, &job.screening_id, job.by)),
    )
    .map_err(|e| e.to_string())?;
    tracing::info!(screening = %job.screening_id, signed = exported.signed, "summary exported");
    if let Some(warning) = &exported.warning {
        key_note.push_str(&format!(" Warning: {warning}."));
    }
    Ok(format!(
        "{} PDF written: {} ({} KB, verdict {}, SHA-256 {}).{key_note}",
        if exported.signed {
            "Signed"
        } else {
            "Unsigned draft"
        },
        job.path.display(),
        exported.bytes.div_ceil(1024),
        exported.verdict,
        exported.sha256
    ))
}

/// Checks the passphrase, generates the key pair (the slow part), and saves it unless the
/// user cancelled meanwhile.
fn create_identity(store: &mut dyn Store, job: &IdentityJob) -> Result<(), String> {
    use crate::signing::identity;
    let cancelled = || job.cancel.load(Ordering::SeqCst);
    if cancelled() {
        return Err("Cancelled: no identity was saved.".to_owned());
    }
    identity::check_passphrase_strength(&job.passphrase).map_err(|e| e.to_string())?;
    let stamp = crate::storage::clock::Clock::now(&crate::storage::clock::SystemClock::default());
    let created = identity::generate(
        &job.name,
        &job.role,
        &job.site,
        identity::KeyAlgorithm::Rsa2048,
        stamp.utc,
    )
    .map_err(|e| e.to_string())?;
    if cancelled() {
        return Err("Cancelled: no identity was saved.".to_owned());
    }
    crate::signing::store::save(&job.signing_dir, &created, &job.passphrase, false)
        .map_err(|e| e.to_string())?;
    match job.by {
        Some(by) => crate::verification::register_signer(store, &created.certificate, by)
            .map(|_| ())
            .map_err(|e| {
                format!("The identity was saved but not registered as a trusted signer: {e}")
            }),
        None => Ok(()),
    }
}

/// What the investigator reads before countersigning: whether the coordinator's signature
/// holds, whose it is and what it means, and which screening and verdict it is for.
fn check_pdf(path: &std::path::Path) -> String {
    let pdf = match std::fs::read(path) {
        Ok(pdf) => pdf,
        Err(e) => return format!("{}: {e}", path.display()),
    };
    let checked = crate::signing::verify::verify(&pdf);
    let who = checked
        .signer
        .as_ref()
        .map(|s| format!("{} ({})", s.name, s.role.as_deref().unwrap_or("-")))
        .unwrap_or_else(|| "an unknown signer".to_owned());
    let what = checked
        .record
        .as_ref()
        .map(|r| format!("screening {}, verdict {}", r.screening_id, r.verdict))
        .unwrap_or_default();
    if !checked.countersignatures.is_empty() {
        return format!("Already countersigned: signed by {who}; {what}.");
    }
    if checked.is_valid() {
        format!(
            "Coordinator's signature verified: intact, by {who}, \"{}\", {}; {what}.",
            checked.meaning.as_deref().unwrap_or("-"),
            checked
                .signing_time
                .as_deref()
                .map(crate::cli::output::readable_pdf_date)
                .unwrap_or_default()
        )
    } else {
        format!(
            "The signature does NOT verify: {}",
            checked.problems.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn job(dir: &std::path::Path, cancel: bool) -> IdentityJob {
        IdentityJob {
            name: "Synthetic Coordinator".to_owned(),
            role: "study coordinator".to_owned(),
            site: "TLS".to_owned(),
            passphrase: Zeroizing::new("synthetic passphrase 42".to_owned()),
            signing_dir: dir.to_path_buf(),
            cancel: Arc::new(AtomicBool::new(cancel)),
            by: None,
        }
    }

    #[test]
    fn a_cancelled_identity_is_never_saved() {
        let dir = std::env::temp_dir().join(format!("prescreen-cancel-{}", std::process::id()));
        let opened = std::fs::create_dir_all(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                crate::storage::SqliteStore::open(&dir.join("prescreen.sqlite3"))
                    .map_err(|e| e.to_string())
            });
        let Ok(mut store) = opened else {
            panic!("the store opens in a temporary folder: {opened:?}");
        };
        let result = create_identity(&mut store, &job(&dir, true));
        assert_eq!(result, Err("Cancelled: no identity was saved.".to_owned()));
        assert!(!crate::signing::store::identity_path(&dir).exists());
    }

    #[test]
    fn jobs_run_in_order_on_another_thread() {
        let dir = std::env::temp_dir().join(format!("prescreen-order-{}", std::process::id()));
        let store = std::fs::create_dir_all(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                crate::storage::SqliteStore::open(&dir.join("prescreen.sqlite3"))
                    .map_err(|e| e.to_string())
            });
        let Ok(store) = store else {
            panic!("the store opens in a temporary folder: {store:?}");
        };
        let mut tasks = Tasks::start(Box::new(store), || {});
        for name in ["first", "second"] {
            assert!(tasks.submit(Job::SaveProfile(NewCoordinator {
                name: name.to_owned(),
                role: "role".to_owned(),
                site_code: "TLS".to_owned(),
            })));
        }
        let names: Vec<String> = (0..2)
            .filter_map(|_| tasks.wait(Duration::from_secs(10)))
            .filter_map(|outcome| match outcome {
                Outcome::ProfileSaved(Ok(c)) => Some(c.name),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["first", "second"]);
        assert_ne!(
            tasks.last.map(|(t, _)| t),
            Some(std::thread::current().id())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
