//! What an answer, a candidate and a whole screening must be before anything is evaluated,
//! stored or signed — one set of checks that every door calls: `evaluate`, `import`,
//! `answer`, the window's forms, and the store when it reads an older record.
//!
//! A refused input is an [`InputProblem`] that names the criterion and the field
//! (`IN03: MHISS item 3: 5 is outside 0–4`), never a silent "unknown". The engine uses the
//! same checks: a stored answer that fails them counts as open and blocks signing.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::calculators::{CalculatorError, alcohol_units, mhiss, ufr};
use crate::eligibility::reference_date;
use crate::screening::{Answer, Candidate, CriterionEntry, EventAnswer, Screening};
use crate::trial::model::{
    ClassificationCalculator, Criterion, MeasurementCalculator, PlausibleRange, Rule,
    TrialDefinition,
};

/// Longest note, evidence source, documented source or reason, in characters: a few KB is
/// room for any real explanation and keeps a pasted document out of the audit trail.
pub const MAX_TEXT_CHARS: usize = 4000;

/// Most drinks in one alcohol answer: more than anyone reports in a week's kinds of drink.
pub const MAX_DRINKS: usize = 50;

/// Longest initials: a few letters.
pub const MAX_INITIALS_CHARS: usize = 4;

/// Longest coordinator name or id a screening may carry: room for any real name and role,
/// the same bound the store puts on a trusted signer's name.
pub const MAX_NAME_CHARS: usize = 200;

/// One refused input: which criterion (if any), which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}{field}: {message}", criterion.as_ref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct InputProblem {
    /// The criterion the input belongs to; `None` for candidate fields and dates.
    pub criterion: Option<String>,
    /// The field as a person names it ("MHISS item 3", "date of birth").
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl InputProblem {
    fn new(criterion: Option<&str>, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            criterion: criterion.map(str::to_owned),
            field: field.into(),
            message: message.into(),
        }
    }

    fn from_calculator(criterion: &str, error: CalculatorError) -> Self {
        match error {
            CalculatorError::OutOfRange {
                field,
                value,
                allowed,
            } => {
                let message = if allowed.starts_with(['≥', '>', '≤', '<']) {
                    format!("{value} is not {allowed}")
                } else {
                    format!("{value} is outside {allowed}")
                };
                Self::new(Some(criterion), field, message)
            }
            CalculatorError::WrongCount {
                field,
                expected,
                got,
            } => Self::new(
                Some(criterion),
                field,
                format!("{got} given, the scale has {expected}"),
            ),
        }
    }
}

/// The dates and facts an answer is checked against; `today` is given by a door that knows
/// the clock (a future date is refused there), and left out when a stored record is read.
#[derive(Debug, Clone, Copy)]
pub struct AnswerContext<'a> {
    /// The screening the answer belongs to (dates, candidate).
    pub screening: &'a Screening,
    /// The visit as the trial names it, for messages.
    pub visit_name: &'a str,
    /// Today, when the door knows it.
    pub today: Option<Date>,
}

/// Checks free text: length and no NUL character (which no store can keep).
pub fn check_text(
    criterion: Option<&str>,
    field: &str,
    text: &str,
    max_chars: usize,
) -> Result<(), InputProblem> {
    if text.contains('\0') {
        return Err(InputProblem::new(
            criterion,
            field,
            "contains a NUL character",
        ));
    }
    let count = text.chars().count();
    if count > max_chars {
        return Err(InputProblem::new(
            criterion,
            field,
            format!("{count} characters; at most {max_chars}"),
        ));
    }
    Ok(())
}

/// Checks an entry: its answer, its note and its evidence.
pub fn check_entry(
    criterion: &Criterion,
    entry: &CriterionEntry,
    context: AnswerContext<'_>,
) -> Result<(), InputProblem> {
    let id = Some(criterion.id.as_str());
    if let Some(note) = &entry.note {
        check_text(id, "note", note, MAX_TEXT_CHARS)?;
    }
    if let Some(evidence) = &entry.evidence {
        check_text(id, "evidence", evidence, MAX_TEXT_CHARS)?;
    }
    crate::visit::check_visit_fields(criterion, entry, context.screening, context.today)?;
    check_answer(criterion, &entry.answer, context)
}

/// Checks that an answer fits its criterion's rule and that every number and date in it is
/// possible. `Unknown` fits every rule that takes an answer.
pub fn check_answer(
    criterion: &Criterion,
    answer: &Answer,
    context: AnswerContext<'_>,
) -> Result<(), InputProblem> {
    let id = criterion.id.as_str();
    let misfit = |expected: String| {
        InputProblem::new(
            Some(id),
            "answer",
            format!(
                "{} does not fit this criterion: expected {expected}",
                answer_kind(answer)
            ),
        )
    };
    match (&criterion.rule, answer) {
        (Rule::MinimumAge(_), _) => Err(InputProblem::new(
            Some(id),
            "answer",
            "the age is computed from the date of birth: this criterion takes no answer",
        )),
        (_, Answer::Unknown) => Ok(()),
        (Rule::Confirmation | Rule::InvestigatorJudgement, Answer::Yes | Answer::No) => Ok(()),
        (Rule::Confirmation | Rule::InvestigatorJudgement, _) => {
            Err(misfit("yes, no or unknown".to_owned()))
        }
        (Rule::Measurement(rule), _) => check_quantity(
            id,
            answer,
            &rule.quantity,
            &rule.unit,
            rule.plausible,
            rule.whole_numbers,
            rule.calculator,
        )
        .map_err(|problem| {
            problem.unwrap_or_else(|| misfit(expected_quantity(&rule.unit, rule.calculator)))
        }),
        (Rule::SexDependentLimit(rule), _) => check_quantity(
            id,
            answer,
            &rule.quantity,
            &rule.unit,
            rule.plausible,
            rule.whole_numbers,
            rule.calculator,
        )
        .map_err(|problem| {
            problem.unwrap_or_else(|| misfit(expected_quantity(&rule.unit, rule.calculator)))
        }),
        (Rule::TimeWindow(rule), Answer::Event(event)) => {
            check_event(id, &rule.event, *event, rule.reference, context)
        }
        (Rule::TimeWindow(_), _) => Err(misfit(
            "never, ongoing, or the date it last happened".to_owned(),
        )),
        (Rule::Classification(_), Answer::No) => Ok(()),
        (
            Rule::Classification(rule),
            Answer::DocumentedClassification { source } | Answer::DocumentedDiagnosis { source },
        ) if rule.documented_diagnosis_allowed => {
            if source.trim().is_empty() {
                return Err(InputProblem::new(
                    Some(id),
                    "documented in",
                    "say where the classification is documented",
                ));
            }
            check_text(Some(id), "documented in", source, MAX_TEXT_CHARS)
        }
        (Rule::Classification(rule), Answer::Pss2016(_))
            if rule.calculator == ClassificationCalculator::AcrEular2016PrimarySjogren =>
        {
            Ok(())
        }
        (Rule::Classification(rule), Answer::Ssc2013(_))
            if rule.calculator == ClassificationCalculator::AcrEular2013SystemicSclerosis =>
        {
            Ok(())
        }
        (Rule::Classification(rule), _) => Err(misfit(if rule.documented_diagnosis_allowed {
            format!(
                "the {} items, a documented classification, no or unknown",
                rule.calculator.label()
            )
        } else {
            format!("the {} items, no or unknown", rule.calculator.label())
        })),
    }
}

fn expected_quantity(unit: &str, calculator: Option<MeasurementCalculator>) -> String {
    match calculator {
        Some(calculator) => format!(
            "a value in {unit}, the {} or unknown",
            calculator.input_name()
        ),
        None => format!("a value in {unit} or unknown"),
    }
}

/// `Err(None)` when the answer is of the wrong kind (the caller names what fits).
fn check_quantity(
    id: &str,
    answer: &Answer,
    quantity: &str,
    unit: &str,
    plausible: PlausibleRange,
    whole_numbers: bool,
    calculator: Option<MeasurementCalculator>,
) -> Result<(), Option<InputProblem>> {
    let calculated = |result: Result<Vec<Decimal>, CalculatorError>| {
        result.map_err(|e| Some(InputProblem::from_calculator(id, e)))
    };
    let values = match (answer, calculator) {
        (Answer::Value(v), _) => {
            if whole_numbers && !v.fract().is_zero() {
                return Err(Some(InputProblem::new(
                    Some(id),
                    quantity,
                    format!("{v} is not a whole number (the scale has whole points only)"),
                )));
            }
            vec![*v]
        }
        (Answer::Mhiss(input), Some(MeasurementCalculator::Mhiss)) => {
            calculated(mhiss::total(input).map(|r| vec![r.known, r.highest_possible]))?
        }
        (Answer::SalivaFlow(input), Some(MeasurementCalculator::UnstimulatedSalivaFlow)) => {
            calculated(ufr::flow_ml_per_min(input).map(|v| vec![v]))?
        }
        (Answer::Alcohol(input), Some(MeasurementCalculator::DanishAlcoholUnits)) => {
            if input.drinks.len() > MAX_DRINKS {
                return Err(Some(InputProblem::new(
                    Some(id),
                    "drinks",
                    format!(
                        "{} kinds of drink; at most {MAX_DRINKS}",
                        input.drinks.len()
                    ),
                )));
            }
            calculated(alcohol_units::units_per_week(input).map(|v| vec![v]))?
        }
        _ => return Err(None),
    };
    for value in values {
        if value < plausible.min || value > plausible.max {
            return Err(Some(InputProblem::new(
                Some(id),
                quantity,
                format!(
                    "{} {unit} is outside the possible range {}–{} {unit}",
                    value.normalize(),
                    plausible.min,
                    plausible.max
                ),
            )));
        }
    }
    Ok(())
}

fn check_event(
    id: &str,
    event_name: &str,
    event: EventAnswer,
    reference: crate::trial::model::ReferenceDate,
    context: AnswerContext<'_>,
) -> Result<(), InputProblem> {
    let EventAnswer::LastOn(date) = event else {
        return Ok(());
    };
    let field = format!("{event_name} — last happened on");
    let (reference, reference_name) =
        reference_date(reference, context.screening, context.visit_name);
    if date.first_day() > reference {
        return Err(InputProblem::new(
            Some(id),
            field,
            format!("{date} is after the {reference_name} {reference}"),
        ));
    }
    if let Some(today) = context.today
        && date.first_day() > today
    {
        return Err(InputProblem::new(
            Some(id),
            field,
            format!("{date} is in the future"),
        ));
    }
    if let Some(birth) = context.screening.candidate.date_of_birth
        && date.last_day() < birth
    {
        return Err(InputProblem::new(
            Some(id),
            field,
            format!("{date} is before the date of birth"),
        ));
    }
    Ok(())
}

/// How a person names an answer's kind, for "does not fit" messages.
pub fn answer_kind(answer: &Answer) -> &'static str {
    match answer {
        Answer::Unknown => "unknown",
        Answer::Yes => "yes",
        Answer::No => "no",
        Answer::Value(_) => "a value",
        Answer::Event(_) => "an event date",
        Answer::DocumentedDiagnosis { .. } | Answer::DocumentedClassification { .. } => {
            "a documented classification"
        }
        Answer::Pss2016(_) => "pSS criteria items",
        Answer::Ssc2013(_) => "SSc criteria items",
        Answer::Mhiss(_) => "MHISS items",
        Answer::SalivaFlow(_) => "a saliva collection",
        Answer::Alcohol(_) => "drinks",
    }
}

/// The candidate and date fields a form shows, named the same way by every door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum CandidateField {
    /// Initials.
    Initials,
    /// Date of birth.
    DateOfBirth,
    /// Pre-screening date.
    PreScreeningDate,
    /// Planned visit date.
    PlannedVisitDate,
}

impl CandidateField {
    /// The field's name in messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Initials => "initials",
            Self::DateOfBirth => "date of birth",
            Self::PreScreeningDate => "pre-screening date",
            Self::PlannedVisitDate => "planned visit date",
        }
    }
}

/// Checks the candidate and the screening dates; returns every problem with its field.
/// Messages never repeat a birth date or initials (they may reach a log).
pub fn check_candidate(
    candidate: &Candidate,
    prescreening_date: Date,
    planned_visit_date: Option<Date>,
    today: Option<Date>,
) -> Vec<(CandidateField, String)> {
    let mut problems = Vec::new();
    let initials = candidate.initials.trim();
    if !initials.is_empty()
        && (initials.chars().count() > MAX_INITIALS_CHARS
            || !initials
                .chars()
                .all(|c| c.is_alphabetic() || c == '-' || c == '.'))
    {
        problems.push((
            CandidateField::Initials,
            format!("initials only: up to {MAX_INITIALS_CHARS} letters"),
        ));
    }
    if let Some(birth) = candidate.date_of_birth {
        if today.is_some_and(|t| birth > t) {
            problems.push((
                CandidateField::DateOfBirth,
                "cannot be in the future".to_owned(),
            ));
        } else if birth.year() < 1900 {
            problems.push((
                CandidateField::DateOfBirth,
                "before 1900: check the year".to_owned(),
            ));
        }
        if prescreening_date < birth {
            problems.push((
                CandidateField::PreScreeningDate,
                "before the date of birth".to_owned(),
            ));
        }
    }
    if today.is_some_and(|t| prescreening_date > t) {
        problems.push((
            CandidateField::PreScreeningDate,
            "cannot be in the future".to_owned(),
        ));
    }
    if let Some(visit) = planned_visit_date
        && visit < prescreening_date
    {
        problems.push((
            CandidateField::PlannedVisitDate,
            "before the pre-screening date".to_owned(),
        ));
    }
    problems
}

/// Checks a whole screening against its trial: candidate, dates, and every answer (an answer
/// for a criterion the trial does not have is a problem too). Returns every problem.
pub fn check_screening(
    trial: &TrialDefinition,
    screening: &Screening,
    today: Option<Date>,
) -> Vec<InputProblem> {
    let mut problems: Vec<InputProblem> = check_candidate(
        &screening.candidate,
        screening.prescreening_date,
        screening.planned_visit_date,
        today,
    )
    .into_iter()
    .map(|(field, message)| InputProblem::new(None, field.label(), message))
    .collect();
    if let Some(visit_date) = screening.visit_date
        && let Err(problem) = crate::visit::check_visit_date(screening, visit_date, today)
    {
        problems.push(problem);
    }
    if let Some(coordinator) = &screening.coordinator
        && let Err(problem) = check_text(None, "coordinator", coordinator, MAX_NAME_CHARS)
    {
        problems.push(problem);
    }
    let context = AnswerContext {
        screening,
        visit_name: &trial.visit_name,
        today,
    };
    for (id, entry) in &screening.answers {
        match trial.criterion(id) {
            Some(criterion) => {
                if let Err(problem) = check_entry(criterion, entry, context) {
                    problems.push(problem);
                }
            }
            None => problems.push(InputProblem::new(
                Some(id),
                "criterion",
                format!(
                    "{} {} has no criterion {id}",
                    trial.acronym,
                    trial.version()
                ),
            )),
        }
    }
    problems
}
