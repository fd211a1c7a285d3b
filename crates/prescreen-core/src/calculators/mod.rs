//! Pure clinical calculators used by eligibility criteria.
//!
//! Each calculator turns answers a coordinator has recorded into a score, and
//! nothing else: no I/O, no clock, no thresholds. The threshold a trial applies
//! (for example "pSS 2016 score ≥ 4") lives in the trial file, so the same
//! calculator serves every trial. Out-of-range input is reported as a
//! [`CalculatorError`] and never clamped, because a silently corrected value
//! would hide a data-entry mistake from the screening log.

use rust_decimal::Decimal;

pub mod alcohol_units;
pub mod mhiss;
pub mod pss_2016;
pub mod ssc_2013;
pub mod ufr;

/// Why a calculator refused its input: out-of-range values are errors, never clamped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalculatorError {
    /// A value lies outside what the instrument or physics allows, so any
    /// score computed from it would be meaningless.
    #[error("{field}: {value} is outside the allowed range {allowed}")]
    OutOfRange {
        /// Human-readable name of the offending input, e.g. `"MHISS item 7"`.
        field: String,
        /// The rejected value as entered.
        value: String,
        /// The range the value must lie in, for the error message.
        allowed: String,
    },
    /// A fixed-length questionnaire was given the wrong number of answers, so
    /// items cannot be matched to their positions.
    #[error("{field}: expected {expected} values, got {got}")]
    WrongCount {
        /// Human-readable name of the list, e.g. `"MHISS items"`.
        field: String,
        /// How many values the instrument has.
        expected: usize,
        /// How many values were supplied.
        got: usize,
    },
}

/// A score that may be only partly known: unanswered items make it a range.
///
/// The eligibility engine can decide a threshold before every item is answered:
/// `known ≥ threshold` is met whatever the remaining answers are, and
/// `highest_possible < threshold` can never be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScoreRange {
    /// The score counting only what is known (unanswered items count as 0);
    /// the lowest the final score can be.
    pub known: Decimal,
    /// The score if every unanswered item turned out to contribute its maximum;
    /// equal to `known` once everything is answered.
    pub highest_possible: Decimal,
}

impl ScoreRange {
    /// A fully known score, for calculators whose inputs are all answered.
    #[must_use]
    pub fn exact(value: Decimal) -> Self {
        Self {
            known: value,
            highest_possible: value,
        }
    }

    /// Whether no unanswered item can still change the score, so the range
    /// collapses to a single value.
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.known == self.highest_possible
    }
}

/// Whether a classification's entry criterion / exclusions allow classification at all.
///
/// Classification criteria only apply to patients who pass an entry criterion
/// and have no exclusion; a high score behind a closed gate must not count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClassificationGate {
    /// The criteria apply: the score may be compared with the trial's threshold.
    Open,
    /// The criteria do not apply to this patient, whatever the score.
    Closed {
        /// Which entry criterion failed or which exclusion is present.
        reason: String,
    },
    /// Not enough is answered yet to know whether the criteria apply.
    Unknown {
        /// Which answers are still missing.
        reason: String,
    },
}

/// Result of a classification calculator; the threshold itself lives in the trial file, not here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClassificationScore {
    /// The weighted score, as a range while items are unanswered.
    pub score: ScoreRange,
    /// Whether the classification may be applied to this patient at all.
    pub gate: ClassificationGate,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_range_is_exact() {
        let r = ScoreRange::exact(Decimal::new(3, 0));
        assert!(r.is_exact());
        assert_eq!(r.known, Decimal::new(3, 0));
        assert_eq!(r.highest_possible, Decimal::new(3, 0));
    }

    #[test]
    fn open_range_is_not_exact() {
        let r = ScoreRange {
            known: Decimal::ZERO,
            highest_possible: Decimal::ONE,
        };
        assert!(!r.is_exact());
    }

    #[test]
    fn error_messages_name_field_and_range() {
        let e = CalculatorError::OutOfRange {
            field: "MHISS item 7".into(),
            value: "5".into(),
            allowed: "0–4".into(),
        };
        assert_eq!(
            e.to_string(),
            "MHISS item 7: 5 is outside the allowed range 0–4"
        );
        let e = CalculatorError::WrongCount {
            field: "MHISS items".into(),
            expected: 12,
            got: 11,
        };
        assert_eq!(e.to_string(), "MHISS items: expected 12 values, got 11");
    }
}
