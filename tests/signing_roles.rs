//! Each signer's role binds what they may sign: a coordinator pre-screens or screens, only an
//! investigator confirms eligibility, a monitor has no signing identity — in the library every
//! signing path goes through, and in `verify` for a PDF signed around it.
#![cfg(test)]

mod common;
mod pdf_common;

use pdf_common::{appearance, input, options};
use prescreen::report::{SignatureMeaning, render_with_layout};
use prescreen::roles::RoleError;
use prescreen::signing::identity::{self, KeyAlgorithm};
use prescreen::signing::pdf_sig::{SignatureDetails, sign_pdf};
use prescreen::signing::{SigningError, sign_report, verify};

fn signer(role: &str) -> prescreen::signing::SigningIdentity {
    identity::generate(
        "Synthetic Signer",
        role,
        "CHU Toulouse",
        KeyAlgorithm::P256,
        options().generated_at,
    )
    .unwrap()
}

#[test]
fn only_an_investigator_confirms_eligibility() {
    let coordinator = signer("Study coordinator");
    let investigator = signer("Sub-investigator, delegation log line 4");
    let mut report = input("a-muse-eligible.ron");
    report.signature = Some(appearance(
        "Synthetic Signer",
        SignatureMeaning::EligibilityConfirmedByInvestigator,
    ));
    let refused = sign_report(&report, &options(), &coordinator).unwrap_err();
    assert!(
        matches!(
            refused,
            SigningError::Role(RoleError::MeaningNotForRole {
                needs: "investigator",
                ..
            })
        ),
        "{refused}"
    );
    let pdf = sign_report(&report, &options(), &investigator).unwrap();
    let checked = verify::verify(&pdf);
    assert!(checked.is_valid(), "{checked:#?}");
    // The role travels in the signature too (CAdES signer-attributes-v2, claimed).
    assert_eq!(
        checked.claimed_role.as_deref(),
        Some("Sub-investigator, delegation log line 4")
    );
    // An investigator does not sign the coordinator's "Screened by".
    report.signature = Some(appearance("Synthetic Signer", SignatureMeaning::ScreenedBy));
    assert!(matches!(
        sign_report(&report, &options(), &investigator),
        Err(SigningError::Role(_))
    ));
    // A monitor has no signing identity at all.
    let monitor = identity::generate(
        "Synthetic Monitor",
        "Clinical monitor",
        "CRO",
        KeyAlgorithm::P256,
        options().generated_at,
    );
    assert!(matches!(monitor, Err(SigningError::InvalidIdentity(_))));
}

#[test]
fn verify_refuses_a_meaning_the_signers_role_may_not_sign() {
    // Signed around the library's check, as a forger would: a coordinator's key, an
    // investigator's meaning. Intact bytes, but not a valid signature.
    let coordinator = signer("Study coordinator");
    let mut report = input("a-muse-eligible.ron");
    let look = appearance(
        "Synthetic Signer",
        SignatureMeaning::EligibilityConfirmedByInvestigator,
    );
    report.signature = Some(look.clone());
    let laid_out = render_with_layout(&report, &options()).unwrap();
    let pdf = sign_pdf(
        &laid_out.pdf,
        laid_out.signature_rect,
        &coordinator,
        &SignatureDetails {
            signed_at: look.signed_at,
            utc_offset: look.utc_offset,
            meaning: look.meaning,
            location: look.site.clone(),
        },
    )
    .unwrap();
    let checked = verify::verify(&pdf);
    assert!(checked.intact, "{checked:#?}");
    assert!(!checked.is_valid());
    assert!(
        checked
            .problems
            .iter()
            .any(|p| p.contains("does not fit the signer's role")),
        "{:?}",
        checked.problems
    );
}
