//! Thresholds a criterion's text states ("≥18 years of age", "less than 40 mm", "within 4
//! weeks prior to"), found so the importer can *propose* a rule naming the words it came
//! from. Nothing found here is ever applied to a rule.
//!
//! A hand-written scanner over the text's characters (no regular expressions): every number
//! is looked at once, with a bounded look behind and ahead, so the time is linear.

use crate::trial::model::{CriterionKind, KNOWN_UNITS};

/// Which way a comparison bounds the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The value must be at least (or more than) the number.
    Lower,
    /// The value must be at most (or less than) the number.
    Upper,
}

/// A calendar unit named after a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    /// Days.
    Days,
    /// Weeks.
    Weeks,
    /// Months.
    Months,
    /// Years.
    Years,
}

impl TimeUnit {
    fn rule_name(self) -> &'static str {
        match self {
            Self::Days => "Days",
            Self::Weeks => "Weeks",
            Self::Months => "Months",
            Self::Years => "Years",
        }
    }
}

/// What a stretch of text states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finding {
    /// An age bound in years.
    Age {
        /// The number as written.
        years: String,
        /// Lower (minimum age) or upper bound.
        direction: Direction,
        /// Whether the number itself passes ("≥ 18", "18 or older"); `false` for "> 18".
        inclusive: bool,
    },
    /// A period counted back from a date ("within 4 weeks prior to").
    Window {
        /// The number as written (digits, even when the text spells it out).
        amount: String,
        /// Its unit.
        unit: TimeUnit,
        /// Whether an event exactly one period before is within ("within less than 1 year"
        /// and "< 6 months" say no).
        inclusive: bool,
    },
    /// A measured value with a bound.
    Measurement {
        /// The number as written.
        value: String,
        /// Lower or upper bound.
        direction: Direction,
        /// Whether the number itself passes.
        inclusive: bool,
        /// The unit the text names after the number, if any.
        unit: Option<String>,
    },
}

/// A finding and the exact words of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The words, verbatim.
    pub words: String,
    /// What they state.
    pub finding: Finding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// A comparison: direction and whether the number itself passes.
    Compare(Direction, bool),
    /// "within", "in the last": a period counted back; `false` for "within less than".
    Within(bool),
    /// "aged 18".
    Aged,
}

/// Words before a number, longest first so "within less than" wins over "less than".
const CUES: &[(&str, Cue)] = &[
    (
        "greater than or equal to",
        Cue::Compare(Direction::Lower, true),
    ),
    (
        "more than or equal to",
        Cue::Compare(Direction::Lower, true),
    ),
    ("superior or equal to", Cue::Compare(Direction::Lower, true)),
    (
        "less than or equal to",
        Cue::Compare(Direction::Upper, true),
    ),
    ("inferior or equal to", Cue::Compare(Direction::Upper, true)),
    ("within the previous", Cue::Within(true)),
    ("during the previous", Cue::Within(true)),
    ("within less than", Cue::Within(false)),
    ("within the past", Cue::Within(true)),
    ("within the last", Cue::Within(true)),
    ("during the past", Cue::Within(true)),
    ("during the last", Cue::Within(true)),
    ("in the previous", Cue::Within(true)),
    ("not more than", Cue::Compare(Direction::Upper, true)),
    ("not less than", Cue::Compare(Direction::Lower, true)),
    ("no more than", Cue::Compare(Direction::Upper, true)),
    ("no less than", Cue::Compare(Direction::Lower, true)),
    ("greater than", Cue::Compare(Direction::Lower, false)),
    ("higher than", Cue::Compare(Direction::Lower, false)),
    ("older than", Cue::Compare(Direction::Lower, false)),
    ("in the last", Cue::Within(true)),
    ("in the past", Cue::Within(true)),
    ("minimum of", Cue::Compare(Direction::Lower, true)),
    ("maximum of", Cue::Compare(Direction::Upper, true)),
    ("younger than", Cue::Compare(Direction::Upper, false)),
    ("fewer than", Cue::Compare(Direction::Upper, false)),
    ("lower than", Cue::Compare(Direction::Upper, false)),
    ("more than", Cue::Compare(Direction::Lower, false)),
    ("less than", Cue::Compare(Direction::Upper, false)),
    ("at least", Cue::Compare(Direction::Lower, true)),
    ("at most", Cue::Compare(Direction::Upper, true)),
    ("within", Cue::Within(true)),
    ("aged", Cue::Aged),
    ("up to", Cue::Compare(Direction::Upper, true)),
    ("above", Cue::Compare(Direction::Lower, false)),
    ("below", Cue::Compare(Direction::Upper, false)),
    ("over", Cue::Compare(Direction::Lower, false)),
    ("under", Cue::Compare(Direction::Upper, false)),
    (">=", Cue::Compare(Direction::Lower, true)),
    ("=>", Cue::Compare(Direction::Lower, true)),
    ("<=", Cue::Compare(Direction::Upper, true)),
    ("=<", Cue::Compare(Direction::Upper, true)),
    ("≥", Cue::Compare(Direction::Lower, true)),
    ("⩾", Cue::Compare(Direction::Lower, true)),
    ("≤", Cue::Compare(Direction::Upper, true)),
    ("⩽", Cue::Compare(Direction::Upper, true)),
    (">", Cue::Compare(Direction::Lower, false)),
    ("<", Cue::Compare(Direction::Upper, false)),
];

/// Spelled-out numbers a period may use ("in the last five years").
const NUMBER_WORDS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
];

const TIME_UNITS: &[(&str, TimeUnit)] = &[
    ("years", TimeUnit::Years),
    ("year", TimeUnit::Years),
    ("yrs", TimeUnit::Years),
    ("months", TimeUnit::Months),
    ("month", TimeUnit::Months),
    ("weeks", TimeUnit::Weeks),
    ("week", TimeUnit::Weeks),
    ("wks", TimeUnit::Weeks),
    ("days", TimeUnit::Days),
    ("day", TimeUnit::Days),
];

/// Phrases after the unit that belong to the threshold.
const AGE_TAILS: &[&str] = &[
    "of age or older",
    "of age or over",
    "of age and older",
    "of age and over",
    "of age",
    "old or older",
    "old",
    "or older",
    "or over",
    "and older",
    "and over",
    "or above",
    "and above",
];
const UPPER_AGE_TAILS: &[&str] = &["or younger", "or less", "and younger", "and under"];
const WINDOW_TAILS: &[&str] = &["prior to", "before", "ago"];

/// Units (besides [`KNOWN_UNITS`]) recognised after a measured number, so a unit is named
/// rather than mistaken for the next word.
const OTHER_UNITS: &[&str] = &[
    "%",
    "mg",
    "g",
    "kg",
    "ml",
    "l",
    "cm",
    "mmhg",
    "bpm",
    "mg/dl",
    "mg/l",
    "g/l",
    "g/dl",
    "mmol/l",
    "µmol/l",
    "umol/l",
    "iu/l",
    "u/l",
    "kg/m2",
    "kg/m²",
    "ml/min/1.73m2",
    "ml/min/1.73m²",
    "x",
    "/mm3",
    "/µl",
    "cells/mm3",
];

/// The characters of a text and their ASCII-lowercase twins, index for index.
struct Chars {
    orig: Vec<char>,
    lower: Vec<char>,
}

impl Chars {
    fn new(text: &str) -> Self {
        let orig: Vec<char> = text.chars().collect();
        let lower = orig.iter().map(char::to_ascii_lowercase).collect();
        Self { orig, lower }
    }

    fn words(&self, from: usize, to: usize) -> String {
        self.orig[from..to].iter().collect()
    }

    /// Whether `word` is at `at` (lowercase) and ends at a word boundary.
    fn word_at(&self, at: usize, word: &str) -> Option<usize> {
        let mut i = at;
        for c in word.chars() {
            if self.lower.get(i) != Some(&c) {
                return None;
            }
            i += 1;
        }
        let boundary = self.lower.get(i).is_none_or(|c| !c.is_alphanumeric());
        boundary.then_some(i)
    }

    /// Skips spaces from `at`.
    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.lower.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        at
    }

    /// The cue ending right before `end` (spaces between allowed), and where it starts.
    fn cue_before(&self, end: usize) -> Option<(usize, Cue)> {
        let mut end = end;
        while end > 0 && self.lower[end - 1].is_whitespace() {
            end -= 1;
        }
        CUES.iter().find_map(|(cue, kind)| {
            let len = cue.chars().count();
            let start = end.checked_sub(len)?;
            let matches = self.lower[start..end].iter().copied().eq(cue.chars());
            let alphabetic = cue.chars().all(char::is_alphabetic) || cue.contains(' ');
            let boundary = !alphabetic || start == 0 || !self.lower[start - 1].is_alphanumeric();
            (matches && boundary).then_some((start, *kind))
        })
    }

    /// The first phrase of `tails` at `at` (after spaces), and where it ends.
    fn tail(&self, at: usize, tails: &[&str]) -> Option<usize> {
        let at = self.skip_spaces(at);
        tails.iter().find_map(|tail| self.phrase_at(at, tail))
    }

    /// A phrase of several words at `at`, spaces between them free.
    fn phrase_at(&self, at: usize, phrase: &str) -> Option<usize> {
        let mut i = at;
        for (n, word) in phrase.split(' ').enumerate() {
            if n > 0 {
                let next = self.skip_spaces(i);
                if next == i {
                    return None;
                }
                i = next;
            }
            i = self.word_at(i, word)?;
        }
        Some(i)
    }

    /// The unit token after a measured number ("mm", "ml/min", "%").
    fn unit_after(&self, at: usize) -> Option<(String, usize)> {
        let start = self.skip_spaces(at);
        let mut end = start;
        while self
            .lower
            .get(end)
            .is_some_and(|&c| c.is_alphanumeric() || matches!(c, '/' | '%' | '²' | '³' | 'µ' | '.'))
        {
            end += 1;
        }
        while end > start && self.lower[end - 1] == '.' {
            end -= 1;
        }
        let token: String = self.lower[start..end].iter().collect();
        (KNOWN_UNITS.contains(&token.as_str()) || OTHER_UNITS.contains(&token.as_str()))
            .then(|| (self.words(start, end), end))
    }
}

/// A number at `at`: digits (with a decimal point or comma) or a spelled-out one; its text
/// as digits and where it ends. A digit inside a word or a code (`L1121-6`) is no number.
fn number_at(chars: &Chars, at: usize) -> Option<(String, usize)> {
    let before_ok = at == 0 || {
        let b = chars.lower[at - 1];
        !(b.is_alphanumeric() || b == '.' || b == ',' || b == '-' || b == '/')
    };
    if !before_ok {
        return None;
    }
    if chars.lower[at].is_ascii_digit() {
        let mut end = at;
        while chars.lower.get(end).is_some_and(char::is_ascii_digit) {
            end += 1;
        }
        if matches!(chars.lower.get(end), Some('.' | ','))
            && chars.lower.get(end + 1).is_some_and(char::is_ascii_digit)
        {
            end += 1;
            while chars.lower.get(end).is_some_and(char::is_ascii_digit) {
                end += 1;
            }
        }
        let text: String = chars.orig[at..end].iter().collect();
        return Some((text.replace(',', "."), end));
    }
    NUMBER_WORDS.iter().find_map(|(word, digits)| {
        chars
            .word_at(at, word)
            .map(|end| ((*digits).to_owned(), end))
    })
}

/// Every threshold the text states, in order.
pub(crate) fn find(text: &str) -> Vec<Found> {
    let chars = Chars::new(text);
    let mentions_age = mentions_age(text);
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.lower.len() {
        let Some((number, end)) = number_at(&chars, at) else {
            at += 1;
            continue;
        };
        match classify(&chars, at, &number, end, mentions_age) {
            Some((item, next)) => {
                found.push(item);
                at = next.max(end);
            }
            None => at = end,
        }
    }
    found
}

/// What the number at `start..end` states, with the words, and where the words end.
fn classify(
    chars: &Chars,
    start: usize,
    number: &str,
    end: usize,
    mentions_age: bool,
) -> Option<(Found, usize)> {
    let cue = chars.cue_before(start);
    let from = cue.map_or(start, |(s, _)| s);
    let after_number = chars.skip_spaces(end);
    let time_unit = TIME_UNITS
        .iter()
        .find_map(|(word, unit)| chars.word_at(after_number, word).map(|e| (*unit, e)));
    let spelled = !chars.lower[start].is_ascii_digit();
    if let Some((unit, unit_end)) = time_unit {
        // An age: "≥18 years of age", "18 years or older", "aged 18 years".
        if unit == TimeUnit::Years && !matches!(cue, Some((_, Cue::Within(_)))) {
            let lower_tail = chars.tail(unit_end, AGE_TAILS);
            let upper_tail = chars.tail(unit_end, UPPER_AGE_TAILS);
            let window_tail = chars.tail(unit_end, WINDOW_TAILS);
            let age = match (cue, lower_tail, upper_tail) {
                _ if window_tail.is_some() => None,
                (Some((_, Cue::Compare(direction, inclusive))), Some(e), _) => {
                    Some((direction, inclusive, e))
                }
                (Some((_, Cue::Aged)), tail, _) => {
                    Some((Direction::Lower, true, tail.unwrap_or(unit_end)))
                }
                (None, Some(e), _) => Some((Direction::Lower, true, e)),
                (None, None, Some(e)) => Some((Direction::Upper, true, e)),
                // "Age ≥ 18 years": the criterion speaks of age.
                (Some((_, Cue::Compare(direction, inclusive))), None, None) if mentions_age => {
                    Some((direction, inclusive, unit_end))
                }
                _ => None,
            };
            if let Some((direction, inclusive, e)) = age
                && !spelled
            {
                let finding = Finding::Age {
                    years: number.to_owned(),
                    direction,
                    inclusive,
                };
                return Some((found(chars, from, e, finding), e));
            }
        }
        // A window: "within 4 weeks prior to", "in the last five years", "< 6 months".
        let window = match cue {
            Some((_, Cue::Within(inclusive))) => Some(inclusive),
            Some((_, Cue::Compare(Direction::Upper, inclusive))) => Some(inclusive),
            None if !spelled => chars.tail(unit_end, WINDOW_TAILS).map(|_| true),
            _ => None,
        };
        if let Some(inclusive) = window {
            let e = chars.tail(unit_end, WINDOW_TAILS).unwrap_or(unit_end);
            let finding = Finding::Window {
                amount: number.to_owned(),
                unit,
                inclusive,
            };
            return Some((found(chars, from, e, finding), e));
        }
        return None;
    }
    if spelled {
        return None;
    }
    // A measurement: "less than 40 mm", "more than or equal to 20".
    let Some((_, Cue::Compare(direction, inclusive))) = cue else {
        return None;
    };
    let unit = chars.unit_after(end);
    let e = unit.as_ref().map_or(end, |(_, e)| *e);
    let finding = Finding::Measurement {
        value: number.to_owned(),
        direction,
        inclusive,
        unit: unit.map(|(u, _)| u),
    };
    Some((found(chars, from, e, finding), e))
}

fn found(chars: &Chars, from: usize, to: usize, finding: Finding) -> Found {
    Found {
        words: chars.words(from, to),
        finding,
    }
}

/// Whether a text speaks of age ("age", "aged", "years old"), as a whole word.
pub(crate) fn mentions_age(text: &str) -> bool {
    has_word(text, &["age", "aged", "ages", "old"])
}

/// Whether any of `words` (lowercase) occurs in `text` as a whole word.
pub(crate) fn has_word(text: &str, words: &[&str]) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| words.iter().any(|word| w.eq_ignore_ascii_case(word)))
}

/// What a finding proposes for a criterion of `kind`, in the model's own words.
pub(crate) fn proposal(finding: &Finding, kind: CriterionKind) -> String {
    match finding {
        Finding::Age {
            years,
            direction: Direction::Lower,
            inclusive: true,
        } if kind == CriterionKind::Inclusion => format!(
            "rule: MinimumAge((years: {years}, reference: …)) — the {years}th birthday counts; choose the reference date"
        ),
        Finding::Age {
            years,
            direction: Direction::Lower,
            inclusive: false,
        } => format!(
            "strictly older than {years} years: MinimumAge counts completed years with the birthday itself passing; check in the protocol whether {years} itself qualifies before choosing the years"
        ),
        Finding::Age {
            years,
            direction: Direction::Upper,
            ..
        } if kind == CriterionKind::Exclusion => format!(
            "an upper age bound of {years} years in an exclusion criterion (in effect a minimum age): a MinimumAge rule belongs to an inclusion criterion; keep Confirmation or rephrase"
        ),
        Finding::Age {
            years,
            direction: Direction::Upper,
            ..
        } => format!(
            "an upper age bound of {years} years: no rule checks a maximum age; keep Confirmation"
        ),
        Finding::Age { years, .. } => format!(
            "a minimum age of {years} years in an exclusion criterion: a MinimumAge rule belongs to an inclusion criterion; keep Confirmation or rephrase"
        ),
        Finding::Window {
            amount,
            unit,
            inclusive,
        } => {
            let start = if *inclusive { "Inclusive" } else { "Exclusive" };
            let rule = format!(
                "TimeWindow((event: …, length: (amount: {amount}, unit: {}), start: {start}, reference: …))",
                unit.rule_name()
            );
            if kind == CriterionKind::Exclusion {
                format!("rule: {rule} — name the event and choose the reference date")
            } else {
                format!(
                    "a period of {amount} {}: a {rule} belongs to an exclusion criterion; keep Confirmation or rephrase",
                    unit.rule_name().to_lowercase()
                )
            }
        }
        Finding::Measurement {
            value,
            direction,
            inclusive,
            unit,
        } => {
            let end = match direction {
                Direction::Lower => "min",
                Direction::Upper => "max",
            };
            let unit = match unit {
                Some(u) if KNOWN_UNITS.contains(&u.to_lowercase().as_str()) => {
                    format!("unit: \"{u}\"")
                }
                Some(u) => format!(
                    "the text's unit \"{u}\" is not one prescreen knows ({})",
                    KNOWN_UNITS.join(", ")
                ),
                None => "no unit in the text".to_owned(),
            };
            format!(
                "rule: Measurement((quantity: …, {end}: (value: {value}, inclusive: {inclusive}), plausible: …)) — {unit}; choose the plausible range"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        find(text).into_iter().map(|f| f.words).collect()
    }

    #[test]
    fn ages_in_their_usual_forms() {
        for (text, expected, years, inclusive) in [
            (
                "Male or female patient ≥18 years of age,",
                "≥18 years of age",
                "18",
                true,
            ),
            (
                "Patients 18 years or older",
                "18 years or older",
                "18",
                true,
            ),
            (
                "aged 18 years and over",
                "aged 18 years and over",
                "18",
                true,
            ),
            ("Age > 18 years old", "> 18 years old", "18", false),
            (
                "at least 16 years of age",
                "at least 16 years of age",
                "16",
                true,
            ),
            ("Age ≥ 18 years", "≥ 18 years", "18", true),
        ] {
            let found = find(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].words, expected);
            assert_eq!(
                found[0].finding,
                Finding::Age {
                    years: years.to_owned(),
                    direction: Direction::Lower,
                    inclusive
                }
            );
        }
    }

    #[test]
    fn windows_and_their_start() {
        let found =
            find("Injection of botulinum toxin within 4 weeks prior to \"inclusion visit\",");
        assert_eq!(found[0].words, "within 4 weeks prior to");
        assert_eq!(
            found[0].finding,
            Finding::Window {
                amount: "4".to_owned(),
                unit: TimeUnit::Weeks,
                inclusive: true
            }
        );
        let found = find("HSCT within less than 1 year,");
        assert_eq!(found[0].words, "within less than 1 year");
        assert!(matches!(
            found[0].finding,
            Finding::Window {
                inclusive: false,
                ..
            }
        ));
        assert_eq!(
            words("History of cancer in the last five years, except"),
            ["in the last five years"]
        );
        assert_eq!(words("surgery < 6 months"), ["< 6 months"]);
        assert_eq!(
            words("a trial within the previous 3 months,"),
            ["within the previous 3 months"]
        );
        // "more than 5 years prior to" is no window: an event that long ago does not exclude.
        assert!(words("chemotherapy more than 5 years prior to inclusion").is_empty());
    }

    #[test]
    fn measurements_with_and_without_units() {
        let found = find("Maximal mouth opening of less than 40 mm (distance)");
        assert_eq!(found[0].words, "less than 40 mm");
        assert_eq!(
            found[0].finding,
            Finding::Measurement {
                value: "40".to_owned(),
                direction: Direction::Upper,
                inclusive: false,
                unit: Some("mm".to_owned())
            }
        );
        assert_eq!(
            words("MHISS score more than or equal to 20 (0-48),"),
            ["more than or equal to 20"]
        );
        assert_eq!(words("UFR ≤ 0.1 ml/min."), ["≤ 0.1 ml/min"]);
    }

    #[test]
    fn numbers_without_a_threshold_are_left_alone() {
        assert!(words("the 2013 ACR/EULAR classification criteria,").is_empty());
        assert!(words("according to article L1121-6 of the Public Health Code").is_empty());
        assert!(words("Covid-19 vaccine within the study").is_empty());
    }

    #[test]
    fn proposals_name_the_rule_and_never_fill_what_the_text_does_not_say() {
        let found = find("≥18 years of age");
        let text = proposal(&found[0].finding, CriterionKind::Inclusion);
        assert!(
            text.contains("MinimumAge((years: 18, reference: …))"),
            "{text}"
        );
        let found = find("less than 40 mm");
        let text = proposal(&found[0].finding, CriterionKind::Inclusion);
        assert!(
            text.contains("max: (value: 40, inclusive: false)") && text.contains("unit: \"mm\""),
            "{text}"
        );
    }

    #[test]
    fn a_long_text_is_scanned_quickly() {
        let text = "less than 40 mm and 3 ".repeat(20_000);
        let started = std::time::Instant::now();
        assert_eq!(find(&text).len(), 20_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
