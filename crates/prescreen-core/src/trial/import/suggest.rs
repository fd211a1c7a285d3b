//! Suggestions on the draft's criteria: thresholds their texts state, shared candidate
//! facts and applicability their words point to, and the record's age and sex fields set
//! against the texts. All are proposals; none is applied.

use serde_json::Value;

use super::record::text_at;
use super::{ImportWarning, Suggestion, thresholds};
use crate::trial::model::{Criterion, CriterionKind};

/// Whether the text leaves the criterion to the investigator ("in the opinion of the
/// investigator", "investigator's judgement").
pub(super) fn names_investigator_judgement(text: &str) -> bool {
    let lower = text.to_lowercase().replace(['’', '`'], "'");
    [
        "investigator's judgement",
        "investigator's judgment",
        "investigators' judgement",
        "investigators' judgment",
        "investigator's opinion",
        "investigators' opinion",
        "investigator judgement",
        "investigator judgment",
        "opinion of the investigator",
        "judgement of the investigator",
        "judgment of the investigator",
        "discretion of the investigator",
        "investigator's discretion",
    ]
    .iter()
    .any(|phrase| lower.contains(phrase))
}

/// The first occurrence in `text` of any of `words` as a whole word (any case), verbatim.
pub(super) fn word_in<'a>(text: &'a str, words: &[&str]) -> Option<&'a str> {
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, c.is_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let word = &text[s..i];
                if words.iter().any(|w| word.eq_ignore_ascii_case(w)) {
                    return Some(word);
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}

/// The first occurrence of a phrase (any case), verbatim.
pub(super) fn phrase_in<'a>(text: &'a str, phrases: &[&str]) -> Option<&'a str> {
    let lower = text.to_ascii_lowercase();
    phrases
        .iter()
        .filter_map(|p| lower.find(p).map(|at| (at, p.len())))
        .min()
        .and_then(|(at, len)| text.get(at..at + len))
}

/// Thresholds the criterion's text states, and the shared candidate facts and applicability
/// its words suggest.
pub(super) fn criterion_suggestions(criterion: &Criterion) -> Vec<Suggestion> {
    let suggest = |words: &str, proposal: String| Suggestion {
        criterion_id: criterion.id.clone(),
        words: words.to_owned(),
        proposal,
    };
    let mut out: Vec<Suggestion> = thresholds::find(&criterion.text)
        .into_iter()
        .map(|found| {
            let proposal = thresholds::proposal(&found.finding, criterion.kind);
            suggest(&found.words, proposal)
        })
        .collect();
    let text = &criterion.text;
    if let Some(words) = phrase_in(
        text,
        &["childbearing potential", "child-bearing potential", "wocbp"],
    ) {
        out.push(suggest(
            words,
            "applies_to: WomenOfChildbearingPotential — the criterion concerns women of childbearing potential only".to_owned(),
        ));
    } else if criterion.kind == CriterionKind::Exclusion {
        let pregnant = word_in(text, &["pregnant", "pregnancy"]);
        let breastfeeding = word_in(text, &["breastfeeding", "lactating"])
            .or_else(|| phrase_in(text, &["breast-feeding", "breast feeding"]));
        if pregnant.is_some() || breastfeeding.is_some() {
            let facts: Vec<&str> = [
                pregnant.map(|_| "Pregnant"),
                breastfeeding.map(|_| "Breastfeeding"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let words: Vec<&str> = [pregnant, breastfeeding].into_iter().flatten().collect();
            out.push(suggest(
                &words.join(" … "),
                format!(
                    "facts: (any_of: [{}], exact: false), applies_to: Female — the shared candidate facts settle it when true; `exact: true` only if the text says nothing more",
                    facts.join(", ")
                ),
            ));
        } else if let Some(words) = word_in(text, FEMALE_WORDS)
            && word_in(text, MALE_WORDS).is_none()
        {
            out.push(suggest(
                words,
                "applies_to: Female — the criterion concerns female candidates only".to_owned(),
            ));
        }
    }
    out
}

pub(super) const MALE_WORDS: &[&str] = &["male", "males", "men", "man", "boys"];
pub(super) const FEMALE_WORDS: &[&str] = &["female", "females", "women", "woman", "girls"];

/// The record's `minimumAge`, `maximumAge` and `sex` as suggestions on the criterion whose
/// text speaks of them (a disagreement flagged), never as a criterion of their own.
pub(super) fn record_age_and_sex(
    protocol: &Value,
    criteria: &[Criterion],
    suggestions: &mut Vec<Suggestion>,
    warnings: &mut Vec<ImportWarning>,
) {
    let eligibility = protocol.get("eligibilityModule");
    let field = |name: &str| eligibility.and_then(|e| text_at(e, &[name]));
    let mut warn = |message: String| {
        warnings.push(ImportWarning {
            criterion_id: None,
            message,
            text: None,
        });
    };
    let age_criterion = criteria
        .iter()
        .find(|c| c.kind == CriterionKind::Inclusion && thresholds::mentions_age(&c.text))
        .or_else(|| criteria.iter().find(|c| thresholds::mentions_age(&c.text)))
        .or_else(|| {
            criteria
                .iter()
                .find(|c| word_in(&c.text, &["adult", "adults", "years"]).is_some())
        });
    for (name, direction) in [
        ("minimumAge", thresholds::Direction::Lower),
        ("maximumAge", thresholds::Direction::Upper),
    ] {
        let Some(record) = field(name) else { continue };
        let Some(criterion) = age_criterion else {
            warn(format!(
                "the record's {name} is \"{record}\" but no criterion speaks of age: add one only if the protocol has it"
            ));
            continue;
        };
        let stated = thresholds::find(&criterion.text)
            .into_iter()
            .find_map(|f| match f.finding {
                thresholds::Finding::Age {
                    years,
                    direction: d,
                    inclusive,
                } if d == direction => Some((f.words, years, inclusive)),
                _ => None,
            });
        let record_years = record
            .strip_suffix(" Years")
            .or_else(|| record.strip_suffix(" Year"))
            .map(str::trim);
        let (words, proposal) = match (stated, record_years) {
            (Some((words, years, inclusive)), Some(record_years)) if years == record_years => {
                let proposal = if inclusive {
                    format!("the record's {name} \"{record}\" agrees with the text")
                } else {
                    format!(
                        "DISAGREEMENT: the text bounds the age strictly at {years} but the record's {name} is \"{record}\" (which includes it): check the protocol"
                    )
                };
                (words, proposal)
            }
            (Some((words, _, _)), _) => (
                words.clone(),
                format!(
                    "DISAGREEMENT: the record's {name} is \"{record}\" but the text says \"{words}\": check the protocol"
                ),
            ),
            (None, _) => (
                format!("{name}: {record}"),
                format!(
                    "the record's {name} is \"{record}\" but the text states no such bound: check the protocol before adding one"
                ),
            ),
        };
        suggestions.push(Suggestion {
            criterion_id: criterion.id.clone(),
            words,
            proposal,
        });
    }

    let Some(sex) = field("sex") else { return };
    let sex_criterion = criteria.iter().find(|c| {
        c.kind == CriterionKind::Inclusion
            && (word_in(&c.text, MALE_WORDS).is_some() || word_in(&c.text, FEMALE_WORDS).is_some())
    });
    let Some(criterion) = sex_criterion else {
        if sex != "ALL" {
            warn(format!(
                "the record's sex is {sex} but no inclusion criterion names the candidates' sex: add one only if the protocol has it"
            ));
        }
        return;
    };
    let male = word_in(&criterion.text, MALE_WORDS);
    let female = word_in(&criterion.text, FEMALE_WORDS);
    let words: Vec<&str> = [male, female].into_iter().flatten().collect();
    let agrees = match sex.as_str() {
        "ALL" => male.is_some() == female.is_some(),
        "FEMALE" => male.is_none(),
        "MALE" => female.is_none(),
        _ => false,
    };
    let proposal = if agrees {
        format!("the record's sex {sex} agrees with the text")
    } else {
        format!(
            "DISAGREEMENT: the record's sex is {sex} but the text names \"{}\": check the protocol",
            words.join("\", \"")
        )
    };
    suggestions.push(Suggestion {
        criterion_id: criterion.id.clone(),
        words: words.join(" … "),
        proposal,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judgement_is_read_from_the_text() {
        assert!(names_investigator_judgement(
            "Any condition that, in the opinion of the investigator, would interfere"
        ));
        assert!(names_investigator_judgement(
            "per the Investigator’s judgement"
        ));
        assert!(!names_investigator_judgement(
            "Able to understand the protocol."
        ));
    }

    #[test]
    fn words_are_found_whole_and_verbatim() {
        assert_eq!(word_in("Females who are", FEMALE_WORDS), Some("Females"));
        assert_eq!(word_in("Females who are", MALE_WORDS), None);
        assert_eq!(
            phrase_in(
                "Women of Childbearing Potential",
                &["childbearing potential"]
            ),
            Some("Childbearing Potential")
        );
    }
}
