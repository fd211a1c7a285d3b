//! Pseudonymous screening ids: `PREFIX-SITE-YEAR-NNNN`, e.g. `AM-TLS-2026-0007`.
//!
//! The id is the only handle that may appear in file names and logs; the site's own
//! identification log (outside prescreen) maps it to a person. The parts make an id unique
//! across sites and readable at a glance: which trial, which site, which year, which number.
//!
//! **Prefix rule:** the trial acronym is split at every character that is not an ASCII letter
//! or digit; with two or more parts the prefix is the first letter of each part (`A-MUSE` →
//! `AM`), with one part its first two letters (`ASSIX` → `AS`); upper case, at most four
//! letters. The sequence counts per prefix, site and year, starts at 1, and is never reused.

/// Longest screening id accepted (a generated one is about 16 characters).
pub const MAX_ID_LEN: usize = 40;

/// The id prefix of a trial acronym (see the module docs).
pub fn prefix_for_acronym(acronym: &str) -> String {
    let parts: Vec<&str> = acronym
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect();
    let prefix: String = match parts.as_slice() {
        [] => "XX".to_owned(),
        [only] => only.chars().take(2).collect(),
        several => several.iter().filter_map(|p| p.chars().next()).collect(),
    };
    prefix.to_ascii_uppercase().chars().take(4).collect()
}

/// Whether a site code can be part of an id: 2 to 8 ASCII letters or digits.
pub fn is_valid_site_code(code: &str) -> bool {
    (2..=8).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Formats an id from its parts; the number has at least four digits.
pub fn format_id(prefix: &str, site: &str, year: i16, number: i64) -> String {
    format!("{prefix}-{site}-{year}-{number:04}")
}

/// The parts of a generated-style id, so an imported id can advance the sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdParts {
    /// Trial prefix.
    pub prefix: String,
    /// Site code.
    pub site: String,
    /// Year.
    pub year: i16,
    /// Sequence number.
    pub number: i64,
}

/// Splits `PREFIX-SITE-YEAR-NNNN`; `None` for ids of another shape.
pub fn parse_id(id: &str) -> Option<IdParts> {
    let mut parts = id.rsplitn(3, '-');
    let number = parts.next()?;
    let year = parts.next()?;
    let head = parts.next()?;
    let (prefix, site) = head.rsplit_once('-')?;
    if number.len() < 4 || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if !is_valid_site_code(site) {
        return None;
    }
    Some(IdParts {
        prefix: prefix.to_owned(),
        site: site.to_owned(),
        year: year.parse().ok()?,
        number: number.parse().ok()?,
    })
}

/// Whether an id given in a file may be kept: ASCII letters, digits, `-` and `_`, not empty,
/// at most [`MAX_ID_LEN`] characters. (No spaces, so a name cannot pass for an id.)
pub fn is_acceptable_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_the_documented_rule() {
        assert_eq!(prefix_for_acronym("ASSIX"), "AS");
        assert_eq!(prefix_for_acronym("A-MUSE"), "AM");
        assert_eq!(prefix_for_acronym("big trial two"), "BTT");
        assert_eq!(prefix_for_acronym("---"), "XX");
    }

    #[test]
    fn ids_round_trip() {
        let id = format_id("AM", "TLS", 2026, 7);
        assert_eq!(id, "AM-TLS-2026-0007");
        assert_eq!(
            parse_id(&id),
            Some(IdParts {
                prefix: "AM".to_owned(),
                site: "TLS".to_owned(),
                year: 2026,
                number: 7
            })
        );
        assert_eq!(parse_id("AM-TLS-2026-12345").map(|p| p.number), Some(12345));
        assert_eq!(parse_id("hello"), None);
        assert_eq!(parse_id("AM-TLS-26-0001"), None);
    }

    #[test]
    fn only_pseudonymous_looking_ids_are_kept() {
        assert!(is_acceptable_id("AS-CPH-2026-0002"));
        assert!(!is_acceptable_id("Jane Doe"));
        assert!(!is_acceptable_id(""));
    }
}
