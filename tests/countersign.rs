//! Two signatures, one PDF: the coordinator certifies (DocMDP P=2) and leaves the
//! investigator's field; the investigator countersigns it as an incremental update; every
//! validator accepts both, and a change to the page after the first is caught.
#![cfg(test)]

mod common;
mod pdf_common;

use pdf_common::{appearance, input, options, run, text, tool};
use prescreen::report::SignatureMeaning;
use prescreen::signing::identity::{self, KeyAlgorithm};
use prescreen::signing::pdf_sig::{SignatureDetails, countersign_pdf};
use prescreen::signing::{SigningError, SigningIdentity, sign_report, verify};

fn signer(name: &str, role: &str) -> SigningIdentity {
    identity::generate(
        name,
        role,
        "CHU Toulouse",
        KeyAlgorithm::P256,
        options().generated_at,
    )
    .unwrap()
}

fn details(meaning: SignatureMeaning) -> SignatureDetails {
    let look = appearance("Dr Synthetic Investigator", meaning);
    SignatureDetails {
        signed_at: look.signed_at,
        utc_offset: look.utc_offset,
        meaning,
        location: "CHU Toulouse".to_owned(),
    }
}

/// A coordinator-certified ELIGIBLE A-MUSE summary.
fn certified(coordinator: &SigningIdentity) -> Vec<u8> {
    let mut report = input("a-muse-eligible.ron");
    report.signature = Some(appearance(
        "Synthetic Coordinator",
        SignatureMeaning::ScreenedBy,
    ));
    sign_report(&report, &options(), coordinator).unwrap()
}

#[test]
fn the_investigator_countersigns_the_coordinators_certified_summary() {
    let dir = tempfile::tempdir().unwrap();
    let coordinator = signer("Synthetic Coordinator", "Study coordinator");
    let investigator = signer("Dr Synthetic Investigator", "Investigator");
    let first = certified(&coordinator);
    let both = countersign_pdf(
        &first,
        &investigator,
        &details(SignatureMeaning::EligibilityConfirmedByInvestigator),
        "Investigator",
    )
    .unwrap();
    assert!(
        both.starts_with(&first),
        "an incremental update: the first revision is untouched"
    );
    // Ours: both signatures hold, in order, the second an investigator's confirmation.
    let checked = verify::verify(&both);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    assert!(
        !checked.covers_whole_file,
        "the first covers its own revision"
    );
    assert_eq!(checked.countersignatures.len(), 1);
    let second = &checked.countersignatures[0];
    assert!(second.intact && second.covers_whole_file);
    assert_eq!(
        second.signer.as_ref().map(|s| s.name.as_str()),
        Some("Dr Synthetic Investigator")
    );
    assert_eq!(
        second.field.as_deref(),
        Some(prescreen::signing::pdf_sig::CONFIRMATION_FIELD)
    );
    assert_eq!(
        checked.record.as_ref().map(|r| r.verdict.as_str()),
        Some("ELIGIBLE")
    );
    // A second countersignature has no empty field left.
    assert!(matches!(
        countersign_pdf(
            &both,
            &investigator,
            &details(SignatureMeaning::EligibilityConfirmedByInvestigator),
            "Investigator"
        ),
        Err(SigningError::AlreadySigned)
    ));
    let file = dir.path().join("countersigned.pdf");
    std::fs::write(&file, &both).unwrap();
    let certs = dir.path().join("certs.pem");
    std::fs::write(
        &certs,
        format!(
            "{}{}",
            identity::certificate_pem(&coordinator.certificate).unwrap(),
            identity::certificate_pem(&investigator.certificate).unwrap()
        ),
    )
    .unwrap();
    if let Some(pyhanko) = tool("pyhanko", Some("PRESCREEN_PYHANKO")) {
        let out = run(
            &pyhanko,
            &[
                "sign",
                "validate",
                "--pretty-print",
                "--trust",
                certs.to_str().unwrap(),
                file.to_str().unwrap(),
            ],
        );
        let said = text(&out);
        assert!(out.status.success(), "pyHanko: {said}");
        assert_eq!(
            said.matches("The signature is judged VALID").count(),
            2,
            "{said}"
        );
    }
    if let Some(pdfsig) = tool("pdfsig", None) {
        let out = run(&pdfsig, &[file.to_str().unwrap()]);
        let said = text(&out);
        assert_eq!(said.matches("Signature is Valid.").count(), 2, "{said}");
    }
    if let Some(qpdf) = tool("qpdf", None) {
        let out = run(&qpdf, &["--check", file.to_str().unwrap()]);
        assert!(out.status.success(), "qpdf: {}", text(&out));
    }
}

#[test]
fn a_page_changed_after_the_first_signature_is_refused_even_when_countersigned() {
    use prescreen::report::increment::{Base, append, write_object};
    let dir = tempfile::tempdir().unwrap();
    let coordinator = signer("Synthetic Coordinator", "Study coordinator");
    let investigator = signer("Dr Synthetic Investigator", "Investigator");
    let first = certified(&coordinator);
    // An update that gives page 1 other content (an "ELIGIBLE" stamped over the page).
    let mut base = Base::read(&first).unwrap();
    let page_id = *base.doc.get_pages().get(&1).unwrap();
    let mut page = base.dictionary(page_id).unwrap();
    let stream_id = base.allocate();
    page.set("Contents", lopdf::Object::Reference((stream_id, 0)));
    let mut page_body = Vec::new();
    write_object(&mut page_body, &lopdf::Object::Dictionary(page));
    let content = "BT /F1 40 Tf 100 400 Td (FORGED) Tj ET";
    let stream = format!(
        "<</Length {}>>\nstream\n{content}\nendstream",
        content.len()
    );
    let mut tampered = first.clone();
    append(
        &mut tampered,
        &base,
        &[(stream_id, stream.into_bytes()), (page_id.0, page_body)],
    );
    let both = countersign_pdf(
        &tampered,
        &investigator,
        &details(SignatureMeaning::EligibilityConfirmedByInvestigator),
        "Investigator",
    )
    .unwrap();
    let checked = verify::verify(&both);
    assert!(!checked.is_valid());
    assert!(
        checked
            .problems
            .iter()
            .any(|p| p.contains("(Page) was changed after the first signature")),
        "{:?}",
        checked.problems
    );
    let file = dir.path().join("forged.pdf");
    std::fs::write(&file, &both).unwrap();
    if let Some(pyhanko) = tool("pyhanko", Some("PRESCREEN_PYHANKO")) {
        let certs = dir.path().join("certs.pem");
        std::fs::write(
            &certs,
            format!(
                "{}{}",
                identity::certificate_pem(&coordinator.certificate).unwrap(),
                identity::certificate_pem(&investigator.certificate).unwrap()
            ),
        )
        .unwrap();
        let out = run(
            &pyhanko,
            &[
                "sign",
                "validate",
                "--pretty-print",
                "--trust",
                certs.to_str().unwrap(),
                file.to_str().unwrap(),
            ],
        );
        assert!(
            !out.status.success(),
            "pyHanko must flag it: {}",
            text(&out)
        );
    }
}
