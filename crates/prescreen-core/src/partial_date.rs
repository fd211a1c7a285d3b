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
    /// A two-digit year: never guessed.
    #[error("\"{0}\": write the year in full (19{1:02} or 20{1:02}?)")]
    TwoDigitYear(String, u8),
    /// Only a month or a year where the exact day is needed (a birth date).
    #[error("\"{0}\": the exact date is needed (day, month and year)")]
    NotExact(String),
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

/// A date as a person types it: ISO (`1981-02-14`, `1981-02`, `1981`) or day first
/// (`14/02/1981`, `14.02.1981`, `14-02-1981`, `02/1981`), whatever the system locale.
/// Month-first is never assumed (`02/14/1981` is refused: there is no month 14), and a
/// two-digit year is asked about, never guessed. Files keep ISO only ([`FromStr`]); this is
/// for what people type into a form.
pub fn parse_typed(text: &str) -> Result<PartialDate, PartialDateError> {
    let text = text.trim();
    match text.parse::<PartialDate>() {
        Ok(date) => return Ok(date),
        // ISO in shape, but no such day: say so rather than try another reading.
        Err(error @ PartialDateError::NoSuchDay(_)) => return Err(error),
        Err(_) => {}
    }
    let shape = || PartialDateError::Shape(text.to_owned());
    let separator = ['/', '.', '-']
        .into_iter()
        .find(|s| text.contains(*s))
        .ok_or_else(shape)?;
    let parts: Vec<&str> = text.split(separator).collect();
    let number = |part: &str| -> Option<u16> {
        (!part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let year_of = |part: &str| -> Result<i16, PartialDateError> {
        match (part.len(), number(part)) {
            (4, Some(year)) if year >= 1000 => i16::try_from(year).map_err(|_| shape()),
            (2, Some(short)) => Err(PartialDateError::TwoDigitYear(
                text.to_owned(),
                u8::try_from(short).unwrap_or(0),
            )),
            _ => Err(shape()),
        }
    };
    let small = |part: &str| -> Result<i8, PartialDateError> {
        match (part.len(), number(part)) {
            (1 | 2, Some(value)) => i8::try_from(value).map_err(|_| shape()),
            _ => Err(shape()),
        }
    };
    match parts.as_slice() {
        [day, month, year] => {
            let (day, month, year) = (small(day)?, small(month)?, year_of(year)?);
            Date::new(year, month, day)
                .map(PartialDate::Day)
                .map_err(|_| PartialDateError::NoSuchDay(text.to_owned()))
        }
        [month, year] => {
            let (month, year) = (small(month)?, year_of(year)?);
            if (1..=12).contains(&month) {
                Ok(PartialDate::Month { year, month })
            } else {
                Err(PartialDateError::NoSuchDay(text.to_owned()))
            }
        }
        _ => Err(shape()),
    }
}

/// [`parse_typed`] for a date that must be exact (a birth date, a pre-screening date).
pub fn parse_typed_exact(text: &str) -> Result<Date, PartialDateError> {
    match parse_typed(text)? {
        PartialDate::Day(date) => Ok(date),
        _ => Err(PartialDateError::NotExact(text.trim().to_owned())),
    }
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

    #[test]
    fn typed_dates_are_iso_or_day_first_never_month_first_or_two_digit() {
        let day = |y, m, d| Ok(PartialDate::Day(jiff::civil::date(y, m, d)));
        assert_eq!(parse_typed("1981-02-14"), day(1981, 2, 14));
        assert_eq!(parse_typed("14/02/1981"), day(1981, 2, 14));
        assert_eq!(parse_typed("14.02.1981"), day(1981, 2, 14));
        assert_eq!(parse_typed(" 4/2/1981 "), day(1981, 2, 4));
        assert_eq!(
            parse_typed("02/1981"),
            Ok(PartialDate::Month {
                year: 1981,
                month: 2
            })
        );
        assert_eq!(parse_typed("1981"), Ok(PartialDate::Year(1981)));
        assert!(matches!(
            parse_typed("02/14/1981"),
            Err(PartialDateError::NoSuchDay(_))
        ));
        let short = parse_typed("14/02/81").unwrap_err();
        assert_eq!(
            short.to_string(),
            "\"14/02/81\": write the year in full (1981 or 2081?)"
        );
        assert!(matches!(
            parse_typed("14 Feb"),
            Err(PartialDateError::Shape(_))
        ));
        assert!(matches!(
            parse_typed("1968-02-30"),
            Err(PartialDateError::NoSuchDay(_))
        ));
        assert!(matches!(
            parse_typed_exact("02/1981"),
            Err(PartialDateError::NotExact(_))
        ));
        assert_eq!(human_date(jiff::civil::date(1981, 2, 14)), "14 Feb 1981");
    }
}
