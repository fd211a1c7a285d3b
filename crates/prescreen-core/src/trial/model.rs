//! The trial definition as data: what a RON file under `trials/` holds.
//!
//! A criterion's id, verbatim registry text and rule live only in the trial file; the engine
//! reads them from here and never hard-codes a threshold.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::decimal_text;

/// One clinical trial's eligibility checklist and the registry facts that identify it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialDefinition {
    /// Stable machine id used on the command line and in screening files (`assix`, `a-muse`).
    pub id: String,
    /// Whether the definition may be screened against: an imported draft is not until the
    /// trial team has reviewed it. A file without it is in use, as every file was before.
    #[serde(default, skip_serializing_if = "DefinitionStatus::is_in_use")]
    pub status: DefinitionStatus,
    /// The acronym a coordinator recognises the trial by.
    pub acronym: String,
    /// Short (brief) title as registered.
    pub short_title: String,
    /// Official title as registered.
    pub official_title: String,
    /// Every registry identifier, with its kind, so a monitor can look the trial up anywhere.
    pub identifiers: Vec<RegistryIdentifier>,
    /// Lead sponsor.
    pub sponsor: String,
    /// Phase as registered; `None` where the registry leaves it unspecified.
    #[serde(default)]
    pub phase: Option<String>,
    /// Study design as registered; `None` where the registry says "Not specified".
    #[serde(default)]
    pub design: Option<String>,
    /// Target enrolment (participants).
    #[serde(default)]
    pub target_enrolment: Option<u32>,
    /// Condition studied.
    pub condition: String,
    /// Intervention given.
    pub intervention: String,
    /// Primary outcome measure.
    pub primary_outcome: String,
    /// Recruiting sites.
    pub sites: Vec<Site>,
    /// Where the criteria were copied from, and who copied and checked them.
    pub provenance: Provenance,
    /// The on-site visit as the protocol names it ("screening visit", "inclusion visit"):
    /// time windows counted from the visit use its planned date.
    pub visit_name: String,
    /// A colour of the trial's own (`#RRGGBB`), so two trials are never confused on screen.
    pub colour: String,
    /// Inclusion and exclusion criteria in registry order.
    pub criteria: Vec<Criterion>,
}

impl TrialDefinition {
    /// The definition version: with the trial id it names one exact checklist.
    pub fn version(&self) -> &str {
        &self.provenance.definition_version
    }

    /// Looks a criterion up by its short id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|criterion| criterion.id == id)
    }

    /// The identifier a coordinator sees first: the EU CT number of an EU trial (its legal
    /// identifier, and the one its registry record is under), else the NCT number.
    pub fn primary_identifier(&self) -> Option<&RegistryIdentifier> {
        let by_kind = |kind: IdentifierKind| self.identifiers.iter().find(|i| i.kind == kind);
        by_kind(IdentifierKind::EuCt)
            .or_else(|| by_kind(IdentifierKind::Nct))
            .or_else(|| by_kind(IdentifierKind::Ctis))
            .or_else(|| self.identifiers.first())
    }
}

/// Where a definition stands in its life: a registry import starts as a draft, the reviewed
/// file is in use, an amended one supersedes it. Screens and signatures can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum DefinitionStatus {
    /// Proposed (e.g. imported from a registry record) and not yet reviewed: never screened
    /// against, never signed.
    Draft,
    /// Reviewed and used for screening (the default, so files written before the field
    /// existed load unchanged).
    #[default]
    InUse,
    /// Replaced by a newer version; kept so screenings answered against it stay evaluable.
    Superseded,
}

impl DefinitionStatus {
    /// Whether this is the default status, left out when a definition is written.
    pub fn is_in_use(&self) -> bool {
        *self == Self::InUse
    }

    /// Label used in messages and listings.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InUse => "in use",
            Self::Superseded => "superseded",
        }
    }
}

/// What every screen and every PDF page says about a definition nobody from the trial team
/// has verified yet (`provenance.verified_by: None`).
pub const UNVERIFIED_LABEL: &str = "definition not yet verified by the trial team";

/// A registry number together with the registry that issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryIdentifier {
    /// Which registry or scheme the value belongs to.
    pub kind: IdentifierKind,
    /// The identifier exactly as registered.
    pub value: String,
}

impl RegistryIdentifier {
    /// How a person reads it: "EU CT 2024-516715-25-00", "NCT07326033" (an NCT number already
    /// says what it is).
    pub fn display(&self) -> String {
        if self.value.starts_with(self.kind.label()) {
            self.value.clone()
        } else {
            format!("{} {}", self.kind.label(), self.value)
        }
    }
}

/// The registries and schemes a trial can be identified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IdentifierKind {
    /// EU Clinical Trials number (EU CT), as shown in the EU CTIS public portal.
    EuCt,
    /// A CTIS number listed as a secondary id by another registry.
    Ctis,
    /// ClinicalTrials.gov NCT number.
    Nct,
    /// The sponsor's own protocol code.
    SponsorProtocol,
}

impl IdentifierKind {
    /// Label used in reports and on screen.
    pub fn label(self) -> &'static str {
        match self {
            Self::EuCt => "EU CT",
            Self::Ctis => "CTIS",
            Self::Nct => "NCT",
            Self::SponsorProtocol => "Sponsor protocol",
        }
    }
}

/// A recruiting site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Facility name as registered, if given.
    #[serde(default)]
    pub facility: Option<String>,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
}

/// Where a definition came from: an auditor must be able to trace every criterion to a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The registry (or copy of it) the criteria were transcribed from.
    pub source_registry: String,
    /// Which record, e.g. its URL or file name.
    pub source_record: String,
    /// The record's date, when the record states one.
    #[serde(default)]
    pub record_date: Option<jiff::civil::Date>,
    /// What `record_date` is ("last update posted").
    #[serde(default)]
    pub record_date_meaning: Option<String>,
    /// SHA-256 (lowercase hex) of the exact record imported, so a later import can tell
    /// whether the registry changed; absent for hand-transcribed definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
    /// Version of this definition file; bump it whenever a criterion changes.
    pub definition_version: String,
    /// Who transcribed the criteria.
    pub transcribed_by: String,
    /// Who verified the transcription against the protocol; `None` until someone has.
    #[serde(default)]
    pub verified_by: Option<String>,
}

/// One eligibility criterion, as registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Stable short id in the style of CDISC IETESTCD (`IN01`, `EX07`).
    pub id: String,
    /// Inclusion or exclusion.
    pub kind: CriterionKind,
    /// The registry's text verbatim, typos and all.
    pub text: String,
    /// How the text is interpreted, where the reading is not obvious.
    #[serde(default)]
    pub note: Option<String>,
    /// When the criterion can be settled.
    pub stage: Stage,
    /// Whether a pre-screen answer is re-confirmed with the candidate at the visit, because
    /// time can change it (a window that ends at the visit, a pregnancy, a current
    /// medication). A file without it re-confirms nothing.
    #[serde(default)]
    pub reconfirm_at_visit: bool,
    /// Which candidates the criterion concerns.
    #[serde(default)]
    pub applies_to: Applicability,
    /// Candidate facts (shared by every trial) that settle the criterion before its answer.
    #[serde(default)]
    pub facts: Option<FactLink>,
    /// How an answer turns into met / not met.
    pub rule: Rule,
}

/// Candidate facts that are the same in every trial, entered once per candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CandidateFact {
    /// The candidate is pregnant.
    Pregnant,
    /// The candidate is breastfeeding.
    Breastfeeding,
}

impl CandidateFact {
    /// Label for screens and explanations.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pregnant => "pregnant",
            Self::Breastfeeding => "breastfeeding",
        }
    }
}

/// How shared candidate facts settle a criterion: any listed fact that is true makes the
/// statement hold ("pregnant or breastfeeding or plans to be" holds for a pregnant
/// candidate). Only when `exact` — the statement is the facts and nothing more, as in "Are
/// breastfeeding" — do facts that are all false make it not hold; otherwise the rest of the
/// statement (e.g. a planned pregnancy) is still answered through the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactLink {
    /// The facts, any of which makes the statement hold.
    pub any_of: Vec<CandidateFact>,
    /// Whether the facts are the whole statement.
    pub exact: bool,
}

impl Criterion {
    /// The first words of the verbatim text (at most 60 characters, cut at a word), for
    /// one-line lists: the verdict's reasons, the screening log, the checklist.
    pub fn short_text(&self) -> String {
        const MAX_CHARS: usize = 60;
        if self.text.chars().count() <= MAX_CHARS {
            return self.text.clone();
        }
        let cut: String = self.text.chars().take(MAX_CHARS).collect();
        let cut = cut
            .rsplit_once(' ')
            .map(|(head, _)| head.to_owned())
            .unwrap_or(cut);
        format!("{cut}…")
    }
}

/// Inclusion criteria must be met; exclusion criteria must be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CriterionKind {
    /// Must be met.
    Inclusion,
    /// Must be absent.
    Exclusion,
}

/// When a criterion can be settled: before consent from records and interview, or at the
/// on-site visit (consent, measurements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// Settled from medical records and the pre-screening interview.
    PreScreen,
    /// Settled at the protocol's screening / inclusion visit.
    ScreeningVisit,
}

/// Which candidates a criterion concerns; for the others it is "not applicable".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Applicability {
    /// Every candidate.
    #[default]
    AllCandidates,
    /// Female candidates only.
    Female,
    /// Women of childbearing potential only (CTFG 2020 definition).
    WomenOfChildbearingPotential,
}

/// How an answer settles a criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Rule {
    /// The coordinator confirms yes/no from records or interview (consent, statements about
    /// the future, lists given "such as").
    Confirmation,
    /// Settled by the investigator's clinical judgement; shown as such.
    InvestigatorJudgement,
    /// A number with a unit, checked against eligibility bounds.
    Measurement(MeasurementRule),
    /// Age in whole years from the date of birth on a reference date.
    MinimumAge(MinimumAgeRule),
    /// An event within a period before a reference date excludes.
    TimeWindow(TimeWindowRule),
    /// A quantity whose upper limit depends on the candidate's sex.
    SexDependentLimit(SexDependentLimitRule),
    /// A classification score from a calculator, or a diagnosis documented in the record.
    Classification(ClassificationRule),
}

impl Rule {
    /// Short name of the rule kind for messages and reports.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::InvestigatorJudgement => "investigator judgement",
            Self::Measurement(_) => "measurement",
            Self::MinimumAge(_) => "minimum age",
            Self::TimeWindow(_) => "time window",
            Self::SexDependentLimit(_) => "sex-dependent limit",
            Self::Classification(_) => "classification score",
        }
    }
}

/// A measured or scored quantity with the range that passes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementRule {
    /// What is measured, as a short label ("UFR", "Maximal mouth opening").
    pub quantity: String,
    /// Unit symbol; one of [`KNOWN_UNITS`].
    pub unit: String,
    /// Lower eligibility bound, if any.
    #[serde(default)]
    pub min: Option<Bound>,
    /// Upper eligibility bound, if any.
    #[serde(default)]
    pub max: Option<Bound>,
    /// Input check: values outside this physical range are typing errors, not answers.
    pub plausible: PlausibleRange,
    /// A calculator that can produce the value from its parts.
    #[serde(default)]
    pub calculator: Option<MeasurementCalculator>,
    /// Whether the scale has whole points only (MHISS, Rodnan): a typed 1.5 is refused.
    #[serde(default)]
    pub whole_numbers: bool,
}

/// One end of an eligibility range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    /// The threshold, exactly as the protocol states it.
    #[serde(with = "decimal_text")]
    pub value: Decimal,
    /// Whether the threshold itself passes ("minimum 0.05" yes; "less than 40" no).
    pub inclusive: bool,
}

/// The physically possible range of an input, used only to catch typing errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlausibleRange {
    /// Smallest possible value.
    #[serde(with = "decimal_text")]
    pub min: Decimal,
    /// Largest possible value.
    #[serde(with = "decimal_text")]
    pub max: Decimal,
}

/// Units a measurement may use; anything else is a definition error.
pub const KNOWN_UNITS: &[&str] = &["ml/min", "mm", "points", "units/week"];

/// Calculators that can produce a measurement's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MeasurementCalculator {
    /// Unstimulated whole saliva flow from volume (or weight) and minutes → ml/min.
    UnstimulatedSalivaFlow,
    /// MHISS total from its 12 item scores → points.
    Mhiss,
    /// Danish alcohol units per week from drinks → units/week.
    DanishAlcoholUnits,
}

impl MeasurementCalculator {
    /// The unit the calculator's result is in; the rule must use the same unit.
    pub fn unit(self) -> &'static str {
        match self {
            Self::UnstimulatedSalivaFlow => "ml/min",
            Self::Mhiss => "points",
            Self::DanishAlcoholUnits => "units/week",
        }
    }

    /// What the calculator takes, for messages ("the MHISS item scores").
    pub fn input_name(self) -> &'static str {
        match self {
            Self::UnstimulatedSalivaFlow => "saliva collection (amount and minutes)",
            Self::Mhiss => "MHISS item scores",
            Self::DanishAlcoholUnits => "drinks per week",
        }
    }
}

/// Age in whole years on a reference date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinimumAgeRule {
    /// Minimum age in completed years (inclusive).
    pub years: u16,
    /// The date the age is taken on.
    pub reference: ReferenceDate,
}

/// Which date a rule counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReferenceDate {
    /// The pre-screening date.
    PreScreeningDate,
    /// The planned visit (as the trial names it) when entered, else the pre-screening date.
    PlannedVisitElsePreScreening,
}

/// An event that excludes when it happened within a period before the reference date, or
/// is ongoing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindowRule {
    /// The event, as a short phrase ("Smoking", "Injection of botulinum toxin").
    pub event: String,
    /// How far back the window reaches.
    pub length: Period,
    /// Whether an event exactly `length` before the reference date is within the window.
    pub start: WindowStart,
    /// The date the window counts back from.
    pub reference: ReferenceDate,
}

/// A calendar period; months and years are calendar units clamped to the month's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// How many units.
    pub amount: u16,
    /// Which unit.
    pub unit: PeriodUnit,
}

/// Calendar units of a [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodUnit {
    /// Days.
    Days,
    /// Weeks of seven days.
    Weeks,
    /// Calendar months.
    Months,
    /// Calendar years.
    Years,
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match (self.unit, self.amount == 1) {
            (PeriodUnit::Days, true) => "day",
            (PeriodUnit::Days, false) => "days",
            (PeriodUnit::Weeks, true) => "week",
            (PeriodUnit::Weeks, false) => "weeks",
            (PeriodUnit::Months, true) => "month",
            (PeriodUnit::Months, false) => "months",
            (PeriodUnit::Years, true) => "year",
            (PeriodUnit::Years, false) => "years",
        };
        write!(f, "{} {unit}", self.amount)
    }
}

/// Whether the window's first day belongs to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowStart {
    /// An event exactly one period before counts as within (the conservative reading).
    Inclusive,
    /// "Within less than": an event exactly one period before is outside.
    Exclusive,
}

/// A quantity whose maximum depends on sex; an unknown sex leaves it unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SexDependentLimitRule {
    /// What is measured ("Alcohol consumption").
    pub quantity: String,
    /// Unit symbol; one of [`KNOWN_UNITS`].
    pub unit: String,
    /// Upper limit for women.
    pub female_max: Bound,
    /// Upper limit for men.
    pub male_max: Bound,
    /// Input check range.
    pub plausible: PlausibleRange,
    /// A calculator that can produce the value.
    #[serde(default)]
    pub calculator: Option<MeasurementCalculator>,
    /// Whether only whole numbers are possible answers.
    #[serde(default)]
    pub whole_numbers: bool,
}

/// A classification score with its threshold, or a documented diagnosis instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassificationRule {
    /// Which published criteria.
    pub calculator: ClassificationCalculator,
    /// The total that classifies, as the published criteria state it (inclusive).
    #[serde(with = "decimal_text")]
    pub min_score: Decimal,
    /// Whether a diagnosis documented in the medical record may be confirmed instead.
    pub documented_diagnosis_allowed: bool,
}

/// Published classification criteria with a calculator in `calculators`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClassificationCalculator {
    /// 2016 ACR/EULAR classification criteria for primary Sjögren's syndrome.
    AcrEular2016PrimarySjogren,
    /// 2013 ACR/EULAR classification criteria for systemic sclerosis.
    AcrEular2013SystemicSclerosis,
}

impl ClassificationCalculator {
    /// Human name for reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::AcrEular2016PrimarySjogren => "2016 ACR/EULAR pSS criteria",
            Self::AcrEular2013SystemicSclerosis => "2013 ACR/EULAR SSc criteria",
        }
    }
}
