//! 2016 ACR/EULAR classification criteria for primary Sjögren's syndrome.
//!
//! Source: Shiboski CH, Shiboski SC, Seror R, et al. 2016 American College of
//! Rheumatology/European League Against Rheumatism classification criteria for
//! primary Sjögren's syndrome. Ann Rheum Dis 2017;76:9–16.
//!
//! The criteria apply to a patient who meets the entry criterion (at least one
//! positive answer to the five ocular/oral dryness questions, or suspicion of
//! Sjögren's syndrome from the ESSDAI questionnaire) and has none of the
//! exclusion diagnoses. Five weighted items are then summed (maximum 9); the
//! publication classifies a score ≥ 4 as primary Sjögren's syndrome, but that
//! threshold belongs to the trial file and is not applied here.
//!
//! The publication also asks that patients normally taking anticholinergic
//! drugs have the objective tests (ocular staining, Schirmer, unstimulated
//! saliva) done after a sufficient interval off those drugs; recording that is
//! the coordinator's responsibility, not this calculator's.

use rust_decimal::Decimal;

use super::{ClassificationGate, ClassificationScore, ScoreRange};

/// Weight of a labial salivary gland biopsy with focal lymphocytic sialadenitis and focus score ≥ 1.
const FOCUS_SCORE_WEIGHT: u8 = 3;
/// Weight of anti-SSA/Ro positivity.
const ANTI_SSA_WEIGHT: u8 = 3;
/// Weight of each of the three objective dryness tests.
const DRYNESS_TEST_WEIGHT: u8 = 1;

/// The weighted items as `(field name, human label, weight)`, in the order of
/// the publication, so user interfaces and reports can show what was scored
/// without repeating the weights.
pub const ITEMS: &[(&str, &str, u8)] = &[
    (
        "focus_score_at_least_1",
        "Labial salivary gland with focal lymphocytic sialadenitis and focus score ≥ 1 foci/4 mm²",
        FOCUS_SCORE_WEIGHT,
    ),
    (
        "anti_ssa_ro_positive",
        "Anti-SSA/Ro positive",
        ANTI_SSA_WEIGHT,
    ),
    (
        "ocular_staining_score_at_least_5",
        "Ocular Staining Score ≥ 5 (or van Bijsterveld score ≥ 4) in at least one eye",
        DRYNESS_TEST_WEIGHT,
    ),
    (
        "schirmer_at_most_5_mm",
        "Schirmer's test ≤ 5 mm/5 min in at least one eye",
        DRYNESS_TEST_WEIGHT,
    ),
    (
        "unstimulated_saliva_at_most_0_1",
        "Unstimulated whole saliva flow rate ≤ 0.1 ml/min",
        DRYNESS_TEST_WEIGHT,
    ),
];

/// The entry criterion's questions as `(field name, human label)`: a positive
/// answer to any one of them makes the criteria applicable, so a UI can ask
/// them first.
pub const ENTRY_QUESTIONS: &[(&str, &str)] = &[
    (
        "dry_eyes_over_3_months",
        "Have you had daily, persistent, troublesome dry eyes for more than 3 months?",
    ),
    (
        "sand_or_gravel_in_eyes",
        "Do you have a recurrent sensation of sand or gravel in the eyes?",
    ),
    (
        "tear_substitutes_over_3_times_daily",
        "Do you use tear substitutes more than 3 times a day?",
    ),
    (
        "dry_mouth_over_3_months",
        "Have you had a daily feeling of dry mouth for more than 3 months?",
    ),
    (
        "drinks_liquids_to_swallow_dry_food",
        "Do you frequently drink liquids to aid in swallowing dry food?",
    ),
    (
        "essdai_suspicion",
        "Suspicion of Sjögren's syndrome from the ESSDAI questionnaire (at least one domain with a positive item)",
    ),
];

/// Reason given when an exclusion diagnosis is present.
const EXCLUSION_REASON: &str = "exclusion present: prior diagnosis of head and neck radiation treatment, \
active hepatitis C infection (positive PCR), AIDS, sarcoidosis, amyloidosis, \
graft-versus-host disease or IgG4-related disease";

/// Reason given when every entry question is answered no.
const NO_ENTRY_REASON: &str = "no entry criterion: no symptom of ocular or oral dryness \
on the five dryness questions and no suspicion of Sjögren's syndrome from the ESSDAI questionnaire";

/// The answers the 2016 pSS criteria need, as recorded so far.
///
/// Every field is `None` until the coordinator records it, so a partly
/// completed screening still yields a score range and a gate.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pss2016Input {
    /// Entry question: daily, persistent, troublesome dry eyes for more than 3 months.
    #[serde(default)]
    pub dry_eyes_over_3_months: Option<bool>,
    /// Entry question: recurrent sensation of sand or gravel in the eyes.
    #[serde(default)]
    pub sand_or_gravel_in_eyes: Option<bool>,
    /// Entry question: uses tear substitutes more than 3 times a day.
    #[serde(default)]
    pub tear_substitutes_over_3_times_daily: Option<bool>,
    /// Entry question: daily feeling of dry mouth for more than 3 months.
    #[serde(default)]
    pub dry_mouth_over_3_months: Option<bool>,
    /// Entry question: frequently drinks liquids to aid in swallowing dry food.
    #[serde(default)]
    pub drinks_liquids_to_swallow_dry_food: Option<bool>,
    /// Entry alternative: suspicion of Sjögren's syndrome from the ESSDAI
    /// questionnaire (at least one domain with a positive item).
    #[serde(default)]
    pub essdai_suspicion: Option<bool>,
    /// Item (weight 3): labial salivary gland with focal lymphocytic
    /// sialadenitis and focus score ≥ 1 foci/4 mm².
    #[serde(default)]
    pub focus_score_at_least_1: Option<bool>,
    /// Item (weight 3): anti-SSA/Ro positive.
    #[serde(default)]
    pub anti_ssa_ro_positive: Option<bool>,
    /// Item (weight 1): Ocular Staining Score ≥ 5 (or van Bijsterveld score ≥ 4)
    /// in at least one eye.
    #[serde(default)]
    pub ocular_staining_score_at_least_5: Option<bool>,
    /// Item (weight 1): Schirmer's test ≤ 5 mm/5 min in at least one eye.
    #[serde(default)]
    pub schirmer_at_most_5_mm: Option<bool>,
    /// Item (weight 1): unstimulated whole saliva flow rate ≤ 0.1 ml/min.
    #[serde(default)]
    pub unstimulated_saliva_at_most_0_1: Option<bool>,
    /// Exclusion: prior diagnosis of any of head and neck radiation treatment,
    /// active hepatitis C infection (positive PCR), AIDS, sarcoidosis,
    /// amyloidosis, graft-versus-host disease or IgG4-related disease.
    #[serde(default)]
    pub exclusion_present: Option<bool>,
}

impl Pss2016Input {
    /// The weighted items' answers in the order of [`ITEMS`].
    fn item_answers(&self) -> [Option<bool>; 5] {
        [
            self.focus_score_at_least_1,
            self.anti_ssa_ro_positive,
            self.ocular_staining_score_at_least_5,
            self.schirmer_at_most_5_mm,
            self.unstimulated_saliva_at_most_0_1,
        ]
    }

    /// The entry answers in the order of [`ENTRY_QUESTIONS`].
    fn entry_answers(&self) -> [Option<bool>; 6] {
        [
            self.dry_eyes_over_3_months,
            self.sand_or_gravel_in_eyes,
            self.tear_substitutes_over_3_times_daily,
            self.dry_mouth_over_3_months,
            self.drinks_liquids_to_swallow_dry_food,
            self.essdai_suspicion,
        ]
    }
}

/// Scores the 2016 ACR/EULAR pSS criteria.
///
/// Score: `known` is the sum of the weights of items answered `Some(true)`;
/// `highest_possible` adds the weights of items still `None`.
///
/// Gate, in order of precedence:
/// 1. `exclusion_present == Some(true)` → `Closed`, whatever else is answered.
/// 2. All six entry fields `Some(false)` → `Closed` (no entry criterion).
/// 3. No entry field `Some(true)` but some `None` → `Unknown`.
/// 4. Entry met but `exclusion_present == None` → `Unknown`.
/// 5. Entry met and `exclusion_present == Some(false)` → `Open`.
#[must_use]
pub fn score(input: &Pss2016Input) -> ClassificationScore {
    let mut known: u32 = 0;
    let mut unanswered: u32 = 0;
    for (answer, (_, _, weight)) in input.item_answers().into_iter().zip(ITEMS) {
        match answer {
            Some(true) => known += u32::from(*weight),
            None => unanswered += u32::from(*weight),
            Some(false) => {}
        }
    }
    ClassificationScore {
        score: ScoreRange {
            known: Decimal::from(known),
            highest_possible: Decimal::from(known + unanswered),
        },
        gate: gate(input),
    }
}

/// Decides whether the criteria apply, following the precedence documented on [`score`].
fn gate(input: &Pss2016Input) -> ClassificationGate {
    if input.exclusion_present == Some(true) {
        return ClassificationGate::Closed {
            reason: EXCLUSION_REASON.to_owned(),
        };
    }
    let entry = input.entry_answers();
    let entry_met = entry.contains(&Some(true));
    if !entry_met && entry.iter().all(|a| *a == Some(false)) {
        return ClassificationGate::Closed {
            reason: NO_ENTRY_REASON.to_owned(),
        };
    }
    let unanswered_entry: Vec<&str> = entry
        .iter()
        .zip(ENTRY_QUESTIONS)
        .filter(|(a, _)| a.is_none())
        .map(|(_, (field, _))| *field)
        .collect();
    match (entry_met, input.exclusion_present) {
        (true, Some(false)) => ClassificationGate::Open,
        (true, _) => ClassificationGate::Unknown {
            reason: "exclusion criteria not yet answered".to_owned(),
        },
        (false, Some(false)) => ClassificationGate::Unknown {
            reason: format!(
                "entry criterion not yet known: no entry question answered yes; unanswered: {}",
                unanswered_entry.join(", ")
            ),
        },
        (false, _) => ClassificationGate::Unknown {
            reason: format!(
                "entry criterion and exclusion criteria not yet known: no entry question answered yes; unanswered: {}",
                unanswered_entry.join(", ")
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Decimal {
        Decimal::new(n, 0)
    }

    /// A patient who meets the entry criterion through dry eyes, has no
    /// exclusion, and has every weighted item answered no.
    fn eligible_all_negative() -> Pss2016Input {
        Pss2016Input {
            dry_eyes_over_3_months: Some(true),
            sand_or_gravel_in_eyes: Some(false),
            tear_substitutes_over_3_times_daily: Some(false),
            dry_mouth_over_3_months: Some(false),
            drinks_liquids_to_swallow_dry_food: Some(false),
            essdai_suspicion: Some(false),
            focus_score_at_least_1: Some(false),
            anti_ssa_ro_positive: Some(false),
            ocular_staining_score_at_least_5: Some(false),
            schirmer_at_most_5_mm: Some(false),
            unstimulated_saliva_at_most_0_1: Some(false),
            exclusion_present: Some(false),
        }
    }

    fn all_items_true(mut input: Pss2016Input) -> Pss2016Input {
        input.focus_score_at_least_1 = Some(true);
        input.anti_ssa_ro_positive = Some(true);
        input.ocular_staining_score_at_least_5 = Some(true);
        input.schirmer_at_most_5_mm = Some(true);
        input.unstimulated_saliva_at_most_0_1 = Some(true);
        input
    }

    #[test]
    fn published_weights() {
        let weights: Vec<u8> = ITEMS.iter().map(|(_, _, w)| *w).collect();
        assert_eq!(weights, vec![3, 3, 1, 1, 1]);
        let max: u32 = ITEMS.iter().map(|(_, _, w)| u32::from(*w)).sum();
        assert_eq!(max, 9);
    }

    #[test]
    fn all_negative_scores_zero_and_gate_open() {
        let r = score(&eligible_all_negative());
        assert_eq!(r.score, ScoreRange::exact(d(0)));
        assert_eq!(r.gate, ClassificationGate::Open);
    }

    #[test]
    fn focus_score_and_anti_ssa_score_6_with_gate_open() {
        let input = Pss2016Input {
            focus_score_at_least_1: Some(true),
            anti_ssa_ro_positive: Some(true),
            ..eligible_all_negative()
        };
        let r = score(&input);
        assert_eq!(r.score, ScoreRange::exact(d(6)));
        assert_eq!(r.gate, ClassificationGate::Open);
        assert!(r.score.known >= d(4));
    }

    #[test]
    fn anti_ssa_alone_scores_3_below_published_threshold() {
        let input = Pss2016Input {
            anti_ssa_ro_positive: Some(true),
            ..eligible_all_negative()
        };
        let r = score(&input);
        assert_eq!(r.score, ScoreRange::exact(d(3)));
        assert!(r.score.highest_possible < d(4));
        assert_eq!(r.gate, ClassificationGate::Open);
    }

    #[test]
    fn anti_ssa_plus_one_objective_test_reaches_4() {
        let input = Pss2016Input {
            anti_ssa_ro_positive: Some(true),
            schirmer_at_most_5_mm: Some(true),
            ..eligible_all_negative()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(4)));
    }

    #[test]
    fn three_objective_tests_score_3() {
        let input = Pss2016Input {
            ocular_staining_score_at_least_5: Some(true),
            schirmer_at_most_5_mm: Some(true),
            unstimulated_saliva_at_most_0_1: Some(true),
            ..eligible_all_negative()
        };
        assert_eq!(score(&input).score, ScoreRange::exact(d(3)));
    }

    #[test]
    fn all_items_score_9() {
        let r = score(&all_items_true(eligible_all_negative()));
        assert_eq!(r.score, ScoreRange::exact(d(9)));
        assert_eq!(r.gate, ClassificationGate::Open);
    }

    #[test]
    fn entry_all_false_closes_gate() {
        let input = Pss2016Input {
            dry_eyes_over_3_months: Some(false),
            ..all_items_true(eligible_all_negative())
        };
        let r = score(&input);
        assert_eq!(r.score.known, d(9));
        assert_eq!(
            r.gate,
            ClassificationGate::Closed {
                reason: NO_ENTRY_REASON.to_owned()
            }
        );
    }

    #[test]
    fn entry_all_false_closes_gate_even_if_exclusion_unanswered() {
        let input = Pss2016Input {
            dry_eyes_over_3_months: Some(false),
            exclusion_present: None,
            ..eligible_all_negative()
        };
        assert!(matches!(
            score(&input).gate,
            ClassificationGate::Closed { .. }
        ));
    }

    #[test]
    fn exclusion_closes_gate_even_with_score_9() {
        let input = Pss2016Input {
            exclusion_present: Some(true),
            ..all_items_true(eligible_all_negative())
        };
        let r = score(&input);
        assert_eq!(r.score, ScoreRange::exact(d(9)));
        assert_eq!(
            r.gate,
            ClassificationGate::Closed {
                reason: EXCLUSION_REASON.to_owned()
            }
        );
    }

    #[test]
    fn exclusion_takes_precedence_over_missing_entry() {
        let input = Pss2016Input {
            exclusion_present: Some(true),
            ..Pss2016Input::default()
        };
        assert_eq!(
            score(&input).gate,
            ClassificationGate::Closed {
                reason: EXCLUSION_REASON.to_owned()
            }
        );
        let input = Pss2016Input {
            dry_eyes_over_3_months: Some(false),
            exclusion_present: Some(true),
            ..eligible_all_negative()
        };
        assert_eq!(
            score(&input).gate,
            ClassificationGate::Closed {
                reason: EXCLUSION_REASON.to_owned()
            }
        );
    }

    #[test]
    fn each_entry_question_alone_opens_gate() {
        let all_false = Pss2016Input {
            dry_eyes_over_3_months: Some(false),
            ..eligible_all_negative()
        };
        let setters: [fn(&mut Pss2016Input); 6] = [
            |i| i.dry_eyes_over_3_months = Some(true),
            |i| i.sand_or_gravel_in_eyes = Some(true),
            |i| i.tear_substitutes_over_3_times_daily = Some(true),
            |i| i.dry_mouth_over_3_months = Some(true),
            |i| i.drinks_liquids_to_swallow_dry_food = Some(true),
            |i| i.essdai_suspicion = Some(true),
        ];
        for set in setters {
            let mut input = all_false.clone();
            set(&mut input);
            assert_eq!(score(&input).gate, ClassificationGate::Open, "{input:?}");
        }
    }

    #[test]
    fn entry_true_with_others_unanswered_is_enough() {
        let input = Pss2016Input {
            essdai_suspicion: Some(true),
            exclusion_present: Some(false),
            ..Pss2016Input::default()
        };
        assert_eq!(score(&input).gate, ClassificationGate::Open);
    }

    #[test]
    fn entry_partly_unanswered_without_yes_is_unknown() {
        let input = Pss2016Input {
            dry_eyes_over_3_months: Some(false),
            sand_or_gravel_in_eyes: Some(false),
            tear_substitutes_over_3_times_daily: Some(false),
            dry_mouth_over_3_months: Some(false),
            drinks_liquids_to_swallow_dry_food: Some(false),
            essdai_suspicion: None,
            exclusion_present: Some(false),
            ..Pss2016Input::default()
        };
        match score(&input).gate {
            ClassificationGate::Unknown { reason } => {
                assert!(reason.contains("essdai_suspicion"), "{reason}");
                assert!(!reason.contains("dry_eyes_over_3_months"), "{reason}");
            }
            other => panic!("expected Unknown, got {other:?}"),
        }
    }

    #[test]
    fn exclusion_unanswered_is_unknown() {
        let input = Pss2016Input {
            exclusion_present: None,
            ..eligible_all_negative()
        };
        assert_eq!(
            score(&input).gate,
            ClassificationGate::Unknown {
                reason: "exclusion criteria not yet answered".to_owned()
            }
        );
    }

    #[test]
    fn nothing_answered_is_range_0_to_9_and_unknown() {
        let r = score(&Pss2016Input::default());
        assert_eq!(
            r.score,
            ScoreRange {
                known: d(0),
                highest_possible: d(9)
            }
        );
        assert!(matches!(r.gate, ClassificationGate::Unknown { .. }));
    }

    #[test]
    fn unknown_items_widen_highest_possible() {
        let input = Pss2016Input {
            anti_ssa_ro_positive: Some(true),
            focus_score_at_least_1: None,
            schirmer_at_most_5_mm: None,
            ..eligible_all_negative()
        };
        let r = score(&input);
        assert_eq!(r.score.known, d(3));
        assert_eq!(r.score.highest_possible, d(7));
        assert!(!r.score.is_exact());
    }

    #[test]
    fn unknown_item_that_cannot_reach_threshold() {
        // Only the UWS item is unanswered: at most 1 more point, 2 + 1 < 4.
        let input = Pss2016Input {
            ocular_staining_score_at_least_5: Some(true),
            schirmer_at_most_5_mm: Some(true),
            unstimulated_saliva_at_most_0_1: None,
            ..eligible_all_negative()
        };
        let r = score(&input).score;
        assert_eq!(r.known, d(2));
        assert_eq!(r.highest_possible, d(3));
    }

    #[test]
    fn item_and_entry_names_are_serde_field_names() -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(Pss2016Input::default())?;
        let object = value.as_object().cloned().unwrap_or_default();
        for (field, _, _) in ITEMS {
            assert!(object.contains_key(*field), "{field}");
        }
        for (field, _) in ENTRY_QUESTIONS {
            assert!(object.contains_key(*field), "{field}");
        }
        assert_eq!(object.len(), ITEMS.len() + ENTRY_QUESTIONS.len() + 1);
        Ok(())
    }

    #[test]
    fn item_names_match_the_fields_they_score() -> Result<(), serde_json::Error> {
        // Setting exactly one field (by its ITEMS name) must score exactly that weight.
        for (field, _, weight) in ITEMS {
            let json = format!(r#"{{"{field}": true}}"#);
            let input: Pss2016Input = serde_json::from_str(&json)?;
            assert_eq!(score(&input).score.known, Decimal::from(*weight), "{field}");
        }
        Ok(())
    }

    #[test]
    fn missing_fields_deserialize_as_unknown() -> Result<(), serde_json::Error> {
        let input: Pss2016Input = serde_json::from_str(r#"{"anti_ssa_ro_positive": true}"#)?;
        assert_eq!(
            input,
            Pss2016Input {
                anti_ssa_ro_positive: Some(true),
                ..Pss2016Input::default()
            }
        );
        let back: Pss2016Input = serde_json::from_str(&serde_json::to_string(&input)?)?;
        assert_eq!(back, input);
        Ok(())
    }

    #[test]
    fn score_serializes_decimals_as_strings() -> Result<(), serde_json::Error> {
        let r = score(&eligible_all_negative());
        let json = serde_json::to_string(&r.score)?;
        assert_eq!(json, r#"{"known":"0","highest_possible":"0"}"#);
        Ok(())
    }
}
