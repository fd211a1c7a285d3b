//! Mouth Handicap in Systemic Sclerosis scale (MHISS).
//!
//! Source: Mouthon L, Rannou F, Bérezné A, et al. Development and validation of
//! a scale for mouth handicap in systemic sclerosis: the Mouth Handicap in
//! Systemic Sclerosis scale. Ann Rheum Dis 2007;66:1651–5.
//!
//! Twelve items, each scored 0–4, are summed to a total of 0–48. The item
//! wording is the questionnaire's and is not reproduced here; items are
//! identified only by their position ("Item 1" … "Item 12").

use rust_decimal::Decimal;

use super::{CalculatorError, ScoreRange};

/// Number of items in the MHISS questionnaire; answers are matched to items by position.
pub const ITEM_COUNT: usize = 12;

/// Highest score of a single item (items are scored 0 to this value).
pub const ITEM_MAX: u8 = 4;

/// Item labels by position, so reports can name items without reproducing the
/// questionnaire's wording.
pub const ITEM_LABELS: [&str; ITEM_COUNT] = [
    "Item 1", "Item 2", "Item 3", "Item 4", "Item 5", "Item 6", "Item 7", "Item 8", "Item 9",
    "Item 10", "Item 11", "Item 12",
];

/// The MHISS answers recorded so far, one entry per item in questionnaire order.
///
/// `None` is an unanswered item. The default (also used when `items` is missing
/// from a file) is twelve unanswered items, so "nothing recorded yet" is a
/// valid, fully open range rather than an error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MhissInput {
    /// Item scores in questionnaire order; must have exactly [`ITEM_COUNT`] entries.
    #[serde(default = "unanswered_items")]
    pub items: Vec<Option<u8>>,
}

/// Twelve unanswered items.
fn unanswered_items() -> Vec<Option<u8>> {
    vec![None; ITEM_COUNT]
}

impl Default for MhissInput {
    fn default() -> Self {
        Self {
            items: unanswered_items(),
        }
    }
}

/// Sums the MHISS items into a total (0–48).
///
/// Unanswered items add 0 to `known` and [`ITEM_MAX`] to `highest_possible`.
///
/// # Errors
///
/// [`CalculatorError::WrongCount`] if `items` does not have exactly
/// [`ITEM_COUNT`] entries; [`CalculatorError::OutOfRange`] (field
/// `"MHISS item N"`, 1-based) for the first item scored above [`ITEM_MAX`].
pub fn total(input: &MhissInput) -> Result<ScoreRange, CalculatorError> {
    if input.items.len() != ITEM_COUNT {
        return Err(CalculatorError::WrongCount {
            field: "MHISS items".to_owned(),
            expected: ITEM_COUNT,
            got: input.items.len(),
        });
    }
    let mut known: u32 = 0;
    let mut unanswered: u32 = 0;
    for (index, item) in input.items.iter().enumerate() {
        match *item {
            Some(value) if value > ITEM_MAX => {
                return Err(CalculatorError::OutOfRange {
                    field: format!("MHISS item {}", index + 1),
                    value: value.to_string(),
                    allowed: format!("0–{ITEM_MAX}"),
                });
            }
            Some(value) => known += u32::from(value),
            None => unanswered += u32::from(ITEM_MAX),
        }
    }
    Ok(ScoreRange {
        known: Decimal::from(known),
        highest_possible: Decimal::from(known + unanswered),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Decimal {
        Decimal::new(n, 0)
    }

    fn all(value: u8) -> MhissInput {
        MhissInput {
            items: vec![Some(value); ITEM_COUNT],
        }
    }

    #[test]
    fn all_items_4_total_48() -> Result<(), CalculatorError> {
        assert_eq!(total(&all(4))?, ScoreRange::exact(d(48)));
        Ok(())
    }

    #[test]
    fn all_items_0_total_0() -> Result<(), CalculatorError> {
        assert_eq!(total(&all(0))?, ScoreRange::exact(d(0)));
        Ok(())
    }

    #[test]
    fn mixed_items_sum() -> Result<(), CalculatorError> {
        let input = MhissInput {
            items: vec![0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
                .into_iter()
                .map(Some)
                .collect(),
        };
        assert_eq!(total(&input)?, ScoreRange::exact(d(21)));
        Ok(())
    }

    #[test]
    fn eleven_items_is_wrong_count() {
        let input = MhissInput {
            items: vec![Some(1); 11],
        };
        assert_eq!(
            total(&input),
            Err(CalculatorError::WrongCount {
                field: "MHISS items".to_owned(),
                expected: 12,
                got: 11
            })
        );
    }

    #[test]
    fn thirteen_items_is_wrong_count() {
        let input = MhissInput {
            items: vec![None; 13],
        };
        assert!(matches!(
            total(&input),
            Err(CalculatorError::WrongCount { got: 13, .. })
        ));
    }

    #[test]
    fn item_5_above_4_is_out_of_range() {
        let mut input = all(2);
        input.items[4] = Some(5);
        assert_eq!(
            total(&input),
            Err(CalculatorError::OutOfRange {
                field: "MHISS item 5".to_owned(),
                value: "5".to_owned(),
                allowed: "0–4".to_owned()
            })
        );
    }

    #[test]
    fn out_of_range_names_item_7() {
        let mut input = MhissInput::default();
        input.items[6] = Some(200);
        let err = total(&input).err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("MHISS item 7: 200 is outside the allowed range 0–4".to_owned())
        );
    }

    #[test]
    fn partial_answers_give_a_range() -> Result<(), CalculatorError> {
        let mut input = MhissInput::default();
        input.items[0] = Some(3);
        input.items[1] = Some(0);
        input.items[2] = Some(4);
        // 9 items unanswered, each could add up to 4.
        assert_eq!(
            total(&input)?,
            ScoreRange {
                known: d(7),
                highest_possible: d(7 + 9 * 4)
            }
        );
        Ok(())
    }

    #[test]
    fn default_is_twelve_unanswered_items() -> Result<(), CalculatorError> {
        assert_eq!(MhissInput::default().items.len(), ITEM_COUNT);
        assert_eq!(
            total(&MhissInput::default())?,
            ScoreRange {
                known: d(0),
                highest_possible: d(48)
            }
        );
        Ok(())
    }

    #[test]
    fn missing_items_field_deserializes_as_unanswered() -> Result<(), serde_json::Error> {
        let input: MhissInput = serde_json::from_str("{}")?;
        assert_eq!(input, MhissInput::default());
        let input: MhissInput =
            serde_json::from_str(r#"{"items": [4, null, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]}"#)?;
        assert_eq!(
            total(&input).ok(),
            Some(ScoreRange {
                known: d(44),
                highest_possible: d(48)
            })
        );
        Ok(())
    }

    #[test]
    fn labels_are_positional() {
        assert_eq!(ITEM_LABELS.len(), ITEM_COUNT);
        for (i, label) in ITEM_LABELS.iter().enumerate() {
            assert_eq!(*label, format!("Item {}", i + 1));
        }
    }
}
