//! The eligibility engine: a trial definition and a screening in, a verdict out.
//!
//! Pure and deterministic: no clock, no I/O. Every date it needs comes from the screening.
//! Unknown never counts as "no": an unanswered or unknown criterion is open, never passed,
//! and an answer that fails [`crate::validation`] is "invalid": open, and never signed.

mod dates;
mod quantities;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

pub use dates::{age_in_years, birthday, clear_from, event_within, period_before, reference_date};

use crate::screening::{Answer, Candidate, Screening, Sex};
use crate::trial::model::{
    Applicability, CandidateFact, Criterion, CriterionKind, FactLink, Period, Rule, Stage,
    TrialDefinition,
};
use crate::validation::{AnswerContext, InputProblem, check_entry};

/// Whether a criterion's statement holds for the candidate.
///
/// For an inclusion `Met` passes; for an exclusion `Met` means "present (excludes)".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CriterionStatus {
    /// The statement holds.
    Met,
    /// The statement does not hold.
    NotMet,
    /// Not answered, answered "unknown", or an answer that cannot be used yet.
    Unknown,
    /// The criterion does not concern this candidate (e.g. pregnancy for a male candidate).
    NotApplicable,
}

impl CriterionStatus {
    /// The word a coordinator reads for this status on a criterion of `kind`.
    pub fn label(self, kind: CriterionKind) -> &'static str {
        match (self, kind) {
            (Self::Met, CriterionKind::Inclusion) => "met",
            (Self::NotMet, CriterionKind::Inclusion) => "not met",
            (Self::Met, CriterionKind::Exclusion) => "present (excludes)",
            (Self::NotMet, CriterionKind::Exclusion) => "absent",
            (Self::Unknown, _) => "unknown",
            (Self::NotApplicable, _) => "not applicable",
        }
    }

    /// What this status means for eligibility.
    pub fn settlement(self, kind: CriterionKind) -> Settlement {
        match (self, kind) {
            (Self::NotApplicable, _)
            | (Self::Met, CriterionKind::Inclusion)
            | (Self::NotMet, CriterionKind::Exclusion) => Settlement::Passes,
            (Self::NotMet, CriterionKind::Inclusion) | (Self::Met, CriterionKind::Exclusion) => {
                Settlement::Fails
            }
            (Self::Unknown, _) => Settlement::Open,
        }
    }
}

/// A criterion's effect on the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Settlement {
    /// Does not stand in the way.
    Passes,
    /// Makes the candidate ineligible.
    Fails,
    /// Still to be settled.
    Open,
}

/// Where a criterion's answer stands, for "12 answered · 2 unknown · 4 open".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnswerState {
    /// Settled by a valid, definite answer (or by a computed age, a candidate fact, or not
    /// applying to this candidate).
    Answered,
    /// Something was recorded, but it does not settle the criterion yet (an "unknown", a
    /// partly scored scale, a month that straddles the window).
    Unknown,
    /// Nothing recorded yet.
    Open,
    /// The recorded answer fails its checks (an older record, or a file edited by hand): it
    /// counts as open and blocks signing until it is re-entered.
    Invalid,
}

/// The date a rule counted from, and how a person names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceUsed {
    /// The date.
    pub date: Date,
    /// "planned inclusion visit", or "pre-screening date (no planned inclusion visit entered)".
    pub name: String,
}

/// How a failing criterion may stop failing with time alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimeLimit {
    /// From this date on (a window's first clear day, the birthday of the minimum age).
    From(Date),
    /// This long after an ongoing event has ended.
    AfterEventEnds(Period),
}

/// The engine's finding for one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionEvaluation {
    /// Criterion id.
    pub id: String,
    /// Inclusion or exclusion.
    pub kind: CriterionKind,
    /// When it can be settled.
    pub stage: Stage,
    /// Whether the statement holds.
    pub status: CriterionStatus,
    /// The status as printed ("present (excludes)"), the same words as the text output.
    pub status_label: &'static str,
    /// Its effect on the verdict.
    pub settlement: Settlement,
    /// Where its answer stands.
    pub answer_state: AnswerState,
    /// Whether it is settled by a valid, definite answer (`answer_state` is `answered`).
    pub answered: bool,
    /// One line a coordinator can read ("UFR 0.04 ml/min (entered) is below the minimum
    /// 0.05 ml/min: not met").
    pub explanation: String,
    /// For an exclusion by a time window: the first day the candidate is clear.
    pub clear_from: Option<Date>,
    /// How a failure clears with time; `None` when it is permanent or the criterion passes.
    pub time_limit: Option<TimeLimit>,
    /// The date a date-dependent rule counted from.
    pub reference: Option<ReferenceUsed>,
    /// The measured or computed value (age in years for a minimum age), the lowest possible
    /// while calculator items are missing.
    #[serde(serialize_with = "decimal_number")]
    pub value: Option<Decimal>,
    /// The highest the value can still be while calculator items are missing.
    #[serde(serialize_with = "decimal_number")]
    pub value_highest_possible: Option<Decimal>,
    /// A classification score, the lowest possible while items are missing.
    #[serde(serialize_with = "decimal_number")]
    pub score: Option<Decimal>,
    /// The highest the classification score can still be.
    #[serde(serialize_with = "decimal_number")]
    pub score_highest_possible: Option<Decimal>,
    /// Why the recorded answer is invalid, when it is.
    pub invalid: Option<InputProblem>,
}

/// JSON numbers for decimals (scripts compare them), text stays exact elsewhere.
fn decimal_number<S: Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    match value.and_then(|v| v.to_f64()) {
        Some(number) => serializer.serialize_some(&number),
        None => serializer.serialize_none(),
    }
}

/// The overall verdict, in precedence order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An inclusion is not met or an exclusion is present.
    NotEligible {
        /// Every failing criterion.
        failing: Vec<String>,
        /// Criteria still open (unanswered, unknown or invalid).
        missing: Vec<String>,
    },
    /// A pre-screen criterion is unanswered, unknown or invalid.
    Incomplete {
        /// Every open criterion, pre-screen and visit.
        missing: Vec<String>,
    },
    /// Every pre-screen criterion passes; the visit must settle the rest.
    PreScreenPassed {
        /// Visit criteria still open.
        pending: Vec<String>,
    },
    /// Every criterion is settled and passes.
    Eligible,
}

impl Verdict {
    /// The verdict's name in capitals, as printed everywhere (text, JSON, PDF, store).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The verdict's kind, without its lists.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Self::NotEligible { .. } => VerdictKind::NotEligible,
            Self::Incomplete { .. } => VerdictKind::Incomplete,
            Self::PreScreenPassed { .. } => VerdictKind::PreScreenPassed,
            Self::Eligible => VerdictKind::Eligible,
        }
    }

    /// Whether a verdict is settled: anything but INCOMPLETE.
    pub fn is_settled(&self) -> bool {
        !matches!(self, Self::Incomplete { .. })
    }
}

impl Serialize for Verdict {
    /// `{"name": "NOT ELIGIBLE", "failing": [...], "missing": [...]}`: the same spelling as
    /// the text output.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", self.name())?;
        match self {
            Self::NotEligible { failing, missing } => {
                map.serialize_entry("failing", failing)?;
                map.serialize_entry("missing", missing)?;
            }
            Self::Incomplete { missing } => map.serialize_entry("missing", missing)?,
            Self::PreScreenPassed { pending } => map.serialize_entry("pending", pending)?,
            Self::Eligible => {}
        }
        map.end()
    }
}

/// The four verdicts without their lists: what a store keeps and a log filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum VerdictKind {
    /// NOT ELIGIBLE.
    NotEligible,
    /// INCOMPLETE.
    Incomplete,
    /// PRE-SCREEN PASSED.
    PreScreenPassed,
    /// ELIGIBLE.
    Eligible,
}

impl VerdictKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [
        Self::NotEligible,
        Self::Incomplete,
        Self::PreScreenPassed,
        Self::Eligible,
    ];

    /// The name printed everywhere.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotEligible => "NOT ELIGIBLE",
            Self::Incomplete => "INCOMPLETE",
            Self::PreScreenPassed => "PRE-SCREEN PASSED",
            Self::Eligible => "ELIGIBLE",
        }
    }

    /// Parses a printed name back.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the candidate was (pre-)eligible: ELIGIBLE or PRE-SCREEN PASSED.
    pub fn is_eligible(self) -> bool {
        matches!(self, Self::Eligible | Self::PreScreenPassed)
    }
}

/// How many criteria stand where, for "12 answered · 2 unknown · 4 open".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AnswerCounts {
    /// Settled by a valid, definite answer.
    pub answered: usize,
    /// Recorded but not settling.
    pub unknown: usize,
    /// Nothing recorded.
    pub open: usize,
    /// Recorded answers that fail their checks.
    pub invalid: usize,
}

impl std::fmt::Display for AnswerCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} answered · {} unknown · {} open",
            self.answered, self.unknown, self.open
        )?;
        if self.invalid > 0 {
            write!(f, " · {} invalid", self.invalid)?;
        }
        Ok(())
    }
}

/// When a NOT ELIGIBLE candidate may be screened again: every failing criterion is
/// time-limited (a window, an age not yet reached, an ongoing event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rescreen {
    /// The first day every dated limit has passed; `None` when only ongoing events remain.
    pub from: Option<Date>,
    /// Criteria failing on an ongoing event: re-screen once it has ended plus its window.
    pub after_event_ends: Vec<String>,
}

impl Rescreen {
    /// "re-screen from 2026-12-08", "re-screen when the event has ended (EX04)".
    pub fn text(&self) -> String {
        match (self.from, self.after_event_ends.is_empty()) {
            (Some(from), true) => format!("re-screen from {from}"),
            (from, _) => {
                let mut text = format!(
                    "re-screen when the event has ended ({})",
                    self.after_event_ends.join(", ")
                );
                if let Some(from) = from {
                    text.push_str(&format!(", not before {from}"));
                }
                text
            }
        }
    }
}

/// The complete result of evaluating a screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Trial id.
    pub trial_id: String,
    /// Definition version evaluated against.
    pub definition_version: String,
    /// One finding per criterion, in definition order.
    pub criteria: Vec<CriterionEvaluation>,
    /// The verdict.
    pub verdict: Verdict,
    /// For a NOT ELIGIBLE verdict whose every failure is time-limited: the date to re-screen
    /// from (`None` while only an ongoing event stands in the way, or the failure is
    /// permanent).
    pub rescreen_from: Option<Date>,
    /// When to re-screen, if time alone can clear the verdict.
    pub rescreen: Option<Rescreen>,
    /// Where the answers stand.
    pub counts: AnswerCounts,
    /// Every recorded answer that fails its checks.
    pub invalid: Vec<InputProblem>,
    /// Answers that do not belong to any criterion of this definition; they are ignored
    /// for the verdict and reported so nothing is silently dropped.
    pub unmatched_answers: Vec<String>,
    /// What the visit must still settle beside the verdict (re-confirmations); it does not
    /// change the verdict, and it gates enrolment.
    pub visit: crate::visit::VisitCheck,
}

impl Evaluation {
    /// Looks up one criterion's finding.
    pub fn criterion(&self, id: &str) -> Option<&CriterionEvaluation> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// How many criteria are settled by a valid, definite answer.
    pub fn answered_count(&self) -> usize {
        self.counts.answered
    }

    /// The visit check as said beside the verdict: only for a candidate on the way to the
    /// visit (ELIGIBLE or PRE-SCREEN PASSED); an excluded or incomplete one has other things
    /// to settle first. It gates enrolment whatever the verdict.
    pub fn visit_summary(&self, visit_name: &str) -> Option<String> {
        if self.verdict.kind().is_eligible() {
            self.visit.summary(visit_name)
        } else {
            None
        }
    }

    /// The verdict with the visit check beside it, when anything is open: "ELIGIBLE — 3
    /// answers to re-confirm at the inclusion visit".
    pub fn verdict_and_visit_line(&self, visit_name: &str) -> String {
        match self.visit_summary(visit_name) {
            Some(open) => format!("{} — {open}", self.verdict_line()),
            None => self.verdict_line(),
        }
    }

    /// The verdict with its re-screen advice: "NOT ELIGIBLE — re-screen from 2026-12-08".
    pub fn verdict_line(&self) -> String {
        match &self.rescreen {
            Some(rescreen) => format!("{} — {}", self.verdict.name(), rescreen.text()),
            None => self.verdict.name().to_owned(),
        }
    }

    /// Whether a summary of this evaluation may be signed: a settled verdict and no invalid
    /// answer.
    pub fn is_signable(&self) -> bool {
        self.verdict.is_settled() && self.invalid.is_empty()
    }
}

/// Evaluates every criterion of `trial` for `screening` and derives the verdict.
pub fn evaluate(trial: &TrialDefinition, screening: &Screening) -> Evaluation {
    let criteria: Vec<CriterionEvaluation> = trial
        .criteria
        .iter()
        .map(|criterion| evaluate_criterion(criterion, screening, &trial.visit_name))
        .collect();
    let verdict = verdict_of(&criteria);
    let rescreen = rescreen_of(&verdict, &criteria);
    let mut counts = AnswerCounts::default();
    for c in &criteria {
        match c.answer_state {
            AnswerState::Answered => counts.answered += 1,
            AnswerState::Unknown => counts.unknown += 1,
            AnswerState::Open => counts.open += 1,
            AnswerState::Invalid => counts.invalid += 1,
        }
    }
    let invalid = criteria.iter().filter_map(|c| c.invalid.clone()).collect();
    let unmatched_answers = screening
        .answers
        .keys()
        .filter(|id| trial.criterion(id).is_none())
        .cloned()
        .collect();
    let mut evaluation = Evaluation {
        trial_id: trial.id.clone(),
        definition_version: trial.version().to_owned(),
        criteria,
        verdict,
        rescreen_from: rescreen.as_ref().and_then(|r| r.from),
        rescreen,
        counts,
        invalid,
        unmatched_answers,
        visit: crate::visit::VisitCheck::default(),
    };
    evaluation.visit = crate::visit::visit_check(trial, screening, &evaluation);
    evaluation
}

fn verdict_of(criteria: &[CriterionEvaluation]) -> Verdict {
    let ids = |keep: &dyn Fn(&CriterionEvaluation) -> bool| -> Vec<String> {
        criteria
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.id.clone())
            .collect()
    };
    let failing = ids(&|c| c.settlement == Settlement::Fails);
    let missing = ids(&|c| c.settlement == Settlement::Open);
    if !failing.is_empty() {
        return Verdict::NotEligible { failing, missing };
    }
    let prescreen_open = criteria
        .iter()
        .any(|c| c.settlement == Settlement::Open && c.stage == Stage::PreScreen);
    if prescreen_open {
        return Verdict::Incomplete { missing };
    }
    if !missing.is_empty() {
        return Verdict::PreScreenPassed { pending: missing };
    }
    Verdict::Eligible
}

fn rescreen_of(verdict: &Verdict, criteria: &[CriterionEvaluation]) -> Option<Rescreen> {
    let Verdict::NotEligible { failing, .. } = verdict else {
        return None;
    };
    let mut from: Option<Date> = None;
    let mut after_event_ends = Vec::new();
    for id in failing {
        let finding = criteria.iter().find(|c| &c.id == id)?;
        match finding.time_limit? {
            TimeLimit::From(date) => from = Some(from.map_or(date, |f| f.max(date))),
            TimeLimit::AfterEventEnds(_) => after_event_ends.push(id.clone()),
        }
    }
    Some(Rescreen {
        from,
        after_event_ends,
    })
}

/// A criterion's status and its one-line reason, before the bookkeeping fields are added.
#[derive(Debug, Default)]
struct Finding {
    status: Option<CriterionStatus>,
    explanation: String,
    clear_from: Option<Date>,
    time_limit: Option<TimeLimit>,
    reference: Option<ReferenceUsed>,
    value: Option<(Decimal, Decimal)>,
    score: Option<(Decimal, Decimal)>,
}

impl Finding {
    fn new(status: CriterionStatus, explanation: impl Into<String>) -> Self {
        Self {
            status: Some(status),
            explanation: explanation.into(),
            ..Self::default()
        }
    }
    fn unknown(explanation: impl Into<String>) -> Self {
        Self::new(CriterionStatus::Unknown, explanation)
    }
    fn status(&self) -> CriterionStatus {
        self.status.unwrap_or(CriterionStatus::Unknown)
    }
}

fn evaluate_criterion(
    criterion: &Criterion,
    screening: &Screening,
    visit_name: &str,
) -> CriterionEvaluation {
    let entry = screening.answers.get(&criterion.id);
    let context = AnswerContext {
        screening,
        visit_name,
        today: None,
    };
    let invalid = entry.and_then(|e| check_entry(criterion, e, context).err());
    let by_facts = criterion
        .facts
        .as_ref()
        .and_then(|link| facts_finding(link, &screening.candidate));
    let computed = matches!(criterion.rule, Rule::MinimumAge(_));
    let mut finding = match (
        &invalid,
        applicability(criterion.applies_to, &screening.candidate),
    ) {
        (Some(problem), _) => Finding::unknown(format!(
            "invalid answer — {}: {}; re-enter it",
            problem.field, problem.message
        )),
        (None, Some(finding)) => finding,
        (None, None) => match (by_facts, entry) {
            (Some(finding), _) => finding,
            (None, None) if !computed => Finding::unknown("not answered"),
            (None, entry) => apply_rule(criterion, entry.map(|e| &e.answer), screening, visit_name),
        },
    };
    // A date-dependent rule names its reference even before it is answered.
    if finding.reference.is_none() {
        finding.reference = rule_reference(&criterion.rule, screening, visit_name);
    }
    let status = finding.status();
    let settlement = status.settlement(criterion.kind);
    let answer_state = if invalid.is_some() {
        AnswerState::Invalid
    } else if settlement != Settlement::Open {
        AnswerState::Answered
    } else if entry.is_some() {
        AnswerState::Unknown
    } else {
        AnswerState::Open
    };
    let time_limit = (settlement == Settlement::Fails)
        .then_some(finding.time_limit)
        .flatten();
    CriterionEvaluation {
        id: criterion.id.clone(),
        kind: criterion.kind,
        stage: criterion.stage,
        status,
        status_label: status.label(criterion.kind),
        settlement,
        answer_state,
        answered: answer_state == AnswerState::Answered,
        explanation: finding.explanation,
        clear_from: finding.clear_from,
        time_limit,
        reference: finding.reference,
        value: finding.value.map(|(low, _)| low),
        value_highest_possible: finding
            .value
            .and_then(|(low, high)| (high != low).then_some(high)),
        score: finding.score.map(|(low, _)| low),
        score_highest_possible: finding
            .score
            .and_then(|(low, high)| (high != low).then_some(high)),
        invalid,
    }
}

fn rule_reference(rule: &Rule, screening: &Screening, visit_name: &str) -> Option<ReferenceUsed> {
    let reference = match rule {
        Rule::MinimumAge(rule) => rule.reference,
        Rule::TimeWindow(rule) => rule.reference,
        _ => return None,
    };
    let (date, name) = reference_date(reference, screening, visit_name);
    Some(ReferenceUsed { date, name })
}

/// `Some` when shared candidate facts settle the criterion (see [`FactLink`]).
fn facts_finding(link: &FactLink, candidate: &Candidate) -> Option<Finding> {
    let values: Vec<(CandidateFact, Option<bool>)> = link
        .any_of
        .iter()
        .map(|f| (*f, candidate.fact(*f)))
        .collect();
    if let Some((fact, _)) = values.iter().find(|(_, v)| *v == Some(true)) {
        return Some(Finding::new(
            CriterionStatus::Met,
            format!("candidate is {} (shared candidate fact)", fact.label()),
        ));
    }
    if link.exact && values.iter().all(|(_, v)| *v == Some(false)) {
        let names: Vec<&str> = values.iter().map(|(f, _)| f.label()).collect();
        return Some(Finding::new(
            CriterionStatus::NotMet,
            format!(
                "candidate is not {} (shared candidate fact)",
                names.join(" or ")
            ),
        ));
    }
    None
}

/// `Some` when the criterion does not (or may not) concern this candidate.
fn applicability(applies_to: Applicability, candidate: &Candidate) -> Option<Finding> {
    match applies_to {
        Applicability::AllCandidates => None,
        Applicability::Female => match candidate.sex {
            Some(Sex::Female) => None,
            Some(Sex::Male) => Some(Finding::new(
                CriterionStatus::NotApplicable,
                "not applicable: applies to female candidates",
            )),
            None => Some(Finding::unknown(
                "sex not recorded: applies to female candidates",
            )),
        },
        Applicability::WomenOfChildbearingPotential => {
            match (candidate.sex, candidate.childbearing_potential) {
                (Some(Sex::Male), _) | (Some(Sex::Female), Some(false)) => Some(Finding::new(
                    CriterionStatus::NotApplicable,
                    "not applicable: applies to women of childbearing potential",
                )),
                (Some(Sex::Female), Some(true)) => None,
                (None, _) => Some(Finding::unknown(
                    "sex not recorded: applies to women of childbearing potential",
                )),
                (Some(Sex::Female), None) => Some(Finding::unknown(
                    "childbearing potential not recorded: applies to women of childbearing potential",
                )),
            }
        }
    }
}

fn apply_rule(
    criterion: &Criterion,
    answer: Option<&Answer>,
    screening: &Screening,
    visit_name: &str,
) -> Finding {
    if matches!(answer, Some(Answer::Unknown)) && !matches!(criterion.rule, Rule::MinimumAge(_)) {
        return Finding::unknown("answered unknown");
    }
    match &criterion.rule {
        Rule::Confirmation => yes_no(criterion.kind, answer, "confirmed"),
        Rule::InvestigatorJudgement => yes_no(criterion.kind, answer, "investigator judgement"),
        Rule::Measurement(rule) => quantities::measurement(rule, answer, criterion.kind),
        Rule::MinimumAge(rule) => dates::minimum_age(rule, screening, visit_name),
        Rule::TimeWindow(rule) => dates::time_window(rule, answer, screening, visit_name),
        Rule::SexDependentLimit(rule) => {
            quantities::sex_dependent_limit(rule, answer, &screening.candidate)
        }
        Rule::Classification(rule) => quantities::classification(rule, answer),
    }
}

fn yes_no(kind: CriterionKind, answer: Option<&Answer>, how: &str) -> Finding {
    let status = match answer {
        Some(Answer::Yes) => CriterionStatus::Met,
        Some(Answer::No) => CriterionStatus::NotMet,
        _ => return Finding::unknown("expected yes, no or unknown"),
    };
    Finding::new(status, format!("{} ({how})", status.label(kind)))
}
