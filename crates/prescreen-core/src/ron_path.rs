//! Names the field at a position of a RON text, so a parse error says *what* is wrong and
//! not only *where*: `answers.IN03.answer.Mhiss.items[2]` instead of "line 9, column 45".
//!
//! The RON parser reports a position only. This module re-reads the text up to that position
//! with a small tokenizer (strings, raw strings, comments, identifiers, brackets) and keeps a
//! stack of the containers it is in and the key or index it reached in each. It never fails:
//! on text it cannot follow it returns what it has.

/// One open container while the text is read.
#[derive(Debug, Default)]
struct Frame {
    /// `(`, `[` or `{`.
    open: u8,
    /// The variant or struct name written just before the bracket (`Mhiss(`).
    label: Option<String>,
    /// The field name or map key reached in this container.
    key: Option<String>,
    /// Elements passed in a list.
    index: usize,
}

/// The path of the field at 1-based `line` and `column` of `text`, e.g.
/// `answers.IN03.answer.Mhiss.items[2]`; `None` at the top level.
pub fn path_at(text: &str, line: usize, column: usize) -> Option<String> {
    let stop = byte_offset(text, line, column);
    let bytes = text.as_bytes();
    let mut frames: Vec<Frame> = Vec::new();
    let mut last_word: Option<String> = None;
    let mut i = 0;
    while i < stop.min(bytes.len()) {
        let b = bytes[i];
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                last_word = text.get(start..i.min(bytes.len())).map(str::to_owned);
                i += 1;
                continue;
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'#' | b'"')) => {
                let mut hashes = 0;
                let mut j = i + 1;
                while bytes.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if bytes.get(j) == Some(&b'"') {
                    let start = j + 1;
                    let closing: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    let mut k = start;
                    while k < bytes.len() && !bytes[k..].starts_with(&closing) {
                        k += 1;
                    }
                    last_word = text.get(start..k.min(bytes.len())).map(str::to_owned);
                    i = k + closing.len();
                    continue;
                }
            }
            b'(' | b'[' | b'{' => {
                frames.push(Frame {
                    open: b,
                    label: if b == b'(' { last_word.take() } else { None },
                    ..Frame::default()
                });
                last_word = None;
            }
            b')' | b']' | b'}' => {
                frames.pop();
                last_word = None;
            }
            b':' => {
                if let Some(frame) = frames.last_mut() {
                    frame.key = last_word.take();
                }
            }
            b',' => {
                if let Some(frame) = frames.last_mut() {
                    frame.index += 1;
                    frame.key = None;
                }
                last_word = None;
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                last_word = text.get(start..i).map(str::to_owned);
                continue;
            }
            _ if b.is_ascii_whitespace() => {}
            _ => last_word = None,
        }
        i += 1;
    }
    let mut path = String::new();
    for (depth, frame) in frames.iter().enumerate() {
        if let Some(label) = &frame.label
            && depth > 0
        {
            push_segment(&mut path, label);
        }
        match frame.open {
            b'[' => path.push_str(&format!("[{}]", frame.index)),
            _ => {
                if let Some(key) = &frame.key {
                    push_segment(&mut path, key);
                }
            }
        }
    }
    (!path.is_empty()).then_some(path)
}

fn push_segment(path: &mut String, segment: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(segment);
}

/// The byte offset of a 1-based line and column (columns count characters).
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, content) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let within: usize = content
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return offset + within;
        }
        offset += content.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_list_item_inside_a_variant_inside_a_map() {
        let text = "(\n    screening_id: \"X\",\n    answers: {\n        \"IN03\": (answer: Mhiss((items: [2, 3, 300, 1]))),\n    },\n)";
        let column = text
            .lines()
            .nth(3)
            .and_then(|l| l.find("300"))
            .map(|c| c + 1)
            .unwrap_or(0);
        assert_eq!(
            path_at(text, 4, column).as_deref(),
            Some("answers.IN03.answer.Mhiss.items[2]")
        );
    }

    #[test]
    fn names_a_plain_field_and_skips_comments_and_strings() {
        let text = "// a comment with ( and :\n(\n    note: \"a ( tricky : text\",\n    candidate: (initials: \"AB\", sex: Fmale),\n)";
        let column = text
            .lines()
            .nth(3)
            .and_then(|l| l.find("Fmale"))
            .map(|c| c + 1)
            .unwrap_or(0);
        assert_eq!(path_at(text, 4, column).as_deref(), Some("candidate.sex"));
    }

    #[test]
    fn top_level_is_none_and_garbage_does_not_panic() {
        assert_eq!(path_at("(", 1, 1), None);
        for text in [
            "\"unterminated",
            "r#\"x",
            "/* open",
            "))))",
            "(a: [[[",
            "é(ü: [",
        ] {
            let _ = path_at(text, 1, 40);
        }
    }
}
