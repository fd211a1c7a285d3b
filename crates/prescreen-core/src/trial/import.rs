//! A ClinicalTrials.gov API v2 study record → a *draft* [`TrialDefinition`], so a site can
//! start a new trial from its registry record instead of retyping it.
//!
//! The importer proposes, it never invents: criterion texts are copied verbatim, one per
//! top-level item of `eligibilityModule.eligibilityCriteria`; every rule is a
//! [`Rule::Confirmation`] (or [`Rule::InvestigatorJudgement`] where the text says so); a
//! threshold the text states comes back as a [`Suggestion`] naming its words, never applied.
//! What the record cannot give (the visit's name, a colour) is a marked placeholder, and the
//! draft carries [`DefinitionStatus::Draft`] until the trial team has reviewed it.

mod criteria_text;
mod record;
mod suggest;
mod thresholds;

use std::fmt;

use jiff::civil::Date;
use serde::Serialize;
use serde_json::Value;

use super::load::{ron_options, validate};
use super::model::{
    Applicability, Criterion, CriterionKind, DefinitionStatus, IdentifierKind, Rule, Stage,
    TrialDefinition,
};
use record::{
    at, design, draft_colour, identifiers, interventions, phase, placeholder, primary_outcomes,
    provenance, sites, strings_at, text_at, trial_id,
};
use suggest::{criterion_suggestions, names_investigator_judgement, record_age_and_sex};

/// The largest record read: a study record with posted results runs to a few megabytes.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// The longest eligibility text imported. A registered one is a few thousand characters;
/// anything this long is not an eligibility text, and is refused before it is split.
pub const MAX_CRITERIA_TEXT_BYTES: usize = 100_000;

/// The most criteria a draft takes: far beyond a real trial's, and small enough that the
/// written file stays under the loader's size limit.
pub const MAX_CRITERIA: usize = 300;

/// The version a draft starts at; the reviewer sets the real one.
pub const DRAFT_VERSION: &str = "0.1.0-draft";

/// The visit name a draft carries until the reviewer writes the protocol's own.
pub const PLACEHOLDER_VISIT_NAME: &str = "screening visit";

/// Colours a draft is given one of (by its id), until the reviewer picks the trial's own.
pub const DRAFT_PALETTE: &[&str] = &[
    "#1e88e5", "#43a047", "#e53935", "#fb8c00", "#00897b", "#5e35b1", "#6d4c41", "#3949ab",
    "#d81b60", "#546e7a",
];

/// The registry the importer reads.
pub const CTGOV_REGISTRY: &str = "ClinicalTrials.gov";

/// A draft definition and everything the reviewer must look at before it is used.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedDraft {
    /// The draft (status [`DefinitionStatus::Draft`]); it loads and validates as it is.
    pub definition: TrialDefinition,
    /// Placeholders to replace, text that could not be placed, record fields not kept.
    pub warnings: Vec<ImportWarning>,
    /// Thresholds and record fields that propose a rule or flag a disagreement.
    pub suggestions: Vec<Suggestion>,
    /// The record's name as given (a file name or URL), for the draft's header.
    pub source_name: String,
    /// The day of the import.
    pub imported_on: Date,
}

/// Something the reviewer must look at; never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportWarning {
    /// The criterion concerned, if any.
    pub criterion_id: Option<String>,
    /// What to look at and why.
    pub message: String,
    /// The record's text concerned, verbatim (text that could not be placed, a preamble).
    pub text: Option<String>,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = &self.criterion_id {
            write!(f, "{id}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(text) = &self.text {
            write!(f, ": «{text}»")?;
        }
        Ok(())
    }
}

/// A rule the text seems to state, offered to the reviewer with the words it came from;
/// never applied to the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The criterion it concerns.
    pub criterion_id: String,
    /// The words of the criterion text (or the record field) it came from, verbatim.
    pub words: String,
    /// What it proposes, in the trial file's own terms.
    pub proposal: String,
}

impl fmt::Display for Suggestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} «{}»: {}",
            self.criterion_id, self.words, self.proposal
        )
    }
}

/// Why a record could not become a draft.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The record is larger than any study record.
    #[error("{file}: {bytes} bytes; a registry record is at most {max} bytes")]
    TooLarge {
        /// The record.
        file: String,
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not JSON.
    #[error("{file}: not a JSON document: {message}")]
    NotJson {
        /// The record.
        file: String,
        /// What the JSON parser said, with line and column.
        message: String,
    },
    /// JSON, but not one ClinicalTrials.gov API v2 study.
    #[error(
        "{file}: no protocolSection: not a ClinicalTrials.gov API v2 study record (save one study from https://clinicaltrials.gov/api/v2/studies/NCT…){hint}"
    )]
    NotAStudyRecord {
        /// The record.
        file: String,
        /// What the document seems to be instead, when that can be told.
        hint: String,
    },
    /// A field every study record has is missing.
    #[error("{file}: {field} is missing")]
    MissingField {
        /// The record.
        file: String,
        /// The field's path.
        field: &'static str,
    },
    /// The record has no eligibility text.
    #[error(
        "{file}: eligibilityModule.eligibilityCriteria is missing or empty: no criteria to import"
    )]
    NoEligibilityCriteria {
        /// The record.
        file: String,
    },
    /// The eligibility text is longer than any real one.
    #[error("{file}: the eligibility criteria are {bytes} bytes; at most {max} are imported")]
    CriteriaTooLong {
        /// The record.
        file: String,
        /// The text's size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// More criteria than a definition holds.
    #[error("{file}: {count} criteria; a definition holds at most {max}")]
    TooManyCriteria {
        /// The record.
        file: String,
        /// How many were found.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// No criterion stands under an inclusion or exclusion heading.
    #[error(
        "{file}: no criterion under an inclusion or exclusion heading; {} item(s) could not be placed{}",
        unplaced.len(),
        unplaced.iter().map(|t| format!("\n  «{t}»")).collect::<String>()
    )]
    NoCriteriaPlaced {
        /// The record.
        file: String,
        /// Every text found, verbatim.
        unplaced: Vec<String>,
    },
}

/// Reads a ClinicalTrials.gov API v2 study record (`json`, named `source_name` in messages
/// and provenance) into a draft definition with its warnings and suggestions.
pub fn import_ctgov(
    json: &str,
    source_name: &str,
    today: Date,
) -> Result<ImportedDraft, ImportError> {
    let file = || source_name.to_owned();
    if json.len() > MAX_RECORD_BYTES {
        return Err(ImportError::TooLarge {
            file: file(),
            bytes: json.len(),
            max: MAX_RECORD_BYTES,
        });
    }
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::NotJson {
        file: file(),
        message: e.to_string(),
    })?;
    let Some(protocol) = root.get("protocolSection") else {
        let hint = if root.get("studies").is_some() {
            " — this is a search result"
        } else if root.get("FullStudiesResponse").is_some() {
            " — this is the retired API v1 format"
        } else {
            ""
        };
        return Err(ImportError::NotAStudyRecord {
            file: file(),
            hint: hint.to_owned(),
        });
    };
    let nct =
        text_at(protocol, &["identificationModule", "nctId"]).ok_or(ImportError::MissingField {
            file: file(),
            field: "protocolSection.identificationModule.nctId",
        })?;
    let criteria_text = at(protocol, &["eligibilityModule", "eligibilityCriteria"])
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ImportError::NoEligibilityCriteria { file: file() })?;
    if criteria_text.len() > MAX_CRITERIA_TEXT_BYTES {
        return Err(ImportError::CriteriaTooLong {
            file: file(),
            bytes: criteria_text.len(),
            max: MAX_CRITERIA_TEXT_BYTES,
        });
    }
    let parsed = criteria_text::parse(criteria_text);
    if parsed.items.is_empty() {
        return Err(ImportError::NoCriteriaPlaced {
            file: file(),
            unplaced: parsed.notes.into_iter().map(|n| n.text).collect(),
        });
    }
    if parsed.items.len() > MAX_CRITERIA {
        return Err(ImportError::TooManyCriteria {
            file: file(),
            count: parsed.items.len(),
            max: MAX_CRITERIA,
        });
    }

    let mut warnings = Vec::new();
    let mut warn = |message: String| {
        warnings.push(ImportWarning {
            criterion_id: None,
            message,
            text: None,
        });
    };
    let acronym = text_at(protocol, &["identificationModule", "acronym"]).unwrap_or_else(|| {
        warn(format!(
            "the record has no acronym: the draft uses {nct} as its acronym and id; choose short ones"
        ));
        nct.clone()
    });
    let id = trial_id(&acronym, &nct);
    let short_title = text_at(protocol, &["identificationModule", "briefTitle"])
        .unwrap_or_else(|| placeholder(&mut warn, "short_title", "the record has no brief title"));
    let official_title = text_at(protocol, &["identificationModule", "officialTitle"])
        .unwrap_or_else(|| short_title.clone());
    let sponsor = text_at(
        protocol,
        &["sponsorCollaboratorsModule", "leadSponsor", "name"],
    )
    .or_else(|| {
        text_at(
            protocol,
            &["identificationModule", "organization", "fullName"],
        )
    })
    .unwrap_or_else(|| placeholder(&mut warn, "sponsor", "the record names no lead sponsor"));
    let identifiers = identifiers(protocol, &nct, &mut warn);
    let condition = strings_at(protocol, &["conditionsModule", "conditions"]);
    let condition = if condition.is_empty() {
        placeholder(&mut warn, "condition", "the record lists no condition")
    } else {
        condition.join("; ")
    };
    let intervention = interventions(protocol).unwrap_or_else(|| {
        placeholder(
            &mut warn,
            "intervention",
            "the record lists no intervention",
        )
    });
    let primary_outcome = primary_outcomes(protocol).unwrap_or_else(|| {
        placeholder(
            &mut warn,
            "primary_outcome",
            "the record lists no primary outcome",
        )
    });
    let sites = sites(protocol, &mut warn);
    let provenance = provenance(protocol, json, &nct, source_name, today, &mut warn);
    let colour = draft_colour(&id);
    warn(format!(
        "status Draft: not for screening or signing until the trial team has reviewed every criterion against the protocol and set status, definition_version ({DRAFT_VERSION}), transcribed_by and verified_by"
    ));
    warn(format!(
        "visit_name \"{PLACEHOLDER_VISIT_NAME}\" is a placeholder: write the protocol's name for the on-site visit"
    ));
    warn(format!(
        "colour {colour} is a placeholder from a fixed palette: pick one no other trial at the site uses"
    ));
    warn("every criterion is stage PreScreen with reconfirm_at_visit false, and its rule Confirmation (InvestigatorJudgement where the text names the investigator's judgement or opinion): set each from the protocol; the suggestions name thresholds the texts state".to_owned());
    warn("intervention and primary_outcome are compiled from the record's lists: review their wording".to_owned());

    let mut criteria = Vec::with_capacity(parsed.items.len());
    let (mut inclusions, mut exclusions) = (0, 0);
    for item in parsed.items {
        let id = match item.kind {
            CriterionKind::Inclusion => {
                inclusions += 1;
                format!("IN{inclusions:02}")
            }
            CriterionKind::Exclusion => {
                exclusions += 1;
                format!("EX{exclusions:02}")
            }
        };
        let rule = if names_investigator_judgement(&item.text) {
            Rule::InvestigatorJudgement
        } else {
            Rule::Confirmation
        };
        criteria.push(Criterion {
            id,
            kind: item.kind,
            text: item.text,
            note: None,
            stage: Stage::PreScreen,
            reconfirm_at_visit: false,
            applies_to: Applicability::AllCandidates,
            facts: None,
            rule,
        });
    }
    for note in parsed.notes {
        warnings.push(ImportWarning {
            criterion_id: None,
            message: note.message,
            text: Some(note.text),
        });
    }

    let mut suggestions = Vec::new();
    for criterion in &criteria {
        suggestions.extend(criterion_suggestions(criterion));
    }
    record_age_and_sex(protocol, &criteria, &mut suggestions, &mut warnings);

    let definition = TrialDefinition {
        id,
        status: DefinitionStatus::Draft,
        acronym,
        short_title,
        official_title,
        identifiers,
        sponsor,
        phase: phase(protocol),
        design: design(protocol),
        target_enrolment: at(protocol, &["designModule", "enrollmentInfo", "count"])
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        condition,
        intervention,
        primary_outcome,
        sites,
        provenance,
        visit_name: PLACEHOLDER_VISIT_NAME.to_owned(),
        colour,
        criteria,
    };
    for problem in validate(&definition) {
        warnings.push(ImportWarning {
            criterion_id: problem.criterion,
            message: format!("the draft does not validate: {}", problem.message),
            text: None,
        });
    }
    Ok(ImportedDraft {
        definition,
        warnings,
        suggestions,
        source_name: source_name.to_owned(),
        imported_on: today,
    })
}

/// Pretty RON of a definition, one field per line (a reviewer's diff shows what changed),
/// with the options every trial file is read with.
pub fn to_ron(def: &TrialDefinition) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .indentor("    ".to_owned());
    #[expect(
        clippy::expect_used,
        reason = "every field of the model serialises to RON: structs, enums, strings, numbers, dates and decimals written as text"
    )]
    let mut text = ron_options()
        .to_string_pretty(def, config)
        .expect("a trial definition serialises to RON");
    text.push('\n');
    text
}

impl ImportedDraft {
    /// The draft's file: a comment header (what it is, the warnings and suggestions, so they
    /// stay with the file under review) and the definition as [`to_ron`] writes it.
    pub fn file_text(&self) -> String {
        let mut out = String::new();
        let comment = |out: &mut String, text: &str| {
            for line in text.lines() {
                out.push_str("//");
                if !line.is_empty() {
                    out.push(' ');
                    out.push_str(line);
                }
                out.push('\n');
            }
        };
        comment(
            &mut out,
            &format!(
                "DRAFT imported by prescreen from {} {} ({}) on {}.\nNot for screening: review every criterion against the protocol before use.\nCriterion texts are the registry's, verbatim; nothing below has been applied to a rule.",
                CTGOV_REGISTRY,
                self.definition
                    .identifiers
                    .iter()
                    .find(|i| i.kind == IdentifierKind::Nct)
                    .map_or("", |i| i.value.as_str()),
                self.source_name,
                self.imported_on
            ),
        );
        if !self.warnings.is_empty() {
            comment(&mut out, "\nWarnings:");
            for warning in &self.warnings {
                comment(
                    &mut out,
                    &format!("  - {warning}").replace('\n', "\n      "),
                );
            }
        }
        if !self.suggestions.is_empty() {
            comment(&mut out, "\nSuggestions (proposals only):");
            for suggestion in &self.suggestions {
                comment(
                    &mut out,
                    &format!("  - {suggestion}").replace('\n', "\n      "),
                );
            }
        }
        out.push_str(&to_ron(&self.definition));
        out
    }
}
