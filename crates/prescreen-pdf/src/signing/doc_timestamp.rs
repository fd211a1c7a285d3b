//! A document timestamp added to a signed summary later (PAdES B-LT's building block): an
//! incremental update with a `/DocTimeStamp` whose `/Contents` is a TSA's RFC 3161 token over
//! the file's byte ranges. It proves the whole file, signatures included, existed at the TSA's
//! time; the signatures before it stay valid (their certification allows signing, and a
//! timestamp is a signature that names no person).

use lopdf::Object;

use crate::report::increment::{self, Base, write_object};

use super::SigningError;
use super::pdf_sig::{TOKEN_MARGIN, fill_signature};
use super::tsa;

/// The document timestamp field's name (`/T`).
pub const DOCUMENT_TIMESTAMP_FIELD: &str = "DocumentTimestamp";

/// Adds a document timestamp from the TSA at `url` (an `http://` URL) to a signed PDF.
pub fn timestamp_document(pdf: &[u8], url: &str) -> Result<Vec<u8>, SigningError> {
    // The token's size fixes the /Contents room: ask once for a probe (checked like the
    // real one), as for a signature's timestamp.
    let probe = tsa::timestamp(url, b"prescreen: the size of this TSA's token")
        .map_err(|e| SigningError::Timestamp(e.to_string()))?;
    let room = probe.der.len() + TOKEN_MARGIN;
    let mut base = Base::read(pdf).map_err(|e| SigningError::Pdf(e.to_string()))?;
    let root_id = base
        .root_id()
        .map_err(|e| SigningError::Pdf(e.to_string()))?;
    let mut catalog = base
        .dictionary(root_id)
        .map_err(|e| SigningError::Pdf(e.to_string()))?;
    let mut acroform = match catalog.get(b"AcroForm") {
        Ok(Object::Dictionary(form)) => form.clone(),
        _ => {
            return Err(SigningError::Pdf(
                "the summary is not signed: there is nothing to timestamp".to_owned(),
            ));
        }
    };
    let pages = base.doc.get_pages();
    let first_page = *pages
        .get(&1)
        .ok_or_else(|| SigningError::Pdf("no page 1".to_owned()))?;
    let mut page = base
        .dictionary(first_page)
        .map_err(|e| SigningError::Pdf(e.to_string()))?;
    let dts_id = base.allocate();
    let field_id = base.allocate();

    let mut dts = Vec::new();
    dts.extend_from_slice(
        b"<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 ",
    );
    dts.extend_from_slice(super::pdf_sig::BYTE_RANGE_PLACEHOLDER.as_bytes());
    dts.extend_from_slice(b" /Contents <");
    dts.extend(std::iter::repeat_n(b'0', room * 2));
    dts.extend_from_slice(b">>>");
    // An invisible widget on page 1: the field is listed, nothing is drawn.
    let field = format!(
        "<</Type /Annot /Subtype /Widget /FT /Sig /T ({DOCUMENT_TIMESTAMP_FIELD}) /V {dts_id} 0 R \
         /F 132 /Rect [0 0 0 0] /P {} {} R>>",
        first_page.0, first_page.1
    );
    let mut fields = acroform
        .get(b"Fields")
        .and_then(Object::as_array)
        .cloned()
        .unwrap_or_default();
    fields.push(Object::Reference((field_id, 0)));
    acroform.set("Fields", Object::Array(fields));
    catalog.set("AcroForm", Object::Dictionary(acroform));
    super::pdf_sig::add_annot(&base, &mut page, field_id);
    let mut page_body = Vec::new();
    write_object(&mut page_body, &Object::Dictionary(page));
    let mut catalog_body = Vec::new();
    write_object(&mut catalog_body, &Object::Dictionary(catalog));

    let mut out = pdf.to_vec();
    increment::append(
        &mut out,
        &base,
        &[
            (dts_id, dts),
            (field_id, field.into_bytes()),
            (first_page.0, page_body),
            (root_id.0, catalog_body),
        ],
    );
    fill_signature(out, room, &|digest| {
        tsa::timestamp_digest(url, digest)
            .map(|token| token.der)
            .map_err(|e| SigningError::Timestamp(e.to_string()))
    })
}
