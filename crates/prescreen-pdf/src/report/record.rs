//! The machine-readable screening record embedded in the PDF: the data the pages show, as
//! RON, so a reader years later can process the screening without re-typing it. It never
//! holds the full date of birth — only the age at screening, as printed.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use prescreen_core::eligibility::{Verdict, age_in_years};
use prescreen_core::screening::{Answer, Sex};
use prescreen_core::trial::load::ron_options;

use super::{AuditRow, ReportInput, SignatureMeaning, sections};

/// The format tag written into every record.
pub const RECORD_FORMAT: &str = "prescreen screening record v1";

/// The embedded record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    /// [`RECORD_FORMAT`].
    pub format: String,
    /// Pseudonymous screening id.
    pub screening_id: String,
    /// The trial definition used.
    pub trial: RecordTrial,
    /// Who performed the screening.
    pub coordinator: Option<String>,
    /// Candidate facts as printed (no date of birth).
    pub candidate: RecordCandidate,
    /// Date of the pre-screening.
    pub prescreening_date: Date,
    /// Planned visit, if known.
    pub planned_visit_date: Option<Date>,
    /// The day the visit took place, once started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_date: Option<Date>,
    /// What the visit check still lists ("EX02 to re-confirm"); it gates enrolment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visit_open: Vec<String>,
    /// Every criterion with its answer and the engine's finding.
    pub criteria: Vec<RecordCriterion>,
    /// The verdict.
    pub verdict: RecordVerdict,
    /// The visible signature, when signed.
    pub signature: Option<RecordSignature>,
    /// The audit trail as printed in the appendix.
    pub audit: Vec<AuditRow>,
    /// The audit chain's latest hash.
    pub chain_hash: Option<String>,
}

/// Which definition, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordTrial {
    /// Trial id.
    pub id: String,
    /// Acronym.
    pub acronym: String,
    /// Definition version.
    pub version: String,
    /// SHA-256 of the definition file's text.
    pub sha256: String,
    /// Registry identifiers as "KIND value".
    pub identifiers: Vec<String>,
}

/// Candidate facts without the date of birth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCandidate {
    /// Initials.
    pub initials: String,
    /// Completed years on the pre-screening date.
    pub age_at_screening: Option<i16>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Childbearing potential, when recorded.
    pub childbearing_potential: Option<bool>,
    /// Pregnant, when recorded.
    #[serde(default)]
    pub pregnant: Option<bool>,
    /// Breastfeeding, when recorded.
    #[serde(default)]
    pub breastfeeding: Option<bool>,
}

/// One criterion as printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordCriterion {
    /// Criterion id.
    pub id: String,
    /// "inclusion" or "exclusion".
    pub kind: String,
    /// The registry text, verbatim.
    pub text: String,
    /// The answer as entered; `None` when unanswered.
    pub answer: Option<Answer>,
    /// The answer as printed.
    pub answer_text: String,
    /// Coordinator's note.
    pub note: Option<String>,
    /// Evidence source.
    pub evidence: Option<String>,
    /// The re-confirmation at the visit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconfirmed: Option<prescreen_core::screening::Reconfirmation>,
    /// Who judged an investigator judgement, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judged_by: Option<prescreen_core::screening::Judgement>,
    /// The engine's status label.
    pub status: String,
    /// The engine's explanation.
    pub explanation: String,
}

/// The verdict and the criteria behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVerdict {
    /// "NOT ELIGIBLE", "INCOMPLETE", "PRE-SCREEN PASSED" or "ELIGIBLE".
    pub name: String,
    /// Failing criteria.
    pub failing: Vec<String>,
    /// Open criteria.
    pub missing: Vec<String>,
    /// Visit criteria pending.
    pub pending: Vec<String>,
}

/// The §11.50 signature manifestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSignature {
    /// Printed name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Site.
    pub site: String,
    /// Signing time, UTC.
    pub signed_at: Timestamp,
    /// Local offset in seconds.
    pub utc_offset_seconds: i32,
    /// Meaning.
    pub meaning: SignatureMeaning,
}

impl ScreeningRecord {
    /// Builds the record from the report input.
    pub fn from_input(input: &ReportInput) -> Self {
        let screening = &input.screening;
        let trial = &input.trial;
        let criteria = trial
            .criteria
            .iter()
            .map(|criterion| {
                let entry = screening.answers.get(&criterion.id);
                let finding = input.evaluation.criterion(&criterion.id);
                RecordCriterion {
                    id: criterion.id.clone(),
                    kind: sections::kind_word(criterion.kind).to_owned(),
                    text: criterion.text.clone(),
                    answer: entry.map(|e| e.answer.clone()),
                    answer_text: sections::answer_text(criterion, entry),
                    note: entry.and_then(|e| e.note.clone()),
                    evidence: entry.and_then(|e| e.evidence.clone()),
                    reconfirmed: entry.and_then(|e| e.reconfirmed),
                    judged_by: entry.and_then(|e| e.judged_by.clone()),
                    status: finding
                        .map(|f| f.status.label(f.kind).to_owned())
                        .unwrap_or_default(),
                    explanation: finding.map(|f| f.explanation.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let (failing, missing, pending) = match &input.evaluation.verdict {
            Verdict::NotEligible { failing, missing } => (failing.clone(), missing.clone(), vec![]),
            Verdict::Incomplete { missing } => (vec![], missing.clone(), vec![]),
            Verdict::PreScreenPassed { pending } => (vec![], vec![], pending.clone()),
            Verdict::Eligible => (vec![], vec![], vec![]),
        };
        Self {
            format: RECORD_FORMAT.to_owned(),
            screening_id: screening.screening_id.clone(),
            trial: RecordTrial {
                id: trial.id.clone(),
                acronym: trial.acronym.clone(),
                version: trial.version().to_owned(),
                sha256: input.trial_sha256.clone(),
                identifiers: trial
                    .identifiers
                    .iter()
                    .map(|i| format!("{} {}", i.kind.label(), i.value))
                    .collect(),
            },
            coordinator: screening.coordinator.clone(),
            candidate: RecordCandidate {
                initials: screening.candidate.initials.clone(),
                age_at_screening: screening
                    .candidate
                    .date_of_birth
                    .and_then(|dob| age_in_years(dob, screening.prescreening_date)),
                sex: screening.candidate.sex,
                childbearing_potential: screening.candidate.childbearing_potential,
                pregnant: screening.candidate.pregnant,
                breastfeeding: screening.candidate.breastfeeding,
            },
            prescreening_date: screening.prescreening_date,
            planned_visit_date: screening.planned_visit_date,
            visit_date: screening.visit_date,
            visit_open: input.evaluation.visit.open_items(),
            criteria,
            verdict: RecordVerdict {
                name: input.evaluation.verdict.name().to_owned(),
                failing,
                missing,
                pending,
            },
            signature: input.signature.as_ref().map(|s| RecordSignature {
                name: s.name.clone(),
                role: s.role.clone(),
                site: s.site.clone(),
                signed_at: s.signed_at,
                utc_offset_seconds: s.utc_offset.seconds(),
                meaning: s.meaning,
            }),
            audit: input.audit.iter().map(AuditRow::redacted).collect(),
            chain_hash: input.chain_hash.clone(),
        }
    }

    /// Pretty RON text.
    pub fn to_ron(&self) -> Result<String, String> {
        let config = ron::ser::PrettyConfig::new()
            .struct_names(false)
            .indentor("  ".to_owned());
        ron_options()
            .to_string_pretty(self, config)
            .map_err(|e| e.to_string())
    }

    /// Parses RON text.
    pub fn from_ron(text: &str) -> Result<Self, String> {
        ron_options().from_str(text).map_err(|e| e.to_string())
    }
}
