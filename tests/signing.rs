//! Signed reports: our verifier, pyHanko and pdfsig agree that a fresh signature is intact
//! and covers the whole file, and all notice a flipped byte; appended bytes, padding bytes,
//! wrong passphrases, PKCS#12 identities and the CLI end to end.

#![cfg(test)]

mod common;

mod pdf_common;

use std::path::{Path, PathBuf};

use pdf_common::{appearance, input, normalise, options, pdf_text, run, text, tool};
use prescreen::report::{ReportInput, SignatureMeaning};
use prescreen::signing::identity::{self, KeyAlgorithm};
use prescreen::signing::{SigningError, SigningIdentity, sign_report, store, verify};

const SIGNER: &str = "Camille Lefèvre-Ødegård";

fn identity(algorithm: KeyAlgorithm) -> SigningIdentity {
    identity::generate(
        SIGNER,
        "Clinical research coordinator",
        "CHU Toulouse",
        algorithm,
        options().generated_at,
    )
    .unwrap()
}

fn signed_input(name: &str, meaning: SignatureMeaning) -> ReportInput {
    let mut input = input(name);
    input.signature = Some(appearance(SIGNER, meaning));
    input
}

fn cert_pem(identity: &SigningIdentity, dir: &Path) -> PathBuf {
    use der::Encode;
    let der = identity.certificate.to_der().unwrap();
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap();
    let path = dir.join("cert.pem");
    std::fs::write(&path, pem).unwrap();
    path
}

/// What the external validators say about one file.
struct External {
    pyhanko_ok: Option<bool>,
    pyhanko_text: String,
    pdfsig_valid: Option<bool>,
    pdfsig_total: Option<bool>,
    pdfsig_text: String,
}

fn external(file: &Path, cert: &Path) -> External {
    let mut result = External {
        pyhanko_ok: None,
        pyhanko_text: String::new(),
        pdfsig_valid: None,
        pdfsig_total: None,
        pdfsig_text: String::new(),
    };
    if let Some(pyhanko) = tool("pyhanko", Some("PRESCREEN_PYHANKO")) {
        let out = run(
            &pyhanko,
            &[
                "sign",
                "validate",
                "--pretty-print",
                "--trust",
                cert.to_str().unwrap(),
                file.to_str().unwrap(),
            ],
        );
        result.pyhanko_text = text(&out);
        result.pyhanko_ok = Some(out.status.success());
    }
    if let Some(pdfsig) = tool("pdfsig", None) {
        let out = run(&pdfsig, &[file.to_str().unwrap()]);
        let t = text(&out);
        result.pdfsig_valid = Some(t.contains("Signature is Valid."));
        result.pdfsig_total = Some(t.contains("Total document signed"));
        result.pdfsig_text = t;
    }
    result
}

#[test]
fn rsa_signed_a_muse_is_valid_for_every_validator() {
    let dir = tempfile::tempdir().unwrap();
    let signer = identity(KeyAlgorithm::Rsa2048);
    let input = signed_input("a-muse-eligible.ron", SignatureMeaning::ScreenedBy);
    let pdf = sign_report(&input, &options(), &signer).unwrap();
    let file = dir.path().join("signed.pdf");
    std::fs::write(&file, &pdf).unwrap();
    eprintln!("signed A-MUSE report: {} bytes", pdf.len());
    assert!(
        pdf.len() < 60 * 1024,
        "signed report is {} bytes",
        pdf.len()
    );

    let ours = verify(&pdf);
    assert!(ours.is_valid(), "{ours:#?}");
    assert_eq!(ours.signer.as_ref().unwrap().name, SIGNER);

    let cert = cert_pem(&signer, dir.path());
    let ext = external(&file, &cert);
    if let Some(ok) = ext.pyhanko_ok {
        assert!(ok, "pyHanko: {}", ext.pyhanko_text);
        let t = ext.pyhanko_text.to_lowercase();
        assert!(t.contains("entire file"), "pyHanko: {}", ext.pyhanko_text);
    }
    if let Some(valid) = ext.pdfsig_valid {
        assert!(valid, "pdfsig: {}", ext.pdfsig_text);
        assert_eq!(ext.pdfsig_total, Some(true), "pdfsig: {}", ext.pdfsig_text);
    }
    if let Some(qpdf) = tool("qpdf", None) {
        let out = run(&qpdf, &["--check", file.to_str().unwrap()]);
        assert!(out.status.success(), "qpdf: {}", text(&out));
    }
    if let Some(pdftotext) = tool("pdftotext", None) {
        let extracted = pdf_text(&pdftotext, &file);
        for criterion in &input.trial.criteria {
            assert!(
                extracted.contains(&normalise(&criterion.text)),
                "{}",
                criterion.id
            );
        }
        assert!(extracted.contains("VERDICT: ELIGIBLE"));
        assert!(extracted.contains(SIGNER), "signer's name not extractable");
        assert!(extracted.contains(SignatureMeaning::ScreenedBy.statement()));
        assert!(!extracted.contains("DRAFT — NOT SIGNED"));
    }
}

#[test]
fn p256_signed_assix_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let signer = identity(KeyAlgorithm::P256);
    let input = signed_input("assix-not-eligible.ron", SignatureMeaning::PreScreenedBy);
    let pdf = sign_report(&input, &options(), &signer).unwrap();
    let file = dir.path().join("signed.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let ours = verify(&pdf);
    assert!(ours.is_valid(), "{ours:#?}");
    let ext = external(&file, &cert_pem(&signer, dir.path()));
    if let Some(ok) = ext.pyhanko_ok {
        assert!(ok, "pyHanko: {}", ext.pyhanko_text);
    }
    if let Some(valid) = ext.pdfsig_valid {
        assert!(valid, "pdfsig: {}", ext.pdfsig_text);
    }
    if let Some(pdftotext) = tool("pdftotext", None) {
        let extracted = pdf_text(&pdftotext, &file);
        assert!(extracted.contains("VERDICT: NOT ELIGIBLE"));
        assert!(extracted.contains("Pre-screened by"));
        assert!(extracted.contains(SIGNER));
    }
}

fn contents_span(pdf: &[u8]) -> (usize, usize) {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let _ = doc;
    let key = b"/ByteRange [";
    let at = pdf.windows(key.len()).rposition(|w| w == key).unwrap() + key.len();
    let numbers: Vec<usize> = std::str::from_utf8(&pdf[at..at + 60])
        .unwrap()
        .split(']')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    (numbers[1], numbers[2])
}

fn flip_hex_digit(pdf: &mut [u8], at: usize) {
    pdf[at] = if pdf[at] == b'0' { b'1' } else { b'0' };
}

fn page_content_offset(pdf: &[u8]) -> usize {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let page_id = *doc.get_pages().get(&1).unwrap();
    let page = doc.get_object(page_id).unwrap().as_dict().unwrap();
    let contents = page.get(b"Contents").unwrap();
    let id = match contents {
        lopdf::Object::Reference(id) => *id,
        lopdf::Object::Array(items) => items[0].as_reference().unwrap(),
        other => panic!("unexpected /Contents {other:?}"),
    };
    let header = format!("\n{} {} obj", id.0, id.1);
    let at = pdf
        .windows(header.len())
        .position(|w| w == header.as_bytes())
        .unwrap();
    let stream = pdf[at..].windows(6).position(|w| w == b"stream").unwrap() + at + 6;
    stream + 40
}

#[test]
fn a_flipped_byte_anywhere_breaks_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let signer = identity(KeyAlgorithm::Rsa2048);
    let pdf = sign_report(
        &signed_input("a-muse-not-eligible.ron", SignatureMeaning::ScreenedBy),
        &options(),
        &signer,
    )
    .unwrap();
    let cert = cert_pem(&signer, dir.path());
    let (a, b) = contents_span(&pdf);
    let der_hex_len = {
        let hex = std::str::from_utf8(&pdf[a + 1..b - 1]).unwrap();
        hex.trim_end_matches('0').len()
    };
    // /M sits in the signed signature dictionary, after /Contents.
    let m_at = pdf[b..].windows(3).position(|w| w == b"/M ").unwrap() + b + 4;
    let cases: Vec<(&str, usize)> = vec![
        ("page text", page_content_offset(&pdf)),
        ("signed dictionary", m_at),
        ("CMS", a + 1 + der_hex_len - 20),
    ];
    for (what, at) in cases {
        let mut tampered = pdf.clone();
        if what == "page text" {
            tampered[at] ^= 0x01;
        } else {
            flip_hex_digit(&mut tampered, at);
        }
        let ours = verify(&tampered);
        assert!(
            !ours.is_valid(),
            "{what}: prescreen verify still says valid"
        );
        let file = dir
            .path()
            .join(format!("tampered-{}.pdf", what.replace(' ', "-")));
        std::fs::write(&file, &tampered).unwrap();
        let ext = external(&file, &cert);
        if let Some(ok) = ext.pyhanko_ok {
            assert!(
                !ok,
                "{what}: pyHanko still says valid: {}",
                ext.pyhanko_text
            );
        }
        if let Some(valid) = ext.pdfsig_valid {
            assert!(
                !valid,
                "{what}: pdfsig still says valid: {}",
                ext.pdfsig_text
            );
        }
    }
}

#[test]
fn padding_and_appended_bytes_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let signer = identity(KeyAlgorithm::P256);
    let pdf = sign_report(
        &signed_input("assix-eligible.ron", SignatureMeaning::ScreenedBy),
        &options(),
        &signer,
    )
    .unwrap();
    let cert = cert_pem(&signer, dir.path());
    let (_, b) = contents_span(&pdf);

    // A non-zero byte in the /Contents padding: only our verifier notices.
    let mut padded = pdf.clone();
    padded[b - 5] = b'7';
    let ours = verify(&padded);
    assert!(!ours.is_valid());
    assert!(!ours.padding_clean);

    // One byte appended: verify and pyHanko fail, pdfsig drops "Total document signed".
    let mut appended = pdf.clone();
    appended.push(b'%');
    let ours = verify(&appended);
    assert!(!ours.is_valid());
    assert!(!ours.covers_whole_file);
    let file = dir.path().join("appended.pdf");
    std::fs::write(&file, &appended).unwrap();
    let ext = external(&file, &cert);
    if ext.pyhanko_ok.is_some() {
        // pyHanko 0.38 still exits 0 ("judged VALID": trailing bytes are a compatible
        // modification), but it reports that the signature no longer covers the whole file:
        // that is the failure we require from it.
        assert!(
            ext.pyhanko_text.contains("does not cover the entire file"),
            "pyHanko does not notice an appended byte: {}",
            ext.pyhanko_text
        );
    }
    if let Some(total) = ext.pdfsig_total {
        assert!(!total, "pdfsig still says Total document signed");
    }
}

#[test]
fn incomplete_screenings_cannot_be_signed() {
    let signer = identity(KeyAlgorithm::P256);
    let input = signed_input("a-muse-incomplete.ron", SignatureMeaning::ScreenedBy);
    assert_eq!(
        sign_report(&input, &options(), &signer).unwrap_err(),
        SigningError::NotSettled
    );
}

#[test]
fn stored_identity_needs_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let signer = identity(KeyAlgorithm::P256);
    let path = store::save(dir.path(), &signer, "correct horse battery", false).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        store::load(dir.path(), "wrong passphrase").unwrap_err(),
        SigningError::WrongPassphrase
    );
    let loaded = store::load(dir.path(), "correct horse battery").unwrap();
    assert_eq!(loaded.certificate, signer.certificate);
    assert!(store::save(dir.path(), &signer, "correct horse battery", false).is_err());
    assert!(matches!(
        store::save(dir.path(), &signer, "short", true).unwrap_err(),
        SigningError::WeakPassphrase(_)
    ));
    // Long enough but guessable: refused with zxcvbn's advice.
    match store::save(dir.path(), &signer, "password1234", true).unwrap_err() {
        SigningError::WeakPassphrase(why) => assert!(why.contains("common"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_openssl_pkcs12_identity_signs_and_validates() {
    let Some(openssl) = tool("openssl", None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let cert = dir.path().join("cert.pem");
    let p12 = dir.path().join("id.p12");
    // An end-entity document-signing certificate, as an institution's CA issues (OpenSSL's
    // default `req -x509` profile makes a CA certificate, which may not sign documents).
    let config = dir.path().join("openssl.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name = dn\n[dn]\n[ext]\nbasicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature, nonRepudiation\n",
    )
    .unwrap();
    let out = run(
        &openssl,
        &[
            "req",
            "-config",
            config.to_str().unwrap(),
            "-extensions",
            "ext",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=Institution Signer/title=Investigator/O=Rigshospitalet",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = run(
        &openssl,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            key.to_str().unwrap(),
            "-in",
            cert.to_str().unwrap(),
            "-out",
            p12.to_str().unwrap(),
            "-passout",
            "pass:institution-secret",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    // OpenSSL's -legacy format (RC2/3DES, SHA-1 MAC) from older institutional tooling loads too.
    let legacy = dir.path().join("legacy.p12");
    let out = run(
        &openssl,
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-inkey",
            key.to_str().unwrap(),
            "-in",
            cert.to_str().unwrap(),
            "-out",
            legacy.to_str().unwrap(),
            "-passout",
            "pass:institution-secret",
        ],
    );
    if out.status.success() {
        let data = std::fs::read(&legacy).unwrap();
        identity::from_pkcs12(&data, "institution-secret").unwrap();
    } else {
        eprintln!(
            "WARNING: openssl cannot write -legacy PKCS#12 here: {}",
            text(&out)
        );
    }
    let data = std::fs::read(&p12).unwrap();
    assert_eq!(
        identity::from_pkcs12(&data, "not the passphrase").unwrap_err(),
        SigningError::WrongPassphrase
    );
    let signer = identity::from_pkcs12(&data, "institution-secret").unwrap();
    assert_eq!(
        identity::signer_name(&signer.certificate).name,
        "Institution Signer"
    );
    let mut input = input("assix-prescreen-passed.ron");
    // The institution's certificate names an investigator: they confirm eligibility.
    let mut look = appearance(
        "Institution Signer",
        SignatureMeaning::EligibilityConfirmedByInvestigator,
    );
    look.site = "Rigshospitalet".to_owned();
    // Signed now: the certificate OpenSSL just made is valid from now on.
    look.signed_at = jiff::Timestamp::now();
    input.signature = Some(look);
    let pdf = sign_report(&input, &options(), &signer).unwrap();
    assert!(verify(&pdf).is_valid());
    let file = dir.path().join("p12-signed.pdf");
    std::fs::write(&file, &pdf).unwrap();

    // The same file through the CLI: a wrong passphrase stores nothing; the right one does.
    let data = dir.path().join("data");
    let out = prescreen(
        &data,
        &["identity", "import", p12.to_str().unwrap()],
        Some("nope nope nope"),
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("wrong passphrase"), "{}", text(&out));
    assert!(!data.join("signing/identity.pem").exists());
    let out = prescreen(
        &data,
        &["identity", "import", p12.to_str().unwrap()],
        Some("institution-secret"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = prescreen(&data, &["identity", "show"], None);
    assert!(text(&out).contains("Institution Signer"), "{}", text(&out));

    // A PKCS#12 with a short passphrase is stored under a new, long enough one.
    let short = dir.path().join("short.p12");
    let out = run(
        &openssl,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            key.to_str().unwrap(),
            "-in",
            cert.to_str().unwrap(),
            "-out",
            short.to_str().unwrap(),
            "-passout",
            "pass:abc",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = common::prescreen_command()
        .arg("--data-dir")
        .arg(&data)
        .args(["identity", "import", "--replace", short.to_str().unwrap()])
        .env("PRESCREEN_PASSPHRASE", "abc")
        .env("PRESCREEN_NEW_PASSPHRASE", "a much longer passphrase")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(store::load(&data.join("signing"), "a much longer passphrase").is_ok());
    assert_eq!(
        store::load(&data.join("signing"), "abc").unwrap_err(),
        SigningError::WrongPassphrase
    );

    let ext = external(&file, &cert);
    if let Some(ok) = ext.pyhanko_ok {
        assert!(ok, "pyHanko: {}", ext.pyhanko_text);
    }
    if let Some(valid) = ext.pdfsig_valid {
        assert!(valid, "pdfsig: {}", ext.pdfsig_text);
    }
}

fn prescreen(data: &Path, args: &[&str], passphrase: Option<&str>) -> std::process::Output {
    let mut command = common::prescreen_command();
    command.arg("--data-dir").arg(data).args(args);
    if let Some(secret) = passphrase {
        command.env("PRESCREEN_PASSPHRASE", secret);
    }
    command.output().unwrap()
}

#[test]
fn cli_identity_export_sign_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secret = Some("a long enough passphrase");
    let out = prescreen(
        &data,
        &[
            "coordinator",
            "set",
            "--name",
            SIGNER,
            "--role",
            "Study nurse",
            "--site",
            "TLS",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = prescreen(
        &data,
        &[
            "identity",
            "new",
            "--name",
            SIGNER,
            "--role",
            "Study nurse",
            "--site",
            "CHU Toulouse",
            "--key",
            "p256",
        ],
        secret,
    );
    assert!(out.status.success(), "{}", text(&out));
    // With a coordinator set, the new identity is registered in this store's trusted signers.
    assert!(
        text(&out).contains("registered as a trusted signer in this store"),
        "{}",
        text(&out)
    );
    let fixture = pdf_common::fixture("a-muse-eligible.ron");
    let out = prescreen(&data, &["import", fixture.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out));
    let id = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();

    // A wrong passphrase is a clear error and writes nothing.
    let pdf = dir.path().join("signed.pdf");
    let out = prescreen(
        &data,
        &[
            "export",
            &id,
            "--out",
            pdf.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
        ],
        Some("the wrong passphrase"),
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("wrong passphrase"), "{}", text(&out));
    assert!(!pdf.exists());

    let out = prescreen(
        &data,
        &[
            "export",
            &id,
            "--out",
            pdf.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
        ],
        secret,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = prescreen(&data, &["verify", pdf.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out));
    let report = text(&out);
    assert!(report.contains("RESULT: VALID"), "{report}");
    assert!(
        report.contains("trusted:            yes — registered signer"),
        "{report}"
    );
    assert!(
        report.contains("its signature is recorded at event #"),
        "{report}"
    );
    assert!(
        report.contains("before its signature: in place"),
        "{report}"
    );
    assert!(report.contains(SIGNER), "{report}");
    assert!(report.contains("claimed by the signer"), "{report}");
    if let Some(pdftotext) = tool("pdftotext", None) {
        // The audit appendix names the date-of-birth change but never shows the date.
        let extracted = pdf_text(&pdftotext, &pdf);
        assert!(extracted.contains("date of birth"), "{extracted}");
        assert!(
            !extracted.contains("1968-03-14"),
            "the date of birth is printed"
        );
        assert!(extracted.contains(SIGNER));
    }

    // A coordinator does not confirm eligibility: refused, nothing written.
    let not_theirs = dir.path().join("not-theirs.pdf");
    let out = prescreen(
        &data,
        &[
            "export",
            &id,
            "--out",
            not_theirs.to_str().unwrap(),
            "--sign",
            "--meaning",
            "eligibility-confirmed",
        ],
        secret,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("is signed by an investigator"),
        "{}",
        text(&out)
    );
    assert!(!not_theirs.exists());

    // Signing again supersedes the first PDF in the audit trail.
    let second = dir.path().join("signed-again.pdf");
    let out = prescreen(
        &data,
        &[
            "export",
            &id,
            "--out",
            second.to_str().unwrap(),
            "--sign",
            "--meaning",
            "prescreened",
        ],
        secret,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = prescreen(&data, &["audit", "history", &id], None);
    assert!(
        text(&out).contains("supersedes PDF signed.pdf"),
        "{}",
        text(&out)
    );

    let mut bytes = std::fs::read(&pdf).unwrap();
    bytes.push(b' ');
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes).unwrap();
    let out = prescreen(&data, &["verify", tampered.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // An unsigned draft from a file.
    let draft = dir.path().join("draft.pdf");
    let incomplete = pdf_common::fixture("assix-incomplete.ron");
    let out = prescreen(
        &data,
        &[
            "export",
            "--from",
            incomplete.to_str().unwrap(),
            "--out",
            draft.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = prescreen(&data, &["verify", draft.to_str().unwrap()], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unsigned draft must not verify"
    );
}

#[test]
fn verify_never_panics_and_never_accepts_a_mutation() {
    let signer = identity(KeyAlgorithm::P256);
    let pdf = sign_report(
        &signed_input("assix-eligible.ron", SignatureMeaning::ScreenedBy),
        &options(),
        &signer,
    )
    .unwrap();
    assert!(verify(&pdf).is_valid());
    let seed = fastrand::u64(..);
    eprintln!("mutation seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..300 {
        let mut mutated = pdf.clone();
        match rng.u8(0..3) {
            0 => {
                let at = rng.usize(..mutated.len());
                mutated[at] = mutated[at].wrapping_add(rng.u8(1..=255));
            }
            1 => mutated.truncate(rng.usize(..mutated.len())),
            _ => {
                let at = rng.usize(..mutated.len());
                mutated.insert(at, rng.u8(..));
            }
        }
        assert!(
            !verify(&mutated).is_valid(),
            "a mutation verified (seed {seed})"
        );
    }
    assert!(!verify(b"").is_valid());
    assert!(!verify(b"%PDF-1.7\n%%EOF").is_valid());
}

/// An answer stored by an older version (or edited by hand) that fails today's checks is shown
/// as invalid, counts as open, and blocks signing; the PDF of an unverified definition says so
/// on every page.
#[test]
fn a_stored_invalid_answer_blocks_signing_and_unverified_definitions_say_so_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secret = Some("a long enough passphrase");
    for args in [
        &[
            "identity",
            "new",
            "--name",
            SIGNER,
            "--role",
            "Study nurse",
            "--site",
            "CHU Toulouse",
            "--key",
            "p256",
        ][..],
        &[
            "coordinator",
            "set",
            "--name",
            SIGNER,
            "--role",
            "Study nurse",
            "--site",
            "TLS",
        ][..],
    ] {
        let out = prescreen(&data, args, secret);
        assert!(out.status.success(), "{}", text(&out));
    }
    let fixture = pdf_common::fixture("a-muse-eligible.ron");
    let out = prescreen(&data, &["import", fixture.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out));
    let id = "AM-TLS-2026-0001";
    // The unsigned draft may be printed; every page carries the unverified note.
    let draft = dir.path().join("draft.pdf");
    let out = prescreen(
        &data,
        &["export", id, "--out", draft.to_str().unwrap()],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    if let Some(pdftotext) = pdf_common::tool("pdftotext", None) {
        let pages = pdf_common::run(&pdftotext, &[draft.to_str().unwrap(), "-"]);
        let body = String::from_utf8_lossy(&pages.stdout).into_owned();
        let pages: Vec<&str> = body
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert!(pages.len() >= 3, "{}", pages.len());
        for (n, page) in pages.iter().enumerate() {
            assert!(
                pdf_common::normalise(page)
                    .contains("definition not yet verified by the trial team"),
                "page {}",
                n + 1
            );
        }
    }
    // What an older version could have stored: an MHISS item of 5.
    {
        let conn = rusqlite::Connection::open(data.join("prescreen.sqlite3")).unwrap();
        let changed = conn
            .execute(
                "UPDATE answer SET entry = '(answer:Mhiss((items:[5,3,2,1,2,3,2,2,1,2,2,2])),note:None,evidence:None)' \
                 WHERE screening_id = ?1 AND criterion_id = 'IN03'",
                [id],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    let out = prescreen(&data, &["show", id], None);
    let shown = text(&out);
    assert!(
        shown.contains("invalid answers (re-enter them; they block signing)")
            && shown.contains("IN03")
            && shown.contains("MHISS item 1: 5 is outside 0–4"),
        "{shown}"
    );
    assert!(shown.contains("1 invalid"), "{shown}");
    let pdf = dir.path().join("signed.pdf");
    let out = prescreen(
        &data,
        &[
            "export",
            id,
            "--out",
            pdf.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
        ],
        secret,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // Edited behind the store's back, the record no longer matches its trail: refused first.
    assert!(
        text(&out).contains("does not match its audit trail"),
        "{}",
        text(&out)
    );
    assert!(!pdf.exists(), "nothing written");
    // And the invalid answer on its own blocks signing, whichever path asks.
    let store = prescreen::storage::SqliteStore::open(&data.join("prescreen.sqlite3")).unwrap();
    let stored = prescreen::storage::Store::load_screening(&store, id).unwrap();
    let set = prescreen::trial::load::TrialSet::built_in();
    let trial = set.get("a-muse", &stored.screening.trial.version).unwrap();
    let evaluation = prescreen::eligibility::evaluate(&trial.definition, &stored.screening);
    let refused = prescreen::signing::check_signable(&evaluation).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("answers that fail their checks cannot be signed"),
        "{refused}"
    );
}
