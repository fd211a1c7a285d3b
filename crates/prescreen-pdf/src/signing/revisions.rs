//! A summary signed twice: the coordinator's certification and the investigator's
//! countersignature after it. Which signatures a file holds (in signing order), and whether
//! what was added after the first is only what its DocMDP P=2 allows — a signature filling
//! the prepared field, with its appearance — never a change to a page.

use lopdf::{Document, Object};

use crate::report::increment::decode_text_string;

/// One signature field with a value: its name and signature dictionary, in signing order
/// (by where its signed bytes end).
pub(crate) struct FoundSignature {
    /// The field's `/T`.
    pub field: String,
    /// The `/Sig` dictionary.
    pub sig: lopdf::Dictionary,
    /// Where its `/ByteRange` ends.
    pub end: i64,
}

/// Every signed signature field, earliest first.
pub(crate) fn find_signatures(doc: &Document) -> Result<Vec<FoundSignature>, String> {
    let catalog = doc.catalog().map_err(|e| format!("no catalog: {e}"))?;
    let acroform = catalog
        .get_deref(b"AcroForm", doc)
        .and_then(Object::as_dict)
        .map_err(|_| "the PDF is not signed (no form)".to_owned())?;
    let fields = acroform
        .get_deref(b"Fields", doc)
        .and_then(Object::as_array)
        .map_err(|_| "the PDF is not signed (no fields)".to_owned())?;
    let mut found = Vec::new();
    for field in fields {
        let Ok(field) = doc.dereference(field).and_then(|(_, o)| o.as_dict()) else {
            continue;
        };
        let is_sig = field
            .get(b"FT")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Sig");
        if !is_sig {
            continue;
        }
        let Ok(sig) = field.get_deref(b"V", doc).and_then(Object::as_dict) else {
            continue;
        };
        let range: Vec<i64> = sig
            .get(b"ByteRange")
            .and_then(Object::as_array)
            .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
            .unwrap_or_default();
        let end = match range.as_slice() {
            [_, _, b, c] => b.saturating_add(*c),
            _ => 0,
        };
        found.push(FoundSignature {
            field: field
                .get(b"T")
                .and_then(Object::as_str)
                .map(decode_text_string)
                .unwrap_or_default(),
            sig: sig.clone(),
            end,
        });
    }
    if found.is_empty() {
        return Err("the PDF is not signed".to_owned());
    }
    found.sort_by_key(|s| s.end);
    Ok(found)
}

/// What was added after the first signature (`earlier` is the file up to its end) beyond
/// what a certification with P=2 allows: signing the prepared field (its `/V` and `/AP`), new
/// signature dictionaries and appearance streams. Every page, its content, the catalog and
/// every other object must be exactly as signed.
pub(crate) fn disallowed_changes(earlier: &Document, later: &Document) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, before) in &earlier.objects {
        let Ok(after) = later.get_object(*id) else {
            problems.push(format!(
                "object {} was removed after the first signature",
                id.0
            ));
            continue;
        };
        if same(before, after) {
            continue;
        }
        if !is_field_signed(before, after)
            && !only_grew(before, after, &[b"AcroForm".as_slice(), b"Fields"])
            && !only_grew(before, after, &[b"Annots".as_slice()])
        {
            problems.push(format!(
                "object {} ({}) was changed after the first signature",
                id.0,
                describe(before)
            ));
        }
    }
    for (id, object) in &later.objects {
        if earlier.objects.contains_key(id) {
            continue;
        }
        if !is_signature_part(object) {
            problems.push(format!(
                "object {} ({}) was added after the first signature",
                id.0,
                describe(object)
            ));
        }
    }
    problems
}

/// A signature field that only gained its value and appearance.
fn is_field_signed(before: &Object, after: &Object) -> bool {
    let (Ok(before), Ok(after)) = (before.as_dict(), after.as_dict()) else {
        return false;
    };
    let is_sig_field = before
        .get(b"FT")
        .and_then(Object::as_name)
        .is_ok_and(|n| n == b"Sig");
    if !is_sig_field || before.get(b"V").is_ok() {
        return false;
    }
    let keys = |d: &lopdf::Dictionary| -> Vec<Vec<u8>> {
        d.iter()
            .map(|(k, _)| k.clone())
            .filter(|k| k != b"V" && k != b"AP")
            .collect()
    };
    let mut before_keys = keys(before);
    let mut after_keys = keys(after);
    before_keys.sort();
    after_keys.sort();
    before_keys == after_keys
        && before
            .iter()
            .filter(|(k, _)| k.as_slice() != b"V" && k.as_slice() != b"AP")
            .all(|(k, v)| after.get(k).is_ok_and(|w| same(v, w)))
}

/// The same PDF value, however it was written: a string's bytes (literal or hex), a number's
/// value (`46` or `46.0`), dictionaries key by key.
fn same(a: &Object, b: &Object) -> bool {
    let number = |o: &Object| match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    };
    match (a, b) {
        (Object::String(x, _), Object::String(y, _)) => x == y,
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Object::Dictionary(x), Object::Dictionary(y)) => same_dictionary(x, y),
        (Object::Stream(x), Object::Stream(y)) => {
            x.content == y.content && same_dictionary(&x.dict, &y.dict)
        }
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => (x - y).abs() < 0.005,
            _ => a == b,
        },
    }
}

fn same_dictionary(x: &lopdf::Dictionary, y: &lopdf::Dictionary) -> bool {
    x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_ok_and(|w| same(v, w)))
}

/// A widget with no area (`/Rect [0 0 0 0]`): a new signature field may draw nothing over
/// the signed pages.
fn invisible(widget: &lopdf::Dictionary) -> bool {
    widget
        .get(b"Rect")
        .and_then(Object::as_array)
        .is_ok_and(|rect| {
            rect.len() == 4
                && rect.iter().all(|n| match n {
                    Object::Integer(i) => *i == 0,
                    Object::Real(r) => *r == 0.0,
                    _ => false,
                })
        })
}

/// A dictionary that differs only in an array at `path` (the catalog's `/AcroForm /Fields`,
/// a page's `/Annots`) that kept its items and gained some: a signature field added, as a
/// document timestamp adds one (new objects are checked on their own).
fn only_grew(before: &Object, after: &Object, path: &[&[u8]]) -> bool {
    fn grown(before: &lopdf::Dictionary, after: &lopdf::Dictionary, path: &[&[u8]]) -> bool {
        let Some((key, rest)) = path.split_first() else {
            return false;
        };
        let same_elsewhere = before.len() == after.len()
            && before
                .iter()
                .filter(|(k, _)| k.as_slice() != *key)
                .all(|(k, v)| after.get(k).is_ok_and(|w| same(v, w)));
        if !same_elsewhere {
            return false;
        }
        match (before.get(key), after.get(key)) {
            (Ok(Object::Dictionary(x)), Ok(Object::Dictionary(y))) if !rest.is_empty() => {
                grown(x, y, rest)
            }
            (Ok(Object::Array(x)), Ok(Object::Array(y))) if rest.is_empty() => {
                y.len() > x.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            _ => false,
        }
    }
    match (before.as_dict(), after.as_dict()) {
        (Ok(before), Ok(after)) => grown(before, after, path),
        _ => false,
    }
}

/// A new object a signature brings: its `/Sig` (or `/DocTimeStamp`) dictionary, a signature
/// field's widget, or a form XObject (appearance).
fn is_signature_part(object: &Object) -> bool {
    match object {
        Object::Dictionary(d) => {
            d.get(b"Type")
                .and_then(Object::as_name)
                .is_ok_and(|n| n == b"Sig" || n == b"DocTimeStamp")
                || (d
                    .get(b"FT")
                    .and_then(Object::as_name)
                    .is_ok_and(|n| n == b"Sig")
                    && invisible(d))
        }
        Object::Stream(s) => s
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Form"),
        _ => false,
    }
}

fn describe(object: &Object) -> String {
    let dict = match object {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    };
    dict.and_then(|d| d.get(b"Type").and_then(Object::as_name).ok())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_else(|| {
            if matches!(object, Object::Stream(_)) {
                "a stream".to_owned()
            } else {
                "an object".to_owned()
            }
        })
}
