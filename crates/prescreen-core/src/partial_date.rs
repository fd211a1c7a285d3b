//! Dates as patients remember them: a day, a month or only a year.
//!
//! "I had the injection in February" is an honest answer; turning it into 2026-02-01 would
//! invent a day the patient never gave. A [`PartialDate`] keeps the precision that was
//! entered, and the engine evaluates it against its whole period: every day of it inside a
//! window is "present", every day outside is "absent", and a period that straddles the
//! window's edge asks for the exact date. Birth dates stay full dates.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A calendar date known to the day, the month or the year (ISO 8601 `YYYY-MM-DD`,
/// `YYYY-MM`, `YYYY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartialDate {
    /// The exact day.
    Day(Date),
    /// A month of a year.
    Month {
        /// The year (1000–9999).
        year: i16,
        /// The month, 1–12.
        month: i8,
    },
    /// Only the year (1000–9999).
    Year(i16),
}

/// Why a text is not a date, full or partial.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartialDateError {
    /// Not one of the three shapes.
    #[error("\"{0}\" is not a date: use YYYY-MM-DD, YYYY-MM or YYYY")]
    Shape(String),
    /// The shape is right but the day does not exist (2026-02-30).
    #[error("{0} does not exist in the calendar")]
    NoSuchDay(String),
}

impl PartialDate {
    /// The first day the date may stand for.
    pub fn first_day(self) -> Date {
        match self {
            Self::Day(date) => date,
            Self::Month { year, month } => Date::new(year, month, 1).unwrap_or(Date::MIN),
            Self::Year(year) => Date::new(year, 1, 1).unwrap_or(Date::MIN),
        }
    }

    /// The last day the date may stand for.
    pub fn last_day(self) -> Date {
        match self {
            Self::Day(date) => date,
            Self::Month { .. } => self.first_day().last_of_month(),
            Self::Year(year) => Date::new(year, 12, 31).unwrap_or(Date::MAX),
        }
    }

    /// Whether the exact day is known.
    pub fn is_exact(self) -> bool {
        matches!(self, Self::Day(_))
    }

    /// The date for a person, unambiguous whatever the locale: `14 Feb 2026`, `Feb 2026`,
    /// `2026`.
    pub fn human(self) -> String {
        match self {
            Self::Day(date) => human_date(date),
            Self::Month { year, month } => format!("{} {year}", month_abbreviation(month)),
            Self::Year(year) => year.to_string(),
        }
    }
}

/// A full date for a person: `14 Feb 1981` (day, month name, four-digit year), never
/// numeric, so no reader can take 03/04 for 4 March.
pub fn human_date(date: Date) -> String {
    format!(
        "{} {} {}",
        date.day(),
        month_abbreviation(date.month()),
        date.year()
    )
}

/// English three-letter month names.
pub fn month_abbreviation(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    usize::try_from(month - 1)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

impl From<Date> for PartialDate {
    fn from(date: Date) -> Self {
        Self::Day(date)
    }
}

impl fmt::Display for PartialDate {
    /// The ISO 8601 text, exactly the precision entered.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Day(date) => write!(f, "{date}"),
            Self::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Self::Year(year) => write!(f, "{year:04}"),
        }
    }
}

fn digits(text: &str, count: usize) -> Option<i16> {
    if text.len() == count && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

impl FromStr for PartialDate {
    type Err = PartialDateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let shape = || PartialDateError::Shape(text.to_owned());
        let parts: Vec<&str> = text.split('-').collect();
        let year = parts
            .first()
            .and_then(|y| digits(y, 4))
            .filter(|y| *y >= 1000)
            .ok_or_else(shape)?;
        match parts.as_slice() {
            [_] => Ok(Self::Year(year)),
            [_, month] => {
                let month = digits(month, 2).ok_or_else(shape)?;
                if !(1..=12).contains(&month) {
                    return Err(PartialDateError::NoSuchDay(text.to_owned()));
                }
                Ok(Self::Month {
                    year,
                    month: i8::try_from(month).map_err(|_| shape())?,
                })
            }
            [_, month, day] => {
                let month = digits(month, 2).ok_or_else(shape)?;
                let day = digits(day, 2).ok_or_else(shape)?;
                let (Ok(month), Ok(day)) = (i8::try_from(month), i8::try_from(day)) else {
                    return Err(shape());
                };
                Date::new(year, month, day)
                    .map(Self::Day)
                    .map_err(|_| PartialDateError::NoSuchDay(text.to_owned()))
            }
            _ => Err(shape()),
        }
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = PartialDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date as \"YYYY-MM-DD\", \"YYYY-MM\" or \"YYYY\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<PartialDate, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_precisions_and_prints_them_back() {
        for text in ["2026-02-14", "2026-02", "2025"] {
            let date: PartialDate = text.parse().unwrap_or(PartialDate::Year(1000));
            assert_eq!(date.to_string(), text);
        }
    }

    #[test]
    fn a_month_spans_its_days_and_a_leap_february_has_29() {
        let feb = PartialDate::Month {
            year: 2024,
            month: 2,
        };
        assert_eq!(feb.first_day(), Date::constant(2024, 2, 1));
        assert_eq!(feb.last_day(), Date::constant(2024, 2, 29));
        let year = PartialDate::Year(2025);
        assert_eq!(year.first_day(), Date::constant(2025, 1, 1));
        assert_eq!(year.last_day(), Date::constant(2025, 12, 31));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in [
            "",
            "26",
            "2026-2",
            "2026-13",
            "2026-02-30",
            "14/02/2026",
            "2026-02-14T00",
            "0999",
            "2026--01",
            "+2026",
        ] {
            assert!(text.parse::<PartialDate>().is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn human_text_names_the_month() {
        assert_eq!(
            PartialDate::Day(Date::constant(1981, 2, 14)).human(),
            "14 Feb 1981"
        );
        assert_eq!(
            PartialDate::Month {
                year: 2026,
                month: 2
            }
            .human(),
            "Feb 2026"
        );
    }
}
