//! `prescreen verify`: is this signed report intact, who signed it, when (as they claim), and
//! does the record inside it match what the pages print?
//!
//! Stricter than general validators where it matters for a record: the signed range must end
//! at the last byte of the file (nothing appended), and the `/Contents` padding after the CMS
//! must be all zeros (pdfsig and pyHanko ignore a changed byte there).

use lopdf::{Document, Object};
use sha2_011::{Digest, Sha256};

use crate::report::increment::decode_text_string;
use crate::report::record::ScreeningRecord;

use super::cms;
use super::identity::{SignerName, fingerprint, signer_name};
use super::trust::{TrustDecision, TrustList, certificate_problems, decide};
pub use super::tsa::TimestampInfo;

/// The largest file `verify` reads: a screening summary is a few hundred KB; anything far
/// larger is refused before it is parsed.
pub const MAX_PDF_BYTES: u64 = 32 * 1024 * 1024;
/// How many bytes all of a file's compressed streams may inflate to, together, before
/// `verify` stops: a compression bomb is refused in bounded time and memory.
pub const INFLATE_BUDGET_BYTES: u64 = 64 * 1024 * 1024;

/// The overall answer `verify` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// Intact since signing, every check holds, and the signer is trusted.
    Valid,
    /// Intact and every check holds, but no trusted signer or CA vouches for the certificate.
    IntactButSignerNotTrusted,
    /// Changed after signing, not signed, or signed with a certificate that may not sign.
    Invalid,
}

impl VerifyOutcome {
    /// The words `verify` prints after `RESULT:`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::IntactButSignerNotTrusted => "INTACT BUT SIGNER NOT TRUSTED",
            Self::Invalid => "INVALID",
        }
    }
}

/// What `verify` found. [`Verification::is_valid`] is the overall answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// The signer as named by the certificate.
    pub signer: Option<SignerName>,
    /// SHA-256 fingerprint of the signer's certificate.
    pub certificate_sha256: Option<String>,
    /// Whether the certificate is self-signed (issuer = subject).
    pub self_signed: bool,
    /// The signing time as written in `/M` (the signer's own claim in PAdES B-B).
    pub signing_time: Option<String>,
    /// The meaning (`/Reason`).
    pub meaning: Option<String>,
    /// The site (`/Location`).
    pub location: Option<String>,
    /// The CMS signature verifies over the byte ranges.
    pub intact: bool,
    /// The byte ranges cover the whole file except the `/Contents` value.
    pub covers_whole_file: bool,
    /// The `/Contents` padding after the CMS is all zeros.
    pub padding_clean: bool,
    /// The embedded record, if found.
    pub record: Option<RecordCheck>,
    /// Every problem found, in words.
    pub problems: Vec<String>,
    /// The signer's certificate.
    pub certificate: Option<x509_cert::Certificate>,
    /// `/M` as a timestamp, when it can be read.
    pub signing_time_utc: Option<jiff::Timestamp>,
    /// Bytes after the signed revision, when the signed revision itself is intact: an
    /// incremental update (or anything else) appended after signing.
    pub appended_bytes: Option<usize>,
    /// Whether the signer is trusted; `None` when no trust decision was asked for.
    pub trust: Option<TrustDecision>,
    /// SHA-256 of the whole file, hex (what the store's `signed` event records).
    pub file_sha256: String,
    /// The signatures after this one, in signing order (the investigator's countersignature),
    /// each checked as this one is; what they added is checked against the DocMDP P=2 this
    /// signature allows.
    pub countersignatures: Vec<Verification>,
    /// The field a countersignature fills (`/T`).
    pub field: Option<String>,
    /// The role claimed in the signature (signer-attributes-v2), the signer's own claim.
    pub claimed_role: Option<String>,
    /// This is a document timestamp (`/DocTimeStamp`), not a person's signature.
    pub document_timestamp: bool,
    /// The RFC 3161 signature-time-stamp token in this signature (PAdES B-T), checked; `None`
    /// for B-B, where `/M` is only the signer's claim. An invalid token is also a problem.
    pub timestamp: Option<TimestampInfo>,
}

/// The embedded record against the printed pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordCheck {
    /// The record's screening id.
    pub screening_id: String,
    /// The record's trial and version.
    pub trial: String,
    /// The record's trial SHA-256.
    pub trial_sha256: String,
    /// The record's verdict.
    pub verdict: String,
    /// The record's signer name, if signed.
    pub signer_name: Option<String>,
    /// The audit chain head the summary printed when it was made.
    pub chain_head: Option<String>,
    /// The pages print the same trial hash.
    pub hash_printed: bool,
    /// The pages print the same verdict.
    pub verdict_printed: bool,
    /// The pages print the same screening id.
    pub screening_id_printed: bool,
}

impl Verification {
    /// True only when every check holds: this signature covers the whole file, or what was
    /// added after it is countersignatures that hold, the last covering the whole file.
    pub fn is_valid(&self) -> bool {
        let whole_file = self.covers_whole_file
            || self.countersignatures.last().is_some_and(|last| {
                last.covers_whole_file
                    && self
                        .countersignatures
                        .iter()
                        .all(|c| c.intact && c.padding_clean && c.problems.is_empty())
            });
        self.problems.is_empty()
            && self.intact
            && whole_file
            && self.padding_clean
            && self
                .record
                .as_ref()
                .is_some_and(|r| r.hash_printed && r.verdict_printed && r.screening_id_printed)
    }

    /// VALID, INTACT BUT SIGNER NOT TRUSTED, or INVALID.
    pub fn outcome(&self) -> VerifyOutcome {
        if !self.is_valid() {
            VerifyOutcome::Invalid
        } else if self.trust.as_ref().is_some_and(TrustDecision::is_trusted)
            && self
                .countersignatures
                .iter()
                .filter(|c| !c.document_timestamp)
                .all(|c| c.trust.as_ref().is_some_and(TrustDecision::is_trusted))
        {
            // Every signer trusted, the countersigning investigator too.
            VerifyOutcome::Valid
        } else {
            VerifyOutcome::IntactButSignerNotTrusted
        }
    }
}

/// Verifies a signed report's integrity only (no trust decision: the outcome is at best
/// INTACT BUT SIGNER NOT TRUSTED). Never panics on any input.
pub fn verify(pdf: &[u8]) -> Verification {
    verify_with_trust(pdf, None)
}

/// Verifies a signed report and decides whether `trust` vouches for its signer. Never panics
/// on any input: a parser panic on a hostile file is caught and reported as a problem.
pub fn verify_with_trust(pdf: &[u8], trust: Option<&TrustList>) -> Verification {
    let mut v =
        std::panic::catch_unwind(|| verify_unguarded(pdf)).unwrap_or_else(|_| Verification {
            problems: vec!["the file could not be parsed".to_owned()],
            ..Verification::default()
        });
    if let (Some(list), Some(certificate)) = (trust, &v.certificate) {
        v.trust = Some(decide(list, certificate, v.signing_time_utc));
    }
    if let Some(list) = trust {
        for later in &mut v.countersignatures {
            if let Some(certificate) = &later.certificate {
                later.trust = Some(decide(list, certificate, later.signing_time_utc));
            }
        }
    }
    v
}

fn verify_unguarded(pdf: &[u8]) -> Verification {
    let mut v = Verification {
        file_sha256: Sha256::digest(pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        ..Verification::default()
    };
    if pdf.len() as u64 > MAX_PDF_BYTES {
        v.problems.push(format!(
            "the file is {} bytes; a screening summary is never larger than {MAX_PDF_BYTES} bytes, so it is not read",
            pdf.len()
        ));
        return v;
    }
    if let Err(problem) = super::bounds::check_inflate_budget(pdf, INFLATE_BUDGET_BYTES) {
        v.problems.push(problem);
        return v;
    }
    let doc = match Document::load_mem(pdf) {
        Ok(doc) => doc,
        Err(e) => {
            v.problems.push(format!("not a readable PDF: {e}"));
            return v;
        }
    };
    match super::revisions::find_signatures(&doc) {
        Ok(mut found) => {
            let first = found.remove(0);
            check_signature(pdf, &first.sig, &mut v);
            v.field = Some(first.field);
            for later in found {
                let mut w = Verification {
                    field: Some(later.field),
                    ..Verification::default()
                };
                check_signature(pdf, &later.sig, &mut w);
                v.countersignatures.push(w);
            }
        }
        Err(problem) => v.problems.push(problem),
    }
    if !v.intact {
        // Parsing stops once coverage fails: nothing the signature does not vouch for is read.
        return v;
    }
    if !v.countersignatures.is_empty() {
        check_countersignatures(pdf, &doc, &mut v);
    }
    // The record is read from the signed revision only, never from what was appended.
    let signed_doc = match v.appended_bytes {
        Some(appended) => match Document::load_mem(&pdf[..pdf.len() - appended]) {
            Ok(doc) => doc,
            Err(e) => {
                v.problems
                    .push(format!("the signed revision is not a readable PDF: {e}"));
                return v;
            }
        },
        None => doc,
    };
    match check_record(&signed_doc) {
        Ok(record) => {
            if !record.hash_printed {
                v.problems
                    .push("the embedded record's trial SHA-256 is not the one printed".to_owned());
            }
            if !record.verdict_printed {
                v.problems
                    .push("the embedded record's verdict is not the one printed".to_owned());
            }
            if !record.screening_id_printed {
                v.problems
                    .push("the embedded record's screening id is not the one printed".to_owned());
            }
            if let (Some(signer), Some(record_signer)) = (&v.signer, &record.signer_name)
                && &signer.name != record_signer
            {
                v.problems.push(format!(
                    "the record names signer \"{record_signer}\" but the certificate names \"{}\"",
                    signer.name
                ));
            }
            v.record = Some(record);
        }
        Err(problem) => v.problems.push(problem),
    }
    v
}

/// After the first signature: each countersignature must hold, be an investigator's
/// confirmation, and bring nothing the certification does not allow.
fn check_countersignatures(pdf: &[u8], doc: &Document, v: &mut Verification) {
    // The bytes after the first signature are the countersignatures' (checked below), not an
    // unexplained change.
    v.problems
        .retain(|problem| !problem.starts_with("signed revision intact, "));
    // Likewise for every countersignature but the last (a document timestamp may follow).
    let last = v.countersignatures.len().saturating_sub(1);
    for later in &mut v.countersignatures[..last] {
        later
            .problems
            .retain(|problem| !problem.starts_with("signed revision intact, "));
    }
    let first_end = pdf.len() - v.appended_bytes.unwrap_or(0);
    match Document::load_mem(&pdf[..first_end]) {
        Ok(earlier) => {
            for problem in super::revisions::disallowed_changes(&earlier, doc) {
                v.problems.push(problem);
            }
        }
        Err(e) => v.problems.push(format!(
            "the first signed revision is not a readable PDF: {e}"
        )),
    }
    for (n, later) in v.countersignatures.iter().enumerate() {
        let expected = prescreen_core::roles::SignatureMeaning::EligibilityConfirmedByInvestigator;
        if !later.document_timestamp && later.meaning.as_deref() != Some(expected.statement()) {
            v.problems.push(format!(
                "countersignature {}: its meaning is not \"{}\"",
                n + 1,
                expected.statement()
            ));
        }
        for problem in &later.problems {
            v.problems
                .push(format!("countersignature {}: {problem}", n + 1));
        }
        if !later.intact {
            v.problems.push(format!(
                "countersignature {}: the signature does not verify",
                n + 1
            ));
        }
    }
}

fn check_signature(pdf: &[u8], sig: &lopdf::Dictionary, v: &mut Verification) {
    let text = |key: &[u8]| {
        sig.get(key)
            .and_then(Object::as_str)
            .ok()
            .map(decode_text_string)
    };
    v.signing_time = text(b"M");
    v.meaning = text(b"Reason");
    v.location = text(b"Location");
    let sub_filter = sig.get(b"SubFilter").and_then(Object::as_name).ok();
    let document_timestamp = sub_filter == Some(b"ETSI.RFC3161".as_slice())
        && sig
            .get(b"Type")
            .and_then(Object::as_name)
            .is_ok_and(|t| t == b"DocTimeStamp");
    v.document_timestamp = document_timestamp;
    if document_timestamp {
        v.meaning = Some("Document timestamp".to_owned());
    } else if sub_filter != Some(b"ETSI.CAdES.detached".as_slice()) {
        v.problems
            .push("the signature is not a PAdES (ETSI.CAdES.detached) signature".to_owned());
    }
    let range: Vec<i64> = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
        .unwrap_or_default();
    let [start, a, b, c] = range.as_slice() else {
        v.problems
            .push("the signature has no valid /ByteRange".to_owned());
        return;
    };
    let (Ok(a), Ok(b), Ok(c)) = (
        usize::try_from(*a),
        usize::try_from(*b),
        usize::try_from(*c),
    ) else {
        v.problems.push("negative /ByteRange".to_owned());
        return;
    };
    if *start != 0 || a >= b || b > pdf.len() || a < 1 {
        v.problems
            .push("the /ByteRange does not start at the file's first byte".to_owned());
        return;
    }
    let mut appended = None;
    match b.checked_add(c) {
        Some(end) if end == pdf.len() => v.covers_whole_file = true,
        Some(end) if end < pdf.len() => appended = Some(pdf.len() - end),
        _ => {
            v.problems
                .push("the /ByteRange reaches past the end of the file".to_owned());
            return;
        }
    }
    let hole = &pdf[a..b];
    if hole.first() != Some(&b'<') || hole.last() != Some(&b'>') {
        v.problems
            .push("the gap in the /ByteRange is not the /Contents hex string".to_owned());
        return;
    }
    let hex = &hole[1..hole.len() - 1];
    if !hex.len().is_multiple_of(2) || !hex.iter().all(u8::is_ascii_hexdigit) {
        v.problems.push("/Contents is not a hex string".to_owned());
        return;
    }
    // The hole is not hashed: a digit whose case changed decodes to the same byte, so mixed
    // case means the /Contents text was edited after signing.
    if hex.iter().any(u8::is_ascii_lowercase) && hex.iter().any(u8::is_ascii_uppercase) {
        v.problems
            .push("/Contents mixes upper- and lower-case hex: edited after signing".to_owned());
        return;
    }
    let bytes: Vec<u8> = hex
        .chunks_exact(2)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        })
        .collect();
    // The hole must be this signature's /Contents, not some other string.
    let parsed_contents = sig.get(b"Contents").and_then(Object::as_str).ok();
    if parsed_contents.is_some_and(|c| c != bytes.as_slice()) {
        v.problems
            .push("the /ByteRange gap is not this signature's /Contents".to_owned());
        return;
    }
    let Some(der_len) = der_length(&bytes) else {
        v.problems
            .push("/Contents holds no DER signature".to_owned());
        return;
    };
    v.padding_clean = bytes[der_len..].iter().all(|&b| b == 0);
    if !v.padding_clean {
        v.problems
            .push("non-zero bytes in the /Contents padding after the signature".to_owned());
    }
    if document_timestamp {
        check_document_timestamp(pdf, (a, b, appended), &bytes[..der_len], v);
        return;
    }
    let parsed = match cms::parse(&bytes[..der_len]) {
        Ok(parsed) => parsed,
        Err(problem) => {
            v.problems.push(problem);
            return;
        }
    };
    let signer = signer_name(&parsed.certificate);
    // The meaning must be one the signer's role may sign (a coordinator never confirms
    // eligibility). The role is the certificate's; for a self-signed one, the signer's claim.
    if let Some(meaning) = v
        .meaning
        .as_deref()
        .and_then(prescreen_core::roles::SignatureMeaning::from_statement)
        && let Err(refused) = prescreen_core::roles::SignerRole::from_role_text(
            signer.role.as_deref().unwrap_or_default(),
        )
        .may_sign(meaning)
    {
        v.problems.push(format!(
            "the meaning does not fit the signer's role: {refused}"
        ));
    }
    // The role claimed in the signature must be the certificate's.
    if let Some(claimed) = &parsed.claimed_role
        && prescreen_core::roles::SignerRole::from_role_text(claimed)
            != prescreen_core::roles::SignerRole::from_role_text(
                signer.role.as_deref().unwrap_or_default(),
            )
    {
        v.problems.push(format!(
            "the role claimed in the signature (\"{claimed}\") contradicts the certificate's (\"{}\")",
            signer.role.as_deref().unwrap_or_default()
        ));
    }
    v.claimed_role = parsed.claimed_role.clone();
    v.signer = Some(signer);
    v.certificate_sha256 = Some(fingerprint(&parsed.certificate));
    let tbs = parsed.certificate.tbs_certificate();
    v.self_signed = tbs.issuer() == tbs.subject();
    v.signing_time_utc = v.signing_time.as_deref().and_then(pdf_date_to_timestamp);
    if v.signing_time.is_some() && v.signing_time_utc.is_none() {
        v.problems
            .push("the signing time /M cannot be read".to_owned());
    }
    if let (Some(attribute), Some(claimed)) = (parsed.signing_time_unix, v.signing_time_utc)
        && (attribute - claimed.as_second()).abs() > 1
    {
        v.problems.push(format!(
            "the signed signing-time attribute ({}) contradicts /M ({claimed})",
            jiff::Timestamp::from_second(attribute)
                .map(|t| t.to_string())
                .unwrap_or_default()
        ));
    }
    v.problems.extend(certificate_problems(
        &parsed.certificate,
        v.signing_time_utc,
    ));
    if let Some(token) = &parsed.timestamp_token {
        let info = super::tsa::timestamp_info(token, &parsed.signature, v.signing_time_utc);
        v.problems.extend(
            info.problems
                .iter()
                .map(|problem| format!("the signature timestamp: {problem}")),
        );
        v.timestamp = Some(info);
    }
    v.certificate = Some(parsed.certificate.clone());
    let signed_end = pdf.len() - appended.unwrap_or(0);
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..a]);
    hasher.update(&pdf[b..signed_end]);
    let digest = hasher.finalize();
    let mut intact = true;
    if parsed.message_digest != digest.as_slice() {
        v.problems
            .push("the signed bytes were changed: the document digest does not match".to_owned());
        intact = false;
    }
    if !parsed.content_type_is_data {
        v.problems
            .push("the content-type attribute is not id-data".to_owned());
        intact = false;
    }
    match (
        &parsed.signing_certificate_hash,
        der::Encode::to_der(&parsed.certificate),
    ) {
        (Some(hash), Ok(cert_der)) if hash.as_slice() == Sha256::digest(&cert_der).as_slice() => {}
        (None, _) => {
            v.problems
                .push("no signing-certificate-v2 attribute (PAdES requires it)".to_owned());
            intact = false;
        }
        _ => {
            v.problems.push(
                "the signing-certificate-v2 attribute does not match the certificate".to_owned(),
            );
            intact = false;
        }
    }
    if let Err(problem) = cms::verify_signature(
        &parsed.certificate,
        parsed.signature_algorithm,
        &parsed.signed_attributes_der,
        &parsed.signature,
    ) {
        v.problems.push(problem);
        intact = false;
    }
    v.intact = intact;
    if let Some(appended) = appended {
        v.problems.push(if intact {
            v.appended_bytes = Some(appended);
            format!("signed revision intact, {appended} byte(s) appended after it: the file was changed after signing")
        } else {
            format!("{appended} byte(s) after the signed range, and the signed range itself does not verify")
        });
    }
}

/// A document timestamp: the token's imprint must be the digest of the byte ranges it covers,
/// its signature and TSA certificate must hold. The TSA is its "signer".
fn check_document_timestamp(
    pdf: &[u8],
    (a, b, appended): (usize, usize, Option<usize>),
    token: &[u8],
    v: &mut Verification,
) {
    let signed_end = pdf.len() - appended.unwrap_or(0);
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..a]);
    hasher.update(&pdf[b..signed_end]);
    let check = super::tsa::check_token(token, &hasher.finalize());
    v.intact = check.problems.is_empty();
    v.signer = check.tsa_name.clone().map(|name| SignerName {
        name,
        role: Some("timestamp authority".to_owned()),
        site: None,
    });
    v.problems.extend(
        check
            .problems
            .iter()
            .map(|problem| format!("the document timestamp: {problem}")),
    );
    v.timestamp = Some(super::tsa::TimestampInfo {
        gen_time: check.gen_time,
        tsa_name: check.tsa_name,
        valid: check.problems.is_empty(),
        problems: check.problems,
    });
    if let Some(appended) = appended {
        v.problems.push(if v.intact {
            v.appended_bytes = Some(appended);
            format!("signed revision intact, {appended} byte(s) appended after it: the file was changed after signing")
        } else {
            format!("{appended} byte(s) after the signed range, and the signed range itself does not verify")
        });
    }
}

/// `D:YYYYMMDDHHmmSS` with `Z`, `+HH'mm'` or `-HH'mm'` (as prescreen writes `/M`).
pub fn pdf_date_to_timestamp(text: &str) -> Option<jiff::Timestamp> {
    let body = text.strip_prefix("D:")?;
    let digits = body.get(..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<i16>().ok();
    let civil = jiff::civil::DateTime::new(
        number(0..4)?,
        i8::try_from(number(4..6)?).ok()?,
        i8::try_from(number(6..8)?).ok()?,
        i8::try_from(number(8..10)?).ok()?,
        i8::try_from(number(10..12)?).ok()?,
        i8::try_from(number(12..14)?).ok()?,
        0,
    )
    .ok()?;
    let zone = body.get(14..)?.replace('\'', "");
    let offset_seconds = match zone.as_str() {
        "" | "Z" => 0,
        other => {
            let sign = match other.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours: i32 = other.get(1..3)?.parse().ok()?;
            let minutes: i32 = other.get(3..5).unwrap_or("0").parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let offset = jiff::tz::Offset::from_seconds(offset_seconds).ok()?;
    offset.to_timestamp(civil).ok()
}

/// Length of a DER TLV at the start of `bytes`, if it fits.
fn der_length(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < 2 || bytes[0] != 0x30 {
        return None;
    }
    let first = bytes[1] as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7F;
        if n == 0 || n > 4 || bytes.len() < 2 + n {
            return None;
        }
        let len = bytes[2..2 + n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (len, 2 + n)
    };
    let total = header.checked_add(len)?;
    (total <= bytes.len()).then_some(total)
}

/// Reads the embedded screening record (the first embedded file).
pub fn embedded_record(doc: &Document) -> Result<String, String> {
    let catalog = doc.catalog().map_err(|e| format!("no catalog: {e}"))?;
    let names = catalog
        .get_deref(b"Names", doc)
        .and_then(Object::as_dict)
        .and_then(|n| n.get_deref(b"EmbeddedFiles", doc))
        .and_then(Object::as_dict)
        .and_then(|t| t.get_deref(b"Names", doc))
        .and_then(Object::as_array)
        .map_err(|_| "no embedded screening record".to_owned())?;
    let spec = names
        .get(1)
        .ok_or_else(|| "no embedded screening record".to_owned())
        .and_then(|o| {
            doc.dereference(o)
                .and_then(|(_, o)| o.as_dict())
                .map_err(|e| e.to_string())
        })?;
    let stream = spec
        .get_deref(b"EF", doc)
        .and_then(Object::as_dict)
        .and_then(|ef| ef.get_deref(b"F", doc))
        .and_then(Object::as_stream)
        .map_err(|_| "the embedded record has no file stream".to_owned())?;
    let bytes = if stream.dict.get(b"Filter").is_ok() {
        stream
            .decompressed_content()
            .map_err(|e| format!("embedded record: {e}"))?
    } else {
        stream.content.clone()
    };
    String::from_utf8(bytes).map_err(|_| "the embedded record is not UTF-8".to_owned())
}

/// The pages' text with all whitespace removed (extraction splits runs unpredictably).
pub fn page_text_compact(doc: &Document) -> String {
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn check_record(doc: &Document) -> Result<RecordCheck, String> {
    let text = embedded_record(doc)?;
    let record = ScreeningRecord::from_ron(&text)
        .map_err(|e| format!("the embedded record cannot be read: {e}"))?;
    let printed = page_text_compact(doc);
    Ok(RecordCheck {
        hash_printed: !record.trial.sha256.is_empty()
            && printed.contains(&compact(&record.trial.sha256)),
        verdict_printed: printed.contains(&compact(&format!("VERDICT: {}", record.verdict.name))),
        screening_id_printed: printed
            .contains(&compact(&format!("Screening {}", record.screening_id))),
        screening_id: record.screening_id,
        trial: format!("{} {}", record.trial.acronym, record.trial.version),
        trial_sha256: record.trial.sha256,
        verdict: record.verdict.name,
        signer_name: record.signature.map(|s| s.name),
        chain_head: record.chain_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{
        ReportInput, ReportOptions, SignatureAppearance, SignatureMeaning, render_with_layout,
    };
    use crate::signing::identity::{KeyAlgorithm, generate};
    use crate::signing::pdf_sig::{SignatureDetails, sign_pdf_with};

    /// A signed ASSIX summary whose CMS also carries a signing-time attribute `attribute_at`.
    fn signed_with_signing_time(attribute_at: jiff::Timestamp) -> Vec<u8> {
        let now: jiff::Timestamp = "2026-12-02T08:00:00Z".parse().unwrap();
        let set = prescreen_core::trial::load::TrialSet::built_in();
        let trial = set.latest("assix").unwrap().clone();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/assix-eligible.ron"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let screening = prescreen_core::screening_file::screening_from_str(&text, path).unwrap();
        let evaluation = prescreen_core::eligibility::evaluate(&trial.definition, &screening);
        let appearance = SignatureAppearance {
            name: "Synthetic Coordinator".to_owned(),
            role: "Study nurse".to_owned(),
            site: "CPH".to_owned(),
            signed_at: now,
            utc_offset: jiff::tz::Offset::UTC,
            meaning: SignatureMeaning::ScreenedBy,
            strokes: Vec::new(),
        };
        let input = ReportInput {
            trial: trial.definition,
            trial_sha256: trial.sha256,
            screening,
            evaluation,
            signature: Some(appearance),
            audit: Vec::new(),
            chain_hash: None,
        };
        let options = ReportOptions {
            generated_at: now,
            utc_offset: jiff::tz::Offset::UTC,
        };
        let rendered = render_with_layout(&input, &options).unwrap();
        let identity = generate(
            "Synthetic Coordinator",
            "Study nurse",
            "CPH",
            KeyAlgorithm::P256,
            now,
        )
        .unwrap();
        let details = SignatureDetails {
            signed_at: now,
            utc_offset: jiff::tz::Offset::UTC,
            meaning: SignatureMeaning::ScreenedBy,
            location: "CPH".to_owned(),
        };
        let time = x509_cert::time::Time::try_from(
            std::time::SystemTime::UNIX_EPOCH
                + std::time::Duration::from_secs(attribute_at.as_second() as u64),
        )
        .unwrap();
        let value = der::asn1::Any::encode_from(&time).unwrap();
        sign_pdf_with(
            &rendered.pdf,
            rendered.signature_rect,
            None,
            &identity,
            &details,
            &|digest| {
                cms::signed_data_with(
                    &identity,
                    digest,
                    vec![cms::attribute(cms::OID_SIGNING_TIME, value.clone())?],
                )
            },
        )
        .unwrap()
    }

    #[test]
    fn a_signing_time_attribute_that_contradicts_m_is_refused() {
        let agreeing = verify(&signed_with_signing_time(
            "2026-12-02T08:00:00Z".parse().unwrap(),
        ));
        assert!(agreeing.is_valid(), "{:?}", agreeing.problems);
        let contradicting = verify(&signed_with_signing_time(
            "2026-11-01T08:00:00Z".parse().unwrap(),
        ));
        assert!(contradicting.intact, "the signature itself holds");
        assert!(!contradicting.is_valid());
        assert!(
            contradicting
                .problems
                .iter()
                .any(|p| p.contains("contradicts /M")),
            "{:?}",
            contradicting.problems
        );
    }

    #[test]
    fn pdf_dates_are_read_with_their_offset() {
        let at = pdf_date_to_timestamp("D:20261202093000+01'00'").unwrap();
        assert_eq!(at.to_string(), "2026-12-02T08:30:00Z");
        assert_eq!(pdf_date_to_timestamp("D:20261202083000Z"), Some(at));
        assert_eq!(pdf_date_to_timestamp("2026-12-02"), None);
    }
}
