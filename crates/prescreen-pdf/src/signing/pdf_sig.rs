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

use std::cell::RefCell;

use super::SigningError;
use super::cms;
use super::identity::{SigningIdentity, signer_name};
use super::tsa::{self, TimestampToken};

/// The `/ByteRange` written before the offsets are known (patched in place, space-padded).
pub(crate) const BYTE_RANGE_PLACEHOLDER: &str = "/ByteRange [0 0000000000 0000000000 0000000000]";

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

/// `/Contents` room kept beyond the size of the TSA's probe token: a token differs from the
/// next only in a few bytes (serial, nonce, an ECDSA signature's length).
pub const TOKEN_MARGIN: usize = 512;
/// The largest token embedded (a TSA's certificate chain included).
pub const MAX_TOKEN_BYTES: usize = 32 * 1024;

/// A signed PDF, and whether its signature carries a trusted timestamp: a TSA that is down
/// or sends a token that fails a check does not stop the signing, it is reported here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The signed file.
    pub pdf: Vec<u8>,
    /// The token embedded in the signature (PAdES B-T); `None` when no TSA was asked or its
    /// token was not embedded (B-B).
    pub timestamp: Option<TimestampToken>,
    /// Why a TSA was asked but no token was embedded, for the signer to read.
    pub warning: Option<String>,
}

/// Signs a rendered report; `rect` is where the printed signature block is.
pub fn sign_pdf(
    pdf: &[u8],
    rect: SignatureRect,
    identity: &SigningIdentity,
    details: &SignatureDetails,
) -> Result<Vec<u8>, SigningError> {
    sign_pdf_with_tsa(pdf, rect, identity, details, None).map(|signed| signed.pdf)
}

/// [`sign_pdf`] with the signature timestamped by the RFC 3161 TSA at `tsa` (an `http://`
/// URL), falling back to B-B with a warning when that fails.
pub fn sign_pdf_with_tsa(
    pdf: &[u8],
    rect: SignatureRect,
    identity: &SigningIdentity,
    details: &SignatureDetails,
    tsa: Option<&str>,
) -> Result<Signed, SigningError> {
    let stamper = Stamper::new(tsa);
    let pdf = sign_pdf_inner(
        pdf,
        rect,
        None,
        identity,
        details,
        stamper.room(),
        &|digest| stamper.make(identity, digest),
    )?;
    Ok(stamper.finish(pdf))
}

/// Signs a rendered report as its certification (DocMDP P=2: after this only form filling
/// and signing are allowed) and prepares the empty, labelled field at `prepared` that the
/// investigator's countersignature fills later.
pub fn certify_pdf(
    pdf: &[u8],
    rect: SignatureRect,
    prepared: SignatureRect,
    identity: &SigningIdentity,
    details: &SignatureDetails,
) -> Result<Vec<u8>, SigningError> {
    certify_pdf_with_tsa(pdf, rect, prepared, identity, details, None).map(|signed| signed.pdf)
}

/// [`certify_pdf`] with the signature timestamped by the TSA at `tsa` (B-B with a warning
/// when that fails).
pub fn certify_pdf_with_tsa(
    pdf: &[u8],
    rect: SignatureRect,
    prepared: SignatureRect,
    identity: &SigningIdentity,
    details: &SignatureDetails,
    tsa: Option<&str>,
) -> Result<Signed, SigningError> {
    let stamper = Stamper::new(tsa);
    let pdf = sign_pdf_inner(
        pdf,
        rect,
        Some(prepared),
        identity,
        details,
        stamper.room(),
        &|digest| stamper.make(identity, digest),
    )?;
    Ok(stamper.finish(pdf))
}

/// Builds the CMS and, with a TSA, asks for a token over its signature value and embeds it;
/// remembers what happened for [`Signed`].
///
/// `/Contents` must be sized before the signature exists, and a token's size depends on the
/// TSA (its certificate chain: 2–7 KB). So the TSA is asked once first for a token over a
/// throw-away hash (checked like the real one): its size plus [`TOKEN_MARGIN`] is the room
/// kept, a fixed allowance would double a countersigned summary's size in hex zeros. A TSA
/// that is down or unfit is found out before signing, and the signature is B-B with no room
/// wasted. The price: two tokens per signature at the TSA.
struct Stamper<'a> {
    tsa: Option<&'a str>,
    room: usize,
    outcome: RefCell<(Option<TimestampToken>, Option<String>)>,
}

impl<'a> Stamper<'a> {
    fn new(tsa: Option<&'a str>) -> Self {
        let mut stamper = Self {
            tsa: None,
            room: 0,
            outcome: RefCell::new((None, None)),
        };
        let Some(url) = tsa.map(str::trim).filter(|url| !url.is_empty()) else {
            return stamper;
        };
        match tsa::timestamp(url, b"prescreen: the size of this TSA's token") {
            Ok(probe) if probe.der.len() <= MAX_TOKEN_BYTES => {
                stamper.tsa = Some(url);
                stamper.room = probe.der.len() + TOKEN_MARGIN;
            }
            Ok(probe) => {
                stamper.outcome.get_mut().1 = Some(b_b_warning(&format!(
                    "the TSA's token is {} bytes, more than the {MAX_TOKEN_BYTES} embedded",
                    probe.der.len()
                )));
            }
            Err(why) => stamper.outcome.get_mut().1 = Some(b_b_warning(&why.to_string())),
        }
        stamper
    }

    fn room(&self) -> usize {
        self.room
    }

    fn make(&self, identity: &SigningIdentity, digest: &[u8]) -> Result<Vec<u8>, SigningError> {
        let plain = cms::signed_data(identity, digest)?;
        let Some(url) = self.tsa else {
            return Ok(plain);
        };
        let stamped = cms::parse(&plain)
            .map_err(SigningError::Crypto)
            .and_then(|parsed| {
                tsa::timestamp(url, &parsed.signature)
                    .map_err(|e| SigningError::Crypto(e.to_string()))
            })
            .and_then(|token| {
                let der = cms::with_signature_timestamp(&plain, &token.der)?;
                Ok((der, token))
            });
        let mut outcome = self.outcome.borrow_mut();
        match stamped {
            Ok((der, token)) if der.len() <= contents_capacity(identity)? + self.room => {
                outcome.0 = Some(token);
                Ok(der)
            }
            Ok((der, _)) => {
                outcome.1 = Some(b_b_warning(&format!(
                    "the token made the signature {} bytes, more than the room kept for it",
                    der.len()
                )));
                Ok(plain)
            }
            Err(why) => {
                outcome.1 = Some(b_b_warning(
                    why.to_string().trim_start_matches("cryptography: "),
                ));
                Ok(plain)
            }
        }
    }

    fn finish(self, pdf: Vec<u8>) -> Signed {
        let (timestamp, warning) = self.outcome.into_inner();
        Signed {
            pdf,
            timestamp,
            warning,
        }
    }
}

fn b_b_warning(why: &str) -> String {
    format!(
        "no trusted timestamp ({why}); signed as PAdES B-B: the signing time is the signer's \
         own claim"
    )
}

/// The prepared countersignature field's name (`/T`).
pub const CONFIRMATION_FIELD: &str = "InvestigatorConfirmation";

/// Builds the DER CMS for the digest of the signed byte ranges.
pub(crate) type CmsMaker<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, SigningError> + 'a;

/// [`sign_pdf`] with the CMS built by `make_cms` from the digest of the signed byte ranges
/// (tests build CMS structures an attacker might, to check that `verify` refuses them).
#[cfg(test)]
pub(crate) fn sign_pdf_with(
    pdf: &[u8],
    rect: SignatureRect,
    prepared: Option<SignatureRect>,
    identity: &SigningIdentity,
    details: &SignatureDetails,
    make_cms: &CmsMaker<'_>,
) -> Result<Vec<u8>, SigningError> {
    sign_pdf_inner(pdf, rect, prepared, identity, details, 0, make_cms)
}

/// Signs with `room` more `/Contents` space than the identity's CMS needs (a TSA's token).
fn sign_pdf_inner(
    pdf: &[u8],
    rect: SignatureRect,
    prepared: Option<SignatureRect>,
    identity: &SigningIdentity,
    details: &SignatureDetails,
    room: usize,
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

    let placeholder_bytes = contents_capacity(identity)? + room;
    let certification = prepared.is_some().then_some(
        // DocMDP P=2: after this signature only filling in forms and signing are allowed.
        b" /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams \
          <</Type /TransformParams /P 2 /V /1.2>>>>]"
            .as_slice(),
    );
    let sig = signature_dictionary(identity, details, placeholder_bytes, certification);

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

    add_annot(&base, &mut page, widget_id);

    let mut fields = vec![Object::Reference((widget_id, 0))];
    let mut objects = vec![
        (sig_id, sig),
        (widget_id, widget.into_bytes()),
        (appearance_id, appearance.into_bytes()),
    ];
    let mut pages_touched = vec![(page_id, page)];
    if let Some(prepared) = prepared {
        // The investigator's empty field: labelled, visible, unsigned.
        let field_id = base.allocate();
        let field_appearance_id = base.allocate();
        let number = u32::try_from(prepared.page + 1).unwrap_or(u32::MAX);
        let prepared_page_id = *pages
            .get(&number)
            .ok_or_else(|| SigningError::Pdf(format!("no page {number}")))?;
        let [x1, y1, x2, y2] = prepared.rect;
        let field = format!(
            "<</Type /Annot /Subtype /Widget /FT /Sig /T ({CONFIRMATION_FIELD}) /TU {} \
             /F 132 /Rect [{x1:.2} {y1:.2} {x2:.2} {y2:.2}] /P {} {} R /AP <</N {field_appearance_id} 0 R>>>>",
            hex_text(crate::report::confirmation::CONFIRMATION_LABEL),
            prepared_page_id.0,
            prepared_page_id.1
        );
        objects.push((field_id, field.into_bytes()));
        objects.push((
            field_appearance_id,
            format!(
                "<</Type /XObject /Subtype /Form /BBox [0 0 {:.2} {:.2}] /Resources <<>> /Length 0>>\nstream\n\nendstream",
                x2 - x1,
                y2 - y1
            )
            .into_bytes(),
        ));
        fields.push(Object::Reference((field_id, 0)));
        match pages_touched
            .iter_mut()
            .find(|(id, _)| *id == prepared_page_id)
        {
            Some((_, same)) => add_annot(&base, same, field_id),
            None => {
                let mut other = base
                    .dictionary(prepared_page_id)
                    .map_err(|e| SigningError::Pdf(e.to_string()))?;
                add_annot(&base, &mut other, field_id);
                pages_touched.push((prepared_page_id, other));
            }
        }
        let mut perms = lopdf::Dictionary::new();
        perms.set("DocMDP", Object::Reference((sig_id, 0)));
        catalog.set("Perms", Object::Dictionary(perms));
        // DocMDP and /Perms are PDF 1.5 features; the header says 1.3.
        catalog.set("Version", Object::Name(b"1.7".to_vec()));
    }

    let mut acroform = lopdf::Dictionary::new();
    acroform.set("Fields", Object::Array(fields));
    acroform.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(acroform));

    for (id, page) in pages_touched {
        let mut body = Vec::new();
        write_object(&mut body, &Object::Dictionary(page));
        objects.push((id.0, body));
    }
    let mut catalog_body = Vec::new();
    write_object(&mut catalog_body, &Object::Dictionary(catalog));
    objects.push((root_id.0, catalog_body));

    let mut out = pdf.to_vec();
    increment::append(&mut out, &base, &objects);
    fill_signature(out, placeholder_bytes, make_cms)
}

/// The `/Sig` dictionary with its placeholders; `extra` goes in as written (DocMDP).
fn signature_dictionary(
    identity: &SigningIdentity,
    details: &SignatureDetails,
    placeholder_bytes: usize,
    extra: Option<&[u8]>,
) -> Vec<u8> {
    // The certificate names the signer; the visible block was drawn from the same identity.
    let signer = signer_name(&identity.certificate);
    let moment = details
        .signed_at
        .to_zoned(TimeZone::fixed(details.utc_offset));
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
    if let Some(extra) = extra {
        sig.extend_from_slice(extra);
    }
    sig.extend_from_slice(b">>");
    sig
}

fn hex_text(text: &str) -> String {
    let mut out = Vec::new();
    write_object(&mut out, &text_string(text));
    String::from_utf8_lossy(&out).into_owned()
}

/// Adds a widget to a page's `/Annots` (an array in the page, or one it refers to).
pub(crate) fn add_annot(base: &Base, page: &mut lopdf::Dictionary, id: u32) {
    let mut annots = match page.get(b"Annots") {
        Ok(Object::Array(items)) => items.clone(),
        Ok(Object::Reference(r)) => base
            .doc
            .get_object(*r)
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    annots.push(Object::Reference((id, 0)));
    page.set("Annots", Object::Array(annots));
}

/// Patches the last `/ByteRange`, hashes both ranges, signs (or, for a document timestamp,
/// asks the TSA), and fills `/Contents`.
pub(crate) fn fill_signature(
    mut out: Vec<u8>,
    placeholder_bytes: usize,
    make_cms: &CmsMaker<'_>,
) -> Result<Vec<u8>, SigningError> {
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

/// Countersigns a certified summary: the investigator's signature fills the field the
/// coordinator's certification prepared, as one more incremental update. Page content is not
/// touched; the widget's appearance shows who signed, as what, when and meaning what
/// (§11.50), so the earlier signature stays valid (DocMDP P=2 allows signing a field).
pub fn countersign_pdf(
    pdf: &[u8],
    identity: &SigningIdentity,
    details: &SignatureDetails,
    role: &str,
) -> Result<Vec<u8>, SigningError> {
    countersign_pdf_with_tsa(pdf, identity, details, role, None).map(|signed| signed.pdf)
}

/// [`countersign_pdf`] with the countersignature timestamped by the TSA at `tsa` (B-B with a
/// warning when that fails).
pub fn countersign_pdf_with_tsa(
    pdf: &[u8],
    identity: &SigningIdentity,
    details: &SignatureDetails,
    role: &str,
    tsa: Option<&str>,
) -> Result<Signed, SigningError> {
    let stamper = Stamper::new(tsa);
    let mut base = Base::read(pdf).map_err(|e| SigningError::Pdf(e.to_string()))?;
    let (field_id, mut field) = prepared_field(&base)?;
    let rect: Vec<f32> = field
        .get(b"Rect")
        .and_then(Object::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|o| {
                    o.as_float()
                        .ok()
                        .or_else(|| o.as_i64().ok().map(|i| i as f32))
                })
                .collect()
        })
        .unwrap_or_default();
    let [x1, y1, x2, y2] = rect[..] else {
        return Err(SigningError::Pdf(
            "the investigator's field has no rectangle".to_owned(),
        ));
    };
    let sig_id = base.allocate();
    let appearance_id = base.allocate();
    let placeholder_bytes = contents_capacity(identity)? + stamper.room();
    let sig = signature_dictionary(identity, details, placeholder_bytes, None);

    let signer = signer_name(&identity.certificate);
    let lines = [
        format!("Printed name: {}", signer.name),
        format!("Role: {role}"),
        format!(
            "Signed: {}",
            crate::report::format_time(details.signed_at, details.utc_offset)
        ),
        format!("Meaning: {}", details.meaning.statement()),
        "Digitally countersigned (PAdES); check with `prescreen verify`.".to_owned(),
    ];
    let (width, height) = (x2 - x1, y2 - y1);
    let mut content = String::from("BT\n0 0 0 rg\n");
    for (n, line) in lines.iter().enumerate() {
        let size = if n == 0 { 9.5 } else { 8.0 };
        let y = height - 10.0 - n as f32 * 10.0;
        content.push_str(&format!(
            "/F1 {size} Tf 1 0 0 1 6 {y:.2} Tm <{}> Tj\n",
            win_ansi_hex(line)
        ));
    }
    content.push_str("ET\n");
    let appearance = format!(
        "<</Type /XObject /Subtype /Form /BBox [0 0 {width:.2} {height:.2}] \
         /Resources <</Font <</F1 <</Type /Font /Subtype /Type1 /BaseFont /Helvetica \
         /Encoding /WinAnsiEncoding>>>>>> /Length {}>>\nstream\n{content}\nendstream",
        content.len()
    );
    field.set("V", Object::Reference((sig_id, 0)));
    let mut ap = lopdf::Dictionary::new();
    ap.set("N", Object::Reference((appearance_id, 0)));
    field.set("AP", Object::Dictionary(ap));
    let mut field_body = Vec::new();
    write_object(&mut field_body, &Object::Dictionary(field));

    let mut out = pdf.to_vec();
    increment::append(
        &mut out,
        &base,
        &[
            (sig_id, sig),
            (appearance_id, appearance.into_bytes()),
            (field_id.0, field_body),
        ],
    );
    let pdf = fill_signature(out, placeholder_bytes, &|digest| {
        stamper.make(identity, digest)
    })?;
    Ok(stamper.finish(pdf))
}

/// The empty investigator field a certification prepared (refused when signed already, or
/// when the summary has none).
fn prepared_field(base: &Base) -> Result<(lopdf::ObjectId, lopdf::Dictionary), SigningError> {
    let doc = &base.doc;
    let root = base
        .root_id()
        .map_err(|e| SigningError::Pdf(e.to_string()))?;
    let catalog = base
        .dictionary(root)
        .map_err(|e| SigningError::Pdf(e.to_string()))?;
    let fields = catalog
        .get_deref(b"AcroForm", doc)
        .and_then(Object::as_dict)
        .and_then(|form| form.get_deref(b"Fields", doc))
        .and_then(Object::as_array)
        .map_err(|_| SigningError::Pdf("the summary is not signed".to_owned()))?;
    for field in fields {
        let Ok(id) = field.as_reference() else {
            continue;
        };
        let Ok(dict) = base.dictionary(id) else {
            continue;
        };
        let name = dict
            .get(b"T")
            .and_then(Object::as_str)
            .map(crate::report::increment::decode_text_string)
            .unwrap_or_default();
        if name == CONFIRMATION_FIELD {
            if dict.get(b"V").is_ok() {
                return Err(SigningError::AlreadySigned);
            }
            return Ok((id, dict));
        }
    }
    Err(SigningError::Pdf(
        "the summary has no field for the investigator (it was not certified by a coordinator)"
            .to_owned(),
    ))
}

/// Text for a standard-14 font: WinAnsiEncoding bytes as hex (other characters become `?`).
fn win_ansi_hex(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '—' => 0x97,
            '–' => 0x96,
            '’' => 0x92,
            '‘' => 0x91,
            '“' => 0x93,
            '”' => 0x94,
            _ => b'?',
        })
        .map(|b| format!("{b:02X}"))
        .collect()
}
