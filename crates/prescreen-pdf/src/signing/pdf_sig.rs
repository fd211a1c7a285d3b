//! The PAdES B-B signature as an incremental update: a `/Sig` dictionary, a signature field
//! merged with its widget over the printed signature block, the page with the widget in
//! `/Annots`, the catalog with `/AcroForm`, a new xref section and trailer.
//!
//! `/ByteRange [0 a b c]` covers every byte of the file except the `/Contents` hex string,
//! which holds the CMS, zero-padded. Nothing is written after signing.

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};
use lopdf::Object;
use sha2_011::{Digest, Sha256};

use crate::report::increment::{self, Base, text_string, write_object};
use crate::report::{SignatureMeaning, SignatureRect, pdf_date_string};

use super::SigningError;
use super::cms;
use super::identity::{SigningIdentity, signer_name};

const BYTE_RANGE_PLACEHOLDER: &str = "/ByteRange [0 0000000000 0000000000 0000000000]";

/// What the signature dictionary says besides the CMS.
#[derive(Debug, Clone)]
pub struct SignatureDetails {
    /// The real signing time (`/M`).
    pub signed_at: Timestamp,
    /// The signer's UTC offset then.
    pub utc_offset: Offset,
    /// The meaning, written as `/Reason`.
    pub meaning: SignatureMeaning,
    /// The site, written as `/Location`.
    pub location: String,
}

/// Signs a rendered report; `rect` is where the printed signature block is.
pub fn sign_pdf(
    pdf: &[u8],
    rect: SignatureRect,
    identity: &SigningIdentity,
    details: &SignatureDetails,
) -> Result<Vec<u8>, SigningError> {
    sign_pdf_with(pdf, rect, identity, details, &|digest| {
        cms::signed_data(identity, digest)
    })
}

/// Builds the DER CMS for the digest of the signed byte ranges.
pub(crate) type CmsMaker<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, SigningError> + 'a;

/// [`sign_pdf`] with the CMS built by `make_cms` from the digest of the signed byte ranges
/// (tests build CMS structures an attacker might, to check that `verify` refuses them).
pub(crate) fn sign_pdf_with(
    pdf: &[u8],
    rect: SignatureRect,
    identity: &SigningIdentity,
    details: &SignatureDetails,
    make_cms: &CmsMaker<'_>,
) -> Result<Vec<u8>, SigningError> {
    let mut base = Base::read(pdf).map_err(|e| SigningError::Pdf(e.to_string()))?;
    let root_id = base
        .root_id()
        .map_err(|e| SigningError::Pdf(e.to_string()))?;
    let mut catalog = base
        .dictionary(root_id)
        .map_err(|e| SigningError::Pdf(e.to_string()))?;
    // One signer per PDF: a report that already has a form has been signed.
    if catalog.get(b"AcroForm").is_ok() {
        return Err(SigningError::AlreadySigned);
    }
    let pages = base.doc.get_pages();
    let page_number = u32::try_from(rect.page + 1).unwrap_or(u32::MAX);
    let page_id = *pages
        .get(&page_number)
        .ok_or_else(|| SigningError::Pdf(format!("no page {page_number}")))?;
    let mut page = base
        .dictionary(page_id)
        .map_err(|e| SigningError::Pdf(e.to_string()))?;

    let sig_id = base.allocate();
    let widget_id = base.allocate();
    let appearance_id = base.allocate();

    // The certificate names the signer; the visible block was drawn from the same identity.
    let signer = signer_name(&identity.certificate);
    let moment = details
        .signed_at
        .to_zoned(TimeZone::fixed(details.utc_offset));
    let placeholder_bytes = contents_capacity(identity)?;

    let mut sig = Vec::new();
    sig.extend_from_slice(b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached ");
    sig.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
    sig.extend_from_slice(b" /Contents <");
    sig.extend(std::iter::repeat_n(b'0', placeholder_bytes * 2));
    sig.extend_from_slice(b"> /M ");
    write_object(
        &mut sig,
        &Object::String(
            pdf_date_string(&moment).into_bytes(),
            lopdf::StringFormat::Literal,
        ),
    );
    sig.extend_from_slice(b" /Name ");
    write_object(&mut sig, &text_string(&signer.name));
    sig.extend_from_slice(b" /Reason ");
    write_object(&mut sig, &text_string(details.meaning.statement()));
    if !details.location.is_empty() {
        sig.extend_from_slice(b" /Location ");
        write_object(&mut sig, &text_string(&details.location));
    }
    sig.extend_from_slice(b">>");

    let [x1, y1, x2, y2] = rect.rect;
    let widget = format!(
        "<</Type /Annot /Subtype /Widget /FT /Sig /T (PrescreenSignature) /V {sig_id} 0 R \
         /F 132 /Rect [{x1:.2} {y1:.2} {x2:.2} {y2:.2}] /P {} {} R /AP <</N {appearance_id} 0 R>>>>",
        page_id.0, page_id.1
    );
    let appearance = format!(
        "<</Type /XObject /Subtype /Form /BBox [0 0 {:.2} {:.2}] /Resources <<>> /Length 0>>\nstream\n\nendstream",
        x2 - x1,
        y2 - y1
    );

    let mut annots = match page.get(b"Annots") {
        Ok(Object::Array(items)) => items.clone(),
        Ok(Object::Reference(id)) => base
            .doc
            .get_object(*id)
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    annots.push(Object::Reference((widget_id, 0)));
    page.set("Annots", Object::Array(annots));

    let mut acroform = lopdf::Dictionary::new();
    acroform.set(
        "Fields",
        Object::Array(vec![Object::Reference((widget_id, 0))]),
    );
    acroform.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(acroform));

    let mut page_body = Vec::new();
    write_object(&mut page_body, &Object::Dictionary(page));
    let mut catalog_body = Vec::new();
    write_object(&mut catalog_body, &Object::Dictionary(catalog));

    let mut out = pdf.to_vec();
    increment::append(
        &mut out,
        &base,
        &[
            (sig_id, sig),
            (widget_id, widget.into_bytes()),
            (appearance_id, appearance.into_bytes()),
            (page_id.0, page_body),
            (root_id.0, catalog_body),
        ],
    );

    // Patch /ByteRange, hash both ranges, sign, and fill /Contents.
    let range_at = find_last(&out, BYTE_RANGE_PLACEHOLDER.as_bytes())
        .ok_or_else(|| SigningError::Pdf("signature placeholder not found".to_owned()))?;
    let contents_key = b"/Contents <";
    let a = find_from(&out, contents_key, range_at)
        .map(|p| p + contents_key.len() - 1)
        .ok_or_else(|| SigningError::Pdf("signature /Contents not found".to_owned()))?;
    let b = a + placeholder_bytes * 2 + 2;
    if out.get(b - 1) != Some(&b'>') {
        return Err(SigningError::Pdf(
            "signature /Contents malformed".to_owned(),
        ));
    }
    let c = out.len() - b;
    let inner = format!("0 {a} {b} {c}");
    let width = BYTE_RANGE_PLACEHOLDER.len() - "/ByteRange [".len() - 1;
    if inner.len() > width {
        return Err(SigningError::Pdf("file too large to sign".to_owned()));
    }
    let patched = format!("/ByteRange [{inner:<width$}]");
    out[range_at..range_at + patched.len()].copy_from_slice(patched.as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&out[..a]);
    hasher.update(&out[b..]);
    let digest = hasher.finalize();
    let cms = make_cms(&digest)?;
    if cms.len() > placeholder_bytes {
        return Err(SigningError::Pdf(format!(
            "the signature ({} bytes) does not fit its placeholder ({placeholder_bytes} bytes)",
            cms.len()
        )));
    }
    let hex: Vec<u8> = cms
        .iter()
        .flat_map(|byte| format!("{byte:02x}").into_bytes())
        .collect();
    out[a + 1..a + 1 + hex.len()].copy_from_slice(&hex);
    Ok(out)
}

/// Room for the CMS: the certificates plus 1 KiB for attributes, signature (RSA-4096 at most
/// needs 512 bytes) and structure, rounded up.
fn contents_capacity(identity: &SigningIdentity) -> Result<usize, SigningError> {
    use der::Encode;
    let mut certs = 0usize;
    for cert in std::iter::once(&identity.certificate).chain(&identity.chain) {
        let len = cert
            .encoded_len()
            .map_err(|e| SigningError::Crypto(e.to_string()))?;
        certs += u32::from(len) as usize;
    }
    Ok((certs + 1024).div_ceil(256) * 256)
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find_from(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}
