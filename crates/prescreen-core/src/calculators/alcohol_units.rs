//! Weekly alcohol intake in Danish units (genstande).
//!
//! A Danish unit (genstand) is 12 g of pure alcohol. For each kind of drink,
//! `units = per_week × volume_ml × ABV% / 100 × 0.789 g/ml / 12 g`, and the
//! weekly total is the sum over drinks.

use rust_decimal::Decimal;

use super::CalculatorError;

/// Density of ethanol in g/ml (0.789), converting a volume of pure alcohol to grams.
pub const ETHANOL_DENSITY_G_PER_ML: Decimal = Decimal::from_parts(789, 0, 0, false, 3);

/// Grams of pure alcohol in one Danish unit (genstand), the unit trial criteria use.
pub const GRAMS_PER_DANISH_UNIT: Decimal = Decimal::from_parts(12, 0, 0, false, 0);

/// One kind of drink the patient reports, with how often per week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drink {
    /// How many of this drink per week (may be fractional, e.g. 0.5).
    #[serde(with = "crate::decimal_text")]
    pub per_week: Decimal,
    /// Volume of one drink in millilitres.
    #[serde(with = "crate::decimal_text")]
    pub volume_ml: Decimal,
    /// Alcohol by volume, in percent (0–100).
    #[serde(with = "crate::decimal_text")]
    pub abv_percent: Decimal,
}

/// A patient's reported weekly drinking, one entry per kind of drink.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlcoholInput {
    /// The drinks reported; an empty list means no alcohol.
    #[serde(default)]
    pub drinks: Vec<Drink>,
}

/// Computes weekly intake in Danish units, exactly.
///
/// The sum is computed exactly over all drinks (one division by 100 × 12 at
/// the end) and is not rounded: rounding 7.004 down to 7.00 would let an
/// intake that exceeds a "must not exceed 7" limit pass. Screens round only
/// for display.
///
/// # Errors
///
/// [`CalculatorError::OutOfRange`] naming the drink by 1-based position
/// (`"drink 2: per week"`, `"drink 2: volume ml"`, `"drink 2: ABV %"`) if
/// `per_week` or `volume_ml` is negative or `abv_percent` is outside 0–100, and
/// also if a total is too large to represent.
pub fn units_per_week(input: &AlcoholInput) -> Result<Decimal, CalculatorError> {
    let hundred = Decimal::ONE_HUNDRED;
    let mut grams_times_100 = Decimal::ZERO;
    for (index, drink) in input.drinks.iter().enumerate() {
        let n = index + 1;
        if drink.per_week < Decimal::ZERO {
            return Err(out_of_range(
                format!("drink {n}: per week"),
                drink.per_week,
                "≥ 0",
            ));
        }
        if drink.volume_ml < Decimal::ZERO {
            return Err(out_of_range(
                format!("drink {n}: volume ml"),
                drink.volume_ml,
                "≥ 0",
            ));
        }
        if drink.abv_percent < Decimal::ZERO || drink.abv_percent > hundred {
            return Err(out_of_range(
                format!("drink {n}: ABV %"),
                drink.abv_percent,
                "0–100",
            ));
        }
        // Grams of alcohol per week for this drink, times 100 (the ABV is a percentage).
        grams_times_100 = drink
            .per_week
            .checked_mul(drink.volume_ml)
            .and_then(|v| v.checked_mul(drink.abv_percent))
            .and_then(|v| v.checked_mul(ETHANOL_DENSITY_G_PER_ML))
            .and_then(|v| grams_times_100.checked_add(v))
            .ok_or_else(|| too_large(format!("drink {n}")))?;
    }
    grams_times_100
        .checked_div(hundred * GRAMS_PER_DANISH_UNIT)
        .map(|units| units.normalize())
        .ok_or_else(|| too_large("alcohol units per week".to_owned()))
}

/// An out-of-range error for a drink's field.
fn out_of_range(field: String, value: Decimal, allowed: &str) -> CalculatorError {
    CalculatorError::OutOfRange {
        field,
        value: value.to_string(),
        allowed: allowed.to_owned(),
    }
}

/// The error for quantities too large for decimal arithmetic, rather than a panic.
fn too_large(field: String) -> CalculatorError {
    CalculatorError::OutOfRange {
        field,
        value: "the weekly amount".to_owned(),
        allowed: "a quantity of alcohol representable as a decimal".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn exact(s: &str) -> Result<Decimal, rust_decimal::Error> {
        Decimal::from_str_exact(s)
    }

    fn drink(per_week: &str, volume_ml: &str, abv: &str) -> Result<Drink, rust_decimal::Error> {
        Ok(Drink {
            per_week: exact(per_week)?,
            volume_ml: exact(volume_ml)?,
            abv_percent: exact(abv)?,
        })
    }

    fn units(drinks: Vec<Drink>) -> Result<Decimal, CalculatorError> {
        units_per_week(&AlcoholInput { drinks })
    }

    #[test]
    fn constants() -> TestResult {
        assert_eq!(ETHANOL_DENSITY_G_PER_ML, exact("0.789")?);
        assert_eq!(GRAMS_PER_DANISH_UNIT, Decimal::new(12, 0));
        Ok(())
    }

    #[test]
    fn one_beer_is_about_one_unit() -> TestResult {
        // 330 × 4.6 % = 15.18 ml × 0.789 = 11.97702 g / 12 = 0.998085
        let u = units(vec![drink("1", "330", "4.6")?])?;
        assert_eq!(u, Decimal::new(998085, 6));
        assert_eq!(u.to_string(), "0.998085");
        Ok(())
    }

    #[test]
    fn seven_beers() -> TestResult {
        // 7 × 0.998085 = 6.986595, not rounded.
        assert_eq!(
            units(vec![drink("7", "330", "4.6")?])?,
            Decimal::new(6986595, 6)
        );
        Ok(())
    }

    #[test]
    fn seven_rows_equal_one_row_of_seven() -> TestResult {
        let rows = vec![drink("1", "330", "4.6")?; 7];
        assert_eq!(units(rows)?, Decimal::new(6986595, 6));
        Ok(())
    }

    #[test]
    fn bottle_of_wine() -> TestResult {
        // 750 × 12 % = 90 ml × 0.789 = 71.01 g / 12 = 5.9175
        assert_eq!(
            units(vec![drink("1", "750", "12")?])?,
            Decimal::new(59175, 4)
        );
        Ok(())
    }

    #[test]
    fn mixed_drinks_sum() -> TestResult {
        // 6.986595 + 5.9175 = 12.904095
        let u = units(vec![drink("7", "330", "4.6")?, drink("1", "750", "12")?])?;
        assert_eq!(u, Decimal::new(12904095, 6));
        Ok(())
    }

    #[test]
    fn fractional_per_week() -> TestResult {
        // Half a bottle of wine a week: 2.95875
        assert_eq!(
            units(vec![drink("0.5", "750", "12")?])?,
            Decimal::new(295875, 5)
        );
        Ok(())
    }

    #[test]
    fn empty_list_is_zero() -> TestResult {
        assert_eq!(units(Vec::new())?, Decimal::ZERO);
        assert_eq!(units_per_week(&AlcoholInput::default())?, Decimal::ZERO);
        Ok(())
    }

    #[test]
    fn boundaries_are_allowed() -> TestResult {
        assert_eq!(units(vec![drink("0", "330", "4.6")?])?, Decimal::ZERO);
        assert_eq!(units(vec![drink("1", "0", "40")?])?, Decimal::ZERO);
        assert_eq!(units(vec![drink("1", "330", "0")?])?, Decimal::ZERO);
        // 12 g of ethanol is 12 / 0.789 ml; 100 % ABV at that volume is 1 unit.
        let volume = GRAMS_PER_DANISH_UNIT
            .checked_div(ETHANOL_DENSITY_G_PER_ML)
            .ok_or("division")?;
        let u = units(vec![Drink {
            per_week: Decimal::ONE,
            volume_ml: volume,
            abv_percent: Decimal::ONE_HUNDRED,
        }])?;
        assert_eq!(u, Decimal::ONE);
        Ok(())
    }

    #[test]
    fn negative_per_week_names_the_drink() -> TestResult {
        let r = units(vec![drink("1", "330", "4.6")?, drink("-1", "330", "4.6")?]);
        assert_eq!(
            r,
            Err(CalculatorError::OutOfRange {
                field: "drink 2: per week".to_owned(),
                value: "-1".to_owned(),
                allowed: "≥ 0".to_owned()
            })
        );
        Ok(())
    }

    #[test]
    fn negative_volume_is_out_of_range() -> TestResult {
        let r = units(vec![drink("1", "-330", "4.6")?]);
        assert!(matches!(
            r,
            Err(CalculatorError::OutOfRange { field, .. }) if field == "drink 1: volume ml"
        ));
        Ok(())
    }

    #[test]
    fn abv_outside_0_to_100_is_out_of_range() -> TestResult {
        let r = units(vec![drink("1", "40", "100.1")?]);
        assert_eq!(
            r,
            Err(CalculatorError::OutOfRange {
                field: "drink 1: ABV %".to_owned(),
                value: "100.1".to_owned(),
                allowed: "0–100".to_owned()
            })
        );
        let r = units(vec![drink("1", "330", "4.6")?, drink("1", "330", "-0.5")?]);
        assert!(matches!(
            r,
            Err(CalculatorError::OutOfRange { field, .. }) if field == "drink 2: ABV %"
        ));
        Ok(())
    }

    #[test]
    fn huge_amounts_are_an_error_not_a_panic() -> TestResult {
        let r = units(vec![Drink {
            per_week: Decimal::MAX,
            volume_ml: Decimal::MAX,
            abv_percent: Decimal::ONE_HUNDRED,
        }]);
        assert!(matches!(
            r,
            Err(CalculatorError::OutOfRange { field, .. }) if field == "drink 1"
        ));
        Ok(())
    }

    #[test]
    fn input_round_trips_with_decimal_strings() -> TestResult {
        let input = AlcoholInput {
            drinks: vec![drink("7", "330", "4.6")?],
        };
        let json = serde_json::to_string(&input)?;
        assert_eq!(
            json,
            r#"{"drinks":[{"per_week":"7","volume_ml":"330","abv_percent":"4.6"}]}"#
        );
        let back: AlcoholInput = serde_json::from_str(&json)?;
        assert_eq!(back, input);
        let empty: AlcoholInput = serde_json::from_str("{}")?;
        assert_eq!(empty, AlcoholInput::default());
        Ok(())
    }
}
