//! Decimal numbers as people type them ("0,05" or "0.05") and as files store them.
//!
//! Thresholds and answers are compared as exact decimals, never binary floats, so a typed
//! 0.05 meets a 0.05 bound. Serde support (`#[serde(with = "decimal_text")]`) writes the
//! canonical text and reads text or a RON number; a number is read through its shortest
//! decimal spelling, so `0.05` in a file is exactly 0.05.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserializer, Serializer, de};

/// Why typed text is not a usable number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalInputError {
    /// Nothing typed.
    #[error("no number entered")]
    Empty,
    /// Not a plain decimal number.
    #[error("\"{0}\" is not a number (use digits with one decimal point or comma, e.g. 0,05)")]
    NotANumber(String),
}

/// Parses a number as a coordinator types it: surrounding spaces ignored, a decimal comma
/// accepted, no thousands separators and no exponent (both are ambiguous or typing errors).
pub fn parse_decimal_input(text: &str) -> Result<Decimal, DecimalInputError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DecimalInputError::Empty);
    }
    let separators = trimmed.chars().filter(|c| *c == '.' || *c == ',').count();
    let well_formed = separators <= 1
        && trimmed.char_indices().all(|(i, c)| {
            c.is_ascii_digit() || c == '.' || c == ',' || (i == 0 && (c == '-' || c == '+'))
        })
        && trimmed.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(DecimalInputError::NotANumber(trimmed.to_owned()));
    }
    let normalised = trimmed.replace(',', ".");
    Decimal::from_str_exact(&normalised)
        .map_err(|_| DecimalInputError::NotANumber(trimmed.to_owned()))
}

/// Canonical text of a decimal for files and reports (trailing zeros kept as entered).
pub fn format_decimal(value: &Decimal) -> String {
    value.to_string()
}

/// Serde: writes the canonical text.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_decimal(value))
}

/// Serde: reads text (decimal comma accepted) or a number.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(DecimalVisitor)
}

struct DecimalVisitor;

impl de::Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a decimal number, as a number or a string such as \"0.05\" or \"0,05\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal_input(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("not a finite number"));
        }
        // `{}` prints the shortest text that reads back as the same f64: 0.05 → "0.05".
        Decimal::from_str(&format!("{v}")).map_err(|_| E::custom(format!("{v} is out of range")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_point_and_comma() {
        assert_eq!(parse_decimal_input("0.05"), Ok(Decimal::new(5, 2)));
        assert_eq!(parse_decimal_input(" 0,05 "), Ok(Decimal::new(5, 2)));
        assert_eq!(parse_decimal_input("40"), Ok(Decimal::new(40, 0)));
    }

    #[test]
    fn rejects_what_is_not_a_plain_number() {
        for text in [
            "", "  ", "abc", "1.000,5", "1e3", "0.0.5", "12mm", "-", ".", "1 000",
        ] {
            assert!(
                parse_decimal_input(text).is_err(),
                "{text:?} should be rejected"
            );
        }
    }

    #[test]
    fn ron_number_reads_exactly() -> Result<(), ron::error::SpannedError> {
        #[derive(serde::Deserialize)]
        struct Holder(#[serde(with = "super")] Decimal);
        let Holder(v) = ron::from_str("(0.05)")?;
        assert_eq!(v, Decimal::new(5, 2));
        let Holder(v) = ron::from_str("(\"3,0\")")?;
        assert_eq!(v, Decimal::new(30, 1));
        let Holder(v) = ron::from_str("(14)")?;
        assert_eq!(v, Decimal::new(14, 0));
        Ok(())
    }
}
