//! Rules that compare numbers: measurements (typed or calculated), sex-dependent limits and
//! classification scores. Every threshold comes from the trial file.

use rust_decimal::Decimal;

use super::{CriterionStatus, Finding};
use crate::calculators::{self, ClassificationGate, ScoreRange};
use crate::screening::{Answer, Candidate, Sex};
use crate::trial::model::{
    Bound, ClassificationCalculator, ClassificationRule, CriterionKind, MeasurementCalculator,
    MeasurementRule, SexDependentLimitRule,
};

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
    let part = |b: Bound, inclusive: &str, strict: &str| {
        format!(
            "{} {} {unit}",
            if b.inclusive { inclusive } else { strict },
            b.value
        )
    };
    match (min, max) {
        (Some(lo), Some(hi)) => format!("{} and {}", part(lo, "≥", ">"), part(hi, "≤", "<")),
        (Some(lo), None) => part(lo, "≥", ">"),
        (None, Some(hi)) => part(hi, "≤", "<"),
        (None, None) => "any value".to_owned(),
    }
}

/// "is below the minimum 0.05 ml/min", "is not less than 40 mm".
fn describe_breach(breach: &BoundBreach, unit: &str) -> String {
    match breach {
        BoundBreach::Low(b) if b.inclusive => format!("is below the minimum {} {unit}", b.value),
        BoundBreach::Low(b) => format!("is not more than {} {unit}", b.value),
        BoundBreach::High(b) if b.inclusive => format!("is above the maximum {} {unit}", b.value),
        BoundBreach::High(b) => format!("is not less than {} {unit}", b.value),
    }
}

/// The value a measurement answer stands for: exact, or a range when calculator items are
/// still missing; `None` when the answer is not a quantity. Validation has already refused
/// impossible inputs, so a calculator error here only means "cannot tell".
fn measured_value(
    answer: Option<&Answer>,
    calculator: Option<MeasurementCalculator>,
) -> Option<(ScoreRange, &'static str)> {
    match (answer?, calculator) {
        (Answer::Value(v), _) => Some((ScoreRange::exact(*v), "entered")),
        (Answer::SalivaFlow(input), Some(MeasurementCalculator::UnstimulatedSalivaFlow)) => {
            calculators::ufr::flow_ml_per_min(input)
                .ok()
                .map(|v| (ScoreRange::exact(v), "calculated from the collection"))
        }
        (Answer::Mhiss(input), Some(MeasurementCalculator::Mhiss)) => {
            calculators::mhiss::total(input)
                .ok()
                .map(|r| (r, "total of the item scores"))
        }
        (Answer::Alcohol(input), Some(MeasurementCalculator::DanishAlcoholUnits)) => {
            calculators::alcohol_units::units_per_week(input)
                .ok()
                .map(|v| (ScoreRange::exact(v), "calculated from drinks"))
        }
        _ => None,
    }
}

/// Settles an in/out-of-range question for a possibly partial value: both ends in range
/// passes, a range entirely past one bound fails, anything else is open.
fn range_finding(
    kind: CriterionKind,
    quantity: &str,
    unit: &str,
    (range, how): (ScoreRange, &str),
    min: Option<Bound>,
    max: Option<Bound>,
) -> Finding {
    let (in_range, out_of_range) = match kind {
        CriterionKind::Inclusion => (CriterionStatus::Met, CriterionStatus::NotMet),
        CriterionKind::Exclusion => (CriterionStatus::NotMet, CriterionStatus::Met),
    };
    let exact = range.is_exact();
    let value = Some((range.known, range.highest_possible));
    // The value as it stands, with how it was obtained right beside it.
    let shown = |v: Decimal| format!("{quantity} {} {unit} ({how})", v.normalize());
    let partial = |bound_side: &str, v: Decimal| {
        format!(
            "{quantity} {bound_side} {} {unit} ({how}; {} so far, items missing)",
            v.normalize(),
            range.known.normalize()
        )
    };
    let finding = match (
        check_bounds(range.known, min, max),
        check_bounds(range.highest_possible, min, max),
    ) {
        (Ok(()), Ok(())) => {
            let text = if exact {
                shown(range.known)
            } else {
                format!(
                    "{quantity} {}–{} {unit} ({how}; items missing)",
                    range.known.normalize(),
                    range.highest_possible.normalize()
                )
            };
            Finding::new(
                in_range,
                format!(
                    "{text} meets {}: {}",
                    describe_bounds(min, max, unit),
                    in_range.label(kind)
                ),
            )
        }
        (Err(breach @ BoundBreach::High(_)), _) => {
            let text = if exact {
                shown(range.known)
            } else {
                partial("at least", range.known)
            };
            Finding::new(
                out_of_range,
                format!(
                    "{text} {}: {}",
                    describe_breach(&breach, unit),
                    out_of_range.label(kind)
                ),
            )
        }
        (_, Err(breach @ BoundBreach::Low(_))) => {
            let text = if exact {
                shown(range.highest_possible)
            } else {
                partial("at most", range.highest_possible)
            };
            Finding::new(
                out_of_range,
                format!(
                    "{text} {}: {}",
                    describe_breach(&breach, unit),
                    out_of_range.label(kind)
                ),
            )
        }
        _ => Finding::unknown(format!(
            "{quantity} is between {} and {} {unit} with items still missing: cannot yet tell against {}",
            range.known.normalize(),
            range.highest_possible.normalize(),
            describe_bounds(min, max, unit)
        )),
    };
    Finding { value, ..finding }
}

/// A measurement's bounds always describe what passes; for an exclusion, a value outside
/// them is "present".
pub(super) fn measurement(
    rule: &MeasurementRule,
    answer: Option<&Answer>,
    kind: CriterionKind,
) -> Finding {
    match measured_value(answer, rule.calculator) {
        Some(measured) => range_finding(
            kind,
            &rule.quantity,
            &rule.unit,
            measured,
            rule.min,
            rule.max,
        ),
        None => Finding::unknown(format!("expected a value in {}", rule.unit)),
    }
}

pub(super) fn sex_dependent_limit(
    rule: &SexDependentLimitRule,
    answer: Option<&Answer>,
    candidate: &Candidate,
) -> Finding {
    let Some(measured) = measured_value(answer, rule.calculator) else {
        return Finding::unknown(format!("expected a value in {}", rule.unit));
    };
    let (max, whom) = match candidate.sex {
        Some(Sex::Female) => (rule.female_max, "women"),
        Some(Sex::Male) => (rule.male_max, "men"),
        None => {
            return Finding {
                value: Some((measured.0.known, measured.0.highest_possible)),
                ..Finding::unknown(format!(
                    "sex not recorded: the limit is {} {unit} for women and {} {unit} for men",
                    rule.female_max.value,
                    rule.male_max.value,
                    unit = rule.unit
                ))
            };
        }
    };
    let mut finding = range_finding(
        CriterionKind::Exclusion,
        &rule.quantity,
        &rule.unit,
        measured,
        None,
        Some(max),
    );
    finding
        .explanation
        .push_str(&format!(" (limit for {whom})"));
    finding
}

pub(super) fn classification(rule: &ClassificationRule, answer: Option<&Answer>) -> Finding {
    let label = rule.calculator.label();
    let result = match (answer, rule.calculator) {
        (
            Some(
                Answer::DocumentedClassification { source }
                | Answer::DocumentedDiagnosis { source },
            ),
            _,
        ) if rule.documented_diagnosis_allowed => {
            return Finding::new(
                CriterionStatus::Met,
                format!(
                    "classification per the {label} documented in {}: met",
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
        _ => return Finding::unknown(format!("expected the {label} items")),
    };
    let score = result.score;
    let shown = if score.is_exact() {
        format!("score {}", score.known)
    } else {
        format!(
            "score {} so far (at most {} with the missing items)",
            score.known, score.highest_possible
        )
    };
    let finding = match result.gate {
        ClassificationGate::Closed { reason } => Finding::new(
            CriterionStatus::NotMet,
            format!("{label}: {reason}: not met"),
        ),
        gate => {
            if score.highest_possible < rule.min_score {
                let below = if score.is_exact() {
                    format!("{shown} is below {}", rule.min_score)
                } else {
                    format!(
                        "{shown}: below {} even with the missing items",
                        rule.min_score
                    )
                };
                Finding::new(
                    CriterionStatus::NotMet,
                    format!("{label}: {below}: not met"),
                )
            } else if score.known >= rule.min_score {
                match gate {
                    ClassificationGate::Open => Finding::new(
                        CriterionStatus::Met,
                        format!("{label}: {shown} ≥ {}: met", rule.min_score),
                    ),
                    ClassificationGate::Unknown { reason }
                    | ClassificationGate::Closed { reason } => Finding::unknown(format!(
                        "{label}: {shown} ≥ {}, but {reason}",
                        rule.min_score
                    )),
                }
            } else {
                Finding::unknown(format!(
                    "{label}: {shown}, needs {}: items still missing",
                    rule.min_score
                ))
            }
        }
    };
    Finding {
        score: Some((score.known, score.highest_possible)),
        ..finding
    }
}
