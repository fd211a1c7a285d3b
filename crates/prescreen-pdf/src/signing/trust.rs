//! Whose signature `verify` accepts. An intact signature proves that the holder of a key signed
//! these bytes; only a site's register of trusted signers (or a CA it trusts) says whose key it
//! is. This module holds the two checks that turn "intact" into "VALID":
//! - [`certificate_problems`]: the certificate may sign documents at all — within its validity
//!   period at the signing time, key usage digitalSignature or nonRepudiation, an end-entity
//!   (not a CA) certificate, RSA ≥ 2048 bits or ECDSA P-256. A failure makes the PDF INVALID.
//! - [`decide`]: the certificate is in the trust list, by fingerprint, or was issued by a
//!   trusted CA (its signature verifies with the CA's key). A failure leaves the PDF INTACT BUT
//!   SIGNER NOT TRUSTED.

use der::{Decode, Encode};
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::spki::ObjectIdentifier;

use super::cms;
use super::identity::fingerprint;

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The smallest RSA modulus accepted for a signature (bits).
pub const MIN_RSA_BITS: usize = 2048;

/// One signer the site trusts: a certificate fingerprint (SHA-256 of its DER), with the name
/// and role the site knows them by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// SHA-256 of the certificate (DER), lowercase hex.
    pub fingerprint: String,
    /// Who the site says this is.
    pub name: String,
    /// Their role.
    pub role: String,
    /// When and why the site stopped trusting it, if it did.
    pub revoked: Option<String>,
}

/// A certification authority the site trusts: certificates it issued are trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCa {
    /// The CA's certificate.
    pub certificate: Certificate,
    /// The CA's name as the site knows it.
    pub name: String,
    /// When and why the site stopped trusting it, if it did.
    pub revoked: Option<String>,
}

/// What `verify` trusts: from the site's register, or given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustList {
    /// Trusted signer certificates, by fingerprint.
    pub signers: Vec<TrustedKey>,
    /// Trusted CAs.
    pub cas: Vec<TrustedCa>,
    /// Where the list came from ("the register in /path/prescreen.sqlite3", "--trust a.pem").
    pub sources: Vec<String>,
}

/// Whether the signer is one the trust list vouches for, and why (or why not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustDecision {
    /// The certificate is trusted.
    Trusted {
        /// How: "registered signer NAME (ROLE)" or "issued by trusted CA NAME".
        via: String,
    },
    /// It is not.
    NotTrusted {
        /// Why, in words.
        why: String,
    },
}

impl TrustDecision {
    /// Whether the signer is trusted.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Self::Trusted { .. })
    }
}

/// Why this certificate may not sign a screening summary at `signing_time`; empty when it may.
pub fn certificate_problems(
    certificate: &Certificate,
    signing_time: Option<Timestamp>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let tbs = certificate.tbs_certificate();
    let validity = tbs.validity();
    let not_before = seconds(&validity.not_before);
    let not_after = seconds(&validity.not_after);
    match signing_time {
        Some(at) => {
            let at = at.as_second();
            if at < not_before {
                problems.push(format!(
                    "the certificate was not yet valid at the signing time (valid from {})",
                    show(not_before)
                ));
            }
            if at > not_after {
                problems.push(format!(
                    "the certificate had expired at the signing time (valid until {})",
                    show(not_after)
                ));
            }
        }
        None => problems.push("no signing time to check the certificate's validity at".to_owned()),
    }
    match tbs.get_extension::<BasicConstraints>() {
        Ok(Some((_, constraints))) if constraints.ca => problems.push(
            "the certificate is a CA certificate: a CA issues certificates, it does not sign documents"
                .to_owned(),
        ),
        Ok(_) => {}
        Err(_) => problems.push("the certificate's basic constraints cannot be read".to_owned()),
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, usage))) => {
            let flags = usage.0;
            if !flags.contains(KeyUsages::DigitalSignature) && !flags.contains(KeyUsages::NonRepudiation) {
                problems.push(
                    "the certificate's key usage allows neither digitalSignature nor nonRepudiation"
                        .to_owned(),
                );
            }
        }
        Ok(None) => problems.push(
            "the certificate has no key usage extension (digitalSignature or nonRepudiation is required)"
                .to_owned(),
        ),
        Err(_) => problems.push("the certificate's key usage cannot be read".to_owned()),
    }
    if let Some(problem) = key_strength_problem(certificate) {
        problems.push(problem);
    }
    problems
}

/// RSA below [`MIN_RSA_BITS`], or any curve but P-256, or another algorithm.
fn key_strength_problem(certificate: &Certificate) -> Option<String> {
    let spki = certificate.tbs_certificate().subject_public_key_info();
    if spki.algorithm.oid == OID_RSA {
        use pkcs8::DecodePublicKey;
        use rsa::traits::PublicKeyParts;
        let der = spki.to_der().ok()?;
        return match rsa::PublicKey::from_public_key_der(&der) {
            Ok(key) => {
                let bits = usize::try_from(key.n().bit_width()).unwrap_or(0);
                (bits < MIN_RSA_BITS).then(|| {
                    format!("the certificate's RSA key has {bits} bits; at least {MIN_RSA_BITS} are required")
                })
            }
            Err(e) => Some(format!("the certificate's RSA key cannot be read: {e}")),
        };
    }
    if spki.algorithm.oid == OID_EC {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return (curve != Some(OID_P256))
            .then(|| "the certificate's elliptic curve is not P-256".to_owned());
    }
    Some(format!(
        "the certificate's key algorithm {} is not RSA or ECDSA P-256",
        spki.algorithm.oid
    ))
}

/// Whether `list` vouches for `certificate` at `signing_time`.
pub fn decide(
    list: &TrustList,
    certificate: &Certificate,
    signing_time: Option<Timestamp>,
) -> TrustDecision {
    let fp = fingerprint(certificate);
    if let Some(key) = list
        .signers
        .iter()
        .find(|k| k.fingerprint.eq_ignore_ascii_case(&fp))
    {
        return match &key.revoked {
            Some(revoked) => TrustDecision::NotTrusted {
                why: format!(
                    "registered signer {} ({}) was revoked: {revoked}",
                    key.name, key.role
                ),
            },
            None => TrustDecision::Trusted {
                via: format!("registered signer {} ({})", key.name, key.role),
            },
        };
    }
    let mut why_not = Vec::new();
    for ca in &list.cas {
        match issued_by(certificate, &ca.certificate, signing_time) {
            Ok(()) => {
                return match &ca.revoked {
                    Some(revoked) => TrustDecision::NotTrusted {
                        why: format!(
                            "issued by CA {}, whose trust was revoked: {revoked}",
                            ca.name
                        ),
                    },
                    None => TrustDecision::Trusted {
                        via: format!("issued by trusted CA {}", ca.name),
                    },
                };
            }
            Err(Some(problem)) => why_not.push(format!("CA {}: {problem}", ca.name)),
            Err(None) => {}
        }
    }
    let mut why = if list.signers.is_empty() && list.cas.is_empty() {
        "no trusted signers are known (give --trust CERT.pem or --fingerprint, or verify with the site's store)".to_owned()
    } else {
        format!(
            "certificate SHA-256 {fp} is not among the {} trusted signer(s) and {} CA(s) of {}",
            list.signers.len(),
            list.cas.len(),
            if list.sources.is_empty() {
                "the trust list".to_owned()
            } else {
                list.sources.join(", ")
            }
        )
    };
    if !why_not.is_empty() {
        why.push_str(&format!(" ({})", why_not.join("; ")));
    }
    TrustDecision::NotTrusted { why }
}

/// Whether `ca` issued `certificate`: `Err(None)` when it names another issuer, `Err(Some(..))`
/// when it names this CA but the link does not hold.
fn issued_by(
    certificate: &Certificate,
    ca: &Certificate,
    signing_time: Option<Timestamp>,
) -> Result<(), Option<String>> {
    if certificate.tbs_certificate().issuer() != ca.tbs_certificate().subject() {
        return Err(None);
    }
    let tbs = certificate
        .tbs_certificate()
        .to_der()
        .map_err(|e| Some(e.to_string()))?;
    let signature = certificate
        .signature()
        .as_bytes()
        .ok_or_else(|| Some("the certificate's signature is not whole bytes".to_owned()))?;
    cms::verify_signature(ca, certificate.signature_algorithm().oid, &tbs, signature)
        .map_err(|_| Some("the certificate names it as issuer but its signature does not verify with the CA's key".to_owned()))?;
    if let Some(at) = signing_time {
        let validity = ca.tbs_certificate().validity();
        let at = at.as_second();
        if at < seconds(&validity.not_before) || at > seconds(&validity.not_after) {
            return Err(Some(
                "the CA certificate was not valid at the signing time".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Why a certificate cannot be registered as a trusted CA; `None` when it can.
pub fn ca_problem(certificate: &Certificate) -> Option<String> {
    let tbs = certificate.tbs_certificate();
    match tbs.get_extension::<BasicConstraints>() {
        Ok(Some((_, constraints))) if constraints.ca => {}
        _ => {
            return Some(
                "the certificate is not a CA certificate (basic constraints cA is not set)"
                    .to_owned(),
            );
        }
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, usage))) if !usage.0.contains(KeyUsages::KeyCertSign) => {
            Some("the CA certificate's key usage does not allow keyCertSign".to_owned())
        }
        _ => None,
    }
}

/// Reads certificates from PEM text (`CERTIFICATE` blocks) or a single DER certificate.
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && text.contains("-----BEGIN")
    {
        let certificates =
            super::identity::certificates_from_pem(text).map_err(|e| e.to_string())?;
        if certificates.is_empty() {
            return Err("no CERTIFICATE block in the PEM text".to_owned());
        }
        return Ok(certificates);
    }
    Certificate::from_der(bytes)
        .map(|c| vec![c])
        .map_err(|e| format!("neither PEM nor a DER certificate: {e}"))
}

fn seconds(time: &x509_cert::time::Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

fn show(unix_seconds: i64) -> String {
    Timestamp::from_second(unix_seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| unix_seconds.to_string())
}
