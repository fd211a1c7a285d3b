//! Rules that count time: a minimum age and an event within a window, each from the
//! reference date its protocol names.

use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;

use super::{CriterionStatus, Finding, ReferenceUsed, TimeLimit};
use crate::partial_date::PartialDate;
use crate::screening::{Answer, EventAnswer, Screening};
use crate::trial::model::{
    CriterionKind, MinimumAgeRule, Period, PeriodUnit, ReferenceDate, TimeWindowRule, WindowStart,
};

/// The date a rule counts from, and how to name it (the visit as the trial names it). A rule
/// that counts from the visit uses the day the visit took place once it has started, else the
/// planned day; when neither is known the pre-screening date stands in, and the name says so.
pub fn reference_date(
    reference: ReferenceDate,
    screening: &Screening,
    visit_name: &str,
) -> (Date, String) {
    match (
        reference,
        screening.visit_date,
        screening.planned_visit_date,
    ) {
        (ReferenceDate::PlannedVisitElsePreScreening, Some(held), _) => {
            (held, format!("actual {visit_name}"))
        }
        (ReferenceDate::PlannedVisitElsePreScreening, None, Some(visit)) => {
            (visit, format!("planned {visit_name}"))
        }
        (ReferenceDate::PlannedVisitElsePreScreening, None, None) => (
            screening.prescreening_date,
            format!("pre-screening date (no planned {visit_name} entered)"),
        ),
        (ReferenceDate::PreScreeningDate, _, _) => {
            (screening.prescreening_date, "pre-screening date".to_owned())
        }
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

/// The day a person born on `birth` completes `years` years (29 February → 1 March in a
/// common year, as [`age_in_years`] counts).
pub fn birthday(birth: Date, years: u16) -> Option<Date> {
    let mut day = birth.checked_add(i64::from(years).years()).ok()?;
    if age_in_years(birth, day)? < i16::try_from(years).ok()? {
        day = day.tomorrow().ok()?;
    }
    Some(day)
}

fn ordinal(n: u16) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

pub(super) fn minimum_age(
    rule: &MinimumAgeRule,
    screening: &Screening,
    visit_name: &str,
) -> Finding {
    let (on, on_name) = reference_date(rule.reference, screening, visit_name);
    let reference = Some(ReferenceUsed {
        date: on,
        name: on_name.clone(),
    });
    let Some(birth) = screening.candidate.date_of_birth else {
        return Finding {
            reference,
            ..Finding::unknown(format!(
                "date of birth not recorded (age is taken on the {on_name} {on})"
            ))
        };
    };
    let Some(age) = age_in_years(birth, on) else {
        return Finding {
            reference,
            ..Finding::unknown(format!(
                "date of birth is after the {on_name} {on}: check the dates"
            ))
        };
    };
    let met = age >= i16::try_from(rule.years).unwrap_or(i16::MAX);
    let status = if met {
        CriterionStatus::Met
    } else {
        CriterionStatus::NotMet
    };
    let comparison = if met { "at least" } else { "under" };
    let mut explanation = format!(
        "age {age} on the {on_name} {on}: {comparison} {} years: {}",
        rule.years,
        status.label(CriterionKind::Inclusion)
    );
    let eligible_from = (!met).then(|| birthday(birth, rule.years)).flatten();
    if let Some(day) = eligible_from {
        explanation.push_str(&format!(
            "; eligible from {day} ({} birthday)",
            ordinal(rule.years)
        ));
    }
    Finding {
        status: Some(status),
        explanation,
        time_limit: eligible_from.map(TimeLimit::From),
        reference,
        value: Some((Decimal::from(age), Decimal::from(age))),
        ..Finding::default()
    }
}

fn span_of(period: Period) -> jiff::Span {
    let amount = i64::from(period.amount);
    match period.unit {
        PeriodUnit::Days => amount.days(),
        PeriodUnit::Weeks => amount.weeks(),
        PeriodUnit::Months => amount.months(),
        PeriodUnit::Years => amount.years(),
    }
}

/// Subtracts a calendar period; months and years clamp to the month's end (31 Aug − 6 months
/// = 28 Feb, or 29 in a leap year).
pub fn period_before(date: Date, period: Period) -> Option<Date> {
    date.checked_sub(span_of(period)).ok()
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
    let mut day = event
        .checked_add(span_of(rule.length))
        .ok()?
        .checked_sub(4.days())
        .ok()?;
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

/// "within 4 weeks before the planned inclusion visit 2026-12-07" and its opposite, "more
/// than 4 weeks before …" ("1 year or more before …" for a "within less than" window).
fn window_words(rule: &TimeWindowRule, reference: Date, reference_name: &str) -> (String, String) {
    let anchor = format!("before the {reference_name} {reference}");
    match rule.start {
        WindowStart::Inclusive => (
            format!("within {} {anchor}", rule.length),
            format!("more than {} {anchor}", rule.length),
        ),
        WindowStart::Exclusive => (
            format!("within less than {} {anchor}", rule.length),
            format!("{} or more {anchor}", rule.length),
        ),
    }
}

pub(super) fn time_window(
    rule: &TimeWindowRule,
    answer: Option<&Answer>,
    screening: &Screening,
    visit_name: &str,
) -> Finding {
    let (reference, reference_name) = reference_date(rule.reference, screening, visit_name);
    let used = Some(ReferenceUsed {
        date: reference,
        name: reference_name.clone(),
    });
    let (inside, outside) = window_words(rule, reference, &reference_name);
    let finding = match answer {
        Some(Answer::Event(EventAnswer::Never)) => Finding::new(
            CriterionStatus::NotMet,
            format!("{}: never: absent", rule.event),
        ),
        Some(Answer::Event(EventAnswer::Ongoing)) => Finding {
            time_limit: Some(TimeLimit::AfterEventEnds(rule.length)),
            ..Finding::new(
                CriterionStatus::Met,
                format!(
                    "{}: ongoing: present (excludes); clear {} after it has ended",
                    rule.event,
                    match rule.start {
                        WindowStart::Inclusive => format!("more than {}", rule.length),
                        WindowStart::Exclusive => rule.length.to_string(),
                    }
                ),
            )
        },
        Some(Answer::Event(EventAnswer::LastOn(date))) => {
            last_on(rule, *date, reference, &reference_name, &inside, &outside)
        }
        _ => Finding::unknown("expected never, ongoing, or the date it last happened"),
    };
    Finding {
        reference: used,
        ..finding
    }
}

/// A dated event, exact or partial: a partial date is present only when every day it may
/// stand for is within the window, absent only when none is.
fn last_on(
    rule: &TimeWindowRule,
    date: PartialDate,
    reference: Date,
    reference_name: &str,
    inside: &str,
    outside: &str,
) -> Finding {
    let first = date.first_day();
    if first > reference {
        return Finding::unknown(format!(
            "{} on {date} is after the {reference_name} {reference}: check the dates",
            rule.event
        ));
    }
    // The event had happened by the reference date: a month that runs past it ends there.
    let last = date.last_day().min(reference);
    let on = if date.is_exact() {
        format!("on {date}")
    } else {
        format!("in {date}")
    };
    match (
        event_within(rule, first, reference),
        event_within(rule, last, reference),
    ) {
        (Some(true), Some(true)) => {
            let clear = clear_from(rule, last);
            let until = match clear.and_then(|d| d.yesterday().ok().map(|y| (y, d))) {
                Some((until, from)) => format!(": excluded until {until}, clear from {from}"),
                None => String::new(),
            };
            Finding {
                clear_from: clear,
                time_limit: clear.map(TimeLimit::From),
                ..Finding::new(
                    CriterionStatus::Met,
                    format!("{} {on}, {inside}: present (excludes){until}", rule.event),
                )
            }
        }
        (Some(false), Some(false)) => Finding::new(
            CriterionStatus::NotMet,
            format!("{} {on}, {outside}: absent", rule.event),
        ),
        (Some(_), Some(_)) => {
            let start = period_before(reference, rule.length)
                .map(|d| d.to_string())
                .unwrap_or_default();
            Finding::unknown(format!(
                "{} {on}: part of {date} is {inside} and part is not (the window starts {} {start}): ask for the exact date",
                rule.event,
                match rule.start {
                    WindowStart::Inclusive => "on",
                    WindowStart::Exclusive => "after",
                }
            ))
        }
        _ => Finding::unknown("date out of the supported range"),
    }
}
