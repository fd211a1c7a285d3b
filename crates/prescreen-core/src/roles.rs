//! Who may sign what. Under ICH E6 the investigator is responsible for eligibility: the
//! coordinator screens and signs that the answers are right; only an investigator (or a
//! delegated sub-investigator) confirms eligibility; a monitor reads and signs nothing. The
//! command line, the app and `verify` all ask [`SignerRole::may_sign`].

use serde::{Deserialize, Serialize};

/// What the signer means by signing (21 CFR Part 11 §11.50(a)(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignatureMeaning {
    /// The coordinator vouches for the pre-screening answers (records and interview).
    PreScreenedBy,
    /// The coordinator vouches for the answers.
    ScreenedBy,
    /// The investigator confirms the candidate's eligibility.
    EligibilityConfirmedByInvestigator,
    /// The earlier investigator meaning, still read from signed PDFs; an investigator's.
    ReviewedByInvestigator,
}

impl SignatureMeaning {
    /// The meanings a signer can choose today, in the order they are offered.
    pub const OFFERED: [Self; 3] = [
        Self::PreScreenedBy,
        Self::ScreenedBy,
        Self::EligibilityConfirmedByInvestigator,
    ];

    /// The sentence printed in the signature block and stored in the signature's /Reason.
    pub fn statement(self) -> &'static str {
        match self {
            Self::PreScreenedBy => {
                "Pre-screened by — I confirm the pre-screening answers above are accurate and complete"
            }
            Self::ScreenedBy => {
                "Screened by — I confirm the answers above are accurate and complete"
            }
            Self::EligibilityConfirmedByInvestigator => {
                "Eligibility confirmed by investigator — I confirm the candidate's eligibility as shown above"
            }
            Self::ReviewedByInvestigator => "Reviewed by investigator",
        }
    }

    /// The meaning whose statement this is (a /Reason read back), if any.
    pub fn from_statement(text: &str) -> Option<Self> {
        [
            Self::PreScreenedBy,
            Self::ScreenedBy,
            Self::EligibilityConfirmedByInvestigator,
            Self::ReviewedByInvestigator,
        ]
        .into_iter()
        .find(|meaning| meaning.statement() == text)
    }

    /// The role the meaning needs.
    pub fn signed_by(self) -> SignerRole {
        match self {
            Self::PreScreenedBy | Self::ScreenedBy => SignerRole::Coordinator,
            Self::EligibilityConfirmedByInvestigator | Self::ReviewedByInvestigator => {
                SignerRole::Investigator
            }
        }
    }
}

/// A signer's role, which binds the meanings they may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SignerRole {
    /// A study coordinator (or nurse): screens.
    #[default]
    Coordinator,
    /// An investigator or a delegated sub-investigator: confirms eligibility.
    Investigator,
    /// A monitor or auditor: reads, never signs.
    Monitor,
}

impl SignerRole {
    /// The role a free-text role names ("Study coordinator", "Sub-investigator, delegation
    /// log line 4", "Clinical monitor"): one naming an investigator is an investigator, one
    /// naming a monitor or auditor is a monitor, any other is a coordinator (today's free
    /// text keeps working).
    pub fn from_role_text(text: &str) -> Self {
        let text = text.to_lowercase();
        if text.contains("investigator") {
            Self::Investigator
        } else if text.contains("monitor") || text.contains("auditor") {
            Self::Monitor
        } else {
            Self::Coordinator
        }
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Coordinator => "coordinator",
            Self::Investigator => "investigator",
            Self::Monitor => "monitor",
        }
    }

    /// The meanings this role may sign, in the order they are offered.
    pub fn meanings(self) -> Vec<SignatureMeaning> {
        SignatureMeaning::OFFERED
            .into_iter()
            .filter(|meaning| meaning.signed_by() == self)
            .collect()
    }

    /// Whether this role may sign with `meaning`; the error says who may.
    pub fn may_sign(self, meaning: SignatureMeaning) -> Result<(), RoleError> {
        if self == Self::Monitor {
            return Err(RoleError::MonitorsDoNotSign);
        }
        if meaning.signed_by() != self {
            return Err(RoleError::MeaningNotForRole {
                meaning: meaning.statement().to_owned(),
                role: self.label(),
                needs: meaning.signed_by().label(),
            });
        }
        Ok(())
    }
}

/// Why a role may not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// A monitor has no signing identity.
    #[error("a monitor reads and signs nothing")]
    MonitorsDoNotSign,
    /// The meaning belongs to another role.
    #[error("\"{meaning}\" is signed by an {needs}, not by a {role}")]
    MeaningNotForRole {
        /// The meaning's statement.
        meaning: String,
        /// The signer's role.
        role: &'static str,
        /// The role the meaning needs.
        needs: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanings_follow_the_role() {
        let coordinator = SignerRole::from_role_text("Study coordinator");
        let investigator = SignerRole::from_role_text("Sub-investigator, delegation log line 4");
        assert_eq!(coordinator, SignerRole::Coordinator);
        assert_eq!(investigator, SignerRole::Investigator);
        assert_eq!(
            SignerRole::from_role_text("Clinical monitor"),
            SignerRole::Monitor
        );
        assert!(coordinator.may_sign(SignatureMeaning::ScreenedBy).is_ok());
        assert!(
            coordinator
                .may_sign(SignatureMeaning::PreScreenedBy)
                .is_ok()
        );
        assert!(matches!(
            coordinator.may_sign(SignatureMeaning::EligibilityConfirmedByInvestigator),
            Err(RoleError::MeaningNotForRole {
                needs: "investigator",
                ..
            })
        ));
        assert!(
            coordinator
                .may_sign(SignatureMeaning::ReviewedByInvestigator)
                .is_err()
        );
        assert!(
            investigator
                .may_sign(SignatureMeaning::EligibilityConfirmedByInvestigator)
                .is_ok()
        );
        assert!(investigator.may_sign(SignatureMeaning::ScreenedBy).is_err());
        assert_eq!(
            SignerRole::Monitor.may_sign(SignatureMeaning::ScreenedBy),
            Err(RoleError::MonitorsDoNotSign)
        );
        assert_eq!(
            investigator.meanings(),
            [SignatureMeaning::EligibilityConfirmedByInvestigator]
        );
        for meaning in SignatureMeaning::OFFERED {
            assert_eq!(
                SignatureMeaning::from_statement(meaning.statement()),
                Some(meaning)
            );
        }
    }
}
