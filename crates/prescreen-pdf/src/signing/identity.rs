//! The coordinator's signing identity: a private key and the X.509 certificate that names
//! them. Bytes in, bytes out — storing the files is `store.rs`'s job.
//!
//! A new identity is a fresh RSA-2048 or P-256 key with a self-signed certificate carrying the
//! signer's name (CN), role (title) and site (O). An institution's identity comes from its
//! PKCS#12 file. Either way the key is kept only as passphrase-encrypted PKCS#8 (scrypt +
//! AES-256-CBC), so signing needs something the signer has (the file) and knows (the
//! passphrase).

use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, Tag, Tagged};
use jiff::Timestamp;
use pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::pkcs1v15;
use sha2_011::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::Validity;

use super::SigningError;

/// OID of the X.520 commonName attribute.
pub const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// OID of the X.520 title attribute (the signer's role).
pub const OID_TITLE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.12");
/// OID of the X.520 organizationName attribute (the site).
pub const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
/// OID of the X.520 organizationalUnitName attribute.
pub const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// Which key a new identity gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    /// RSA with a 2048-bit modulus, PKCS#1 v1.5 signatures with SHA-256 (widest support).
    #[default]
    Rsa2048,
    /// ECDSA on P-256 with SHA-256 (small and fast).
    P256,
}

/// The private key, kept in memory only while signing.
pub enum PrivateKey {
    /// RSA.
    Rsa(Box<rsa::PrivateKey>),
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rsa(_) => f.write_str("PrivateKey::Rsa(..)"),
            Self::P256(_) => f.write_str("PrivateKey::P256(..)"),
        }
    }
}

impl PrivateKey {
    /// Parses an unencrypted PKCS#8 DER private key (RSA or P-256).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, SigningError> {
        if let Ok(key) = rsa::PrivateKey::from_pkcs8_der(der) {
            return Ok(Self::Rsa(Box::new(key)));
        }
        if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(Self::P256(key));
        }
        Err(SigningError::UnsupportedKey(
            "only RSA and ECDSA P-256 keys can sign".to_owned(),
        ))
    }

    /// The key as unencrypted PKCS#8 DER (only ever encrypted before it leaves memory).
    fn to_pkcs8_der(&self) -> Result<pkcs8::SecretDocument, SigningError> {
        match self {
            Self::Rsa(key) => key.to_pkcs8_der(),
            Self::P256(key) => key.to_pkcs8_der(),
        }
        .map_err(|e| SigningError::Crypto(e.to_string()))
    }

    /// Signs `message` (SHA-256 is applied here): PKCS#1 v1.5 for RSA, DER-encoded ECDSA.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SigningError> {
        use signature::{SignatureEncoding, Signer};
        match self {
            Self::Rsa(key) => {
                let signer = pkcs1v15::SigningKey::<Sha256>::new(key.as_ref().clone());
                let signature: pkcs1v15::Signature = signer
                    .try_sign(message)
                    .map_err(|e| SigningError::Crypto(e.to_string()))?;
                Ok(signature.to_vec())
            }
            Self::P256(key) => {
                let signature: p256::ecdsa::DerSignature = key
                    .try_sign(message)
                    .map_err(|e| SigningError::Crypto(e.to_string()))?;
                Ok(signature.to_vec())
            }
        }
    }

    /// The matching public key as SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> Result<Vec<u8>, SigningError> {
        use pkcs8::EncodePublicKey;
        match self {
            Self::Rsa(key) => key.to_public_key().to_public_key_der(),
            Self::P256(key) => key.verifying_key().to_public_key_der(),
        }
        .map(|doc| doc.as_bytes().to_vec())
        .map_err(|e| SigningError::Crypto(e.to_string()))
    }
}

/// A key with its certificate (and any chain above it): everything needed to sign.
#[derive(Debug)]
pub struct SigningIdentity {
    /// The signer's certificate.
    pub certificate: Certificate,
    /// Issuer certificates shipped with an imported identity (empty for self-signed).
    pub chain: Vec<Certificate>,
    /// The private key.
    pub key: PrivateKey,
}

/// Name, role and site as read from a certificate subject.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignerName {
    /// commonName.
    pub name: String,
    /// title, if any.
    pub role: Option<String>,
    /// organizationName (or organizationalUnitName), if any.
    pub site: Option<String>,
}

/// Reads CN, title and O/OU from a certificate's subject.
pub fn signer_name(certificate: &Certificate) -> SignerName {
    let mut result = SignerName::default();
    for atv in certificate.tbs_certificate().subject().iter() {
        let text = attribute_text(&atv.value);
        match atv.oid {
            OID_CN => result.name = text,
            OID_TITLE => result.role = Some(text),
            OID_O => result.site = Some(text),
            OID_OU if result.site.is_none() => result.site = Some(text),
            _ => {}
        }
    }
    result
}

fn attribute_text(value: &Any) -> String {
    match value.tag() {
        Tag::BmpString => {
            let units: Vec<u16> = value
                .value()
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(value.value()).into_owned(),
    }
}

/// Builds a subject name CN=name, title=role, O=site (UTF8String values, any Unicode).
fn subject(name: &str, role: &str, site: &str) -> Result<Name, SigningError> {
    let mut rdns = Vec::new();
    for (oid, value) in [(OID_O, site), (OID_TITLE, role), (OID_CN, name)] {
        if value.trim().is_empty() {
            continue;
        }
        let any = Any::new(Tag::Utf8String, value.trim().as_bytes())
            .map_err(|e| SigningError::Crypto(e.to_string()))?;
        let atv = x509_cert::attr::AttributeTypeAndValue { oid, value: any };
        let set = SetOfVec::try_from(vec![atv]).map_err(|e| SigningError::Crypto(e.to_string()))?;
        rdns.push(RelativeDistinguishedName::from(set));
    }
    let der = RdnSequence::from(rdns)
        .to_der()
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    Name::from_der(&der).map_err(|e| SigningError::Crypto(e.to_string()))
}

/// A self-signed end-entity certificate for document signing.
struct SelfSigned {
    subject: Name,
}

impl BuilderProfile for SelfSigned {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions: Vec<Extension> = Vec::new();
        extensions.push(
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            }
            .to_extension(tbs.subject(), &extensions)?,
        );
        extensions.push(
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
                .to_extension(tbs.subject(), &extensions)?,
        );
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        extensions.push(ski.to_extension(tbs.subject(), &extensions)?);
        Ok(extensions)
    }
}

/// Creates a new key pair and a self-signed certificate (valid from a day before `now` for
/// five years) naming the signer.
pub fn generate(
    name: &str,
    role: &str,
    site: &str,
    algorithm: KeyAlgorithm,
    now: Timestamp,
) -> Result<SigningIdentity, SigningError> {
    if name.trim().is_empty() {
        return Err(SigningError::InvalidIdentity(
            "the signer's name is required".to_owned(),
        ));
    }
    let key = match algorithm {
        KeyAlgorithm::Rsa2048 => {
            let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048)
                .map_err(|e| SigningError::Crypto(e.to_string()))?;
            PrivateKey::Rsa(Box::new(key))
        }
        KeyAlgorithm::P256 => {
            use p256::elliptic_curve::Generate;
            let key = p256::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng)
                .map_err(|e| SigningError::Crypto(e.to_string()))?;
            PrivateKey::P256(key)
        }
    };
    let certificate = self_signed_certificate(&key, name, role, site, now)?;
    Ok(SigningIdentity {
        certificate,
        chain: Vec::new(),
        key,
    })
}

/// Fills `dst` from the operating system's RNG.
pub fn random_bytes(dst: &mut [u8]) -> Result<(), SigningError> {
    getrandom::fill(dst).map_err(|e| SigningError::Crypto(format!("no randomness: {e}")))
}

fn self_signed_certificate(
    key: &PrivateKey,
    name: &str,
    role: &str,
    site: &str,
    now: Timestamp,
) -> Result<Certificate, SigningError> {
    let spki_der = key.public_key_der()?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der)
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    let mut serial = [0u8; 16];
    random_bytes(&mut serial)?;
    serial[0] &= 0x7F;
    serial[0] |= 0x01;
    let serial = SerialNumber::new(&serial).map_err(|e| SigningError::Crypto(e.to_string()))?;
    let start = now.as_second() - 86_400;
    let end = now.as_second() + 5 * 365 * 86_400;
    let validity = Validity::new(x509_time(start)?, x509_time(end)?);
    let profile = SelfSigned {
        subject: subject(name, role, site)?,
    };
    let builder = CertificateBuilder::new(profile, serial, validity, spki)
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    let certificate = match key {
        PrivateKey::Rsa(k) => {
            let signer = pkcs1v15::SigningKey::<Sha256>::new(k.as_ref().clone());
            builder
                .build::<_, pkcs1v15::Signature>(&signer)
                .map_err(|e| SigningError::Crypto(e.to_string()))?
        }
        PrivateKey::P256(k) => builder
            .build::<_, p256::ecdsa::DerSignature>(k)
            .map_err(|e| SigningError::Crypto(e.to_string()))?,
    };
    Ok(certificate)
}

fn x509_time(unix_seconds: i64) -> Result<x509_cert::time::Time, SigningError> {
    let seconds = u64::try_from(unix_seconds)
        .map_err(|_| SigningError::Crypto("time before 1970".to_owned()))?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(seconds))
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    if dt.year() < 2050 {
        der::asn1::UtcTime::from_date_time(dt)
            .map(x509_cert::time::Time::UtcTime)
            .map_err(|e| SigningError::Crypto(e.to_string()))
    } else {
        Ok(x509_cert::time::Time::GeneralTime(
            der::asn1::GeneralizedTime::from_date_time(dt),
        ))
    }
}

/// The PEM label of an encrypted private key.
const ENCRYPTED_KEY_LABEL: &str = "ENCRYPTED PRIVATE KEY";
/// The PEM label of a certificate.
const CERTIFICATE_LABEL: &str = "CERTIFICATE";

/// Serialises an identity as PEM text: the private key encrypted with `passphrase`
/// (PKCS#8, scrypt + AES-256-CBC), then the certificate and chain.
pub fn to_protected_pem(
    identity: &SigningIdentity,
    passphrase: &str,
) -> Result<String, SigningError> {
    check_passphrase_strength(passphrase)?;
    let der = identity.key.to_pkcs8_der()?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_bytes())
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    let encrypted = info
        .encrypt(passphrase.as_bytes())
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    let mut out = pem_block(ENCRYPTED_KEY_LABEL, encrypted.as_bytes())?;
    for cert in std::iter::once(&identity.certificate).chain(&identity.chain) {
        let der = cert
            .to_der()
            .map_err(|e| SigningError::Crypto(e.to_string()))?;
        out.push_str(&pem_block(CERTIFICATE_LABEL, &der)?);
    }
    Ok(out)
}

fn pem_block(label: &str, der: &[u8]) -> Result<String, SigningError> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| SigningError::Crypto(e.to_string()))
}

/// A passphrase must be at least 8 characters: it is one of the two signature components.
pub fn check_passphrase_strength(passphrase: &str) -> Result<(), SigningError> {
    if passphrase.chars().count() < 8 {
        return Err(SigningError::WeakPassphrase);
    }
    Ok(())
}

/// Splits PEM text into (label, DER) blocks.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, SigningError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start..];
        let label_end = after[11..]
            .find("-----")
            .ok_or_else(|| SigningError::InvalidIdentity("broken PEM header".to_owned()))?;
        let label = after[11..11 + label_end].to_owned();
        let end_marker = format!("-----END {label}-----");
        let end = after
            .find(&end_marker)
            .ok_or_else(|| SigningError::InvalidIdentity(format!("no end of {label}")))?;
        let block = &after[..end + end_marker.len()];
        let (decoded_label, der) = der::pem::decode_vec(block.as_bytes())
            .map_err(|e| SigningError::InvalidIdentity(format!("{label}: {e}")))?;
        blocks.push((decoded_label.to_owned(), der));
        rest = &after[end + end_marker.len()..];
    }
    Ok(blocks)
}

/// The certificates of a stored identity, readable without the passphrase.
pub fn certificates_from_pem(text: &str) -> Result<Vec<Certificate>, SigningError> {
    pem_blocks(text)?
        .into_iter()
        .filter(|(label, _)| label == CERTIFICATE_LABEL)
        .map(|(_, der)| {
            Certificate::from_der(&der).map_err(|e| SigningError::InvalidIdentity(e.to_string()))
        })
        .collect()
}

/// Unlocks a stored identity with its passphrase; a wrong passphrase is
/// [`SigningError::WrongPassphrase`].
pub fn from_protected_pem(text: &str, passphrase: &str) -> Result<SigningIdentity, SigningError> {
    let blocks = pem_blocks(text)?;
    let key_der = blocks
        .iter()
        .find(|(label, _)| label == ENCRYPTED_KEY_LABEL)
        .map(|(_, der)| der.clone())
        .ok_or_else(|| SigningError::InvalidIdentity("no encrypted private key".to_owned()))?;
    let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::try_from(key_der.as_slice())
        .map_err(|e| SigningError::InvalidIdentity(e.to_string()))?;
    let plain = encrypted
        .decrypt(passphrase.as_bytes())
        .map_err(|_| SigningError::WrongPassphrase)?;
    let key =
        PrivateKey::from_pkcs8_der(plain.as_bytes()).map_err(|_| SigningError::WrongPassphrase)?;
    let mut certificates = certificates_from_pem(text)?;
    if certificates.is_empty() {
        return Err(SigningError::InvalidIdentity("no certificate".to_owned()));
    }
    let certificate = certificates.remove(0);
    check_key_matches(&key, &certificate)?;
    Ok(SigningIdentity {
        certificate,
        chain: certificates,
        key,
    })
}

fn check_key_matches(key: &PrivateKey, certificate: &Certificate) -> Result<(), SigningError> {
    let spki = certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    if spki != key.public_key_der()? {
        return Err(SigningError::InvalidIdentity(
            "the private key does not belong to the certificate".to_owned(),
        ));
    }
    Ok(())
}

/// Reads an institution's PKCS#12 (.p12/.pfx): the private key and the certificate that
/// matches it, plus the rest of the chain. A wrong passphrase is
/// [`SigningError::WrongPassphrase`].
pub fn from_pkcs12(data: &[u8], passphrase: &str) -> Result<SigningIdentity, SigningError> {
    let store = p12_keystore::KeyStore::from_pkcs12(
        data,
        passphrase,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|e| {
        let text = e.to_string().to_lowercase();
        if text.contains("mac") || text.contains("password") || text.contains("decrypt") {
            SigningError::WrongPassphrase
        } else {
            SigningError::InvalidIdentity(format!("PKCS#12: {e}"))
        }
    })?;
    let (_, chain) = store.private_key_chain().ok_or_else(|| {
        SigningError::InvalidIdentity("the PKCS#12 file holds no private key".to_owned())
    })?;
    let key = PrivateKey::from_pkcs8_der(chain.key().as_der())?;
    let public = key.public_key_der()?;
    let mut certificates = Vec::new();
    for cert in chain.certs() {
        certificates.push(
            Certificate::from_der(cert.as_der())
                .map_err(|e| SigningError::InvalidIdentity(e.to_string()))?,
        );
    }
    let position = certificates
        .iter()
        .position(|c| {
            c.tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .is_ok_and(|der| der == public)
        })
        .ok_or_else(|| {
            SigningError::InvalidIdentity(
                "no certificate in the PKCS#12 file matches its private key".to_owned(),
            )
        })?;
    let certificate = certificates.remove(position);
    Ok(SigningIdentity {
        certificate,
        chain: certificates,
        key,
    })
}

/// A certificate as PEM text (what the register of trusted signers keeps).
pub fn certificate_pem(certificate: &Certificate) -> Result<String, SigningError> {
    let der = certificate
        .to_der()
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    pem_block("CERTIFICATE", &der)
}

/// SHA-256 fingerprint of a certificate, hex, for display.
pub fn fingerprint(certificate: &Certificate) -> String {
    certificate
        .to_der()
        .map(|der| {
            Sha256::digest(der)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        })
        .unwrap_or_default()
}

/// The public key algorithm of a certificate, for messages.
pub fn key_algorithm_name(certificate: &Certificate) -> &'static str {
    match certificate
        .tbs_certificate()
        .subject_public_key_info()
        .algorithm
        .oid
    {
        OID_RSA => "RSA",
        OID_EC => "ECDSA",
        _ => "other",
    }
}
