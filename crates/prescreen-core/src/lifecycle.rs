//! A screening's life after it is evaluated: its status (ICH E6 screening log, SEAR), which
//! moves are allowed, which changes need a reason, and the verdict as a record keeps it.
//!
//! Every store asks these functions; none decides for itself. A store persists what they
//! allow and appends the events they describe.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

use crate::eligibility::{Evaluation, Verdict, VerdictKind};
use crate::screening::{Answer, CriterionEntry};
use crate::validation::{MAX_TEXT_CHARS, check_text};

/// Where a screening is in its life, after the ICH E6 screening log and SEAR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScreeningStatus {
    /// Being filled in; no verdict recorded yet.
    Draft,
    /// The pre-screening verdict is recorded.
    PreScreened,
    /// The candidate was approached about the trial.
    Approached,
    /// The candidate consented.
    Consented,
    /// The candidate declined (with a reason).
    Declined,
    /// The candidate was enrolled.
    Enrolled,
    /// The candidate was not enrolled (with a reason).
    NotEnrolled,
    /// Entered in error (with a reason); kept, never deleted, and frozen.
    Voided,
}

impl ScreeningStatus {
    /// Every status in lifecycle order.
    pub const ALL: [Self; 8] = [
        Self::Draft,
        Self::PreScreened,
        Self::Approached,
        Self::Consented,
        Self::Declined,
        Self::Enrolled,
        Self::NotEnrolled,
        Self::Voided,
    ];

    /// The stable text stored and accepted on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::PreScreened => "pre-screened",
            Self::Approached => "approached",
            Self::Consented => "consented",
            Self::Declined => "declined",
            Self::Enrolled => "enrolled",
            Self::NotEnrolled => "not-enrolled",
            Self::Voided => "voided",
        }
    }

    /// How far along the lifecycle a status is; a move to a lower stage is a correction.
    fn stage(self) -> u8 {
        match self {
            Self::Draft => 0,
            Self::PreScreened => 1,
            Self::Approached => 2,
            Self::Consented | Self::Declined => 3,
            Self::Enrolled | Self::NotEnrolled => 4,
            Self::Voided => 5,
        }
    }

    /// Whether a move to `self` always needs a reason (declined, not enrolled, voided).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Declined | Self::NotEnrolled | Self::Voided)
    }

    /// The normal next steps from this status (no reason beyond [`Self::needs_reason`]).
    pub fn forward_steps(self) -> &'static [Self] {
        match self {
            Self::Draft => &[Self::PreScreened],
            Self::PreScreened => &[Self::Approached, Self::NotEnrolled],
            Self::Approached => &[Self::Consented, Self::Declined],
            Self::Consented => &[Self::Enrolled, Self::NotEnrolled],
            Self::Declined | Self::Enrolled | Self::NotEnrolled | Self::Voided => &[],
        }
    }

    /// Checks a move and whether it needs a reason: forward steps are allowed; a move back (or
    /// sideways) is a correction that needs a reason; voiding needs a reason; a voided
    /// screening never changes again.
    pub fn check_transition(self, to: Self) -> Result<TransitionKind, String> {
        if self == Self::Voided {
            return Err("a voided screening cannot change".to_owned());
        }
        if self == to {
            return Err(format!("it is already {}", self.as_str()));
        }
        if to == Self::Voided {
            return Ok(TransitionKind::Void);
        }
        if self.forward_steps().contains(&to) {
            return Ok(if to.needs_reason() {
                TransitionKind::ForwardWithReason
            } else {
                TransitionKind::Forward
            });
        }
        if to.stage() <= self.stage() {
            return Ok(TransitionKind::Correction);
        }
        let next: Vec<&str> = self.forward_steps().iter().map(|s| s.as_str()).collect();
        Err(format!(
            "the next step from {} is {}",
            self.as_str(),
            if next.is_empty() {
                "none (only a correction with a reason, or void)".to_owned()
            } else {
                next.join(" or ")
            }
        ))
    }
}

impl fmt::Display for ScreeningStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ScreeningStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        let wanted = match wanted.as_str() {
            "prescreened" => "pre-screened",
            "notenrolled" | "not enrolled" => "not-enrolled",
            other => other,
        }
        .to_owned();
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown status; use one of {}", names.join(", "))
            })
    }
}

/// What kind of move a status change is, which decides whether a reason is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionKind {
    /// A normal next step.
    Forward,
    /// A next step that records why (declined, not enrolled).
    ForwardWithReason,
    /// A move back or sideways: a correction, needs a reason.
    Correction,
    /// Entered in error: needs a reason.
    Void,
}

impl TransitionKind {
    /// Whether the move needs a reason.
    pub fn needs_reason(self) -> bool {
        !matches!(self, Self::Forward)
    }
}

/// Why the lifecycle refuses a change; the store adds the screening id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// The change needs a reason (ALCOA+: a changed record says why).
    #[error("{what} needs a reason")]
    ReasonRequired {
        /// What was being changed.
        what: String,
    },
    /// The reason itself is unusable (too long, a NUL character).
    #[error("reason: {0}")]
    BadReason(String),
    /// The status move is not allowed.
    #[error("cannot go from {from} to {to}: {why}")]
    InvalidTransition {
        /// Current status.
        from: ScreeningStatus,
        /// Requested status.
        to: ScreeningStatus,
        /// Why not.
        why: String,
    },
    /// A verdict can only be recorded once the pre-screen criteria are settled.
    #[error("the verdict is INCOMPLETE; answer the open pre-screen criteria before recording it")]
    VerdictNotSettled,
    /// Enrolment waits for the visit check: every re-confirmation done.
    #[error("not enrolled while the visit check is open: {}", open.join(", "))]
    VisitCheckOpen {
        /// What is open ("EX02 to re-confirm").
        open: Vec<String>,
    },
}

/// Enrolment is refused, naming what is open, until the visit check is clear; other moves
/// are not gated by it.
pub fn check_visit_gate(
    to: ScreeningStatus,
    visit: &crate::visit::VisitCheck,
) -> Result<(), LifecycleError> {
    if to == ScreeningStatus::Enrolled && !visit.is_clear() {
        return Err(LifecycleError::VisitCheckOpen {
            open: visit.open_items(),
        });
    }
    Ok(())
}

/// A reason as kept: trimmed, `None` when empty; refused when too long or holding a NUL.
pub fn normalise_reason(reason: Option<&str>) -> Result<Option<&str>, LifecycleError> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    check_text(None, "reason", reason, MAX_TEXT_CHARS)
        .map_err(|problem| LifecycleError::BadReason(problem.message))?;
    Ok(Some(reason))
}

/// The reason a change needs, or the error naming what needs one.
pub fn require_reason(
    reason: Option<&str>,
    what: impl FnOnce() -> String,
) -> Result<&str, LifecycleError> {
    normalise_reason(reason)?.ok_or_else(|| LifecycleError::ReasonRequired { what: what() })
}

/// How an answer changes, which decides its audit action and whether it needs a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerChange {
    /// A criterion gets its first entry.
    Set,
    /// An entry's answer changes.
    Changed,
    /// An entry is removed.
    Cleared,
    /// Only the note or evidence changes.
    NoteChanged,
}

/// What the core decided about an answer change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerChangePlan<'r> {
    /// The kind of change.
    pub change: AnswerChange,
    /// The reason to record (required when an answered criterion changes or is cleared).
    pub reason: Option<&'r str>,
}

/// Whether an answer change needs a reason: changing or clearing an answered criterion (any
/// answer but Unknown) does. `None` when nothing changes. (A change to a signed screening
/// needs one too: see [`signed_change_reason`].)
pub fn plan_answer_change<'r>(
    criterion_id: &str,
    previous: Option<&CriterionEntry>,
    new: Option<&CriterionEntry>,
    reason: Option<&'r str>,
) -> Result<Option<AnswerChangePlan<'r>>, LifecycleError> {
    if previous == new {
        return Ok(None);
    }
    let was_answered = previous.is_some_and(|p| p.answer != Answer::Unknown);
    let (change, needs_reason) = match (previous, new) {
        (None, Some(_)) => (AnswerChange::Set, false),
        (Some(_), None) => (AnswerChange::Cleared, was_answered),
        (Some(old), Some(new)) if old.answer == new.answer => (AnswerChange::NoteChanged, false),
        (Some(_), Some(_)) => (AnswerChange::Changed, was_answered),
        (None, None) => return Ok(None),
    };
    let reason = if needs_reason {
        Some(require_reason(reason, || {
            format!("changing the answered criterion {criterion_id}")
        })?)
    } else {
        normalise_reason(reason)?
    };
    Ok(Some(AnswerChangePlan { change, reason }))
}

/// Any change to a screening whose signed summary is still live needs a reason: the signed
/// PDF no longer shows the record, and the trail says why.
pub fn signed_change_reason(reason: Option<&str>) -> Result<&str, LifecycleError> {
    require_reason(reason, || "changing a signed screening".to_owned())
}

/// The reason for one candidate field or date change: needed when it overwrites a value
/// that was set. `Ok(None)` for a first value given without a reason.
pub fn plan_field_change<'r>(
    describe: &str,
    field: &str,
    old: Option<&str>,
    reason: Option<&'r str>,
) -> Result<Option<&'r str>, LifecycleError> {
    if old.is_some() {
        Ok(Some(require_reason(reason, || {
            format!("changing {describe}{field}")
        })?))
    } else {
        normalise_reason(reason)
    }
}

/// Whether the candidate counts as approached and as consented after a move to `to` (SEAR):
/// not enrolled and voided keep what was.
pub fn flags_after(
    to: ScreeningStatus,
    (was_approached, was_consented): (bool, bool),
) -> (bool, bool) {
    match to {
        ScreeningStatus::Draft | ScreeningStatus::PreScreened => (false, false),
        ScreeningStatus::Approached | ScreeningStatus::Declined => (true, false),
        ScreeningStatus::Consented | ScreeningStatus::Enrolled => (true, true),
        ScreeningStatus::NotEnrolled | ScreeningStatus::Voided => (was_approached, was_consented),
    }
}

/// What a status move does: its kind, its reason, and the SEAR flags afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMove<'r> {
    /// Forward, forward with reason, correction or void.
    pub kind: TransitionKind,
    /// The reason to record.
    pub reason: Option<&'r str>,
    /// Whether the candidate counts as approached afterwards.
    pub approached: bool,
    /// Whether the candidate counts as consented afterwards.
    pub consented: bool,
    /// Whether the move records the verdict (draft → pre-screened).
    pub records_verdict: bool,
}

/// Checks a status move against the lifecycle and the verdict gate (an INCOMPLETE verdict is
/// never recorded) and says what to store.
pub fn plan_status_move<'r>(
    from: ScreeningStatus,
    to: ScreeningStatus,
    verdict: VerdictKind,
    reason: Option<&'r str>,
    (was_approached, was_consented): (bool, bool),
) -> Result<StatusMove<'r>, LifecycleError> {
    let kind = from
        .check_transition(to)
        .map_err(|why| LifecycleError::InvalidTransition { from, to, why })?;
    let reason = if kind.needs_reason() {
        Some(require_reason(reason, || {
            format!("moving from {from} to {to}")
        })?)
    } else {
        normalise_reason(reason)?
    };
    if to == ScreeningStatus::PreScreened && verdict == VerdictKind::Incomplete {
        return Err(LifecycleError::VerdictNotSettled);
    }
    let (approached, consented) = flags_after(to, (was_approached, was_consented));
    Ok(StatusMove {
        kind,
        reason,
        approached,
        consented,
        records_verdict: to == ScreeningStatus::PreScreened,
    })
}

/// The verdict as stored with a screening, so the log and summary need no re-evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVerdict {
    /// Which verdict.
    pub kind: VerdictKind,
    /// For NOT ELIGIBLE, the failing criterion ids.
    pub failing: Vec<String>,
    /// Of the failing criteria, those that time alone can clear (a window, an age, an
    /// ongoing event); the rest are permanent.
    pub time_limited: Vec<String>,
    /// When every failure is time-limited: the date to re-screen from.
    pub rescreen_from: Option<Date>,
    /// When every failure is time-limited and one is an ongoing event: re-screen once it
    /// has ended.
    pub rescreen_after_event: bool,
}

impl StoredVerdict {
    /// The stored form of an engine evaluation.
    pub fn from_evaluation(evaluation: &Evaluation) -> Self {
        let failing = match &evaluation.verdict {
            Verdict::NotEligible { failing, .. } => failing.clone(),
            _ => Vec::new(),
        };
        let time_limited = failing
            .iter()
            .filter(|id| {
                evaluation
                    .criterion(id)
                    .is_some_and(|c| c.time_limit.is_some())
            })
            .cloned()
            .collect();
        Self {
            kind: evaluation.verdict.kind(),
            failing,
            time_limited,
            rescreen_from: evaluation.rescreen_from,
            rescreen_after_event: evaluation
                .rescreen
                .as_ref()
                .is_some_and(|r| !r.after_event_ends.is_empty()),
        }
    }

    /// The verdict's name as printed everywhere (`NOT ELIGIBLE`, …).
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// "NOT ELIGIBLE — re-screen from 2026-12-08", or the name alone.
    pub fn line(&self) -> String {
        let name = self.name();
        match (self.rescreen_from, self.rescreen_after_event) {
            (Some(from), false) => format!("{name} — re-screen from {from}"),
            (Some(from), true) => {
                format!("{name} — re-screen when the event has ended, not before {from}")
            }
            (None, true) => format!("{name} — re-screen when the event has ended"),
            (None, false) => name.to_owned(),
        }
    }

    /// Whether the candidate was (pre-)eligible: ELIGIBLE or PRE-SCREEN PASSED.
    pub fn is_eligible(&self) -> bool {
        self.kind.is_eligible()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScreeningStatus as S;

    #[test]
    fn changing_an_answered_criterion_needs_a_reason_and_a_first_answer_does_not() {
        let yes = CriterionEntry::new(Answer::Yes);
        let no = CriterionEntry::new(Answer::No);
        let unknown = CriterionEntry::new(Answer::Unknown);
        let plan = plan_answer_change("IN01", None, Some(&yes), None);
        assert_eq!(
            plan.map(|p| p.map(|p| p.change)),
            Ok(Some(AnswerChange::Set))
        );
        assert!(matches!(
            plan_answer_change("IN01", Some(&yes), Some(&no), None),
            Err(LifecycleError::ReasonRequired { .. })
        ));
        let plan = plan_answer_change("IN01", Some(&unknown), Some(&no), None);
        assert_eq!(
            plan.map(|p| p.map(|p| p.change)),
            Ok(Some(AnswerChange::Changed))
        );
        assert!(matches!(
            signed_change_reason(Some("  ")),
            Err(LifecycleError::ReasonRequired { .. })
        ));
        assert_eq!(
            plan_answer_change("IN01", Some(&yes), Some(&yes), None),
            Ok(None)
        );
    }

    #[test]
    fn an_incomplete_verdict_is_never_recorded() {
        assert_eq!(
            plan_status_move(
                S::Draft,
                S::PreScreened,
                VerdictKind::Incomplete,
                None,
                (false, false)
            ),
            Err(LifecycleError::VerdictNotSettled)
        );
        let recorded = plan_status_move(
            S::Draft,
            S::PreScreened,
            VerdictKind::NotEligible,
            None,
            (false, false),
        );
        assert!(recorded.is_ok_and(|m| m.records_verdict));
    }

    #[test]
    fn forward_moves_need_no_reason_and_corrections_do() {
        assert_eq!(
            S::Draft.check_transition(S::PreScreened),
            Ok(TransitionKind::Forward)
        );
        assert_eq!(
            S::Approached.check_transition(S::Declined),
            Ok(TransitionKind::ForwardWithReason)
        );
        assert_eq!(
            S::Approached.check_transition(S::PreScreened),
            Ok(TransitionKind::Correction)
        );
        assert_eq!(
            S::Declined.check_transition(S::Consented),
            Ok(TransitionKind::Correction)
        );
        assert_eq!(
            S::Enrolled.check_transition(S::Voided),
            Ok(TransitionKind::Void)
        );
        assert!(S::Draft.check_transition(S::Enrolled).is_err());
        assert!(S::Voided.check_transition(S::Draft).is_err());
        assert!(S::Draft.check_transition(S::Draft).is_err());
    }

    #[test]
    fn statuses_parse_from_their_names() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<S>(), Ok(status));
        }
        assert_eq!("not_enrolled".parse::<S>(), Ok(S::NotEnrolled));
    }
}
