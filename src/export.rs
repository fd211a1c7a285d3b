//! Exporting a stored screening as a PDF summary, signed or as a draft: the steps the CLI's
//! `export` and the app's "Sign & export…" dialog share.
//!
//! [`gather`] builds the report input from the store (screening, the exact trial definition it
//! was answered against, its audit trail and the chain's latest hash). [`export_pdf`] renders
//! or signs it, writes the file atomically and notes the export or signature in the audit
//! trail. Nothing is written when any step fails.

use std::path::Path;

use jiff::Timestamp;
use jiff::tz::Offset;

use crate::eligibility::evaluate;
use crate::report::{
    AuditRow, ReportError, ReportInput, ReportOptions, SignatureAppearance, SignatureMeaning,
    render,
};
use crate::screening::Screening;
use crate::screening_file::write_atomically;
use crate::signing::identity::signer_name;
use crate::signing::tsa::TimestampToken;
use crate::signing::{SigningError, SigningIdentity, sign_report_with_tsa};
use crate::storage::{AuditAction, AuditEvent, CoordinatorId, Store, StoreError};
use crate::trial::load::{LoadedTrial, TrialSet, load_trial_str};

/// Why an export failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing failed (wrong passphrase, INCOMPLETE verdict, …).
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// Rendering failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The trial definition the screening was answered against is not available.
    #[error(
        "trial {id} version {version} (as screened) is not loaded; add its file with --trials DIR"
    )]
    TrialNotLoaded {
        /// Trial id.
        id: String,
        /// Definition version.
        version: String,
    },
    /// The screening has answers the definition does not know.
    #[error("answers for criteria the trial does not have: {0}")]
    UnmatchedAnswers(String),
    /// The PDF could not be written.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
    /// The screening was answered against a draft definition (imported from a registry and
    /// not yet verified): good for practice, never for a signed summary.
    #[error(
        "trial {id} version {version} is a draft definition (not yet reviewed and marked verified): practice screenings are fine, but nothing screened against it is signed"
    )]
    DraftDefinition {
        /// Trial id.
        id: String,
        /// Definition version.
        version: String,
    },
}

/// Refuses to sign a summary of a screening answered against a draft definition (every door
/// that signs asks this first).
pub fn refuse_draft(trial: &crate::trial::TrialDefinition) -> Result<(), ExportError> {
    if trial.status == crate::trial::model::DefinitionStatus::Draft {
        return Err(ExportError::DraftDefinition {
            id: trial.id.clone(),
            version: trial.version().to_owned(),
        });
    }
    Ok(())
}

/// The trial definition a screening was answered against: from the loaded trials when the
/// hash matches, else the exact text the store kept.
pub fn trial_for_screening(
    set: &TrialSet,
    screening: &Screening,
    store: Option<&dyn Store>,
) -> Result<LoadedTrial, ExportError> {
    let reference = &screening.trial;
    if let Some(trial) = set.get(&reference.id, &reference.version)
        && reference
            .sha256
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(&trial.sha256))
    {
        return Ok(trial.clone());
    }
    if let (Some(store), Some(hash)) = (store, reference.sha256.as_deref())
        && let Some(text) = store.trial_text(&reference.id, &reference.version, hash)?
        && let Ok(trial) = load_trial_str(&text, "store")
    {
        return Ok(trial);
    }
    Err(ExportError::TrialNotLoaded {
        id: reference.id.clone(),
        version: reference.version.clone(),
    })
}

/// Report input for a screening and its trial (no signature, no audit trail yet).
pub fn input_for(trial: &LoadedTrial, screening: Screening) -> Result<ReportInput, ExportError> {
    let evaluation = evaluate(&trial.definition, &screening);
    if !evaluation.unmatched_answers.is_empty() {
        return Err(ExportError::UnmatchedAnswers(
            evaluation.unmatched_answers.join(", "),
        ));
    }
    Ok(ReportInput {
        trial: trial.definition.clone(),
        trial_sha256: trial.sha256.clone(),
        screening,
        evaluation,
        signature: None,
        audit: Vec::new(),
        chain_hash: None,
    })
}

/// Everything the report of a stored screening shows, including its audit trail.
pub fn gather(store: &dyn Store, id: &str, set: &TrialSet) -> Result<ReportInput, ExportError> {
    let problems = store.screening_record_problems(id)?;
    if !problems.is_empty() {
        return Err(StoreError::RecordTampered {
            id: id.to_owned(),
            problems,
        }
        .into());
    }
    let stored = store.load_screening(id)?;
    let trial = trial_for_screening(set, &stored.screening, Some(store))?;
    let mut input = input_for(&trial, stored.screening)?;
    input.audit = store.screening_history(id)?.iter().map(audit_row).collect();
    input.chain_hash = Some(store.latest_chain_hash()?);
    Ok(input)
}

/// "+01:00" → offset (UTC when unreadable).
fn parse_offset(text: &str) -> Offset {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let parts: Vec<i32> = text
        .trim_start_matches(['+', '-'])
        .split(':')
        .filter_map(|p| p.parse().ok())
        .collect();
    let seconds = sign
        * (parts.first().copied().unwrap_or(0) * 3600 + parts.get(1).copied().unwrap_or(0) * 60);
    Offset::from_seconds(seconds).unwrap_or(Offset::UTC)
}

/// An audit event as an appendix row.
pub fn audit_row(event: &AuditEvent) -> AuditRow {
    AuditRow {
        at_utc: event.at_utc.parse().unwrap_or(Timestamp::UNIX_EPOCH),
        utc_offset_seconds: parse_offset(&event.utc_offset).seconds(),
        who: format!("{} ({})", event.coordinator_name, event.coordinator_role),
        what: match &event.target {
            Some(target) => format!("{} {target}", event.action),
            None => event.action.clone(),
        },
        old_value: event.old_value.clone(),
        new_value: event.new_value.clone(),
        reason: event.reason.clone(),
    }
}

/// How to sign: the unlocked identity, what the signature means, and the drawn strokes.
pub struct SignRequest<'a> {
    /// The signer's identity, unlocked with their passphrase just now.
    pub identity: &'a SigningIdentity,
    /// The meaning the signer chose.
    pub meaning: SignatureMeaning,
    /// Handwritten strokes, points in 0..1 (x right, y down).
    pub strokes: Vec<Vec<(f32, f32)>>,
    /// An RFC 3161 TSA (`http://` URL) to timestamp the signature (PAdES B-T); without one,
    /// or when it fails, the signing time is the signer's own claim (B-B).
    pub tsa: Option<String>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Size in bytes.
    pub bytes: usize,
    /// SHA-256 of the file, hex (also recorded in the audit trail).
    pub sha256: String,
    /// Whether it is signed.
    pub signed: bool,
    /// The verdict shown.
    pub verdict: String,
    /// The TSA's token embedded in the signature, when one was.
    pub timestamp: Option<TimestampToken>,
    /// Why a TSA was asked but the signature carries no token (it is B-B).
    pub warning: Option<String>,
}

/// Renders (or signs, with `sign`) the input, writes `out` atomically, and — for a stored
/// screening (`record` = its id and who exports) — notes the export or signature in the audit
/// trail. `now` and `offset` are the real clock: a signature always carries the signing time.
pub fn export_pdf(
    mut input: ReportInput,
    sign: Option<SignRequest<'_>>,
    now: Timestamp,
    offset: Offset,
    out: &Path,
    record: Option<(&mut dyn Store, &str, CoordinatorId)>,
) -> Result<Exported, ExportError> {
    let options = ReportOptions {
        generated_at: now,
        utc_offset: offset,
    };
    let signed = sign.is_some();
    let signer_fingerprint = sign
        .as_ref()
        .map(|request| crate::signing::identity::fingerprint(&request.identity.certificate));
    let mut timestamp = None;
    let mut warning = None;
    let pdf = match sign {
        Some(request) => {
            refuse_draft(&input.trial)?;
            crate::signing::check_signable(&input.evaluation)?;
            let name = signer_name(&request.identity.certificate);
            input.signature = Some(SignatureAppearance {
                name: name.name,
                role: name.role.unwrap_or_default(),
                site: name.site.unwrap_or_default(),
                signed_at: now,
                utc_offset: offset,
                meaning: request.meaning,
                strokes: request.strokes,
            });
            let signed =
                sign_report_with_tsa(&input, &options, request.identity, request.tsa.as_deref())?;
            timestamp = signed.timestamp;
            warning = signed.warning;
            signed.pdf
        }
        None => render(&input, &options)?,
    };
    write_atomically(out, &pdf).map_err(|e| crate::io_error::IoError::new(out, e))?;
    let sha256 = crate::trial::load::sha256_hex_bytes(&pdf);
    if let Some((store, id, by)) = record {
        let file_name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let noted = if signed {
            // A new signature supersedes the signed PDF before it, named once: that one
            // already named its own predecessor, so the trail grows by one line per signing.
            let previous: Option<String> = store.screening_history(id).ok().and_then(|events| {
                events
                    .iter()
                    .rev()
                    .find(|e| e.action_kind() == Some(AuditAction::Signed))
                    .and_then(|e| e.new_value.as_deref())
                    .and_then(|value| value.split("; ").next())
                    .map(str::to_owned)
            });
            let mut detail = format!(
                "PDF {file_name} SHA-256 {sha256}; certificate SHA-256 {}",
                signer_fingerprint.clone().unwrap_or_default()
            );
            if let Some(previous) = previous {
                detail.push_str(&format!("; supersedes {previous}"));
            }
            store.mark_signed(id, by, &detail)
        } else {
            store.mark_exported(
                id,
                by,
                &format!("unsigned PDF {file_name} SHA-256 {sha256}"),
            )
        };
        if let Err(e) = noted {
            // A signed PDF the audit trail does not know of must not exist.
            let _ = std::fs::remove_file(out);
            return Err(e.into());
        }
    }
    Ok(Exported {
        bytes: pdf.len(),
        sha256,
        signed,
        verdict: input.evaluation.verdict.name().to_owned(),
        timestamp,
        warning,
    })
}

/// Why a countersignature was refused (nothing is written).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CountersignError {
    /// The first signature does not hold.
    #[error("the summary's signature does not verify: {0}")]
    FirstInvalid(String),
    /// The summary is countersigned already.
    #[error("the summary is countersigned already")]
    AlreadyCountersigned,
    /// The store in use does not know the summary, or it changed since.
    #[error("{0}")]
    NotCurrent(String),
    /// The visit check is open.
    #[error("the visit check is open: {}", .0.join(", "))]
    VisitOpen(Vec<String>),
    /// Writing over the coordinator's file.
    #[error("{0} is the file being countersigned: write the countersigned copy elsewhere")]
    SameFile(String),
    /// An export step failed.
    #[error(transparent)]
    Export(#[from] ExportError),
}

impl From<SigningError> for CountersignError {
    fn from(error: SigningError) -> Self {
        Self::Export(ExportError::Signing(error))
    }
}

impl From<StoreError> for CountersignError {
    fn from(error: StoreError) -> Self {
        Self::Export(ExportError::Store(error))
    }
}

/// What a countersignature produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countersigned {
    /// The screening.
    pub screening_id: String,
    /// Size of the countersigned file.
    pub bytes: usize,
    /// Its SHA-256.
    pub sha256: String,
    /// The TSA's token embedded in the countersignature, when one was.
    pub timestamp: Option<TimestampToken>,
    /// Why a TSA was asked but the countersignature carries no token (it is B-B).
    pub warning: Option<String>,
}

/// The investigator countersigns a coordinator-certified summary: refused unless the first
/// signature verifies, the store in use recorded that exact file and nothing changed since
/// (not superseded, not voided), and the visit check is clear. Writes `out` (never `input`)
/// atomically and notes the countersignature in the screening's audit trail. With `tsa` (an
/// `http://` URL) the countersignature is timestamped, or B-B with a warning when that fails.
#[expect(
    clippy::too_many_arguments,
    reason = "each is one fact of the signing act"
)]
pub fn countersign_file(
    store: &mut dyn Store,
    set: &TrialSet,
    input: &Path,
    out: &Path,
    identity: &SigningIdentity,
    now: Timestamp,
    offset: Offset,
    by: CoordinatorId,
    tsa: Option<&str>,
) -> Result<Countersigned, CountersignError> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if same(input, out) {
        return Err(CountersignError::SameFile(out.display().to_string()));
    }
    let pdf = std::fs::read(input).map_err(|e| {
        CountersignError::Export(ExportError::Io(crate::io_error::IoError::new(input, e)))
    })?;
    let first = crate::signing::verify::verify(&pdf);
    if !first.countersignatures.is_empty() {
        return Err(CountersignError::AlreadyCountersigned);
    }
    if !first.is_valid() {
        return Err(CountersignError::FirstInvalid(first.problems.join("; ")));
    }
    let findings = crate::verification::store_findings(&*store, &first)?;
    if let Some(problem) = findings.problems.first() {
        return Err(CountersignError::NotCurrent(problem.clone()));
    }
    if let Some(note) = findings
        .notes
        .iter()
        .find(|n| n.starts_with("SUPERSEDED") || n.starts_with("VOIDED"))
    {
        return Err(CountersignError::NotCurrent(note.clone()));
    }
    let screening_id = first
        .record
        .as_ref()
        .map(|r| r.screening_id.clone())
        .unwrap_or_default();
    let report = gather(&*store, &screening_id, set)?;
    refuse_draft(&report.trial)?;
    if !report.evaluation.visit.is_clear() {
        return Err(CountersignError::VisitOpen(
            report.evaluation.visit.open_items(),
        ));
    }
    let name = signer_name(&identity.certificate);
    let role = name.role.clone().unwrap_or_default();
    let meaning = SignatureMeaning::EligibilityConfirmedByInvestigator;
    crate::roles::SignerRole::from_role_text(&role)
        .may_sign(meaning)
        .map_err(SigningError::from)?;
    let crate::signing::Signed {
        pdf: signed,
        timestamp,
        warning,
    } = crate::signing::pdf_sig::countersign_pdf_with_tsa(
        &pdf,
        identity,
        &crate::signing::pdf_sig::SignatureDetails {
            signed_at: now,
            utc_offset: offset,
            meaning,
            location: name.site.clone().unwrap_or_default(),
        },
        &role,
        tsa,
    )?;
    write_atomically(out, &signed)
        .map_err(|e| ExportError::Io(crate::io_error::IoError::new(out, e)))?;
    let sha256 = crate::trial::load::sha256_hex_bytes(&signed);
    let file_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let detail = format!(
        "PDF {file_name} SHA-256 {sha256}; certificate SHA-256 {}; countersigns PDF SHA-256 {}",
        crate::signing::identity::fingerprint(&identity.certificate),
        first.file_sha256
    );
    if let Err(e) = store.mark_signed(&screening_id, by, &detail) {
        // A countersigned PDF the audit trail does not know of must not exist.
        let _ = std::fs::remove_file(out);
        return Err(e.into());
    }
    Ok(Countersigned {
        screening_id,
        bytes: signed.len(),
        sha256,
        timestamp,
        warning,
    })
}
