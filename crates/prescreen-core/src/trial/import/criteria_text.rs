//! The registry's eligibility text (ClinicalTrials.gov markdown) → one item per top-level
//! criterion, text verbatim.
//!
//! One pass over the lines, no backtracking: a text of any length is read in linear time.
//! Nothing is dropped: what cannot be placed under an inclusion or exclusion heading comes
//! back as a note with its text.

use crate::trial::model::CriterionKind;

/// One top-level criterion as the registry lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedItem {
    /// Under which heading it stands.
    pub kind: CriterionKind,
    /// The item's text verbatim (markdown escapes undone), with its sub-items and
    /// continuation paragraphs on lines of their own.
    pub text: String,
}

/// Something in the text that is not a criterion, reported rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseNote {
    /// What it is and why it was not taken as a criterion.
    pub message: String,
    /// The text concerned, verbatim.
    pub text: String,
    /// Whether a criterion may be missing because of it (a preamble is not).
    pub unplaced: bool,
}

/// The items found, in order, and the notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParsedCriteria {
    /// Top-level criteria in registry order.
    pub items: Vec<ParsedItem>,
    /// Preambles and text that could not be placed.
    pub notes: Vec<ParseNote>,
}

/// The kind of list marker: items of the same family at the list's own indentation are
/// siblings; anything else is a sub-item of the item above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `*`, `-`, `+`, `•`: each bullet character is its own family.
    Bullet(char),
    /// `1.`, `1)`, `(1)`.
    Number,
    /// `a.`, `b)`, `(c)`, `iv.`.
    Letter,
}

/// Undoes markdown backslash escapes (ClinicalTrials.gov writes `\>`, `\*`, `\^`): as in
/// CommonMark, a backslash before ASCII punctuation is dropped; any other backslash stays.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// The list marker a line starts with (in its raw, escaped form: `\*` is no marker), and the
/// content after it.
fn marker(body: &str) -> Option<(Family, &str)> {
    let mut chars = body.char_indices();
    let (_, first) = chars.next()?;
    let content = |at: usize| {
        let rest = &body[at..];
        let trimmed = rest.trim_start();
        (rest.len() > trimmed.len() && !trimmed.is_empty()).then_some(trimmed)
    };
    match first {
        '*' | '-' | '+' => content(first.len_utf8()).map(|c| (Family::Bullet(first), c)),
        '•' | '·' | '▪' | '◦' => {
            let rest = body[first.len_utf8()..].trim_start();
            (!rest.is_empty()).then_some((Family::Bullet(first), rest))
        }
        '(' => {
            let close = body.find(')')?;
            let inner = &body[1..close];
            let family = label_family(inner)?;
            content(close + 1).map(|c| (family, c))
        }
        _ => {
            let end = body
                .char_indices()
                .find(|(_, c)| !c.is_ascii_alphanumeric())
                .map_or(body.len(), |(i, _)| i);
            let family = label_family(&body[..end])?;
            let rest = &body[end..];
            let after = if rest.starts_with("\\.") {
                end + 2
            } else if rest.starts_with('.') || rest.starts_with(')') {
                end + 1
            } else {
                return None;
            };
            content(after).map(|c| (family, c))
        }
    }
}

/// `12` → number, `b` or `iv` → letter; anything else is no list label.
fn label_family(label: &str) -> Option<Family> {
    if !label.is_empty() && label.len() <= 3 && label.chars().all(|c| c.is_ascii_digit()) {
        return Some(Family::Number);
    }
    let lower = label.to_ascii_lowercase();
    let roman = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"];
    if (lower.len() == 1 && lower.chars().all(|c| c.is_ascii_lowercase()))
        || roman.contains(&lower.as_str())
    {
        return Some(Family::Letter);
    }
    None
}

/// A horizontal rule (`---`, `***`), read as a blank line.
fn is_rule(body: &str) -> bool {
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|&r| compact.chars().all(|c| c == r))
}

/// The kind of criteria a heading line introduces: "Inclusion Criteria:", "Key exclusion
/// criteria", "INCLUSION CRITERIA", "**Exclusion criteria**", "Inclusion:",
/// "Criteria for inclusion", "Inclusion criteria for part A:".
fn heading(body: &str) -> Option<CriterionKind> {
    let text = unescape(body);
    let text = text.trim_start_matches('#').trim();
    if let Some(kind) = heading_text(text) {
        return Some(kind);
    }
    // A heading written as a list item ("* Exclusion Criteria:").
    let (_, content) = marker(body)?;
    heading_text(unescape(content).trim())
}

fn heading_text(text: &str) -> Option<CriterionKind> {
    if text.chars().count() > 80 {
        return None;
    }
    let decoration: &[char] = &['*', '_', ' '];
    let text = text.trim_matches(decoration);
    let ends_with_colon = text.trim_end_matches(decoration).ends_with(':');
    let lower = text
        .trim_end_matches(|c: char| c == ':' || decoration.contains(&c))
        .to_lowercase();
    let mut rest = lower.as_str();
    for qualifier in [
        "key ",
        "main ",
        "major ",
        "general ",
        "principal ",
        "specific ",
    ] {
        if let Some(r) = rest.strip_prefix(qualifier) {
            rest = r;
            break;
        }
    }
    for (word, kind) in [
        ("inclusion", CriterionKind::Inclusion),
        ("exclusion", CriterionKind::Exclusion),
    ] {
        if rest == word && ends_with_colon {
            return Some(kind);
        }
        if rest == format!("criteria for {word}") {
            return Some(kind);
        }
        let Some(after) = rest.strip_prefix(word) else {
            continue;
        };
        let after = after.trim_start();
        let Some(tail) = after
            .strip_prefix("criteria")
            .or_else(|| after.strip_prefix("criterion"))
        else {
            continue;
        };
        if tail.is_empty() || (ends_with_colon && tail.starts_with([' ', '('])) {
            return Some(kind);
        }
    }
    None
}

/// Leading whitespace as columns (a tab is four).
fn indentation(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// The parser's state between lines.
#[derive(Default)]
struct Parser {
    out: ParsedCriteria,
    /// The heading in force, once one has been seen.
    section: Option<CriterionKind>,
    /// The family and indentation of the current section's top-level list.
    top: Option<(Family, usize)>,
    /// The item continuation lines and sub-items are appended to.
    current: Option<usize>,
    /// Paragraphs of the current section before its list (a preamble, or the items of a
    /// section with no list).
    paragraphs: Vec<String>,
    /// Whether the last line was blank (a new paragraph starts).
    after_blank: bool,
    /// Before any heading: list items (each may take continuation lines) and paragraphs.
    orphans: Vec<(bool, String)>,
}

/// Splits the registry's eligibility text into criteria.
pub(crate) fn parse(text: &str) -> ParsedCriteria {
    let mut parser = Parser {
        after_blank: true,
        ..Parser::default()
    };
    for raw in text.lines() {
        parser.line(raw.trim_end());
    }
    parser.finish_section();
    parser.report_orphans();
    parser.out
}

impl Parser {
    fn line(&mut self, line: &str) {
        let body = line.trim_start();
        if body.is_empty() || is_rule(body) {
            self.after_blank = true;
            return;
        }
        let new_paragraph = std::mem::replace(&mut self.after_blank, false);
        if let Some(kind) = heading(body) {
            self.finish_section();
            self.section = Some(kind);
            return;
        }
        let indent = indentation(line);
        let found = marker(body);
        let Some(kind) = self.section else {
            self.orphan(found.map(|(_, content)| content), body, new_paragraph);
            return;
        };
        match (found, self.top, self.current) {
            (Some((family, content)), None, _) => {
                self.top = Some((family, indent));
                self.push_item(kind, content);
            }
            (Some((family, content)), Some((top_family, top_indent)), _)
                if family == top_family && indent <= top_indent + 1 =>
            {
                self.push_item(kind, content);
            }
            // A sub-item, or a continuation paragraph: part of the item above, verbatim.
            (_, _, Some(index)) => {
                let item = &mut self.out.items[index];
                item.text.push('\n');
                item.text.push_str(&unescape(body));
            }
            // Text between the heading and its list.
            (None, _, None) | (Some(_), Some(_), None) => match self.paragraphs.last_mut() {
                Some(paragraph) if !new_paragraph => {
                    paragraph.push('\n');
                    paragraph.push_str(&unescape(body));
                }
                _ => self.paragraphs.push(unescape(body)),
            },
        }
    }

    fn push_item(&mut self, kind: CriterionKind, content: &str) {
        self.flush_preamble();
        self.out.items.push(ParsedItem {
            kind,
            text: unescape(content),
        });
        self.current = Some(self.out.items.len() - 1);
    }

    /// The paragraphs before a section's list are its preamble, not criteria.
    fn flush_preamble(&mut self) {
        for paragraph in self.paragraphs.drain(..) {
            self.out.notes.push(ParseNote {
                message: "preamble before the list, not taken as a criterion".to_owned(),
                text: paragraph,
                unplaced: false,
            });
        }
    }

    /// Ends a section. One with no list at all takes each paragraph as a criterion (a
    /// paragraph ending in ':' stays a preamble), and says so.
    fn finish_section(&mut self) {
        if let Some(kind) = self.section
            && self.top.is_none()
        {
            for paragraph in std::mem::take(&mut self.paragraphs) {
                if paragraph.trim_end().ends_with(':') {
                    self.paragraphs.push(paragraph);
                    continue;
                }
                self.out.notes.push(ParseNote {
                    message: format!(
                        "{} criteria without list markers: this paragraph was taken as one criterion; check where each criterion starts and ends",
                        kind_word(kind)
                    ),
                    text: paragraph.clone(),
                    unplaced: false,
                });
                self.out.items.push(ParsedItem {
                    kind,
                    text: paragraph,
                });
            }
        }
        self.flush_preamble();
        self.top = None;
        self.current = None;
    }

    /// Text before any heading: kept aside, reported once the text has been read.
    fn orphan(&mut self, item: Option<&str>, body: &str, new_paragraph: bool) {
        match (item, self.orphans.last_mut()) {
            (Some(content), _) => self.orphans.push((true, unescape(content))),
            (None, Some((is_item, text))) if *is_item || !new_paragraph => {
                text.push('\n');
                text.push_str(&unescape(body));
            }
            (None, _) => self.orphans.push((false, unescape(body))),
        }
    }

    fn report_orphans(&mut self) {
        let headed = self.section.is_some();
        for (is_item, text) in std::mem::take(&mut self.orphans) {
            let (message, unplaced) = match (is_item, headed) {
                (true, true) => (
                    "list item before any inclusion or exclusion heading: not placed; add it under the right heading if it is a criterion",
                    true,
                ),
                (true, false) => (
                    "list item with no inclusion or exclusion heading anywhere in the text: not placed; add it under the right heading if it is a criterion",
                    true,
                ),
                (false, _) if text.trim_end().ends_with(':') => (
                    "preamble before the first heading, not taken as a criterion",
                    false,
                ),
                (false, _) => (
                    "text before any inclusion or exclusion heading: not placed; add it under the right heading if it is a criterion",
                    true,
                ),
            };
            self.out.notes.push(ParseNote {
                message: message.to_owned(),
                text,
                unplaced,
            });
        }
    }
}

fn kind_word(kind: CriterionKind) -> &'static str {
    match kind {
        CriterionKind::Inclusion => "inclusion",
        CriterionKind::Exclusion => "exclusion",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(parsed: &ParsedCriteria) -> Vec<(CriterionKind, &str)> {
        parsed
            .items
            .iter()
            .map(|i| (i.kind, i.text.as_str()))
            .collect()
    }

    const IN: CriterionKind = CriterionKind::Inclusion;
    const EX: CriterionKind = CriterionKind::Exclusion;

    #[test]
    fn star_bullets_with_headings_keep_trailing_punctuation() {
        let parsed = parse(
            "Inclusion Criteria:\n\n* Age ≥18,\n* Consent.\n\nExclusion Criteria:\n\n* Pregnant;",
        );
        assert_eq!(
            texts(&parsed),
            [(IN, "Age ≥18,"), (IN, "Consent."), (EX, "Pregnant;")]
        );
        assert!(parsed.notes.is_empty());
    }

    #[test]
    fn nested_items_and_continuations_belong_to_the_item_above() {
        let text = "Inclusion Criteria:\n* One of:\n  - a\n  - b\n\n  More about one.\n* Two\nwrapped line";
        let parsed = parse(text);
        assert_eq!(
            texts(&parsed),
            [
                (IN, "One of:\n- a\n- b\nMore about one."),
                (IN, "Two\nwrapped line")
            ]
        );
    }

    #[test]
    fn numbered_lists_and_letters_below_them() {
        let text = "KEY EXCLUSION CRITERIA\n1. First\na. sub\n2) Second\n10. Tenth\n   (i) deeper";
        let parsed = parse(text);
        assert_eq!(
            texts(&parsed),
            [
                (EX, "First\na. sub"),
                (EX, "Second"),
                (EX, "Tenth\n(i) deeper")
            ]
        );
    }

    #[test]
    fn headings_in_other_cases_and_forms() {
        for (line, kind) in [
            ("Inclusion Criteria:", IN),
            ("inclusion criteria", IN),
            ("Key inclusion criteria", IN),
            ("**Exclusion Criteria:**", EX),
            ("### Exclusion criteria", EX),
            ("* Exclusion Criteria:", EX),
            ("Inclusion:", IN),
            ("Inclusion criteria for part A:", IN),
            ("Criteria for exclusion", EX),
        ] {
            assert_eq!(heading(line), Some(kind), "{line}");
        }
        for line in [
            "Inclusion criteria must all be met",
            "Inclusion",
            "* Age ≥ 18",
            "Exclusion of patients with cancer",
        ] {
            assert_eq!(heading(line), None, "{line}");
        }
    }

    #[test]
    fn a_preamble_is_reported_not_taken() {
        let parsed =
            parse("Inclusion Criteria:\nPatients must meet all of the following:\n\n* A\n* B");
        assert_eq!(texts(&parsed), [(IN, "A"), (IN, "B")]);
        assert_eq!(parsed.notes.len(), 1);
        assert_eq!(
            parsed.notes[0].text,
            "Patients must meet all of the following:"
        );
        assert!(!parsed.notes[0].unplaced);
    }

    #[test]
    fn escaped_markdown_is_undone_and_an_escaped_star_is_no_bullet() {
        assert_eq!(
            unescape(r"\>= 18, \<5 \- x\_y \* z \\ a\b"),
            r">= 18, <5 - x_y * z \ a\b"
        );
        let parsed = parse("Inclusion Criteria:\n* Score \\> 3\n\\* footnote");
        assert_eq!(texts(&parsed), [(IN, "Score > 3\n* footnote")]);
        assert_eq!(marker("1\\. Item"), Some((Family::Number, "Item")));
        assert_eq!(marker("1.5 mg"), None);
        assert_eq!(marker("e.g. this"), None);
        assert_eq!(marker("-5 °C"), None);
    }

    #[test]
    fn text_it_cannot_place_is_reported_with_its_text() {
        let parsed = parse("Adults only\n* stray item\ncontinued\n\nInclusion Criteria:\n* A");
        assert_eq!(texts(&parsed), [(IN, "A")]);
        let unplaced: Vec<&str> = parsed
            .notes
            .iter()
            .filter(|n| n.unplaced)
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(unplaced, ["Adults only", "stray item\ncontinued"]);

        let parsed = parse("* a\n* b");
        assert!(parsed.items.is_empty());
        assert_eq!(parsed.notes.len(), 2);
        assert!(
            parsed
                .notes
                .iter()
                .all(|n| n.unplaced && n.message.contains("no inclusion"))
        );
    }

    #[test]
    fn a_section_without_a_list_takes_each_paragraph() {
        let parsed = parse(
            "Inclusion criteria:\n\nAge 18 or older\n\nSigned consent\n\nExclusion criteria:\nNone of:\n\n- x",
        );
        assert_eq!(
            texts(&parsed),
            [(IN, "Age 18 or older"), (IN, "Signed consent"), (EX, "x")]
        );
        assert_eq!(parsed.notes.iter().filter(|n| !n.unplaced).count(), 3);
    }

    #[test]
    fn fifty_thousand_lines_are_read_in_linear_time() {
        let mut text = String::from("Inclusion Criteria:\n");
        for i in 0..50_000 {
            text.push_str(if i % 2 == 0 {
                "* item\n"
            } else {
                "  continued\n"
            });
        }
        let started = std::time::Instant::now();
        let parsed = parse(&text);
        assert_eq!(parsed.items.len(), 25_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
