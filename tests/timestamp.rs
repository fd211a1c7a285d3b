//! RFC 3161 signature timestamps (PAdES B-T) against a real TSA on 127.0.0.1 (openssl ts):
//! a signature and a countersignature carry checked tokens that our `verify`, pyHanko and
//! openssl accept; a TSA that is down leaves a B-B signature and a warning; a token that
//! fails a check is never embedded, and one changed inside a PDF is flagged.
#![cfg(test)]

mod common;
mod pdf_common;

use std::time::Instant;

use jiff::Timestamp;
use jiff::tz::Offset;
use pdf_common::tsa::{LocalTsa, dead_url, openssl_verifies};
use pdf_common::{appearance, input, run, text, tool};
use prescreen::report::{ReportOptions, SignatureMeaning};
use prescreen::signing::identity::{self, KeyAlgorithm};
use prescreen::signing::pdf_sig::{SignatureDetails, countersign_pdf_with_tsa};
use prescreen::signing::{Signed, SigningIdentity, cms, sign_report_with_tsa, tsa, verify};

fn now() -> Timestamp {
    // Whole seconds: /M has no fractions.
    Timestamp::from_second(Timestamp::now().as_second()).unwrap()
}

fn signer(name: &str, role: &str) -> SigningIdentity {
    identity::generate(
        name,
        role,
        "CHU Toulouse",
        KeyAlgorithm::P256,
        now() - jiff::SignedDuration::from_hours(1),
    )
    .unwrap()
}

/// The ELIGIBLE A-MUSE summary signed (certified) by a coordinator now, timestamped by `url`.
fn certified(coordinator: &SigningIdentity, url: Option<&str>) -> Signed {
    let at = now();
    let mut report = input("a-muse-eligible.ron");
    let mut look = appearance("Synthetic Coordinator", SignatureMeaning::ScreenedBy);
    look.signed_at = at;
    report.signature = Some(look);
    let options = ReportOptions {
        generated_at: at,
        utc_offset: Offset::from_seconds(3600).unwrap(),
    };
    sign_report_with_tsa(&report, &options, coordinator, url).unwrap()
}

fn countersigned(first: &[u8], investigator: &SigningIdentity, url: Option<&str>) -> Signed {
    countersign_pdf_with_tsa(
        first,
        investigator,
        &SignatureDetails {
            signed_at: now(),
            utc_offset: Offset::from_seconds(3600).unwrap(),
            meaning: SignatureMeaning::EligibilityConfirmedByInvestigator,
            location: "CHU Toulouse".to_owned(),
        },
        "Investigator",
        url,
    )
    .unwrap()
}

fn pem(identity: &SigningIdentity) -> String {
    identity::certificate_pem(&identity.certificate).unwrap()
}

/// pyHanko with the signers' and the TSA's certificates trusted; its output.
fn pyhanko_validates(
    dir: &std::path::Path,
    pdf: &[u8],
    signers: &str,
    tsa: &LocalTsa,
) -> Option<String> {
    let pyhanko = tool("pyhanko", Some("PRESCREEN_PYHANKO"))?;
    let file = dir.join("timestamped.pdf");
    std::fs::write(&file, pdf).unwrap();
    let certs = dir.join("signers.pem");
    std::fs::write(&certs, signers).unwrap();
    let out = run(
        &pyhanko,
        &[
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            certs.to_str().unwrap(),
            "--trust",
            tsa.cert.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    let said = text(&out);
    assert!(out.status.success(), "pyHanko: {said}");
    Some(said)
}

#[test]
fn a_signature_timestamped_by_a_tsa_verifies_here_in_pyhanko_and_in_openssl() {
    let Some(tsa) = LocalTsa::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let coordinator = signer("Synthetic Coordinator", "Study coordinator");
    let started = Instant::now();
    let signed = certified(&coordinator, Some(&tsa.url));
    let took = started.elapsed();
    assert_eq!(signed.warning, None);
    let token = signed.timestamp.clone().expect("a token was embedded");
    assert_eq!(token.tsa_name, "Test TSA");
    eprintln!(
        "MEASURED: A-MUSE summary signed + timestamped: {} bytes, {} ms (debug build, RSA-2048 TSA via openssl)",
        signed.pdf.len(),
        took.as_millis()
    );
    let checked = verify::verify(&signed.pdf);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    let stamp = checked.timestamp.as_ref().expect("verify sees the token");
    assert!(stamp.valid, "{:?}", stamp.problems);
    assert_eq!(stamp.tsa_name.as_deref(), Some("Test TSA"));
    let gen_time = stamp.gen_time.unwrap();
    let signed_at = checked.signing_time_utc.unwrap();
    let delay = gen_time.as_second() - signed_at.as_second();
    assert!(
        (-60..=300).contains(&delay),
        "genTime {gen_time} vs /M {signed_at}"
    );
    // openssl checks the same token over the signature value on its own.
    let signature = cms::parse(&embedded_cms(&signed.pdf, 0)).unwrap().signature;
    let said = openssl_verifies(&tsa, &token.der, &signature);
    assert!(said.contains("Verification: OK"), "{said}");
    if let Some(said) = pyhanko_validates(dir.path(), &signed.pdf, &pem(&coordinator), &tsa) {
        assert!(said.contains("The signature is judged VALID"), "{said}");
        assert!(
            said.contains("The timestamp token is cryptographically sound."),
            "{said}"
        );
        assert!(said.contains("The TSA certificate is trusted."), "{said}");
    }
}

#[test]
fn a_countersignature_carries_its_own_timestamp() {
    let Some(tsa) = LocalTsa::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let coordinator = signer("Synthetic Coordinator", "Study coordinator");
    let investigator = signer("Dr Synthetic Investigator", "Investigator");
    let first = certified(&coordinator, Some(&tsa.url));
    let started = Instant::now();
    let both = countersigned(&first.pdf, &investigator, Some(&tsa.url));
    let took = started.elapsed();
    assert_eq!(both.warning, None);
    assert!(both.timestamp.is_some());
    eprintln!(
        "MEASURED: A-MUSE summary signed + countersigned, two tokens: {} bytes (first alone {} bytes); countersign + timestamp {} ms",
        both.pdf.len(),
        first.pdf.len(),
        took.as_millis()
    );
    assert!(both.pdf.len() <= 60 * 1024, "{} bytes", both.pdf.len());
    let checked = verify::verify(&both.pdf);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    let stamps: Vec<_> = std::iter::once(&checked)
        .chain(&checked.countersignatures)
        .map(|v| v.timestamp.clone().expect("each signature has a token"))
        .collect();
    assert_eq!(stamps.len(), 2);
    assert!(stamps.iter().all(|s| s.valid), "{stamps:?}");
    // Two per signature: the probe that sizes /Contents, then the token embedded.
    assert_eq!(tsa.answered.load(std::sync::atomic::Ordering::SeqCst), 4);
    let signers = format!("{}{}", pem(&coordinator), pem(&investigator));
    if let Some(said) = pyhanko_validates(dir.path(), &both.pdf, &signers, &tsa) {
        assert_eq!(
            said.matches("The signature is judged VALID").count(),
            2,
            "{said}"
        );
        assert_eq!(
            said.matches("The timestamp token is cryptographically sound.")
                .count(),
            2,
            "{said}"
        );
    }
}

#[test]
fn a_tsa_that_is_down_leaves_a_b_b_signature_and_a_warning() {
    let coordinator = signer("Synthetic Coordinator", "Study coordinator");
    let signed = certified(&coordinator, Some(&dead_url()));
    assert_eq!(signed.timestamp, None);
    let warning = signed.warning.expect("a warning");
    assert!(warning.contains("could not be reached"), "{warning}");
    assert!(warning.contains("signer's own claim"), "{warning}");
    let checked = verify::verify(&signed.pdf);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    assert_eq!(checked.timestamp, None);
    // https:// is refused plainly, also without failing the signing.
    let https = certified(&coordinator, Some("https://tsa.example/"));
    assert!(https.warning.unwrap().contains("https:// is not supported"));
}

#[test]
fn a_token_that_fails_a_check_is_never_handed_out() {
    let Some(tsa) = LocalTsa::start() else { return };
    let hash = [0x5au8; 32];
    let nonce = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x01];
    let reply = tsa.reply(&tsa::request_der(&hash, &nonce).unwrap());
    let token = tsa::check_response(&reply, &hash, Some(&nonce)).unwrap();
    assert_eq!(token.tsa_name, "Test TSA");
    let wrong_hash = tsa::check_response(&reply, &[0xa5; 32], Some(&nonce)).unwrap_err();
    assert!(
        wrong_hash.to_string().contains("message imprint"),
        "{wrong_hash}"
    );
    let wrong_nonce = tsa::check_response(&reply, &hash, Some(&[9; 8])).unwrap_err();
    assert!(wrong_nonce.to_string().contains("nonce"), "{wrong_nonce}");
    // A flipped byte in the TSA's signature value.
    let signature = cms::parse_encapsulated(&token.der).unwrap().signature;
    let at = find(&reply, &signature).unwrap();
    let mut flipped = reply.clone();
    flipped[at + 10] ^= 0x01;
    let refused = tsa::check_response(&flipped, &hash, Some(&nonce)).unwrap_err();
    assert!(refused.to_string().contains("signature"), "{refused}");
}

#[test]
fn a_token_changed_inside_the_pdf_is_flagged_by_verify() {
    let Some(tsa) = LocalTsa::start() else { return };
    let coordinator = signer("Synthetic Coordinator", "Study coordinator");
    let signed = certified(&coordinator, Some(&tsa.url));
    let token = signed.timestamp.unwrap();
    let tsa_signature = cms::parse_encapsulated(&token.der).unwrap().signature;
    let hex: String = tsa_signature.iter().map(|b| format!("{b:02x}")).collect();
    let at = find(&signed.pdf, hex.as_bytes()).expect("the token's signature in /Contents");
    let mut pdf = signed.pdf.clone();
    // One hex digit of the TSA's signature value, still lower-case hex.
    pdf[at + 20] = if pdf[at + 20] == b'0' { b'1' } else { b'0' };
    let checked = verify::verify(&pdf);
    assert!(checked.intact, "the PDF signature itself still holds");
    assert!(!checked.is_valid());
    let stamp = checked.timestamp.as_ref().unwrap();
    assert!(!stamp.valid);
    assert!(
        checked
            .problems
            .iter()
            .any(|p| p.starts_with("the signature timestamp: the token's signature")),
        "{:?}",
        checked.problems
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The DER CMS of the `n`th signature's /Contents (zero padding trimmed by its DER length).
fn embedded_cms(pdf: &[u8], n: usize) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let mut found = Vec::new();
    for object in doc.objects.values() {
        if let Ok(dict) = object.as_dict()
            && dict.get(b"Type").and_then(lopdf::Object::as_name).ok() == Some(b"Sig".as_slice())
        {
            found.push(dict.get(b"Contents").unwrap().as_str().unwrap().to_vec());
        }
    }
    let bytes = found.remove(n);
    // The DER value alone: the zero padding after it is not part of the CMS.
    let mut reader = der::SliceReader::new(&bytes).unwrap();
    let any = <der::asn1::Any as der::Decode>::decode(&mut reader).unwrap();
    der::Encode::to_der(&any).unwrap()
}

/// `prescreen timestamp`: a document timestamp added to a countersigned summary later keeps
/// both signatures valid (an allowed addition after the certification), and the timestamp is
/// listed last, the TSA as its signer.
#[test]
fn a_document_timestamp_added_later_keeps_every_signature_valid() {
    let Some(tsa) = LocalTsa::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let coordinator = signer("Synthetic Coordinator", "Study coordinator");
    let investigator = signer("Dr Synthetic Investigator", "Investigator");
    let first = certified(&coordinator, None);
    let both = countersigned(&first.pdf, &investigator, None);
    let stamped =
        prescreen::signing::doc_timestamp::timestamp_document(&both.pdf, &tsa.url).unwrap();
    assert!(stamped.starts_with(&both.pdf), "an incremental update");
    let checked = verify::verify(&stamped);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    assert_eq!(checked.countersignatures.len(), 2);
    let last = &checked.countersignatures[1];
    assert!(last.document_timestamp && last.intact && last.covers_whole_file);
    assert_eq!(
        last.signer.as_ref().map(|s| s.name.as_str()),
        Some("Test TSA")
    );
    assert!(last.timestamp.as_ref().is_some_and(|t| t.valid));
    let signers = format!("{}{}", pem(&coordinator), pem(&investigator));
    if let Some(said) = pyhanko_validates(dir.path(), &stamped, &signers, &tsa) {
        assert_eq!(
            said.matches("The signature is judged VALID").count(),
            2,
            "{said}"
        );
    }
    // A document timestamp over a changed file does not hold.
    let mut tampered = stamped.clone();
    let at = find(&tampered, b"/Type /DocTimeStamp").unwrap();
    tampered[at - 30] ^= 0x01;
    assert!(!verify::verify(&tampered).is_valid());
}
