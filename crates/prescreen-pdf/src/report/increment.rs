//! Incremental updates: objects appended after a finished PDF, with their own xref section
//! and a trailer pointing back at the previous one (ISO 32000-1 §7.5.6).
//!
//! The earlier bytes are never touched, which is what lets a signature cover "everything
//! before it" and lets a reader see exactly what was added later. Objects are written by hand
//! (lopdf only reads): the signature dictionary's byte offsets must be known exactly.

use std::fmt::Write as _;

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

/// Why an existing PDF could not be extended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncrementError {
    /// The bytes are not a PDF lopdf can read.
    #[error("not a readable PDF: {0}")]
    Unreadable(String),
    /// A required structure (trailer, catalog, page) is missing.
    #[error("malformed PDF: {0}")]
    Malformed(String),
}

/// What an update needs to know about the file it extends.
pub struct Base {
    /// The parsed document (latest revision).
    pub doc: Document,
    /// Offset of the latest xref section (`/Prev` of the new trailer).
    pub prev_xref: usize,
    /// The next free object number.
    pub next_id: u32,
}

impl Base {
    /// Parses `pdf` and finds its latest trailer.
    pub fn read(pdf: &[u8]) -> Result<Self, IncrementError> {
        let doc = Document::load_mem(pdf).map_err(|e| IncrementError::Unreadable(e.to_string()))?;
        let prev_xref = last_startxref(pdf)
            .ok_or_else(|| IncrementError::Malformed("no startxref".to_owned()))?;
        let size = doc
            .trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let next_id = size.max(doc.max_id + 1);
        Ok(Self {
            doc,
            prev_xref,
            next_id,
        })
    }

    /// Reserves a new object number.
    pub fn allocate(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The catalog's object id.
    pub fn root_id(&self) -> Result<ObjectId, IncrementError> {
        self.doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| IncrementError::Malformed("trailer has no /Root".to_owned()))
    }

    /// A dictionary object by id, cloned for rewriting.
    pub fn dictionary(&self, id: ObjectId) -> Result<Dictionary, IncrementError> {
        self.doc
            .get_object(id)
            .and_then(Object::as_dict)
            .cloned()
            .map_err(|_| {
                IncrementError::Malformed(format!("object {} {} is not a dictionary", id.0, id.1))
            })
    }
}

/// The offset after the last `startxref` keyword.
pub fn last_startxref(pdf: &[u8]) -> Option<usize> {
    let key = b"startxref";
    let pos = pdf.windows(key.len()).rposition(|w| w == key)?;
    let rest = &pdf[pos + key.len()..];
    let digits: String = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().ok()
}

/// Appends `objects` (number, body without `obj`/`endobj`) as one incremental update.
pub fn append(out: &mut Vec<u8>, base: &Base, objects: &[(u32, Vec<u8>)]) {
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = Vec::with_capacity(objects.len());
    for (id, body) in objects {
        offsets.push((*id, out.len()));
        out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    offsets.sort_unstable();
    let xref_at = out.len();
    let mut xref = String::from("xref\n");
    let mut i = 0;
    while i < offsets.len() {
        let mut j = i;
        while j + 1 < offsets.len() && offsets[j + 1].0 == offsets[j].0 + 1 {
            j += 1;
        }
        let _ = writeln!(xref, "{} {}", offsets[i].0, j - i + 1);
        for (_, offset) in &offsets[i..=j] {
            let _ = write!(xref, "{offset:010} 00000 n\r\n");
        }
        i = j + 1;
    }
    out.extend_from_slice(xref.as_bytes());
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(base.next_id)));
    for key in [b"Root".as_slice(), b"Info", b"ID"] {
        if let Ok(value) = base.doc.trailer.get(key) {
            trailer.set(key.to_vec(), value.clone());
        }
    }
    trailer.set("Prev", Object::Integer(base.prev_xref as i64));
    out.extend_from_slice(b"trailer\n");
    write_object(out, &Object::Dictionary(trailer));
    out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
}

/// Serialises a lopdf object in PDF syntax (strings as hex, which needs no escaping).
pub fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => {
            // The shortest text that reads back as the same number: a rewritten page keeps
            // its boxes exactly (a validator compares them value for value).
            let text = if r.is_finite() {
                format!("{r}")
            } else {
                "0".to_owned()
            };
            out.extend_from_slice(text.as_bytes());
        }
        Object::Name(name) => write_name(out, name),
        Object::String(bytes, format) => match format {
            StringFormat::Literal | StringFormat::Hexadecimal => write_hex_string(out, bytes),
        },
        Object::Array(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict),
        Object::Stream(stream) => {
            let mut dict = stream.dict.clone();
            dict.set("Length", Object::Integer(stream.content.len() as i64));
            write_dictionary(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&stream.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes());
        }
    }
}

fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict.iter() {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
    out.extend_from_slice(b">>");
}

/// Writes `/Name`, escaping delimiters and non-printing bytes as `#xx`.
pub fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if b.is_ascii_graphic() && !b"()<>[]{}/%#".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// Writes `<hex>`.
pub fn write_hex_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'<');
    for b in bytes {
        out.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    out.push(b'>');
}

/// A text string for a PDF dictionary: UTF-16BE with a byte-order mark, so any Unicode
/// (ö, Ø, –) survives.
pub fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Decodes a PDF text string (UTF-16BE with BOM, or PDFDocEncoding read as Latin-1).
pub fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        bytes.iter().map(|&b| b as char).collect()
    }
}
