//! Unstimulated whole saliva flow rate.
//!
//! Source: Navazesh M, Kumar SKS. Measuring salivary flow: challenges and
//! opportunities. J Am Dent Assoc 2008;139 Suppl:35S–40S.
//!
//! The patient drools or spits into a pre-weighed tube for a timed period; the
//! flow rate is the amount collected divided by the collection time, in
//! ml/min. When the saliva is weighed, 1 g is taken as 1 ml (the usual
//! gravimetric approximation, saliva's density being close to 1 g/ml). The
//! division is exact decimal arithmetic so that, for example, 0.3 ml over
//! 6 minutes is exactly 0.05 ml/min and compares equal to a 0.05 threshold.

use rust_decimal::Decimal;

use super::CalculatorError;

/// How the collected saliva was measured; both count the same because 1 g ≈ 1 ml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CollectedUnit {
    /// Volume read from a graduated tube.
    Millilitres,
    /// Weight of the collected saliva (tube weight subtracted); 1 g ≈ 1 ml.
    Grams,
}

/// One timed saliva collection as the coordinator recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UfrInput {
    /// Amount of saliva collected, in `collected_unit`.
    #[serde(with = "crate::decimal_text")]
    pub collected: Decimal,
    /// Whether `collected` is a volume (ml) or a weight (g).
    pub collected_unit: CollectedUnit,
    /// Length of the collection period in minutes (typically 5–15).
    #[serde(with = "crate::decimal_text")]
    pub minutes: Decimal,
}

/// Computes the flow rate in ml/min as `collected / minutes`, exactly.
///
/// The result is normalised (trailing zeros removed) so it displays and
/// serialises as, e.g., `0.05` rather than `0.050`; decimal equality is
/// numeric either way. A non-terminating quotient (e.g. 1 ml / 3 min) is
/// rounded by `rust_decimal` at its 28-digit precision.
///
/// # Errors
///
/// [`CalculatorError::OutOfRange`] if `collected` is negative, if `minutes` is
/// zero or negative, or if the quotient is too large to represent.
pub fn flow_ml_per_min(input: &UfrInput) -> Result<Decimal, CalculatorError> {
    let unit = match input.collected_unit {
        CollectedUnit::Millilitres => "ml",
        CollectedUnit::Grams => "g",
    };
    if input.collected < Decimal::ZERO {
        return Err(CalculatorError::OutOfRange {
            field: "collected saliva".to_owned(),
            value: format!("{} {unit}", input.collected),
            allowed: format!("≥ 0 {unit}"),
        });
    }
    if input.minutes <= Decimal::ZERO {
        return Err(CalculatorError::OutOfRange {
            field: "collection time".to_owned(),
            value: format!("{} min", input.minutes),
            allowed: "> 0 min".to_owned(),
        });
    }
    // 1 g is taken as 1 ml, so both units divide the same way.
    input
        .collected
        .checked_div(input.minutes)
        .map(|rate| rate.normalize())
        .ok_or_else(|| CalculatorError::OutOfRange {
            field: "saliva flow rate".to_owned(),
            value: format!("{} {unit} / {} min", input.collected, input.minutes),
            allowed: "a rate representable as a decimal".to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(s: &str) -> Result<Decimal, rust_decimal::Error> {
        Decimal::from_str_exact(s)
    }

    fn ml(collected: &str, minutes: &str) -> Result<UfrInput, rust_decimal::Error> {
        Ok(UfrInput {
            collected: exact(collected)?,
            collected_unit: CollectedUnit::Millilitres,
            minutes: exact(minutes)?,
        })
    }

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn point_3_ml_over_6_min_is_exactly_0_05() -> TestResult {
        let rate = flow_ml_per_min(&ml("0.3", "6")?)?;
        assert_eq!(rate, Decimal::new(5, 2));
        assert_eq!(rate.to_string(), "0.05");
        // Meets a "≤ 0.1" and a "≤ 0.05" bound, but not "< 0.05".
        assert!(rate <= Decimal::new(1, 1));
        assert!(rate <= Decimal::new(5, 2));
        assert!(rate >= Decimal::new(5, 2));
        Ok(())
    }

    #[test]
    fn point_25_g_over_5_min_is_0_05() -> TestResult {
        let input = UfrInput {
            collected: exact("0.25")?,
            collected_unit: CollectedUnit::Grams,
            minutes: exact("5")?,
        };
        assert_eq!(flow_ml_per_min(&input)?, Decimal::new(5, 2));
        Ok(())
    }

    #[test]
    fn eighteen_ml_over_6_min_is_3() -> TestResult {
        let rate = flow_ml_per_min(&ml("18", "6")?)?;
        assert_eq!(rate, Decimal::new(3, 0));
        assert_eq!(rate.to_string(), "3");
        Ok(())
    }

    #[test]
    fn grams_and_millilitres_give_the_same_rate() -> TestResult {
        let millilitres = ml("1.5", "15")?;
        let grams = UfrInput {
            collected_unit: CollectedUnit::Grams,
            ..millilitres
        };
        assert_eq!(flow_ml_per_min(&millilitres)?, flow_ml_per_min(&grams)?);
        assert_eq!(flow_ml_per_min(&grams)?, Decimal::new(1, 1));
        Ok(())
    }

    #[test]
    fn fractional_minutes() -> TestResult {
        assert_eq!(flow_ml_per_min(&ml("0.5", "2.5")?)?, Decimal::new(2, 1));
        Ok(())
    }

    #[test]
    fn non_terminating_quotient_is_close() -> TestResult {
        let rate = flow_ml_per_min(&ml("1", "3")?)?;
        assert!(rate > exact("0.3333333333")?);
        assert!(rate < exact("0.3333333334")?);
        Ok(())
    }

    #[test]
    fn nothing_collected_is_zero() -> TestResult {
        assert_eq!(flow_ml_per_min(&ml("0", "5")?)?, Decimal::ZERO);
        Ok(())
    }

    #[test]
    fn negative_collected_is_out_of_range() -> TestResult {
        assert_eq!(
            flow_ml_per_min(&ml("-0.1", "5")?),
            Err(CalculatorError::OutOfRange {
                field: "collected saliva".to_owned(),
                value: "-0.1 ml".to_owned(),
                allowed: "≥ 0 ml".to_owned()
            })
        );
        Ok(())
    }

    #[test]
    fn zero_minutes_is_out_of_range() -> TestResult {
        assert_eq!(
            flow_ml_per_min(&ml("1", "0")?),
            Err(CalculatorError::OutOfRange {
                field: "collection time".to_owned(),
                value: "0 min".to_owned(),
                allowed: "> 0 min".to_owned()
            })
        );
        Ok(())
    }

    #[test]
    fn negative_minutes_is_out_of_range() -> TestResult {
        assert!(matches!(
            flow_ml_per_min(&ml("1", "-5")?),
            Err(CalculatorError::OutOfRange { field, .. }) if field == "collection time"
        ));
        Ok(())
    }

    #[test]
    fn unrepresentable_rate_is_an_error_not_a_panic() -> TestResult {
        let input = UfrInput {
            collected: Decimal::MAX,
            collected_unit: CollectedUnit::Millilitres,
            minutes: exact("0.5")?,
        };
        assert!(matches!(
            flow_ml_per_min(&input),
            Err(CalculatorError::OutOfRange { field, .. }) if field == "saliva flow rate"
        ));
        Ok(())
    }

    #[test]
    fn input_round_trips_with_decimal_strings() -> TestResult {
        let input = ml("0.3", "6")?;
        let json = serde_json::to_string(&input)?;
        assert_eq!(
            json,
            r#"{"collected":"0.3","collected_unit":"Millilitres","minutes":"6"}"#
        );
        let back: UfrInput = serde_json::from_str(&json)?;
        assert_eq!(back, input);
        Ok(())
    }
}
