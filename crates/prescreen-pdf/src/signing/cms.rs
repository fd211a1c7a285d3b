//! The CMS (RFC 5652) detached SignedData inside a PAdES B-B signature, assembled by hand
//! from the `cms` crate's types (its builder does not compile with the final crypto crates).
//!
//! Signed attributes: content-type (id-data), message-digest (SHA-256 of the signed byte
//! ranges) and ESS signing-certificate-v2 (binds the signer's certificate, RFC 5035). PAdES
//! puts the signing time in the signature dictionary's `/M`, not in a signed attribute.

use cms::cert::CertificateChoices;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence, Tagged};
use sha2_011::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier};

use super::SigningError;
use super::identity::{PrivateKey, SigningIdentity};

/// id-data.
pub const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData.
pub const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-contentType attribute.
pub const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest attribute.
pub const OID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime attribute.
pub const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// id-aa-signingCertificateV2 attribute.
pub const OID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// SHA-256.
pub const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// sha256WithRSAEncryption.
pub const OID_SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// ecdsa-with-SHA256.
pub const OID_ECDSA_WITH_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// id-aa-signatureTimeStampToken (RFC 3161 appendix A): an unsigned attribute holding a TSA's
/// token over the signature value, which turns the signer's claimed time into a proven one.
pub const OID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// id-aa-ets-signerAttrV2 (ETSI EN 319 122-1): the signer's attributes, here the role they
/// claim, carried in the signature itself.
pub const OID_SIGNER_ATTRIBUTES_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("0.4.0.19122.1.1");
/// id-at-title: the claimed attribute that names the signer's role ("Investigator
/// (sub-investigator, delegation log line 4)").
pub const OID_TITLE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.12");

/// SignerAttributeV2 with claimed attributes only (the module uses EXPLICIT tags).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SignerAttributesV2 {
    /// The attributes the signer claims (their role).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub claimed: Option<Vec<Attribute>>,
    /// Certified attributes (attribute certificates), read but not used.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub certified: Option<Any>,
    /// Signed assertions, read but not used.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub assertions: Option<Any>,
}

/// ESS SigningCertificateV2 (RFC 5035), without policies.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signer's certificate first.
    pub certs: Vec<EssCertIdV2>,
}

/// ESSCertIDv2 with the default hash algorithm (SHA-256) and no issuerSerial.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// SHA-256 of the certificate's DER.
    pub cert_hash: OctetString,
}

fn crypto<E: std::fmt::Display>(e: E) -> SigningError {
    SigningError::Crypto(e.to_string())
}

/// One signed attribute with one value.
pub(crate) fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, SigningError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(crypto)?,
    })
}

/// The signed attributes for a digest of the signed content and a certificate.
pub fn signed_attributes(
    digest: &[u8],
    certificate: &Certificate,
) -> Result<SetOfVec<Attribute>, SigningError> {
    let cert_hash = Sha256::digest(certificate.to_der().map_err(crypto)?);
    let signing_certificate = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(cert_hash.to_vec()).map_err(crypto)?,
        }],
    };
    let attributes = vec![
        attribute(
            OID_CONTENT_TYPE,
            Any::encode_from(&OID_DATA).map_err(crypto)?,
        )?,
        attribute(
            OID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec()).map_err(crypto)?)
                .map_err(crypto)?,
        )?,
        attribute(
            OID_SIGNING_CERTIFICATE_V2,
            Any::encode_from(&signing_certificate).map_err(crypto)?,
        )?,
    ];
    let mut attributes = attributes;
    // The role travels in the signature too (the certificate's title, as the signer claims it).
    if let Some(role) = super::identity::signer_name(certificate)
        .role
        .filter(|r| !r.is_empty())
    {
        let title = Any::encode_from(&der::asn1::Utf8StringRef::new(&role).map_err(crypto)?)
            .map_err(crypto)?;
        let claimed = SignerAttributesV2 {
            claimed: Some(vec![attribute(OID_TITLE, title)?]),
            certified: None,
            assertions: None,
        };
        attributes.push(attribute(
            OID_SIGNER_ATTRIBUTES_V2,
            Any::encode_from(&claimed).map_err(crypto)?,
        )?);
    }
    SetOfVec::try_from(attributes).map_err(crypto)
}

/// The role a signer-attributes-v2 value claims (its first claimed title), if any.
fn claimed_role(value: &Any) -> Result<Option<String>, String> {
    let parsed: SignerAttributesV2 = value
        .decode_as()
        .map_err(|e| format!("signer-attributes-v2: {e}"))?;
    Ok(parsed
        .claimed
        .unwrap_or_default()
        .iter()
        .filter(|a| a.oid == OID_TITLE)
        .filter_map(|a| a.values.iter().next())
        .find_map(|v| v.decode_as::<der::asn1::Utf8StringRef<'_>>().ok())
        .map(|text| text.as_str().to_owned()))
}

/// A DER ContentInfo(SignedData) signing `digest` (SHA-256 of the PDF's byte ranges).
pub fn signed_data(identity: &SigningIdentity, digest: &[u8]) -> Result<Vec<u8>, SigningError> {
    signed_data_with(identity, digest, Vec::new())
}

/// [`signed_data`] with extra signed attributes (tests add what an attacker might).
pub(crate) fn signed_data_with(
    identity: &SigningIdentity,
    digest: &[u8],
    extra: Vec<Attribute>,
) -> Result<Vec<u8>, SigningError> {
    let certificate = &identity.certificate;
    let mut attributes = signed_attributes(digest, certificate)?;
    for attribute in extra {
        attributes.insert(attribute).map_err(crypto)?;
    }
    // The signature covers the attributes encoded as a SET OF (tag 0x31), RFC 5652 §5.4.
    let to_sign = attributes.to_der().map_err(crypto)?;
    let signature = identity.key.sign(&to_sign)?;
    let signature_algorithm = match identity.key {
        PrivateKey::Rsa(_) => AlgorithmIdentifierOwned {
            oid: OID_SHA256_WITH_RSA,
            parameters: Some(Any::null()),
        },
        PrivateKey::P256(_) => AlgorithmIdentifierOwned {
            oid: OID_ECDSA_WITH_SHA256,
            parameters: None,
        },
    };
    let sha256 = AlgorithmIdentifierOwned {
        oid: OID_SHA256,
        parameters: None,
    };
    let tbs = certificate.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(attributes),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(crypto)?,
        unsigned_attrs: None,
    };
    let mut certificates = vec![CertificateChoices::Certificate(certificate.clone())];
    for cert in &identity.chain {
        certificates.push(CertificateChoices::Certificate(cert.clone()));
    }
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256]).map_err(crypto)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: OID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(certificates).map_err(crypto)?,
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(crypto)?),
    };
    let info = ContentInfo {
        content_type: OID_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(crypto)?,
    };
    info.to_der().map_err(crypto)
}

/// The parts of a CMS signature a verifier checks.
pub struct ParsedSignature {
    /// The signer's certificate (found by the signer identifier).
    pub certificate: Certificate,
    /// The message-digest attribute.
    pub message_digest: Vec<u8>,
    /// Whether content-type is id-data.
    pub content_type_is_data: bool,
    /// The signing-certificate-v2 hash, if present.
    pub signing_certificate_hash: Option<Vec<u8>>,
    /// The DER of the signed attributes as a SET OF (what was signed).
    pub signed_attributes_der: Vec<u8>,
    /// The signature algorithm OID.
    pub signature_algorithm: ObjectIdentifier,
    /// The signature value.
    pub signature: Vec<u8>,
    /// A signing-time attribute (seconds since 1970), if the signer put one in: PAdES puts the
    /// time in `/M`, so one that contradicts `/M` is a forgery sign.
    pub signing_time_unix: Option<i64>,
    /// The role claimed in a signer-attributes-v2 signed attribute, if present.
    pub claimed_role: Option<String>,
    /// The content-type attribute's value (id-data for a PDF signature, id-ct-TSTInfo for a
    /// timestamp token).
    pub content_type: Option<ObjectIdentifier>,
    /// The encapsulated content (a timestamp token's TSTInfo DER); `None` when detached.
    pub econtent: Option<Vec<u8>>,
    /// The encapsulated content's type.
    pub econtent_type: ObjectIdentifier,
    /// The DER of a signature-time-stamp token (unsigned attribute), if one is attached; more
    /// than one is refused by [`parse`].
    pub timestamp_token: Option<Vec<u8>>,
}

/// Adds `token` (a DER RFC 3161 TimeStampToken, a ContentInfo) to a finished DER CMS with one
/// signer as its id-aa-signatureTimeStampToken unsigned attribute: PAdES B-T. The signed part
/// is re-encoded unchanged (DER is canonical), so the signature still holds.
pub fn with_signature_timestamp(cms_der: &[u8], token: &[u8]) -> Result<Vec<u8>, SigningError> {
    let info = ContentInfo::from_der(cms_der).map_err(crypto)?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(SigningError::Crypto(
            "CMS content is not SignedData".to_owned(),
        ));
    }
    let mut signed: SignedData = info.content.decode_as().map_err(crypto)?;
    let mut signers: Vec<SignerInfo> = signed.signer_infos.0.into_vec();
    let [signer] = signers.as_mut_slice() else {
        return Err(SigningError::Crypto(format!(
            "expected one signer, found {}",
            signers.len()
        )));
    };
    let value = Any::from_der(token).map_err(crypto)?;
    let mut unsigned = signer.unsigned_attrs.take().unwrap_or_default();
    if unsigned
        .iter()
        .any(|a| a.oid == OID_SIGNATURE_TIME_STAMP_TOKEN)
    {
        return Err(SigningError::Crypto(
            "the signature already carries a timestamp".to_owned(),
        ));
    }
    unsigned
        .insert(attribute(OID_SIGNATURE_TIME_STAMP_TOKEN, value)?)
        .map_err(crypto)?;
    signer.unsigned_attrs = Some(unsigned);
    signed.signer_infos = SignerInfos(SetOfVec::try_from(signers).map_err(crypto)?);
    ContentInfo {
        content_type: OID_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(crypto)?,
    }
    .to_der()
    .map_err(crypto)
}

/// Parses a detached DER ContentInfo(SignedData) with exactly one signer.
pub fn parse(der: &[u8]) -> Result<ParsedSignature, String> {
    parse_signed(der, true)
}

/// Parses a DER ContentInfo(SignedData) with one signer that encapsulates its content (an
/// RFC 3161 timestamp token, whose content is the TSTInfo).
pub fn parse_encapsulated(der: &[u8]) -> Result<ParsedSignature, String> {
    parse_signed(der, false)
}

fn parse_signed(der: &[u8], detached: bool) -> Result<ParsedSignature, String> {
    let info = ContentInfo::from_der(der).map_err(|e| format!("CMS: {e}"))?;
    if info.content_type != OID_SIGNED_DATA {
        return Err("CMS content is not SignedData".to_owned());
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("SignedData: {e}"))?;
    let econtent = match (&signed.encap_content_info.econtent, detached) {
        (Some(_), true) => return Err("the CMS signature is not detached".to_owned()),
        (None, false) => return Err("the CMS signature encapsulates no content".to_owned()),
        (None, true) => None,
        (Some(content), false) => Some(
            content
                .decode_as::<OctetString>()
                .map_err(|e| format!("encapsulated content: {e}"))?
                .as_bytes()
                .to_vec(),
        ),
    };
    let signers: Vec<&SignerInfo> = signed.signer_infos.0.iter().collect();
    let [signer] = signers.as_slice() else {
        return Err(format!("expected one signer, found {}", signers.len()));
    };
    let certificates: Vec<&Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(cert) => Some(cert),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let certificate = certificates
        .into_iter()
        .find(|cert| match &signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                cert.tbs_certificate().issuer() == &isn.issuer
                    && cert.tbs_certificate().serial_number() == &isn.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => cert
                .tbs_certificate()
                .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, found)| &found == ski),
        })
        .cloned()
        .ok_or_else(|| "the signer's certificate is not in the signature".to_owned())?;
    if signer.digest_alg.oid != OID_SHA256 {
        return Err(format!(
            "unsupported digest algorithm {}",
            signer.digest_alg.oid
        ));
    }
    let attributes = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| "no signed attributes".to_owned())?;
    let mut message_digest = None;
    let mut content_type_is_data = false;
    let mut signing_certificate_hash = None;
    let mut signing_time_unix = None;
    let mut content_type = None;
    let mut claimed_role_text = None;
    for attr in attributes.iter() {
        let Some(value) = attr.values.iter().next() else {
            continue;
        };
        match attr.oid {
            OID_MESSAGE_DIGEST => {
                let octets: OctetString = value
                    .decode_as()
                    .map_err(|e| format!("message-digest: {e}"))?;
                message_digest = Some(octets.as_bytes().to_vec());
            }
            OID_CONTENT_TYPE => {
                let oid: ObjectIdentifier = value
                    .decode_as()
                    .map_err(|e| format!("content-type: {e}"))?;
                content_type_is_data = oid == OID_DATA;
                content_type = Some(oid);
            }
            OID_SIGNING_CERTIFICATE_V2 => {
                let parsed: SigningCertificateV2Lenient = value
                    .decode_as()
                    .map_err(|e| format!("signing-certificate-v2: {e}"))?;
                signing_certificate_hash = parsed.first_hash();
            }
            OID_SIGNING_TIME => {
                let time: x509_cert::time::Time = value
                    .decode_as()
                    .map_err(|e| format!("signing-time: {e}"))?;
                signing_time_unix = i64::try_from(time.to_unix_duration().as_secs()).ok();
            }
            OID_SIGNER_ATTRIBUTES_V2 => claimed_role_text = claimed_role(value)?,
            _ => {}
        }
    }
    let mut timestamp_token = None;
    for attr in signer.unsigned_attrs.iter().flat_map(|set| set.iter()) {
        if attr.oid != OID_SIGNATURE_TIME_STAMP_TOKEN {
            continue;
        }
        if timestamp_token.is_some() || attr.values.len() != 1 {
            return Err("more than one signature timestamp token".to_owned());
        }
        if let Some(value) = attr.values.iter().next() {
            timestamp_token = Some(value.to_der().map_err(|e| e.to_string())?);
        }
    }
    Ok(ParsedSignature {
        content_type,
        econtent,
        econtent_type: signed.encap_content_info.econtent_type,
        timestamp_token,
        certificate,
        message_digest: message_digest.ok_or_else(|| "no message-digest attribute".to_owned())?,
        content_type_is_data,
        signing_certificate_hash,
        signed_attributes_der: attributes.to_der().map_err(|e| e.to_string())?,
        signature_algorithm: signer.signature_algorithm.oid,
        signature: signer.signature.as_bytes().to_vec(),
        signing_time_unix,
        claimed_role: claimed_role_text,
    })
}

/// SigningCertificateV2 read leniently: the first ESSCertIDv2's hash, whatever else it has.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2Lenient {
    certs: Vec<Any>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

impl SigningCertificateV2Lenient {
    fn first_hash(&self) -> Option<Vec<u8>> {
        let first = self.certs.first()?;
        let der = first.to_der().ok()?;
        // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, .. }
        let items: Vec<Any> = Any::from_der(&der).ok()?.decode_as::<Vec<Any>>().ok()?;
        items
            .iter()
            .find(|item| item.tag() == der::Tag::OctetString)
            .map(|item| item.value().to_vec())
    }
}

/// Verifies `signature` over `message` with the certificate's public key (RSA PKCS#1 v1.5 or
/// ECDSA P-256, both SHA-256).
pub fn verify_signature(
    certificate: &Certificate,
    algorithm: ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    use pkcs8::DecodePublicKey;
    use signature::Verifier;
    let spki = certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| e.to_string())?;
    const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    if algorithm == OID_SHA256_WITH_RSA || algorithm == OID_RSA {
        let key = rsa::PublicKey::from_public_key_der(&spki).map_err(|e| e.to_string())?;
        let verifier = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key);
        let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|e| e.to_string())?;
        verifier
            .verify(message, &sig)
            .map_err(|_| "the signature value does not verify".to_owned())
    } else if algorithm == OID_ECDSA_WITH_SHA256 {
        let key =
            p256::ecdsa::VerifyingKey::from_public_key_der(&spki).map_err(|e| e.to_string())?;
        let sig = p256::ecdsa::Signature::from_der(signature).map_err(|e| e.to_string())?;
        key.verify(message, &sig)
            .map_err(|_| "the signature value does not verify".to_owned())
    } else {
        Err(format!("unsupported signature algorithm {algorithm}"))
    }
}
