//! Digital signatures on screening reports: PAdES B-B (CMS detached, `/ByteRange`), so any
//! change after signing is detectable (21 CFR Part 11 §11.70: the signature is linked to its
//! record), and the signing identity that makes them (§11.200: identity + passphrase).
//!
//! No OpenSSL: RustCrypto crates only. `identity` generates, protects and imports keys;
//! `cms` assembles the SignedData; `pdf_sig` writes the incremental update; `verify` checks a
//! signed file; `store` keeps the identity file in the data folder.

pub mod bounds;
pub mod checkpoint;
pub mod cms;
pub mod doc_timestamp;
pub mod identity;
pub mod pdf_sig;
mod revisions;
pub mod store;
pub mod trust;
pub mod tsa;
mod tsa_http;
pub mod verify;

use crate::report::{ReportInput, ReportOptions, render_with_layout};

pub use identity::{KeyAlgorithm, KeyProtection, SignerName, SigningIdentity};
pub use pdf_sig::{SignatureDetails, Signed};
pub use verify::{Verification, verify};
/// An X.509 certificate, as the signing identity and verification hand it out.
pub use x509_cert::Certificate;

/// Why signing (or loading an identity) failed. Nothing is written when it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The signer's role may not sign with this meaning (a coordinator cannot confirm
    /// eligibility; a monitor signs nothing).
    #[error("not signed: {0}")]
    Role(#[from] prescreen_core::roles::RoleError),
    /// The passphrase does not unlock the identity.
    #[error("wrong passphrase: the signing identity could not be unlocked")]
    WrongPassphrase,
    /// A new passphrase is too short or too easy to guess; says why and what would help.
    #[error("the passphrase is too weak: {0}")]
    WeakPassphrase(String),
    /// The identity file or PKCS#12 is unusable.
    #[error("signing identity: {0}")]
    InvalidIdentity(String),
    /// The key type cannot sign.
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// No identity has been created or imported yet.
    #[error(
        "no signing identity yet: create one with `prescreen identity new` or import one with `prescreen identity import`"
    )]
    NoIdentity,
    /// Only NOT ELIGIBLE, PRE-SCREEN PASSED and ELIGIBLE can be signed.
    #[error("an INCOMPLETE screening cannot be signed; export it unsigned as a draft")]
    NotSettled,
    /// A recorded answer fails its checks: it must be re-entered before anything is signed.
    #[error("answers that fail their checks cannot be signed; re-enter them first: {0}")]
    InvalidAnswers(String),
    /// The report input carries no signature appearance.
    #[error("the report has no signature block to sign")]
    NoAppearance,
    /// The PDF already carries a signature (one signer per PDF).
    #[error("the PDF is already signed")]
    AlreadySigned,
    /// The report could not be rendered.
    #[error("report: {0}")]
    Report(String),
    /// The PDF could not be extended.
    #[error("PDF: {0}")]
    Pdf(String),
    /// A cryptographic operation failed.
    #[error("cryptography: {0}")]
    Crypto(String),
    /// A document timestamp could not be made (the TSA is down or its token fails a check).
    #[error("document timestamp: {0}")]
    Timestamp(String),
    /// Reading or writing the identity file failed.
    #[error(transparent)]
    Io(#[from] prescreen_core::io_error::IoError),
}

/// Renders and signs a report in one step. `input.signature` is the visible block (its name
/// should be the certificate's); its time and meaning go into the signature dictionary.
pub fn sign_report(
    input: &ReportInput,
    options: &ReportOptions,
    identity: &SigningIdentity,
) -> Result<Vec<u8>, SigningError> {
    sign_report_with_tsa(input, options, identity, None).map(|signed| signed.pdf)
}

/// [`sign_report`] with the signature timestamped by the RFC 3161 TSA at `tsa` (an `http://`
/// URL): PAdES B-T. A TSA that is down, or a token that fails a check, leaves a B-B
/// signature and a warning in [`Signed`]: the signing itself never fails for it.
pub fn sign_report_with_tsa(
    input: &ReportInput,
    options: &ReportOptions,
    identity: &SigningIdentity,
    tsa: Option<&str>,
) -> Result<Signed, SigningError> {
    check_signable(&input.evaluation)?;
    let appearance = input.signature.as_ref().ok_or(SigningError::NoAppearance)?;
    // The role the certificate names binds the meaning (the appearance's own role text is
    // the certificate's, see `export`).
    let role = identity::signer_name(&identity.certificate)
        .role
        .unwrap_or_default();
    prescreen_core::roles::SignerRole::from_role_text(&role).may_sign(appearance.meaning)?;
    let rendered =
        render_with_layout(input, options).map_err(|e| SigningError::Report(e.to_string()))?;
    let details = SignatureDetails {
        signed_at: appearance.signed_at,
        utc_offset: appearance.utc_offset,
        meaning: appearance.meaning,
        location: appearance.site.clone(),
    };
    match rendered.confirmation_rect {
        // A coordinator certifies the summary and leaves the investigator's field ready.
        Some(prepared) => pdf_sig::certify_pdf_with_tsa(
            &rendered.pdf,
            rendered.signature_rect,
            prepared,
            identity,
            &details,
            tsa,
        ),
        None => pdf_sig::sign_pdf_with_tsa(
            &rendered.pdf,
            rendered.signature_rect,
            identity,
            &details,
            tsa,
        ),
    }
}

/// Whether an evaluation may be signed: a settled verdict and no invalid answer. Every
/// signing path (command line, app, library) asks this one function.
pub fn check_signable(
    evaluation: &prescreen_core::eligibility::Evaluation,
) -> Result<(), SigningError> {
    if !evaluation.verdict.is_settled() {
        return Err(SigningError::NotSettled);
    }
    if !evaluation.invalid.is_empty() {
        let list: Vec<String> = evaluation.invalid.iter().map(ToString::to_string).collect();
        return Err(SigningError::InvalidAnswers(list.join("; ")));
    }
    Ok(())
}
