//! 2013 ACR/EULAR classification criteria for systemic sclerosis.
//!
//! Source: van den Hoogen F, Khanna D, Fransen J, et al. 2013 classification
//! criteria for systemic sclerosis: an American College of Rheumatology/European
//! League Against Rheumatism collaborative initiative. Ann Rheum Dis
//! 2013;72:1747–55.
//!
//! Skin thickening of the fingers of both hands extending proximal to the
//! metacarpophalangeal (MCP) joints is sufficient on its own; if it is not
//! present, seven additive items apply, each counting only its highest-weighted
//! sub-item. The publication classifies a total ≥ 9 as systemic sclerosis; that
//! threshold belongs to the trial file and is not applied here. The criteria
//! are not applicable to patients with skin thickening sparing the fingers or
//! with a scleroderma-like disorder that better explains their manifestations.
//!
//! # What is computed
//!
//! Additive score (sufficient criterion not counted): for each of the seven
//! items, the highest weight among its sub-items answered `Some(true)` (0 if
//! none); summed, this is the additive `known`. The additive
//! `highest_possible` is the same sum with every `None` treated as `Some(true)`.
//! The additive maximum is 4 + 3 + 2 + 2 + 2 + 3 + 3 = 19.
//!
//! Then, by the sufficient criterion `skin_thickening_proximal_to_mcp`:
//! - `Some(true)`: the score is exactly 9 (`known = highest_possible = 9`); the
//!   additive items do not apply and are ignored.
//! - `Some(false)`: the score is the additive range.
//! - `None`: the final score will be either 9 or the additive score, so
//!   `known = min(9, additive known)` and
//!   `highest_possible = max(9, additive highest_possible)`.

use rust_decimal::Decimal;

use super::{ClassificationGate, ClassificationScore, ScoreRange};

/// Score given by the sufficient criterion alone.
const SUFFICIENT_SCORE: u32 = 9;

/// The criteria's items as `(field name, human label, weight)`, in the order of
/// the publication, so user interfaces and reports can show what was scored
/// without repeating the weights. Within "skin thickening of the fingers" and
/// "fingertip lesions" only the higher sub-item counts.
pub const ITEMS: &[(&str, &str, u8)] = &[
    (
        "skin_thickening_proximal_to_mcp",
        "Skin thickening of the fingers of both hands extending proximal to the metacarpophalangeal joints (sufficient criterion)",
        9,
    ),
    (
        "puffy_fingers",
        "Skin thickening of the fingers (only count the higher score): puffy fingers",
        2,
    ),
    (
        "sclerodactyly",
        "Skin thickening of the fingers (only count the higher score): sclerodactyly of the fingers (distal to the MCP joints but proximal to the PIP joints)",
        4,
    ),
    (
        "digital_tip_ulcers",
        "Fingertip lesions (only count the higher score): digital tip ulcers",
        2,
    ),
    (
        "fingertip_pitting_scars",
        "Fingertip lesions (only count the higher score): fingertip pitting scars",
        3,
    ),
    ("telangiectasia", "Telangiectasia", 2),
    (
        "abnormal_nailfold_capillaries",
        "Abnormal nailfold capillaries",
        2,
    ),
    (
        "pah_or_ild",
        "Pulmonary arterial hypertension and/or interstitial lung disease",
        2,
    ),
    ("raynauds_phenomenon", "Raynaud's phenomenon", 3),
    (
        "ssc_autoantibodies",
        "SSc-related autoantibodies (anticentromere, anti-topoisomerase I [anti-Scl-70], anti-RNA polymerase III)",
        3,
    ),
];

/// Reason given when the criteria are not applicable.
const NOT_APPLICABLE_REASON: &str = "not applicable: skin thickening sparing the fingers \
or a scleroderma-like disorder better explains the findings";

/// Reason given while applicability is unanswered.
const APPLICABILITY_UNKNOWN_REASON: &str = "not yet known whether skin thickening sparing the fingers \
or a scleroderma-like disorder better explains the findings";

/// The answers the 2013 SSc criteria need, as recorded so far.
///
/// Every field is `None` until the coordinator records it, so a partly
/// completed screening still yields a score range and a gate.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssc2013Input {
    /// Sufficient criterion (9): skin thickening of the fingers of both hands
    /// extending proximal to the MCP joints.
    #[serde(default)]
    pub skin_thickening_proximal_to_mcp: Option<bool>,
    /// Skin thickening of the fingers: puffy fingers (2).
    #[serde(default)]
    pub puffy_fingers: Option<bool>,
    /// Skin thickening of the fingers: sclerodactyly, distal to the MCP joints
    /// but proximal to the PIP joints (4).
    #[serde(default)]
    pub sclerodactyly: Option<bool>,
    /// Fingertip lesions: digital tip ulcers (2).
    #[serde(default)]
    pub digital_tip_ulcers: Option<bool>,
    /// Fingertip lesions: fingertip pitting scars (3).
    #[serde(default)]
    pub fingertip_pitting_scars: Option<bool>,
    /// Telangiectasia (2).
    #[serde(default)]
    pub telangiectasia: Option<bool>,
    /// Abnormal nailfold capillaries (2).
    #[serde(default)]
    pub abnormal_nailfold_capillaries: Option<bool>,
    /// Pulmonary arterial hypertension and/or interstitial lung disease (2).
    #[serde(default)]
    pub pah_or_ild: Option<bool>,
    /// Raynaud's phenomenon (3).
    #[serde(default)]
    pub raynauds_phenomenon: Option<bool>,
    /// Any SSc-related autoantibody: anticentromere, anti-topoisomerase I
    /// (anti-Scl-70) or anti-RNA polymerase III (3).
    #[serde(default)]
    pub ssc_autoantibodies: Option<bool>,
    /// Skin thickening sparing the fingers, or a scleroderma-like disorder that
    /// better explains the manifestations: `Some(true)` makes the criteria not
    /// applicable.
    #[serde(default)]
    pub better_explained_by_other_disorder: Option<bool>,
}

/// One additive item: the highest weight among its sub-items, as `(known, highest possible)`.
fn item(sub_items: &[(Option<bool>, u32)]) -> (u32, u32) {
    let known = sub_items
        .iter()
        .filter(|(a, _)| *a == Some(true))
        .map(|(_, w)| *w)
        .max()
        .unwrap_or(0);
    let highest = sub_items
        .iter()
        .filter(|(a, _)| *a != Some(false))
        .map(|(_, w)| *w)
        .max()
        .unwrap_or(0);
    (known, highest)
}

/// The additive score (all items except the sufficient criterion), as `(known, highest possible)`.
fn additive(input: &Ssc2013Input) -> (u32, u32) {
    let items = [
        item(&[(input.puffy_fingers, 2), (input.sclerodactyly, 4)]),
        item(&[
            (input.digital_tip_ulcers, 2),
            (input.fingertip_pitting_scars, 3),
        ]),
        item(&[(input.telangiectasia, 2)]),
        item(&[(input.abnormal_nailfold_capillaries, 2)]),
        item(&[(input.pah_or_ild, 2)]),
        item(&[(input.raynauds_phenomenon, 3)]),
        item(&[(input.ssc_autoantibodies, 3)]),
    ];
    items
        .iter()
        .fold((0, 0), |(k, h), (ik, ih)| (k + ik, h + ih))
}

/// Scores the 2013 ACR/EULAR SSc criteria as documented in the module
/// documentation (sufficient criterion → exactly 9, otherwise the additive
/// score; `None` answers widen the range).
///
/// Gate: `better_explained_by_other_disorder` `Some(true)` → `Closed`,
/// `None` → `Unknown`, `Some(false)` → `Open`.
#[must_use]
pub fn score(input: &Ssc2013Input) -> ClassificationScore {
    let (additive_known, additive_highest) = additive(input);
    let (known, highest) = match input.skin_thickening_proximal_to_mcp {
        Some(true) => (SUFFICIENT_SCORE, SUFFICIENT_SCORE),
        Some(false) => (additive_known, additive_highest),
        None => (
            additive_known.min(SUFFICIENT_SCORE),
            additive_highest.max(SUFFICIENT_SCORE),
        ),
    };
    let gate = match input.better_explained_by_other_disorder {
        Some(true) => ClassificationGate::Closed {
            reason: NOT_APPLICABLE_REASON.to_owned(),
        },
        None => ClassificationGate::Unknown {
            reason: APPLICABILITY_UNKNOWN_REASON.to_owned(),
        },
        Some(false) => ClassificationGate::Open,
    };
    ClassificationScore {
        score: ScoreRange {
            known: Decimal::from(known),
            highest_possible: Decimal::from(highest),
        },
        gate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Decimal {
        Decimal::new(n, 0)
    }

    /// Everything answered no and the criteria applicable.
    fn all_negative() -> Ssc2013Input {
        Ssc2013Input {
            skin_thickening_proximal_to_mcp: Some(false),
            puffy_fingers: Some(false),
            sclerodactyly: Some(false),
            digital_tip_ulcers: Some(false),
            fingertip_pitting_scars: Some(false),
            telangiectasia: Some(false),
            abnormal_nailfold_capillaries: Some(false),
            pah_or_ild: Some(false),
            raynauds_phenomenon: Some(false),
            ssc_autoantibodies: Some(false),
            better_explained_by_other_disorder: Some(false),
        }
    }

    fn all_additive_true() -> Ssc2013Input {
        Ssc2013Input {
            puffy_fingers: Some(true),
            sclerodactyly: Some(true),
            digital_tip_ulcers: Some(true),
            fingertip_pitting_scars: Some(true),
            telangiectasia: Some(true),
            abnormal_nailfold_capillaries: Some(true),
            pah_or_ild: Some(true),
            raynauds_phenomenon: Some(true),
            ssc_autoantibodies: Some(true),
            ..all_negative()
        }
    }

    #[test]
    fn all_negative_scores_zero_gate_open() {
        let r = score(&all_negative());
        assert_eq!(r.score, ScoreRange::exact(d(0)));
        assert_eq!(r.gate, ClassificationGate::Open);
    }

    #[test]
    fn sufficient_criterion_alone_scores_9() {
        let input = Ssc2013Input {
            skin_thickening_proximal_to_mcp: Some(true),
            ..all_negative()
        };
        let r = score(&input);
        assert_eq!(r.score, ScoreRange::exact(d(9)));
        assert_eq!(r.gate, ClassificationGate::Open);
    }

    #[test]
    fn sufficient_criterion_ignores_unanswered_additive_items() {
        let input = Ssc2013Input {
            skin_thickening_proximal_to_mcp: Some(true),
            better_explained_by_other_disorder: Some(false),
            ..Ssc2013Input::default()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(9)));
    }

    #[test]
    fn sufficient_criterion_is_not_added_to_additive_items() {
        let input = Ssc2013Input {
            skin_thickening_proximal_to_mcp: Some(true),
            ..all_additive_true()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(9)));
    }

    #[test]
    fn puffy_plus_sclerodactyly_counts_4_not_6() {
        let input = Ssc2013Input {
            puffy_fingers: Some(true),
            sclerodactyly: Some(true),
            ..all_negative()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(4)));
    }

    #[test]
    fn puffy_fingers_alone_counts_2() {
        let input = Ssc2013Input {
            puffy_fingers: Some(true),
            ..all_negative()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(2)));
    }

    #[test]
    fn ulcers_plus_pitting_counts_3() {
        let input = Ssc2013Input {
            digital_tip_ulcers: Some(true),
            fingertip_pitting_scars: Some(true),
            ..all_negative()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(3)));
        let ulcers_only = Ssc2013Input {
            digital_tip_ulcers: Some(true),
            ..all_negative()
        };
        assert_eq!(score(&ulcers_only).score, ScoreRange::exact(d(2)));
    }

    #[test]
    fn raynaud_antibodies_sclerodactyly_score_10() {
        let input = Ssc2013Input {
            raynauds_phenomenon: Some(true),
            ssc_autoantibodies: Some(true),
            sclerodactyly: Some(true),
            ..all_negative()
        };
        let r = score(&input);
        assert_eq!(r.score, ScoreRange::exact(d(10)));
        assert!(r.score.known >= d(9));
    }

    #[test]
    fn single_weight_items() {
        type Setter = fn(&mut Ssc2013Input);
        let cases: [(Setter, i64); 5] = [
            (|i| i.telangiectasia = Some(true), 2),
            (|i| i.abnormal_nailfold_capillaries = Some(true), 2),
            (|i| i.pah_or_ild = Some(true), 2),
            (|i| i.raynauds_phenomenon = Some(true), 3),
            (|i| i.ssc_autoantibodies = Some(true), 3),
        ];
        for (set, expected) in cases {
            let mut input = all_negative();
            set(&mut input);
            assert_eq!(
                score(&input).score,
                ScoreRange::exact(d(expected)),
                "{input:?}"
            );
        }
    }

    #[test]
    fn additive_maximum_is_19() {
        assert_eq!(score(&all_additive_true()).score, ScoreRange::exact(d(19)));
    }

    #[test]
    fn other_disorder_closes_gate() {
        let input = Ssc2013Input {
            better_explained_by_other_disorder: Some(true),
            skin_thickening_proximal_to_mcp: Some(true),
            ..all_negative()
        };
        let r = score(&input);
        assert_eq!(r.score, ScoreRange::exact(d(9)));
        assert_eq!(
            r.gate,
            ClassificationGate::Closed {
                reason: NOT_APPLICABLE_REASON.to_owned()
            }
        );
    }

    #[test]
    fn other_disorder_unanswered_is_unknown() {
        let input = Ssc2013Input {
            better_explained_by_other_disorder: None,
            ..all_negative()
        };
        assert!(matches!(
            score(&input).gate,
            ClassificationGate::Unknown { .. }
        ));
    }

    #[test]
    fn nothing_answered_is_range_0_to_19() {
        let r = score(&Ssc2013Input::default());
        assert_eq!(
            r.score,
            ScoreRange {
                known: d(0),
                highest_possible: d(19)
            }
        );
        assert!(matches!(r.gate, ClassificationGate::Unknown { .. }));
    }

    #[test]
    fn unanswered_sufficient_criterion_makes_highest_at_least_9() {
        let input = Ssc2013Input {
            skin_thickening_proximal_to_mcp: None,
            raynauds_phenomenon: Some(true),
            ..all_negative()
        };
        assert_eq!(
            score(&input).score,
            ScoreRange {
                known: d(3),
                highest_possible: d(9)
            }
        );
    }

    #[test]
    fn unanswered_sufficient_criterion_caps_known_at_9() {
        // If the sufficient criterion turns out true, the score is 9, not 19.
        let input = Ssc2013Input {
            skin_thickening_proximal_to_mcp: None,
            ..all_additive_true()
        };
        assert_eq!(
            score(&input).score,
            ScoreRange {
                known: d(9),
                highest_possible: d(19)
            }
        );
    }

    #[test]
    fn unanswered_sub_item_widens_only_up_to_the_item_maximum() {
        // Puffy fingers known, sclerodactyly unknown: the item may still reach 4.
        let input = Ssc2013Input {
            puffy_fingers: Some(true),
            sclerodactyly: None,
            ..all_negative()
        };
        assert_eq!(
            score(&input).score,
            ScoreRange {
                known: d(2),
                highest_possible: d(4)
            }
        );
        // Pitting scars known (3), ulcers unknown (2): nothing more to gain.
        let input = Ssc2013Input {
            fingertip_pitting_scars: Some(true),
            digital_tip_ulcers: None,
            ..all_negative()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(3)));
    }

    #[test]
    fn item_names_are_serde_field_names() -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(Ssc2013Input::default())?;
        let object = value.as_object().cloned().unwrap_or_default();
        for (field, _, _) in ITEMS {
            assert!(object.contains_key(*field), "{field}");
        }
        assert_eq!(object.len(), ITEMS.len() + 1);
        Ok(())
    }

    #[test]
    fn item_names_match_the_weights_they_score() -> Result<(), serde_json::Error> {
        for (field, _, weight) in ITEMS {
            let mut object = serde_json::to_value(all_negative())?;
            if let Some(map) = object.as_object_mut() {
                map.insert((*field).to_owned(), serde_json::Value::Bool(true));
            }
            let input: Ssc2013Input = serde_json::from_value(object)?;
            assert_eq!(
                score(&input).score,
                ScoreRange::exact(Decimal::from(*weight)),
                "{field}"
            );
        }
        Ok(())
    }
}
