//! A screening: one candidate checked against one trial definition.
//!
//! This is the exchange format (RON) of test fixtures, import and export. It holds
//! pseudonymous data only: a screening id, initials, date of birth and sex — never a name.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calculators::alcohol_units::AlcoholInput;
use crate::calculators::mhiss::MhissInput;
use crate::calculators::pss_2016::Pss2016Input;
use crate::calculators::ssc_2013::Ssc2013Input;
use crate::calculators::ufr::UfrInput;
use crate::decimal_text;
use crate::partial_date::PartialDate;

/// One candidate's answers for one trial definition version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    /// Pseudonymous id (e.g. `AM-TLS-2026-0007`); the site's identification log maps it to a
    /// person, outside prescreen. May appear in file names and logs.
    pub screening_id: String,
    /// The exact definition the answers were given against.
    pub trial: TrialReference,
    /// Who performed the screening (coordinator's name or id).
    #[serde(default)]
    pub coordinator: Option<String>,
    /// Candidate facts shared by every criterion.
    pub candidate: Candidate,
    /// Date of the pre-screening; time windows count back from it unless the protocol
    /// counts from the visit.
    pub prescreening_date: Date,
    /// Planned screening/inclusion visit (as the trial names it), when known.
    #[serde(default)]
    pub planned_visit_date: Option<Date>,
    /// The day the visit actually took place, once started: from then on windows counted
    /// from the visit use it, not the planned date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_date: Option<Date>,
    /// Answers by criterion id; a missing id is unanswered.
    #[serde(default)]
    pub answers: BTreeMap<String, CriterionEntry>,
}

/// Names the trial definition a screening was answered against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialReference {
    /// Trial id (`assix`, `a-muse`).
    pub id: String,
    /// Definition version.
    pub version: String,
    /// SHA-256 of the definition file's text, hex; `None` in hand-written fixtures.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// Candidate facts that are the same whichever trial is screened.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Initials only (sensitive: never in file names or logs).
    #[serde(default)]
    pub initials: String,
    /// Date of birth (sensitive: never in file names or logs; the PDF shows age only).
    #[serde(default)]
    pub date_of_birth: Option<Date>,
    /// Sex; `None` is unknown, and a rule that depends on it stays unknown.
    #[serde(default)]
    pub sex: Option<Sex>,
    /// Whether a female candidate is of childbearing potential (CTFG 2020); `None` unknown.
    #[serde(default)]
    pub childbearing_potential: Option<bool>,
    /// Whether the candidate is pregnant; `None` unknown.
    #[serde(default)]
    pub pregnant: Option<bool>,
    /// Whether the candidate is breastfeeding; `None` unknown.
    #[serde(default)]
    pub breastfeeding: Option<bool>,
}

impl Candidate {
    /// The value of a shared fact.
    pub fn fact(&self, fact: crate::trial::model::CandidateFact) -> Option<bool> {
        match fact {
            crate::trial::model::CandidateFact::Pregnant => self.pregnant,
            crate::trial::model::CandidateFact::Breastfeeding => self.breastfeeding,
        }
    }
}

/// Sex as recorded; thresholds that differ by sex use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Label for reports and screens.
    pub fn label(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
        }
    }
}

/// The answer to one criterion with its note and evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionEntry {
    /// What was answered.
    pub answer: Answer,
    /// Free-text note by the coordinator.
    #[serde(default)]
    pub note: Option<String>,
    /// Where the answer comes from ("medical record", "patient interview", "lab report").
    #[serde(default)]
    pub evidence: Option<String>,
    /// The pre-screen answer re-confirmed with the candidate at the visit (absent until then;
    /// an entry without it is written exactly as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconfirmed: Option<Reconfirmation>,
    /// For an investigator judgement: who judged and when, not whoever typed it in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judged_by: Option<Judgement>,
}

impl CriterionEntry {
    /// An entry with an answer and nothing else.
    pub fn new(answer: Answer) -> Self {
        Self {
            answer,
            note: None,
            evidence: None,
            reconfirmed: None,
            judged_by: None,
        }
    }
}

/// A pre-screen answer checked again with the candidate at the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reconfirmation {
    /// The day it was re-confirmed (at or after the visit started).
    pub on: Date,
    /// Whether the candidate's situation had changed since pre-screening.
    pub changed: bool,
    /// A change whose new answer is not recorded yet: the visit check keeps it open.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_answer_awaited: bool,
}

/// Who made an investigator judgement, and on which day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    /// The judging investigator's name, as on the delegation log.
    pub investigator: String,
    /// The day of the judgement.
    pub on: Date,
}

/// An answer, in the form the criterion's rule asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    /// Asked, but not known yet; never counts as "no".
    Unknown,
    /// The criterion's statement holds: met (inclusion) or present (exclusion).
    Yes,
    /// The criterion's statement does not hold: not met (inclusion) or absent (exclusion).
    No,
    /// A measured value in the rule's unit.
    Value(#[serde(with = "decimal_text")] Decimal),
    /// When the event of a time-window rule last happened.
    Event(EventAnswer),
    /// Classification per the criteria the trial names (2016 pSS / 2013 SSc), documented in
    /// the medical record, and where.
    DocumentedClassification {
        /// Where the classification is documented (e.g. "rheumatology letter 2024-03-02").
        source: String,
    },
    /// The earlier name of [`Answer::DocumentedClassification`], still read from files and
    /// stores; it counts as the same classification.
    DocumentedDiagnosis {
        /// Where it is documented.
        source: String,
    },
    /// 2016 ACR/EULAR pSS items.
    Pss2016(Pss2016Input),
    /// 2013 ACR/EULAR SSc items.
    Ssc2013(Ssc2013Input),
    /// MHISS item scores.
    Mhiss(MhissInput),
    /// Saliva collected and minutes.
    SalivaFlow(UfrInput),
    /// Drinks per week.
    Alcohol(AlcoholInput),
}

/// When a time-window event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventAnswer {
    /// Never happened (or not within any relevant past).
    Never,
    /// Happening now (smoker, in a trial, active herpes).
    Ongoing,
    /// Last happened on this date, as exact as the candidate remembers it ("2026-02-14",
    /// "2026-02", "2025").
    LastOn(PartialDate),
}
