//! The on-site visit: the day it took place, the pre-screen answers re-confirmed there, and
//! the **visit check** — what the visit must still settle besides the verdict.
//!
//! The verdict is computed from the answers alone (`eligibility`); the visit check lists the
//! re-confirmations still open beside it, and gates enrolment. Pure: every date is given.

use jiff::civil::Date;
use serde::Serialize;

use crate::eligibility::{CriterionStatus, Evaluation, Settlement};
use crate::screening::{Answer, CriterionEntry, Reconfirmation, Screening};
use crate::trial::model::{Criterion, Rule, TrialDefinition};
use crate::validation::{InputProblem, MAX_NAME_CHARS, check_text};

/// What the visit must still settle, in definition order within each list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VisitCheck {
    /// The day the visit took place, once started.
    pub visit_date: Option<Date>,
    /// Pre-screen answers still to be re-confirmed with the candidate.
    pub reconfirm_open: Vec<String>,
    /// Answers re-confirmed as changed whose new answer is not recorded yet.
    pub new_answer_awaited: Vec<String>,
    /// Investigator judgements recorded without the judging investigator's name.
    pub judgement_unnamed: Vec<String>,
}

impl VisitCheck {
    /// Whether nothing is open.
    pub fn is_clear(&self) -> bool {
        self.open_count() == 0
    }

    /// How many items are open.
    pub fn open_count(&self) -> usize {
        self.reconfirm_open.len() + self.new_answer_awaited.len() + self.judgement_unnamed.len()
    }

    /// Every open item as a person reads it: "EX02 to re-confirm", "EX04 new answer awaited",
    /// "IN07 judgement without the investigator's name".
    pub fn open_items(&self) -> Vec<String> {
        let mut items = Vec::with_capacity(self.open_count());
        items.extend(
            self.reconfirm_open
                .iter()
                .map(|id| format!("{id} to re-confirm")),
        );
        items.extend(
            self.new_answer_awaited
                .iter()
                .map(|id| format!("{id} changed: new answer awaited")),
        );
        items.extend(
            self.judgement_unnamed
                .iter()
                .map(|id| format!("{id} judgement without the investigator's name")),
        );
        items
    }

    /// What is shown beside the verdict: "3 answers to re-confirm at the inclusion visit",
    /// with the other open items after it; `None` when nothing is open.
    pub fn summary(&self, visit_name: &str) -> Option<String> {
        if self.is_clear() {
            return None;
        }
        let mut parts = Vec::new();
        match self.reconfirm_open.len() {
            0 => {}
            1 => parts.push(format!("1 answer to re-confirm at the {visit_name}")),
            n => parts.push(format!("{n} answers to re-confirm at the {visit_name}")),
        }
        match self.new_answer_awaited.len() {
            0 => {}
            1 => parts.push("1 changed answer to re-enter".to_owned()),
            n => parts.push(format!("{n} changed answers to re-enter")),
        }
        match self.judgement_unnamed.len() {
            0 => {}
            1 => parts.push("1 judgement without the investigator's name".to_owned()),
            n => parts.push(format!("{n} judgements without the investigator's name")),
        }
        Some(parts.join(" · "))
    }
}

/// Whether a criterion's pre-screen answer is one to re-confirm: the trial file asks for it,
/// it concerns this candidate, and something settles it (an answer, or a candidate fact).
fn to_reconfirm(criterion: &Criterion, status: CriterionStatus, settlement: Settlement) -> bool {
    criterion.reconfirm_at_visit
        && status != CriterionStatus::NotApplicable
        && settlement != Settlement::Open
}

/// The visit check of a screening already evaluated against `trial`.
pub fn visit_check(
    trial: &TrialDefinition,
    screening: &Screening,
    evaluation: &Evaluation,
) -> VisitCheck {
    let mut check = VisitCheck {
        visit_date: screening.visit_date,
        ..VisitCheck::default()
    };
    for (criterion, finding) in trial.criteria.iter().zip(&evaluation.criteria) {
        let entry = screening.answers.get(&criterion.id);
        let reconfirmed = entry.and_then(|e| e.reconfirmed);
        match reconfirmed {
            Some(r) if r.new_answer_awaited => check.new_answer_awaited.push(criterion.id.clone()),
            Some(_) => {}
            None if to_reconfirm(criterion, finding.status, finding.settlement) => {
                check.reconfirm_open.push(criterion.id.clone())
            }
            None => {}
        }
        if matches!(criterion.rule, Rule::InvestigatorJudgement)
            && let Some(entry) = entry
            && matches!(entry.answer, Answer::Yes | Answer::No)
            && entry.judged_by.is_none()
        {
            check.judgement_unnamed.push(criterion.id.clone());
        }
    }
    check
}

/// Why a visit date, a re-confirmation or a judgement is refused.
fn problem(criterion: Option<&str>, field: &str, message: impl Into<String>) -> InputProblem {
    InputProblem {
        criterion: criterion.map(str::to_owned),
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Checks the day a visit took place: never before the pre-screening, never in the future.
pub fn check_visit_date(
    screening: &Screening,
    visit_date: Date,
    today: Option<Date>,
) -> Result<(), InputProblem> {
    if visit_date < screening.prescreening_date {
        return Err(problem(
            None,
            "visit date",
            format!(
                "{visit_date} is before the pre-screening date {}",
                screening.prescreening_date
            ),
        ));
    }
    if let Some(today) = today
        && visit_date > today
    {
        return Err(problem(
            None,
            "visit date",
            format!("{visit_date} is in the future (today is {today})"),
        ));
    }
    Ok(())
}

/// Checks what an entry records about the visit: a re-confirmation on or after the day the
/// visit took place and not in the future; a judgement with a name, on a possible day.
pub fn check_visit_fields(
    criterion: &Criterion,
    entry: &CriterionEntry,
    screening: &Screening,
    today: Option<Date>,
) -> Result<(), InputProblem> {
    let id = Some(criterion.id.as_str());
    if let Some(reconfirmed) = entry.reconfirmed {
        let Some(visit) = screening.visit_date else {
            return Err(problem(
                id,
                "re-confirmed",
                "re-confirmed before the visit started",
            ));
        };
        if reconfirmed.on < visit {
            return Err(problem(
                id,
                "re-confirmed on",
                format!("{} is before the visit ({visit})", reconfirmed.on),
            ));
        }
        if today.is_some_and(|t| reconfirmed.on > t) {
            return Err(problem(
                id,
                "re-confirmed on",
                format!("{} is in the future", reconfirmed.on),
            ));
        }
    }
    if let Some(judgement) = &entry.judged_by {
        if !matches!(criterion.rule, Rule::InvestigatorJudgement) {
            return Err(problem(
                id,
                "judged by",
                "only an investigator judgement names a judging investigator",
            ));
        }
        if judgement.investigator.trim().is_empty() {
            return Err(problem(id, "investigator", "the name is empty"));
        }
        check_text(id, "investigator", &judgement.investigator, MAX_NAME_CHARS)?;
        if judgement.on < screening.prescreening_date {
            return Err(problem(
                id,
                "judged on",
                format!(
                    "{} is before the pre-screening date {}",
                    judgement.on, screening.prescreening_date
                ),
            ));
        }
        if today.is_some_and(|t| judgement.on > t) {
            return Err(problem(
                id,
                "judged on",
                format!("{} is in the future", judgement.on),
            ));
        }
    }
    Ok(())
}

/// A new investigator judgement (yes or no) names the judging investigator: the doors refuse
/// a bare one. (A stored bare one is not invalid — its verdict stands — but the visit check
/// lists it until it is named.)
pub fn require_named_judgement(
    criterion: &Criterion,
    entry: &CriterionEntry,
) -> Result<(), InputProblem> {
    if matches!(criterion.rule, Rule::InvestigatorJudgement)
        && matches!(entry.answer, Answer::Yes | Answer::No)
        && entry.judged_by.is_none()
    {
        return Err(problem(
            Some(&criterion.id),
            "investigator",
            "an investigator judgement records the judging investigator's name and the date",
        ));
    }
    Ok(())
}

/// Everything a door checks of an answer given now: the entry's own checks (as for a stored
/// record) and, for an investigator judgement, the judging investigator's name.
pub fn check_new_entry(
    criterion: &Criterion,
    entry: &CriterionEntry,
    context: crate::validation::AnswerContext<'_>,
) -> Result<(), InputProblem> {
    crate::validation::check_entry(criterion, entry, context)?;
    require_named_judgement(criterion, entry)
}

/// The re-confirmation an answer carries once saved: only [`reconfirm`] and an answer given
/// at the visit set one; a caller's own value is never taken. At the visit (started), a new
/// definite answer on a criterion the trial re-confirms *is* its re-confirmation: changed
/// when it replaces a definite one. A note edit keeps what was there.
pub fn reconfirmation_after_save(
    criterion: &Criterion,
    screening: &Screening,
    previous: Option<&CriterionEntry>,
    new: &CriterionEntry,
    today: Date,
) -> Option<Reconfirmation> {
    let kept = previous.and_then(|p| p.reconfirmed);
    let answer_changed = previous.is_none_or(|p| p.answer != new.answer);
    if !criterion.reconfirm_at_visit
        || screening.visit_date.is_none()
        || !answer_changed
        || new.answer == Answer::Unknown
    {
        return kept;
    }
    let replaced_definite = previous.is_some_and(|p| p.answer != Answer::Unknown);
    // The new answer to a change re-confirmed earlier keeps that re-confirmation's day (the
    // trail has when the answer itself was typed in).
    let on = kept
        .filter(|r| r.new_answer_awaited)
        .map_or(today, |r| r.on);
    Some(Reconfirmation {
        on,
        changed: replaced_definite || kept.is_some_and(|r| r.changed),
        new_answer_awaited: false,
    })
}

/// Why a re-confirmation cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconfirmError {
    /// The visit has not started.
    #[error("the visit has not started: start it first (prescreen visit start ID)")]
    VisitNotStarted,
    /// The trial does not re-confirm this criterion.
    #[error("{0} is not re-confirmed at the visit (the trial file does not ask for it)")]
    NotReconfirmed(String),
    /// Nothing settled to re-confirm.
    #[error("{0} has no settled pre-screen answer to re-confirm: answer it instead")]
    NothingToReconfirm(String),
    /// A bad date.
    #[error("{0}")]
    Input(InputProblem),
}

/// Re-confirms a criterion's pre-screen answer at the visit: the entry to store. "Still true"
/// settles it; "changed" keeps it open until the new answer is recorded (which then counts as
/// the re-confirmation, see [`reconfirmation_after_save`]).
pub fn reconfirm(
    trial: &TrialDefinition,
    screening: &Screening,
    evaluation: &Evaluation,
    criterion_id: &str,
    changed: bool,
    on: Date,
    today: Option<Date>,
) -> Result<CriterionEntry, ReconfirmError> {
    if screening.visit_date.is_none() {
        return Err(ReconfirmError::VisitNotStarted);
    }
    let (criterion, finding) = trial
        .criteria
        .iter()
        .zip(&evaluation.criteria)
        .find(|(c, _)| c.id == criterion_id)
        .ok_or_else(|| ReconfirmError::NotReconfirmed(criterion_id.to_owned()))?;
    if !criterion.reconfirm_at_visit {
        return Err(ReconfirmError::NotReconfirmed(criterion_id.to_owned()));
    }
    if !to_reconfirm(criterion, finding.status, finding.settlement) {
        return Err(ReconfirmError::NothingToReconfirm(criterion_id.to_owned()));
    }
    let mut entry = screening
        .answers
        .get(criterion_id)
        .cloned()
        // Settled by a candidate fact alone: the re-confirmation needs an entry to live in.
        .unwrap_or_else(|| CriterionEntry::new(Answer::Unknown));
    entry.reconfirmed = Some(Reconfirmation {
        on,
        changed,
        new_answer_awaited: changed,
    });
    check_visit_fields(criterion, &entry, screening, today).map_err(ReconfirmError::Input)?;
    Ok(entry)
}

/// Warnings for a definition's author: a time window counted back from the visit whose
/// pre-screen answer is not re-confirmed there (an event between pre-screening and the visit
/// would go unnoticed). Not an error: the file still loads.
pub fn definition_warnings(trial: &TrialDefinition) -> Vec<String> {
    trial
        .criteria
        .iter()
        .filter(|criterion| {
            matches!(
                &criterion.rule,
                Rule::TimeWindow(rule)
                    if rule.reference
                        == crate::trial::model::ReferenceDate::PlannedVisitElsePreScreening
            ) && criterion.stage == crate::trial::model::Stage::PreScreen
                && !criterion.reconfirm_at_visit
        })
        .map(|criterion| {
            format!(
                "{}: the window counts back from the {} but the answer is not re-confirmed there (reconfirm_at_visit: false)",
                criterion.id, trial.visit_name
            )
        })
        .collect()
}

/// Criteria re-confirmed as changed that a candidate fact settles (pregnancy, breastfeeding):
/// once one of their facts is corrected, that correction is the new answer. Returns the
/// entries to store, no longer awaiting.
pub fn answered_by_changed_facts(
    trial: &TrialDefinition,
    screening: &Screening,
    changed: &[crate::trial::model::CandidateFact],
) -> Vec<(String, CriterionEntry)> {
    trial
        .criteria
        .iter()
        .filter(|criterion| {
            criterion
                .facts
                .as_ref()
                .is_some_and(|link| link.any_of.iter().any(|fact| changed.contains(fact)))
        })
        .filter_map(|criterion| {
            let entry = screening.answers.get(&criterion.id)?;
            let awaited = entry.reconfirmed.filter(|r| r.new_answer_awaited)?;
            let mut entry = entry.clone();
            entry.reconfirmed = Some(Reconfirmation {
                new_answer_awaited: false,
                ..awaited
            });
            Some((criterion.id.clone(), entry))
        })
        .collect()
}
