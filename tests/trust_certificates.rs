//! Certificates that may not sign, and trust through an institution's CA, checked by `verify`
//! and — on every signed file — by pyHanko with the same `--trust` anchor: an expired
//! certificate, a CA certificate, RSA-1024, no or the wrong key usage (each issued by a trusted
//! CA, so pyHanko checks it as an end-entity certificate) are INVALID; a signer a trusted CA
//! issued is VALID; one an impostor CA of the same name issued is not trusted.
//! The certificates come from `tests/support/make_certificates.py` (Python `cryptography`, in
//! the pyHanko venv), so their validity dates can lie in the past.
#![cfg(test)]

mod common;
mod pdf_common;

use std::path::{Path, PathBuf};

use pdf_common::{appearance, input, options, run, text, tool, tools_required};
use prescreen::report::SignatureMeaning;
use prescreen::signing::identity::{PrivateKey, fingerprint};
use prescreen::signing::trust::{TrustList, TrustedCa, TrustedKey, read_certificates};
use prescreen::signing::verify::{VerifyOutcome, verify_with_trust};
use prescreen::signing::{Certificate, SigningIdentity, sign_report};

/// The Python next to pyHanko (the venv `scripts/setup.sh` makes); `None` outside CI.
fn venv_python() -> Option<PathBuf> {
    let pyhanko = tool("pyhanko", Some("PRESCREEN_PYHANKO"))?;
    let python = pyhanko.parent()?.join("python");
    if python.exists() {
        Some(python)
    } else {
        assert!(!tools_required(), "no python next to {}", pyhanko.display());
        None
    }
}

fn certificates(dir: &Path) -> bool {
    let Some(python) = venv_python() else {
        return false;
    };
    let script = common::repo("tests/support/make_certificates.py");
    let out = run(&python, &[script.to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    true
}

fn certificate(dir: &Path, label: &str) -> Certificate {
    let bytes = std::fs::read(dir.join(format!("{label}-cert.pem"))).unwrap();
    read_certificates(&bytes).unwrap().remove(0)
}

fn identity(dir: &Path, label: &str) -> SigningIdentity {
    let pem = std::fs::read_to_string(dir.join(format!("{label}-key.pem"))).unwrap();
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    SigningIdentity {
        certificate: certificate(dir, label),
        chain: Vec::new(),
        key: PrivateKey::from_pkcs8_der(&der).unwrap(),
    }
}

fn signed(dir: &Path, label: &str) -> PathBuf {
    let mut report = input("a-muse-eligible.ron");
    let mut look = appearance("Synthetic Coordinator", SignatureMeaning::ScreenedBy);
    look.signed_at = jiff::Timestamp::now();
    report.signature = Some(look);
    let pdf = sign_report(&report, &options(), &identity(dir, label)).unwrap();
    let path = dir.join(format!("{label}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    path
}

fn trusting_certificate(certificate: Certificate) -> TrustList {
    TrustList {
        signers: vec![TrustedKey {
            fingerprint: fingerprint(&certificate),
            name: "Synthetic Coordinator".to_owned(),
            role: "Study nurse".to_owned(),
            revoked: None,
        }],
        ..TrustList::default()
    }
}

fn trusting_ca(dir: &Path) -> TrustList {
    TrustList {
        cas: vec![TrustedCa {
            certificate: certificate(dir, "ca"),
            name: "Synthetic Hospital Signing CA".to_owned(),
            revoked: None,
        }],
        ..TrustList::default()
    }
}

/// pyHanko's verdict with `--trust anchor`: `Some(true)` when it validates and trusts.
fn pyhanko_accepts(file: &Path, anchor: &Path) -> Option<bool> {
    let pyhanko = tool("pyhanko", Some("PRESCREEN_PYHANKO"))?;
    let out = run(
        &pyhanko,
        &[
            "sign",
            "validate",
            "--pretty-print",
            // At the signing time the signature claims, as `verify` checks the certificate.
            "--validation-time",
            "claimed",
            "--trust",
            anchor.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    eprintln!("pyHanko on {}:\n{}", file.display(), text(&out));
    Some(out.status.success())
}

#[test]
fn certificates_that_may_not_sign_are_invalid_and_pyhanko_agrees() {
    let dir = tempfile::tempdir().unwrap();
    if !certificates(dir.path()) {
        return;
    }
    let cases = [
        ("good", None),
        ("expired", Some("had expired at the signing time")),
        ("rsa1024", Some("RSA key has 1024 bits")),
        ("ca-as-signer", Some("is a CA certificate")),
        ("no-key-usage", Some("has no key usage extension")),
        (
            "encipher-only",
            Some("allows neither digitalSignature nor nonRepudiation"),
        ),
    ];
    let mut disagreements = Vec::new();
    for (label, problem) in cases {
        let file = signed(dir.path(), label);
        // The good one is self-signed and trusted by itself; the others chain to the CA.
        let (trust, anchor) = if label == "good" {
            (
                trusting_certificate(certificate(dir.path(), label)),
                dir.path().join("good-cert.pem"),
            )
        } else {
            (trusting_ca(dir.path()), dir.path().join("ca-cert.pem"))
        };
        let result = verify_with_trust(&std::fs::read(&file).unwrap(), Some(&trust));
        match problem {
            None => assert_eq!(
                result.outcome(),
                VerifyOutcome::Valid,
                "{label}: {:?}",
                result.problems
            ),
            Some(expected) => {
                assert_eq!(result.outcome(), VerifyOutcome::Invalid, "{label}");
                assert!(result.intact, "{label}: the signature itself holds");
                assert!(
                    result.problems.iter().any(|p| p.contains(expected)),
                    "{label}: {:?}",
                    result.problems
                );
            }
        }
        if let Some(accepted) = pyhanko_accepts(&file, &anchor)
            && accepted != (result.outcome() == VerifyOutcome::Valid)
        {
            disagreements.push(format!("{label}: pyHanko accepts = {accepted}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "pyHanko disagrees: {disagreements:?}"
    );
}

#[test]
fn a_signer_issued_by_a_trusted_ca_is_valid_and_an_impostor_ca_is_not() {
    let dir = tempfile::tempdir().unwrap();
    if !certificates(dir.path()) {
        return;
    }
    let trust = trusting_ca(dir.path());
    let genuine = signed(dir.path(), "issued-by-ca");
    let result = verify_with_trust(&std::fs::read(&genuine).unwrap(), Some(&trust));
    assert_eq!(
        result.outcome(),
        VerifyOutcome::Valid,
        "{:?} {:?}",
        result.problems,
        result.trust
    );
    let impostor = signed(dir.path(), "issued-by-impostor-ca");
    let result = verify_with_trust(&std::fs::read(&impostor).unwrap(), Some(&trust));
    assert_eq!(result.outcome(), VerifyOutcome::IntactButSignerNotTrusted);
    let why = format!("{:?}", result.trust);
    assert!(why.contains("does not verify with the CA's key"), "{why}");
    let mut revoked = trust.clone();
    revoked.cas[0].revoked = Some("2026-12-01: key compromised".to_owned());
    let result = verify_with_trust(&std::fs::read(&genuine).unwrap(), Some(&revoked));
    assert_eq!(result.outcome(), VerifyOutcome::IntactButSignerNotTrusted);

    let ca = dir.path().join("ca-cert.pem");
    assert!(
        pyhanko_accepts(&genuine, &ca).unwrap_or(true),
        "pyHanko and the CA"
    );
    assert!(
        !pyhanko_accepts(&impostor, &ca).unwrap_or(false),
        "pyHanko and the impostor"
    );
}

#[test]
fn bytes_appended_after_signing_are_named_as_such_and_a_compression_bomb_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    if !certificates(dir.path()) {
        return;
    }
    let file = signed(dir.path(), "good");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"\n% an incremental update\n");
    let result = verify_with_trust(&bytes, None);
    assert_eq!(result.outcome(), VerifyOutcome::Invalid);
    assert!(
        result
            .problems
            .iter()
            .any(|p| p.contains("signed revision intact, 25 byte(s) appended after it")),
        "{:?}",
        result.problems
    );

    // A 4 MB stream of zeros deflated ~1000:1, appended as an object after signing: refused
    // by the inflate budget before the parser inflates it.
    use std::io::Write;
    let mut bomb = std::fs::read(&file).unwrap();
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 16 * 1024 * 1024];
    for _ in 0..16 {
        encoder.write_all(&zeros).unwrap();
    }
    let compressed = encoder.finish().unwrap();
    bomb.extend_from_slice(
        format!(
            "\n999 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n",
            compressed.len()
        )
        .as_bytes(),
    );
    bomb.extend_from_slice(&compressed);
    bomb.extend_from_slice(b"\nendstream\nendobj\n");
    let started = std::time::Instant::now();
    let result = verify_with_trust(&bomb, None);
    eprintln!(
        "compression bomb: {} bytes in, refused in {:?}",
        bomb.len(),
        started.elapsed()
    );
    assert_eq!(result.outcome(), VerifyOutcome::Invalid);
    assert!(
        result
            .problems
            .iter()
            .any(|p| p.contains("compression bomb")),
        "{:?}",
        result.problems
    );
}
