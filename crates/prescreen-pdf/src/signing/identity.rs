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
    if prescreen_core::roles::SignerRole::from_role_text(role)
        == prescreen_core::roles::SignerRole::Monitor
    {
        return Err(SigningError::InvalidIdentity(format!(
            "a monitor has no signing identity (role \"{role}\")"
        )));
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

/// How costly the passphrase-to-key derivation of a stored key is (scrypt N, r, p).
///
/// The key file may be copied off a lost laptop; the only thing between it and a forged
/// signature is the passphrase, so each guess must be expensive. pkcs8's default (N = 2^14,
/// chosen for OpenSSL 3 compatibility, which this file does not need) costs an attacker 8×
/// less than [`KeyProtection::Standard`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyProtection {
    /// scrypt N = 2^17, r = 8, p = 1 (128 MiB per guess), AES-256-CBC: every key the product
    /// writes.
    #[default]
    Standard,
    /// scrypt with a smaller N = 2^`log_n` (r = 8, p = 1): only to build fixtures that stand for
    /// keys written by older versions, or for tests that would otherwise spend seconds in
    /// scrypt. A key protected like this is reported for re-encryption when it is unlocked.
    Weaker {
        /// log2 of scrypt's N (10 to 16).
        log_n: u8,
    },
}

/// scrypt log2(N) of [`KeyProtection::Standard`]; below it a key is re-encrypted on unlock.
pub const STANDARD_SCRYPT_LOG_N: u8 = 17;
/// scrypt block size r of [`KeyProtection::Standard`].
pub const STANDARD_SCRYPT_R: u32 = 8;
/// scrypt parallelism p of [`KeyProtection::Standard`].
pub const STANDARD_SCRYPT_P: u32 = 1;
/// PBKDF2-HMAC-SHA256 iterations a key from elsewhere needs not to be re-encrypted (OWASP's
/// current figure); a key with fewer is re-encrypted with scrypt on unlock.
pub const MIN_PBKDF2_ITERATIONS: u32 = 600_000;

impl KeyProtection {
    fn scrypt_log_n(self) -> u8 {
        match self {
            Self::Standard => STANDARD_SCRYPT_LOG_N,
            Self::Weaker { log_n } => log_n.clamp(10, STANDARD_SCRYPT_LOG_N),
        }
    }

    /// Fresh PBES2 parameters (random salt and IV).
    fn parameters(self) -> Result<pkcs8::pkcs5::pbes2::Parameters, SigningError> {
        let mut salt = [0u8; 16];
        random_bytes(&mut salt)?;
        let mut iv = [0u8; 16];
        random_bytes(&mut iv)?;
        let scrypt = pkcs8::pkcs5::scrypt::Params::new(
            self.scrypt_log_n(),
            STANDARD_SCRYPT_R,
            STANDARD_SCRYPT_P,
        )
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
        pkcs8::pkcs5::pbes2::Parameters::generate_scrypt_aes256cbc(scrypt, &salt, iv)
            .map_err(|e| SigningError::Crypto(e.to_string()))
    }
}

/// Serialises an identity as PEM text: the private key encrypted with `passphrase`
/// (PKCS#8, scrypt N = 2^17 + AES-256-CBC), then the certificate and chain. A passphrase
/// that fails [`check_passphrase_strength`] is refused.
pub fn to_protected_pem(
    identity: &SigningIdentity,
    passphrase: &str,
) -> Result<String, SigningError> {
    to_protected_pem_with(identity, passphrase, KeyProtection::Standard)
}

/// [`to_protected_pem`] with an explicit protection (the product always passes
/// [`KeyProtection::Standard`]; tests and fixtures may pass a weaker one).
pub fn to_protected_pem_with(
    identity: &SigningIdentity,
    passphrase: &str,
    protection: KeyProtection,
) -> Result<String, SigningError> {
    check_passphrase_strength(passphrase)?;
    encrypt_pem(identity, passphrase, protection)
}

/// Encrypts without judging the passphrase: re-encrypting an existing key keeps the
/// passphrase its owner already uses (refusing it would lock them out of their own key).
fn encrypt_pem(
    identity: &SigningIdentity,
    passphrase: &str,
    protection: KeyProtection,
) -> Result<String, SigningError> {
    let der = identity.key.to_pkcs8_der()?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_bytes())
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    let encrypted = info
        .encrypt_with_params(protection.parameters()?, passphrase.as_bytes())
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

/// Re-encrypts an unlocked identity with [`KeyProtection::Standard`] under the passphrase it
/// already has (which is not re-judged: see [`encrypt_pem`]).
pub fn reprotect_pem(identity: &SigningIdentity, passphrase: &str) -> Result<String, SigningError> {
    encrypt_pem(identity, passphrase, KeyProtection::Standard)
}

fn pem_block(label: &str, der: &[u8]) -> Result<String, SigningError> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| SigningError::Crypto(e.to_string()))
}

/// The fewest characters a new passphrase may have.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// The lowest zxcvbn score (0–4) a new passphrase may have: 3 is "safely unguessable:
/// moderate protection from an offline slow-hash scenario" (≥ 10^10 guesses), which is the
/// attack a copied key file allows.
pub const MIN_PASSPHRASE_SCORE: u8 = 3;

/// A new passphrase must be at least [`MIN_PASSPHRASE_CHARS`] characters and score at least
/// [`MIN_PASSPHRASE_SCORE`] with zxcvbn: it is one of the two signature components, and a
/// copied key file can be attacked offline. The error carries zxcvbn's warning and
/// suggestions so the signer knows what to change. (zxcvbn reads only the first 100
/// characters, so a very long input costs no more than a short one.)
pub fn check_passphrase_strength(passphrase: &str) -> Result<(), SigningError> {
    let chars = passphrase.chars().count();
    if chars < MIN_PASSPHRASE_CHARS {
        return Err(SigningError::WeakPassphrase(format!(
            "it has {chars} characters; use at least {MIN_PASSPHRASE_CHARS}, for example a few \
             uncommon words"
        )));
    }
    let estimate = zxcvbn::zxcvbn(passphrase, &[]);
    if u8::from(estimate.score()) >= MIN_PASSPHRASE_SCORE {
        return Ok(());
    }
    let advice = estimate
        .feedback()
        .map(ToString::to_string)
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "Add another word or two. Uncommon words are better.".to_owned());
    Err(SigningError::WeakPassphrase(format!(
        "it is too easy to guess (strength {}/4, at least {MIN_PASSPHRASE_SCORE} needed). {advice}",
        estimate.score()
    )))
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
    unlock_pem(text, passphrase).map(|unlocked| unlocked.identity)
}

/// An unlocked identity, and whether its key at rest is weaker than new keys are.
#[derive(Debug)]
pub struct Unlocked {
    /// The identity.
    pub identity: SigningIdentity,
    /// `Some(why)` when the key file's encryption is weaker than [`KeyProtection::Standard`]
    /// (an older version wrote it, or it came from elsewhere): it should be re-encrypted
    /// (see `store::unlock_and_upgrade`), which needs the passphrase just given.
    pub weaker_protection: Option<String>,
}

/// Unlocks a stored identity and says whether its key at rest should be re-encrypted; a
/// wrong passphrase is [`SigningError::WrongPassphrase`].
pub fn unlock_pem(text: &str, passphrase: &str) -> Result<Unlocked, SigningError> {
    let blocks = pem_blocks(text)?;
    let key_der = blocks
        .iter()
        .find(|(label, _)| label == ENCRYPTED_KEY_LABEL)
        .map(|(_, der)| der.clone())
        .ok_or_else(|| SigningError::InvalidIdentity("no encrypted private key".to_owned()))?;
    let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::try_from(key_der.as_slice())
        .map_err(|e| SigningError::InvalidIdentity(e.to_string()))?;
    let weaker_protection = weaker_than_standard(&encrypted.encryption_algorithm);
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
    Ok(Unlocked {
        identity: SigningIdentity {
            certificate,
            chain: certificates,
            key,
        },
        weaker_protection,
    })
}

/// Why a key's encryption is weaker than [`KeyProtection::Standard`], or `None` if it is not.
fn weaker_than_standard(scheme: &pkcs8::pkcs5::EncryptionScheme) -> Option<String> {
    use pkcs8::pkcs5::pbes2::Kdf;
    let pkcs8::pkcs5::EncryptionScheme::Pbes2(parameters) = scheme else {
        return Some("PBES1 encryption".to_owned());
    };
    match &parameters.kdf {
        Kdf::Scrypt(scrypt) => {
            let standard_n = 1u64 << STANDARD_SCRYPT_LOG_N;
            let r = u32::from(scrypt.block_size);
            let p = u32::from(scrypt.parallelization);
            // scrypt's cost is N·r·p: a smaller r or p is weaker even at the same N.
            let cost = u128::from(scrypt.cost_parameter) * u128::from(r) * u128::from(p);
            let standard = u128::from(standard_n)
                * u128::from(STANDARD_SCRYPT_R)
                * u128::from(STANDARD_SCRYPT_P);
            (scrypt.cost_parameter < standard_n || cost < standard).then(|| {
                format!(
                    "scrypt N = {}, r = {r}, p = {p} (new keys use N = 2^{STANDARD_SCRYPT_LOG_N}, r = {STANDARD_SCRYPT_R}, p = {STANDARD_SCRYPT_P})",
                    scrypt.cost_parameter
                )
            })
        }
        Kdf::Pbkdf2(pbkdf2) => (pbkdf2.iteration_count < MIN_PBKDF2_ITERATIONS).then(|| {
            format!(
                "PBKDF2 with {} iterations (fewer than {MIN_PBKDF2_ITERATIONS})",
                pbkdf2.iteration_count
            )
        }),
        other => Some(format!("key derivation {}", other.oid())),
    }
}

/// The scrypt log2(N) of a stored key, if it is scrypt-encrypted (for tests and diagnostics).
pub fn stored_scrypt_log_n(text: &str) -> Result<Option<u8>, SigningError> {
    let blocks = pem_blocks(text)?;
    let Some((_, der)) = blocks
        .iter()
        .find(|(label, _)| label == ENCRYPTED_KEY_LABEL)
    else {
        return Err(SigningError::InvalidIdentity(
            "no encrypted private key".to_owned(),
        ));
    };
    let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
        .map_err(|e| SigningError::InvalidIdentity(e.to_string()))?;
    let pkcs8::pkcs5::EncryptionScheme::Pbes2(parameters) = &encrypted.encryption_algorithm else {
        return Ok(None);
    };
    Ok(parameters.kdf.scrypt().and_then(|scrypt| {
        let n = scrypt.cost_parameter;
        n.is_power_of_two()
            .then(|| u8::try_from(n.trailing_zeros()).ok())
            .flatten()
    }))
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

#[cfg(test)]
mod tests {
    use super::*;
    use pkcs8::pkcs5::pbes2::Parameters;
    use pkcs8::pkcs5::{EncryptionScheme, scrypt};

    fn refusal(passphrase: &str) -> String {
        match check_passphrase_strength(passphrase) {
            Err(SigningError::WeakPassphrase(why)) => why,
            other => panic!("{passphrase:?} was not refused as weak: {other:?}"),
        }
    }

    #[test]
    fn short_passphrases_are_refused_with_the_minimum() {
        let why = refusal("Xk7#qLm2");
        assert!(why.contains("8 characters"), "{why}");
        assert!(why.contains("at least 12"), "{why}");
    }

    #[test]
    fn guessable_passphrases_are_refused_with_zxcvbn_feedback() {
        // Long enough, but a dictionary pair, a common password, a sequence, a keyboard row.
        let why = refusal("correcthorse");
        assert!(why.contains("Add another word"), "{why}");
        let why = refusal("password1234");
        assert!(why.contains("very common password"), "{why}");
        let why = refusal("abcdefghijkl");
        assert!(why.contains("Sequences"), "{why}");
        let why = refusal("qwertyuiopas");
        assert!(why.contains("strength 1/4"), "{why}");
        // A very long but trivially repeated passphrase is as weak as its pattern.
        let why = refusal(&"a".repeat(100_000));
        assert!(why.contains("Repeats"), "{why}");
    }

    #[test]
    fn strong_passphrases_are_accepted() {
        for strong in [
            "mauve otter kiln sextant 42",
            "synthetic passphrase 42",
            "correct horse battery",
        ] {
            assert_eq!(check_passphrase_strength(strong), Ok(()), "{strong}");
        }
    }

    fn scrypt_scheme(log_n: u8, r: u32) -> EncryptionScheme {
        let params = scrypt::Params::new(log_n, r, 1).unwrap();
        EncryptionScheme::Pbes2(
            Parameters::generate_scrypt_aes256cbc(params, &[7u8; 16], [1u8; 16]).unwrap(),
        )
    }

    fn pbkdf2_scheme(iterations: u32) -> EncryptionScheme {
        EncryptionScheme::Pbes2(
            Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &[7u8; 16], [1u8; 16])
                .unwrap(),
        )
    }

    #[test]
    fn weaker_key_encryption_is_recognised() {
        assert_eq!(weaker_than_standard(&scrypt_scheme(17, 8)), None);
        assert_eq!(weaker_than_standard(&scrypt_scheme(18, 8)), None);
        let why = weaker_than_standard(&scrypt_scheme(14, 8)).unwrap();
        assert!(why.contains("N = 16384"), "{why}");
        assert!(weaker_than_standard(&scrypt_scheme(17, 4)).is_some());
        let why = weaker_than_standard(&pbkdf2_scheme(10_000)).unwrap();
        assert!(why.contains("10000 iterations"), "{why}");
        assert_eq!(weaker_than_standard(&pbkdf2_scheme(600_000)), None);
    }

    #[test]
    fn a_pbkdf2_key_unlocks_and_is_reported_for_re_encryption() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let id = generate(
            "Synthetic Signer",
            "coordinator",
            "TLS",
            KeyAlgorithm::P256,
            now,
        )
        .unwrap();
        let der = id.key.to_pkcs8_der().unwrap();
        let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_bytes()).unwrap();
        let pbkdf2 =
            Parameters::generate_pbkdf2_sha256_aes256cbc(10_000, &[3u8; 16], [5u8; 16]).unwrap();
        let encrypted = info
            .encrypt_with_params(pbkdf2, "mauve otter kiln sextant 42")
            .unwrap();
        let mut pem = pem_block(ENCRYPTED_KEY_LABEL, encrypted.as_bytes()).unwrap();
        pem.push_str(&pem_block(CERTIFICATE_LABEL, &id.certificate.to_der().unwrap()).unwrap());
        assert_eq!(stored_scrypt_log_n(&pem).unwrap(), None);
        let unlocked = unlock_pem(&pem, "mauve otter kiln sextant 42").unwrap();
        assert!(unlocked.weaker_protection.unwrap().contains("PBKDF2"));
        assert_eq!(
            unlocked.identity.key.public_key_der().unwrap(),
            id.key.public_key_der().unwrap()
        );
    }
}
