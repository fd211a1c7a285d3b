//! An RFC 3161 timestamp client: a TSA's token over a signature value proves the signature
//! existed at the TSA's time (PAdES B-T), where `/M` is only the signer's own claim.
//!
//! The request and the response are DER types defined here (no TSP crate); the token is a
//! CMS SignedData checked with the same code as our own signatures. A token is never handed
//! out unless its status is granted, its imprint is the hash asked for, its nonce is ours,
//! its CMS signature verifies with the TSA certificate it carries, and that certificate has a
//! critical extendedKeyUsage with id-kp-timeStamping. Transport: [`super::tsa_http`] (plain
//! `http://` only; `https://` is refused for now).

use der::asn1::{Any, OctetString, Uint};
use der::{Decode, Encode, Sequence, Tagged};
use sha2_011::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier};

use super::cms::{self, OID_SHA256};
use super::identity::{random_bytes, signer_name};

/// id-ct-TSTInfo: the content type of a timestamp token's encapsulated content.
pub const OID_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-kp-timeStamping: the only purpose a TSA certificate may serve (RFC 3161 §2.3).
pub const OID_KP_TIME_STAMPING: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Why no token was obtained. Signing falls back to B-B (no token) on any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TsaError {
    /// The TSA URL is not one this client can use.
    #[error("TSA URL {0}")]
    Url(String),
    /// The TSA could not be reached or did not answer in time.
    #[error("the TSA could not be reached: {0}")]
    Network(String),
    /// The TSA answered, but not with a timestamp reply.
    #[error("the TSA's HTTP answer is unusable: {0}")]
    Http(String),
    /// The TSA refused the request (PKIStatus rejection, waiting, revocation…).
    #[error("the TSA refused the request: {0}")]
    Refused(String),
    /// The reply or its token fails a check: it is never embedded.
    #[error("the TSA's token was refused: {0}")]
    Invalid(String),
    /// No randomness for the nonce.
    #[error("no nonce: {0}")]
    Nonce(String),
}

/// MessageImprint (RFC 3161 §2.4.1): the hash algorithm and the hash being timestamped.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    /// The hash algorithm (SHA-256 here).
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// The hash.
    pub hashed_message: OctetString,
}

/// TimeStampReq (RFC 3161 §2.4.1), without reqPolicy's use and extensions.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    /// v1.
    pub version: u8,
    /// What is timestamped.
    pub message_imprint: MessageImprint,
    /// A policy the TSA should use (not sent: the TSA's default).
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    /// A random number the reply must echo, so an old reply cannot be replayed.
    #[asn1(optional = "true")]
    pub nonce: Option<Uint>,
    /// TRUE asks the TSA to include its certificate in the token (DEFAULT FALSE: `None`).
    #[asn1(optional = "true")]
    pub cert_req: Option<bool>,
}

/// PKIStatusInfo (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    /// 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning,
    /// 5 revocationNotification.
    pub status: u32,
    /// PKIFreeText: the TSA's words.
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<Any>>,
    /// PKIFailureInfo bits.
    #[asn1(optional = "true")]
    pub fail_info: Option<der::asn1::BitString>,
}

/// TimeStampResp (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    /// Granted or why not.
    pub status: PkiStatusInfo,
    /// The token (a ContentInfo), when granted.
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<Any>,
}

/// Accuracy (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Accuracy {
    /// Whole seconds.
    #[asn1(optional = "true")]
    pub seconds: Option<u32>,
    /// Milliseconds.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    /// Microseconds.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// TSTInfo (RFC 3161 §2.4.2): what the TSA signs.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    /// v1.
    pub version: u8,
    /// The TSA's policy.
    pub policy: ObjectIdentifier,
    /// What was timestamped.
    pub message_imprint: MessageImprint,
    /// The token's serial number.
    pub serial_number: der::asn1::Int,
    /// The time, as GeneralizedTime (read leniently: fractions of a second are allowed).
    pub gen_time: Any,
    /// How accurate genTime is.
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    /// Ordering (DEFAULT FALSE).
    #[asn1(optional = "true")]
    pub ordering: Option<bool>,
    /// The request's nonce, echoed.
    #[asn1(optional = "true")]
    pub nonce: Option<Uint>,
    /// The TSA's name (a GeneralName).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<Any>,
    /// Extensions.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<x509_cert::ext::Extensions>,
}

/// A checked timestamp token, ready to embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampToken {
    /// The token's DER (a ContentInfo(SignedData)).
    pub der: Vec<u8>,
    /// The TSA's time.
    pub gen_time: jiff::Timestamp,
    /// The TSA certificate's subject CN.
    pub tsa_name: String,
}

/// What checking a token found: what it says, and every problem with it (none = valid).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenCheck {
    /// The TSA's time, when readable.
    pub gen_time: Option<jiff::Timestamp>,
    /// The TSA certificate's subject CN, when found.
    pub tsa_name: Option<String>,
    /// The nonce the token echoes.
    pub nonce: Option<Vec<u8>>,
    /// Every problem, in words.
    pub problems: Vec<String>,
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: OID_SHA256,
        parameters: None,
    }
}

/// A DER TimeStampReq for SHA-256 `hash` with `nonce` (certReq TRUE).
pub fn request_der(hash: &[u8], nonce: &[u8]) -> Result<Vec<u8>, TsaError> {
    let invalid = |e: der::Error| TsaError::Invalid(e.to_string());
    TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: sha256_algorithm(),
            hashed_message: OctetString::new(hash).map_err(invalid)?,
        },
        req_policy: None,
        nonce: Some(Uint::new(nonce).map_err(invalid)?),
        cert_req: Some(true),
    }
    .to_der()
    .map_err(invalid)
}

/// Asks the TSA at `url` for a token over SHA-256 of `data` (for a signature-time-stamp,
/// `data` is the signature value) and checks it: see the module's list. `https://` URLs are
/// refused for now (no TLS dependency); the token's own signature is what protects it.
pub fn timestamp(url: &str, data: &[u8]) -> Result<TimestampToken, TsaError> {
    timestamp_digest(url, &Sha256::digest(data))
}

/// [`timestamp`] for a SHA-256 digest already computed (a document timestamp's imprint is
/// the digest of the file's signed byte ranges).
pub fn timestamp_digest(url: &str, hash: &[u8]) -> Result<TimestampToken, TsaError> {
    let mut nonce = [0u8; 8];
    random_bytes(&mut nonce).map_err(|e| TsaError::Nonce(e.to_string()))?;
    // A positive INTEGER: Uint strips leading zeros, so compare what it encodes.
    let nonce = Uint::new(&nonce).map_err(|e| TsaError::Nonce(e.to_string()))?;
    let request = request_der(hash, nonce.as_bytes())?;
    let reply = super::tsa_http::post(url, &request, super::tsa_http::TIMEOUT)?;
    check_response(&reply, hash, Some(nonce.as_bytes()))
}

/// Checks a DER TimeStampResp against the hash and nonce asked for; the token only when
/// every check holds (never a token that fails one).
pub fn check_response(
    reply: &[u8],
    hash: &[u8],
    nonce: Option<&[u8]>,
) -> Result<TimestampToken, TsaError> {
    let response = TimeStampResp::from_der(reply)
        .map_err(|e| TsaError::Invalid(format!("not a TimeStampResp: {e}")))?;
    if response.status.status > 1 {
        let words: Vec<String> = response
            .status
            .status_string
            .iter()
            .flatten()
            .map(|s| String::from_utf8_lossy(s.value()).into_owned())
            .collect();
        return Err(TsaError::Refused(format!(
            "status {}{}",
            response.status.status,
            if words.is_empty() {
                String::new()
            } else {
                format!(" ({})", words.join("; "))
            }
        )));
    }
    let token = response
        .time_stamp_token
        .ok_or_else(|| TsaError::Invalid("a granted reply without a token".to_owned()))?
        .to_der()
        .map_err(|e| TsaError::Invalid(e.to_string()))?;
    let check = check_token(&token, hash);
    let mut problems = check.problems;
    if let Some(expected) = nonce
        && check.nonce.as_deref() != Some(expected)
    {
        problems.push("the nonce is not the one sent (a replayed or foreign reply)".to_owned());
    }
    match (problems.is_empty(), check.gen_time) {
        (true, Some(gen_time)) => Ok(TimestampToken {
            der: token,
            gen_time,
            tsa_name: check.tsa_name.unwrap_or_default(),
        }),
        _ => Err(TsaError::Invalid(problems.join("; "))),
    }
}

/// Checks a DER timestamp token against the SHA-256 `hash` it should cover: the imprint,
/// the CMS signature (message-digest over the TSTInfo, then the signature over the signed
/// attributes) with the TSA certificate in the token, that certificate's critical
/// id-kp-timeStamping extended key usage, and its validity at genTime.
pub fn check_token(token: &[u8], hash: &[u8]) -> TokenCheck {
    let mut check = TokenCheck::default();
    let parsed = match cms::parse_encapsulated(token) {
        Ok(parsed) => parsed,
        Err(problem) => {
            check.problems.push(format!("the token: {problem}"));
            return check;
        }
    };
    check.tsa_name = Some(signer_name(&parsed.certificate).name);
    if parsed.econtent_type != OID_TST_INFO || parsed.content_type != Some(OID_TST_INFO) {
        check
            .problems
            .push("the token's content is not a TSTInfo".to_owned());
    }
    let content = parsed.econtent.as_deref().unwrap_or_default();
    match TstInfo::from_der(content) {
        Ok(info) => {
            if info.version != 1 {
                check
                    .problems
                    .push(format!("TSTInfo version {}", info.version));
            }
            if info.message_imprint.hash_algorithm.oid != OID_SHA256
                || info.message_imprint.hashed_message.as_bytes() != hash
            {
                check.problems.push(
                    "the token's message imprint is not the hash of this signature".to_owned(),
                );
            }
            check.nonce = info.nonce.as_ref().map(|n| n.as_bytes().to_vec());
            check.gen_time = generalized_time(&info.gen_time);
            if check.gen_time.is_none() {
                check
                    .problems
                    .push("the token's genTime cannot be read".to_owned());
            }
        }
        Err(e) => check.problems.push(format!("the token's TSTInfo: {e}")),
    }
    if parsed.message_digest != Sha256::digest(content).as_slice() {
        check.problems.push(
            "the token's message-digest is not the hash of its TSTInfo: it was changed".to_owned(),
        );
    }
    if let Err(problem) = cms::verify_signature(
        &parsed.certificate,
        parsed.signature_algorithm,
        &parsed.signed_attributes_der,
        &parsed.signature,
    ) {
        check
            .problems
            .push(format!("the token's signature: {problem}"));
    }
    check.problems.extend(tsa_certificate_problems(
        &parsed.certificate,
        check.gen_time,
    ));
    check
}

/// How long after the claimed signing time (`/M`) the TSA's genTime may be: the token is
/// asked for right after signing.
pub const MAX_TIMESTAMP_DELAY_SECONDS: i64 = 10 * 60;
/// How far genTime may be before `/M`: the signer's clock and the TSA's may differ a little.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// A signature-time-stamp token found in a signature, as `verify` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimestampInfo {
    /// The TSA's time (trusted only when `valid`).
    pub gen_time: Option<jiff::Timestamp>,
    /// The TSA certificate's subject CN.
    pub tsa_name: Option<String>,
    /// Every check holds: imprint over this signature's value, token signature, TSA
    /// certificate for timestamping, genTime within minutes after `/M`.
    pub valid: bool,
    /// What fails, in words.
    pub problems: Vec<String>,
}

/// Checks the signature-time-stamp `token` of a signature whose value is `signature` and
/// whose `/M` says `claimed`.
pub fn timestamp_info(
    token: &[u8],
    signature: &[u8],
    claimed: Option<jiff::Timestamp>,
) -> TimestampInfo {
    let check = check_token(token, &Sha256::digest(signature));
    let mut problems = check.problems;
    if let (Some(gen_time), Some(claimed)) = (check.gen_time, claimed) {
        let delay = gen_time.as_second() - claimed.as_second();
        if delay > MAX_TIMESTAMP_DELAY_SECONDS {
            problems.push(format!(
                "the timestamp ({gen_time}) is more than {} minutes after the claimed signing time ({claimed})",
                MAX_TIMESTAMP_DELAY_SECONDS / 60
            ));
        } else if delay < -CLOCK_SKEW_SECONDS {
            problems.push(format!(
                "the timestamp ({gen_time}) is before the claimed signing time ({claimed})"
            ));
        }
    }
    TimestampInfo {
        gen_time: check.gen_time,
        tsa_name: check.tsa_name,
        valid: problems.is_empty(),
        problems,
    }
}

/// A TSA certificate must have a critical extendedKeyUsage with id-kp-timeStamping (RFC
/// 3161 §2.3) and be valid at genTime.
fn tsa_certificate_problems(
    certificate: &Certificate,
    gen_time: Option<jiff::Timestamp>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let tbs = certificate.tbs_certificate();
    match tbs.get_extension::<x509_cert::ext::pkix::ExtendedKeyUsage>() {
        Ok(Some((true, usage))) if usage.0.contains(&OID_KP_TIME_STAMPING) => {}
        Ok(Some((false, _))) => problems
            .push("the TSA certificate's extended key usage is not marked critical".to_owned()),
        Ok(_) => problems.push(
            "the TSA certificate is not for timestamping (no id-kp-timeStamping extended key usage)"
                .to_owned(),
        ),
        Err(e) => problems.push(format!(
            "the TSA certificate's extended key usage cannot be read: {e}"
        )),
    }
    if let Some(at) = gen_time {
        let validity = tbs.validity();
        let seconds = |t: &x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        if at.as_second() < seconds(&validity.not_before)
            || at.as_second() > seconds(&validity.not_after)
        {
            problems.push("the TSA certificate was not valid at the token's genTime".to_owned());
        }
    }
    problems
}

/// GeneralizedTime `YYYYMMDDHHMMSS[.f…]Z`, fractions dropped.
fn generalized_time(value: &Any) -> Option<jiff::Timestamp> {
    if value.tag() != der::Tag::GeneralizedTime {
        return None;
    }
    let text = std::str::from_utf8(value.value()).ok()?;
    let text = text.strip_suffix('Z')?;
    let whole = text.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| whole.get(range)?.parse::<i16>().ok();
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
    jiff::tz::Offset::UTC.to_timestamp(civil).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_der_with_the_imprint_nonce_and_cert_req() {
        let hash = [7u8; 32];
        let der = request_der(&hash, &[0x80, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        let back = TimeStampReq::from_der(&der).unwrap();
        assert_eq!(back.version, 1);
        assert_eq!(back.message_imprint.hashed_message.as_bytes(), &hash);
        assert_eq!(back.cert_req, Some(true));
        assert_eq!(back.nonce.unwrap().as_bytes(), &[0x80, 1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn generalized_time_allows_fractions() {
        let value = Any::new(der::Tag::GeneralizedTime, b"20261202083000.25Z".as_slice()).unwrap();
        assert_eq!(
            generalized_time(&value).map(|t| t.to_string()),
            Some("2026-12-02T08:30:00Z".to_owned())
        );
        let bad = Any::new(der::Tag::GeneralizedTime, b"2026120208".as_slice()).unwrap();
        assert_eq!(generalized_time(&bad), None);
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(check_response(b"\x30\x03\x02\x01\x00", &[0; 32], None).is_err());
        assert!(check_response(b"junk", &[0; 32], None).is_err());
        assert!(!check_token(b"\x30\x00", &[0; 32]).problems.is_empty());
    }
}
