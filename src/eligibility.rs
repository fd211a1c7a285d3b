//! The eligibility engine: a trial definition and a screening in, a verdict out.
//!
//! Pure and deterministic: no clock, no I/O. Every date it needs comes from the screening.
//! Unknown never counts as "no": an unanswered or unknown criterion is open, never passed.

use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::calculators::{self, ClassificationGate, ScoreRange};
use crate::screening::{Answer, Candidate, EventAnswer, Screening, Sex};
use crate::trial::model::{
    Applicability, Bound, CandidateFact, ClassificationCalculator, ClassificationRule, Criterion,
    CriterionKind, FactLink, MeasurementCalculator, MeasurementRule, MinimumAgeRule, Period,
    PeriodUnit, PlausibleRange, ReferenceDate, Rule, SexDependentLimitRule, Stage, TimeWindowRule,
    TrialDefinition, WindowStart,
};

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
    /// Its effect on the verdict.
    pub settlement: Settlement,
    /// Whether any answer was given (an unanswered criterion is "missing").
    pub answered: bool,
    /// One line a coordinator can read ("UFR 0.04 ml/min is below the minimum 0.05 ml/min").
    pub explanation: String,
    /// For an exclusion by a time window: the first day the candidate is clear.
    pub clear_from: Option<Date>,
}

/// The overall verdict, in precedence order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// An inclusion is not met or an exclusion is present.
    NotEligible {
        /// Every failing criterion.
        failing: Vec<String>,
        /// Criteria still open (unanswered or unknown).
        missing: Vec<String>,
    },
    /// A pre-screen criterion is unanswered or unknown.
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
    /// The verdict's name in capitals, as printed everywhere.
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotEligible { .. } => "NOT ELIGIBLE",
            Self::Incomplete { .. } => "INCOMPLETE",
            Self::PreScreenPassed { .. } => "PRE-SCREEN PASSED",
            Self::Eligible => "ELIGIBLE",
        }
    }

    /// Whether a verdict can be signed: only a settled one.
    pub fn is_settled(&self) -> bool {
        !matches!(self, Self::Incomplete { .. })
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
    /// Answers that do not belong to any criterion of this definition; they are ignored
    /// for the verdict and reported so nothing is silently dropped.
    pub unmatched_answers: Vec<String>,
}

impl Evaluation {
    /// Looks up one criterion's finding.
    pub fn criterion(&self, id: &str) -> Option<&CriterionEvaluation> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// How many criteria have an answer (or need none), for "12 / 18 answered".
    pub fn answered_count(&self) -> usize {
        self.criteria.iter().filter(|c| c.answered).count()
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
    let unmatched_answers = screening
        .answers
        .keys()
        .filter(|id| trial.criterion(id).is_none())
        .cloned()
        .collect();
    Evaluation {
        trial_id: trial.id.clone(),
        definition_version: trial.version().to_owned(),
        criteria,
        verdict,
        unmatched_answers,
    }
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

/// A criterion's status and its one-line reason, before the bookkeeping fields are added.
struct Finding {
    status: CriterionStatus,
    explanation: String,
    clear_from: Option<Date>,
}

impl Finding {
    fn new(status: CriterionStatus, explanation: impl Into<String>) -> Self {
        Self {
            status,
            explanation: explanation.into(),
            clear_from: None,
        }
    }
    fn unknown(explanation: impl Into<String>) -> Self {
        Self::new(CriterionStatus::Unknown, explanation)
    }
}

fn evaluate_criterion(
    criterion: &Criterion,
    screening: &Screening,
    visit_name: &str,
) -> CriterionEvaluation {
    let entry = screening.answers.get(&criterion.id);
    let answer = entry.map(|e| &e.answer);
    // Age is computed from the candidate; it needs no answer of its own.
    let needs_no_answer = matches!(criterion.rule, Rule::MinimumAge(_));
    let by_facts = criterion
        .facts
        .as_ref()
        .and_then(|link| facts_finding(link, &screening.candidate));
    let settled_by_facts = by_facts.is_some();
    let finding = match (
        applicability(criterion.applies_to, &screening.candidate),
        by_facts,
    ) {
        (Some(finding), _) => finding,
        (None, Some(finding)) => finding,
        (None, None) => match answer {
            None if !needs_no_answer => Finding::unknown("not answered"),
            _ => apply_rule(criterion, answer, screening, visit_name),
        },
    };
    let answered = answer.is_some()
        || needs_no_answer
        || settled_by_facts
        || finding.status == CriterionStatus::NotApplicable;
    CriterionEvaluation {
        id: criterion.id.clone(),
        kind: criterion.kind,
        stage: criterion.stage,
        status: finding.status,
        settlement: finding.status.settlement(criterion.kind),
        answered,
        explanation: finding.explanation,
        clear_from: finding.clear_from,
    }
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
        Rule::Measurement(rule) => measurement(rule, answer, criterion.kind),
        Rule::MinimumAge(rule) => minimum_age(rule, screening, visit_name),
        Rule::TimeWindow(rule) => time_window(rule, answer, screening, visit_name),
        Rule::SexDependentLimit(rule) => sex_dependent_limit(rule, answer, &screening.candidate),
        Rule::Classification(rule) => classification(rule, answer),
    }
}

fn does_not_fit(answer: Option<&Answer>, expected: &str) -> Finding {
    let given = match answer {
        None => "nothing",
        Some(Answer::Unknown) => "unknown",
        Some(Answer::Yes) => "yes",
        Some(Answer::No) => "no",
        Some(Answer::Value(_)) => "a value",
        Some(Answer::Event(_)) => "an event date",
        Some(Answer::DocumentedDiagnosis { .. }) => "a documented diagnosis",
        Some(Answer::Pss2016(_)) => "pSS criteria items",
        Some(Answer::Ssc2013(_)) => "SSc criteria items",
        Some(Answer::Mhiss(_)) => "MHISS items",
        Some(Answer::SalivaFlow(_)) => "a saliva collection",
        Some(Answer::Alcohol(_)) => "drinks",
    };
    Finding::unknown(format!(
        "answer does not fit this criterion: got {given}, expected {expected}"
    ))
}

fn yes_no(kind: CriterionKind, answer: Option<&Answer>, how: &str) -> Finding {
    let status = match answer {
        Some(Answer::Yes) => CriterionStatus::Met,
        Some(Answer::No) => CriterionStatus::NotMet,
        other => return does_not_fit(other, "yes, no or unknown"),
    };
    Finding::new(status, format!("{} ({how})", status.label(kind)))
}

fn unit_suffix(unit: &str) -> String {
    format!(" {unit}")
}

/// Whether `value` lies within the eligibility bounds; `Err` names the bound it breaks.
fn check_bounds(value: Decimal, min: Option<Bound>, max: Option<Bound>) -> Result<(), BoundBreach> {
    if let Some(min) = min {
        let ok = if min.inclusive {
            value >= min.value
        } else {
            value > min.value
        };
        if !ok {
            return Err(BoundBreach::Low(min));
        }
    }
    if let Some(max) = max {
        let ok = if max.inclusive {
            value <= max.value
        } else {
            value < max.value
        };
        if !ok {
            return Err(BoundBreach::High(max));
        }
    }
    Ok(())
}

enum BoundBreach {
    Low(Bound),
    High(Bound),
}

fn describe_bounds(min: Option<Bound>, max: Option<Bound>, unit: &str) -> String {
    let part = |b: Bound, inclusive_sym: &str, strict_sym: &str| {
        format!(
            "{} {}{}",
            if b.inclusive {
                inclusive_sym
            } else {
                strict_sym
            },
            b.value,
            unit_suffix(unit)
        )
    };
    match (min, max) {
        (Some(lo), Some(hi)) => format!("{} and {}", part(lo, "≥", ">"), part(hi, "≤", "<")),
        (Some(lo), None) => part(lo, "≥", ">"),
        (None, Some(hi)) => part(hi, "≤", "<"),
        (None, None) => "any value".to_owned(),
    }
}

fn describe_breach(quantity: &str, value: Decimal, unit: &str, breach: &BoundBreach) -> String {
    let u = unit_suffix(unit);
    match breach {
        BoundBreach::Low(b) if b.inclusive => {
            format!("{quantity} {value}{u} is below the minimum {}{u}", b.value)
        }
        BoundBreach::Low(b) => format!("{quantity} {value}{u} is not more than {}{u}", b.value),
        BoundBreach::High(b) if b.inclusive => {
            format!("{quantity} {value}{u} is above the maximum {}{u}", b.value)
        }
        BoundBreach::High(b) => format!("{quantity} {value}{u} is not less than {}{u}", b.value),
    }
}

/// The value a measurement answer stands for: exact, or a range when calculator items are
/// still missing. `Err` is the finding to report instead.
fn measured_value(
    answer: Option<&Answer>,
    calculator: Option<MeasurementCalculator>,
    plausible: PlausibleRange,
    quantity: &str,
    unit: &str,
) -> Result<(ScoreRange, &'static str), Finding> {
    let (range, how) = match (answer, calculator) {
        (Some(Answer::Value(v)), _) => (
            ScoreRange {
                known: *v,
                highest_possible: *v,
            },
            "entered",
        ),
        (Some(Answer::SalivaFlow(input)), Some(MeasurementCalculator::UnstimulatedSalivaFlow)) => {
            let v = calculators::ufr::flow_ml_per_min(input)
                .map_err(|e| Finding::unknown(e.to_string()))?;
            (
                ScoreRange {
                    known: v,
                    highest_possible: v,
                },
                "calculated from the collection",
            )
        }
        (Some(Answer::Mhiss(input)), Some(MeasurementCalculator::Mhiss)) => {
            let range =
                calculators::mhiss::total(input).map_err(|e| Finding::unknown(e.to_string()))?;
            (range, "total of the item scores")
        }
        (Some(Answer::Alcohol(input)), Some(MeasurementCalculator::DanishAlcoholUnits)) => {
            let v = calculators::alcohol_units::units_per_week(input)
                .map_err(|e| Finding::unknown(e.to_string()))?;
            (
                ScoreRange {
                    known: v,
                    highest_possible: v,
                },
                "calculated from drinks",
            )
        }
        (other, calculator) => {
            let expected = match calculator {
                Some(c) => format!("a value in {unit} or the {c:?} calculator"),
                None => format!("a value in {unit}"),
            };
            return Err(does_not_fit(other, &expected));
        }
    };
    for v in [range.known, range.highest_possible] {
        if v < plausible.min || v > plausible.max {
            return Err(Finding::unknown(format!(
                "{quantity} {v} {unit} is outside the plausible range {}–{} {unit}: check the entry",
                plausible.min, plausible.max
            )));
        }
    }
    Ok((range, how))
}

/// Settles an in/out-of-range question for a possibly partial value: both ends in range
/// passes, a range entirely past one bound fails, anything else is open.
fn range_finding(
    kind: CriterionKind,
    quantity: &str,
    unit: &str,
    range: ScoreRange,
    how: &str,
    min: Option<Bound>,
    max: Option<Bound>,
) -> Finding {
    let in_range_status = match kind {
        CriterionKind::Inclusion => CriterionStatus::Met,
        CriterionKind::Exclusion => CriterionStatus::NotMet,
    };
    let out_of_range_status = match kind {
        CriterionKind::Inclusion => CriterionStatus::NotMet,
        CriterionKind::Exclusion => CriterionStatus::Met,
    };
    let low = check_bounds(range.known, min, max);
    let high = check_bounds(range.highest_possible, min, max);
    let exact = range.known == range.highest_possible;
    match (low, high) {
        (Ok(()), Ok(())) => {
            let shown = if exact {
                format!("{}", range.known)
            } else {
                format!("{}–{}", range.known, range.highest_possible)
            };
            Finding::new(
                in_range_status,
                format!(
                    "{quantity} {shown}{} ({how}) meets {}: {}",
                    unit_suffix(unit),
                    describe_bounds(min, max, unit),
                    in_range_status.label(kind)
                ),
            )
        }
        (Err(breach @ BoundBreach::High(_)), _) | (_, Err(breach @ BoundBreach::Low(_))) => {
            let value = match breach {
                BoundBreach::High(_) => range.known,
                BoundBreach::Low(_) => range.highest_possible,
            };
            let prefix = if exact {
                String::new()
            } else {
                "even at its highest possible, ".to_owned()
            };
            Finding::new(
                out_of_range_status,
                format!(
                    "{prefix}{} ({how}): {}",
                    describe_breach(quantity, value, unit, &breach),
                    out_of_range_status.label(kind)
                ),
            )
        }
        _ => Finding::unknown(format!(
            "{quantity} is between {} and {}{} with items still missing: cannot yet tell against {}",
            range.known,
            range.highest_possible,
            unit_suffix(unit),
            describe_bounds(min, max, unit)
        )),
    }
}

/// A measurement's bounds always describe what passes; for an exclusion, a value outside
/// them is "present".
fn measurement(rule: &MeasurementRule, answer: Option<&Answer>, kind: CriterionKind) -> Finding {
    match measured_value(
        answer,
        rule.calculator,
        rule.plausible,
        &rule.quantity,
        &rule.unit,
    ) {
        Ok((range, how)) => range_finding(
            kind,
            &rule.quantity,
            &rule.unit,
            range,
            how,
            rule.min,
            rule.max,
        ),
        Err(finding) => finding,
    }
}

/// The date a rule counts from, and how to name it (the visit as the trial names it).
fn reference_date(
    reference: ReferenceDate,
    screening: &Screening,
    visit_name: &str,
) -> (Date, String) {
    match (reference, screening.planned_visit_date) {
        (ReferenceDate::PlannedVisitElsePreScreening, Some(visit)) => {
            (visit, format!("planned {visit_name}"))
        }
        _ => (screening.prescreening_date, "pre-screening date".to_owned()),
    }
}

/// Completed years from `birth` to `on`. A 29 February birthday is reached on 1 March in a
/// common year (the later, conservative reading).
pub fn age_in_years(birth: Date, on: Date) -> Option<i16> {
    if on < birth {
        return None;
    }
    let before_birthday = (on.month(), on.day()) < (birth.month(), birth.day());
    Some(on.year() - birth.year() - i16::from(before_birthday))
}

fn minimum_age(rule: &MinimumAgeRule, screening: &Screening, visit_name: &str) -> Finding {
    let Some(birth) = screening.candidate.date_of_birth else {
        return Finding::unknown("date of birth not recorded");
    };
    let (on, on_name) = reference_date(rule.reference, screening, visit_name);
    let Some(age) = age_in_years(birth, on) else {
        return Finding::unknown(format!(
            "date of birth is after the {on_name} {on}: check the dates"
        ));
    };
    let met = age >= i16::try_from(rule.years).unwrap_or(i16::MAX);
    let status = if met {
        CriterionStatus::Met
    } else {
        CriterionStatus::NotMet
    };
    let comparison = if met { "at least" } else { "under" };
    Finding::new(
        status,
        format!(
            "age {age} on the {on_name} {on}: {comparison} {} years: {}",
            rule.years,
            status.label(CriterionKind::Inclusion)
        ),
    )
}

/// Subtracts a calendar period; months and years clamp to the month's end (31 Aug − 6 months
/// = 28 Feb, or 29 in a leap year).
pub fn period_before(date: Date, period: Period) -> Option<Date> {
    let amount = i64::from(period.amount);
    let span = match period.unit {
        PeriodUnit::Days => amount.days(),
        PeriodUnit::Weeks => amount.weeks(),
        PeriodUnit::Months => amount.months(),
        PeriodUnit::Years => amount.years(),
    };
    date.checked_sub(span).ok()
}

/// Whether an event on `event` lies in the window counted back from `reference`.
pub fn event_within(rule: &TimeWindowRule, event: Date, reference: Date) -> Option<bool> {
    let start = period_before(reference, rule.length)?;
    let after_start = match rule.start {
        WindowStart::Inclusive => event >= start,
        WindowStart::Exclusive => event > start,
    };
    Some(after_start && event <= reference)
}

/// The first reference date on which an event on `event` no longer falls in the window.
pub fn clear_from(rule: &TimeWindowRule, event: Date) -> Option<Date> {
    // Start a few days early: with clamping, `event + period` can be past the first clear day
    // (or before it), never by more than three days. Step forward one day at a time.
    let amount = i64::from(rule.length.amount);
    let span = match rule.length.unit {
        PeriodUnit::Days => amount.days(),
        PeriodUnit::Weeks => amount.weeks(),
        PeriodUnit::Months => amount.months(),
        PeriodUnit::Years => amount.years(),
    };
    let mut day = event.checked_add(span).ok()?.checked_sub(4.days()).ok()?;
    if day < event {
        day = event;
    }
    for _ in 0..16 {
        if event_within(rule, event, day) == Some(false) {
            return Some(day);
        }
        day = day.tomorrow().ok()?;
    }
    None
}

fn time_window(
    rule: &TimeWindowRule,
    answer: Option<&Answer>,
    screening: &Screening,
    visit_name: &str,
) -> Finding {
    let (reference, reference_name) = reference_date(rule.reference, screening, visit_name);
    let window = format!(
        "{} {} before the {reference_name} {reference}",
        match rule.start {
            WindowStart::Inclusive => "within",
            WindowStart::Exclusive => "within less than",
        },
        rule.length
    );
    match answer {
        Some(Answer::Event(EventAnswer::Never)) => Finding::new(
            CriterionStatus::NotMet,
            format!("{}: never: absent", rule.event),
        ),
        Some(Answer::Event(EventAnswer::Ongoing)) => Finding::new(
            CriterionStatus::Met,
            format!("{}: ongoing: present (excludes)", rule.event),
        ),
        Some(Answer::Event(EventAnswer::LastOn(event))) => {
            let event = *event;
            if event > reference {
                return Finding::unknown(format!(
                    "{} on {event} is after the {reference_name} {reference}: check the dates",
                    rule.event
                ));
            }
            match event_within(rule, event, reference) {
                Some(true) => {
                    let clear = clear_from(rule, event);
                    let until = match clear.and_then(|d| d.yesterday().ok()) {
                        Some(last) => format!(
                            ": excluded until {last}, clear from {}",
                            clear.map(|d| d.to_string()).unwrap_or_default()
                        ),
                        None => String::new(),
                    };
                    Finding {
                        status: CriterionStatus::Met,
                        explanation: format!(
                            "{} on {event}, {window}: present (excludes){until}",
                            rule.event
                        ),
                        clear_from: clear,
                    }
                }
                Some(false) => Finding::new(
                    CriterionStatus::NotMet,
                    format!("{} on {event}, not {window}: absent", rule.event),
                ),
                None => Finding::unknown("date out of the supported range"),
            }
        }
        other => does_not_fit(other, "never, ongoing or the date it last happened"),
    }
}

fn sex_dependent_limit(
    rule: &SexDependentLimitRule,
    answer: Option<&Answer>,
    candidate: &Candidate,
) -> Finding {
    let (range, how) = match measured_value(
        answer,
        rule.calculator,
        rule.plausible,
        &rule.quantity,
        &rule.unit,
    ) {
        Ok(found) => found,
        Err(finding) => return finding,
    };
    let (max, whom) = match candidate.sex {
        Some(Sex::Female) => (rule.female_max, "women"),
        Some(Sex::Male) => (rule.male_max, "men"),
        None => {
            return Finding::unknown(format!(
                "sex not recorded: the limit is {} {unit} for women and {} {unit} for men",
                rule.female_max.value,
                rule.male_max.value,
                unit = rule.unit
            ));
        }
    };
    let mut finding = range_finding(
        CriterionKind::Exclusion,
        &rule.quantity,
        &rule.unit,
        range,
        how,
        None,
        Some(max),
    );
    finding
        .explanation
        .push_str(&format!(" (limit for {whom})"));
    finding
}

fn classification(rule: &ClassificationRule, answer: Option<&Answer>) -> Finding {
    let label = rule.calculator.label();
    let result = match (answer, rule.calculator) {
        (Some(Answer::DocumentedDiagnosis { source }), _) if rule.documented_diagnosis_allowed => {
            if source.trim().is_empty() {
                return Finding::unknown("documented diagnosis: say where it is documented");
            }
            return Finding::new(
                CriterionStatus::Met,
                format!(
                    "diagnosis documented in the medical record ({}): met",
                    source.trim()
                ),
            );
        }
        (Some(Answer::No), _) => {
            return Finding::new(CriterionStatus::NotMet, "confirmed not met");
        }
        (Some(Answer::Pss2016(input)), ClassificationCalculator::AcrEular2016PrimarySjogren) => {
            calculators::pss_2016::score(input)
        }
        (Some(Answer::Ssc2013(input)), ClassificationCalculator::AcrEular2013SystemicSclerosis) => {
            calculators::ssc_2013::score(input)
        }
        (other, _) => {
            let expected = if rule.documented_diagnosis_allowed {
                format!("the {label} items, a documented diagnosis, or no")
            } else {
                format!("the {label} items or no")
            };
            return does_not_fit(other, &expected);
        }
    };
    let score = result.score;
    match result.gate {
        ClassificationGate::Closed { reason } => Finding::new(
            CriterionStatus::NotMet,
            format!("{label}: {reason}: not met"),
        ),
        gate => {
            if score.highest_possible < rule.min_score {
                Finding::new(
                    CriterionStatus::NotMet,
                    format!(
                        "{label}: score {} is below {} even with missing items: not met",
                        score.highest_possible, rule.min_score
                    ),
                )
            } else if score.known >= rule.min_score {
                match gate {
                    ClassificationGate::Open => Finding::new(
                        CriterionStatus::Met,
                        format!("{label}: score {} ≥ {}: met", score.known, rule.min_score),
                    ),
                    ClassificationGate::Unknown { reason }
                    | ClassificationGate::Closed { reason } => Finding::unknown(format!(
                        "{label}: score {} ≥ {}, but {reason}",
                        score.known, rule.min_score
                    )),
                }
            } else {
                Finding::unknown(format!(
                    "{label}: score {} so far (at most {}), needs {}: items still missing",
                    score.known, score.highest_possible, rule.min_score
                ))
            }
        }
    }
}
