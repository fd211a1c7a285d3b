//! The registry importer end to end: the A-MUSE record re-imported gives the shipped
//! criteria item for item, each synthetic record style (under `tests/registry/`) splits as a
//! person would, bad records are clear errors, and every draft loads and validates.
#![cfg(test)]

use std::path::PathBuf;

use jiff::civil::{Date, date};
use prescreen_core::trial::import::{
    DRAFT_VERSION, ImportError, ImportedDraft, MAX_CRITERIA_TEXT_BYTES, PLACEHOLDER_VISIT_NAME,
    import_ctgov, to_ron,
};
use prescreen_core::trial::load::{load_trial_file, load_trial_str, sha256_hex};
use prescreen_core::trial::model::{
    CriterionKind, DefinitionStatus, IdentifierKind, Rule, TrialDefinition,
};

const TODAY: Date = date(2026, 3, 25);

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap()
}

fn import(name: &str) -> Result<ImportedDraft, ImportError> {
    let path = format!("crates/prescreen-core/tests/registry/{name}");
    import_ctgov(&read(&path), name, TODAY)
}

fn texts(def: &TrialDefinition) -> Vec<(&str, &str)> {
    def.criteria
        .iter()
        .map(|c| (c.id.as_str(), c.text.as_str()))
        .collect()
}

/// The draft's file loads and validates as it is, and reads back as the same definition.
fn assert_loads(draft: &ImportedDraft) {
    let loaded = load_trial_str(&draft.file_text(), "draft.ron")
        .unwrap_or_else(|e| panic!("{e}\n{}", draft.file_text()));
    assert_eq!(loaded.definition, draft.definition);
    assert_eq!(loaded.definition.status, DefinitionStatus::Draft);
}

fn suggestion<'a>(draft: &'a ImportedDraft, id: &str, words: &str) -> &'a str {
    draft
        .suggestions
        .iter()
        .find(|s| s.criterion_id == id && s.words == words)
        .map(|s| s.proposal.as_str())
        .unwrap_or_else(|| panic!("no suggestion on {id} «{words}»: {:#?}", draft.suggestions))
}

fn unplaced(draft: &ImportedDraft) -> Vec<&str> {
    draft
        .warnings
        .iter()
        .filter_map(|w| w.text.as_deref())
        .collect()
}

#[test]
fn the_a_muse_record_reimports_to_the_shipped_criteria_item_for_item() {
    let json = read("trials/sources/NCT07326033.json");
    let draft = import_ctgov(&json, "trials/sources/NCT07326033.json", TODAY).unwrap();
    let shipped = load_trial_file(&repo("trials/a-muse.ron"))
        .unwrap()
        .definition;
    let imported = &draft.definition;

    // Ids and verbatim texts, item for item: the shipped file was not reworded by hand.
    assert_eq!(texts(imported), texts(&shipped));
    assert_eq!(
        imported.criteria.iter().map(|c| c.kind).collect::<Vec<_>>(),
        shipped.criteria.iter().map(|c| c.kind).collect::<Vec<_>>()
    );

    // The record's facts as the shipped file has them.
    assert_eq!(imported.id, shipped.id);
    assert_eq!(imported.acronym, shipped.acronym);
    assert_eq!(imported.short_title, shipped.short_title);
    assert_eq!(imported.official_title, shipped.official_title);
    assert_eq!(imported.identifiers, shipped.identifiers);
    assert_eq!(imported.sponsor, shipped.sponsor);
    assert_eq!(imported.phase, shipped.phase);
    assert_eq!(imported.target_enrolment, shipped.target_enrolment);
    assert_eq!(imported.condition, shipped.condition);
    assert_eq!(imported.sites, shipped.sites);
    assert_eq!(
        imported.provenance.source_registry,
        shipped.provenance.source_registry
    );
    assert_eq!(
        imported.provenance.record_date,
        shipped.provenance.record_date
    );
    assert_eq!(
        imported.provenance.record_date_meaning,
        shipped.provenance.record_date_meaning
    );
    assert_eq!(imported.provenance.source_sha256, Some(sha256_hex(&json)));
    assert_eq!(imported.provenance.definition_version, DRAFT_VERSION);
    assert_eq!(imported.provenance.verified_by, None);
    assert_eq!(imported.status, DefinitionStatus::Draft);
    assert_eq!(shipped.status, DefinitionStatus::InUse);
    assert_eq!(
        imported.design.as_deref(),
        Some(
            "Interventional, randomized, parallel assignment, quadruple masked (participant, care provider, investigator, outcomes assessor); primary purpose: treatment"
        )
    );
    assert_eq!(imported.visit_name, PLACEHOLDER_VISIT_NAME);

    // Refined by hand in the shipped file, as the importer must not guess: every rule but
    // the two judgements is a confirmation here, and IN07 and EX05 are investigator
    // judgements there although their texts do not name the investigator.
    assert!(
        imported
            .criteria
            .iter()
            .all(|c| c.rule == Rule::Confirmation && c.note.is_none())
    );

    // Thresholds the texts state come back as suggestions, not rules.
    assert!(suggestion(&draft, "IN01", "≥18 years of age").contains("MinimumAge((years: 18"));
    assert!(
        suggestion(&draft, "IN03", "more than or equal to 20")
            .contains("min: (value: 20, inclusive: true)")
    );
    assert!(
        suggestion(&draft, "IN05", "less than 40 mm")
            .contains("max: (value: 40, inclusive: false)")
    );
    assert!(
        suggestion(&draft, "EX01", "within the previous 3 months")
            .contains("length: (amount: 3, unit: Months), start: Inclusive")
    );
    assert!(
        suggestion(&draft, "EX02", "within 4 weeks prior to")
            .contains("length: (amount: 4, unit: Weeks), start: Inclusive")
    );
    assert!(
        suggestion(&draft, "EX03", "within less than 1 year")
            .contains("length: (amount: 1, unit: Years), start: Exclusive")
    );
    assert!(
        suggestion(&draft, "EX06", "in the last five years")
            .contains("length: (amount: 5, unit: Years)")
    );
    // The record's minimumAge and sex agree with IN01's text.
    assert!(draft.suggestions.iter().any(|s| s.criterion_id == "IN01"
        && s.words == "≥18 years of age"
        && s.proposal == "the record's minimumAge \"18 Years\" agrees with the text"));
    assert!(
        draft.suggestions.iter().any(|s| s.criterion_id == "IN01"
            && s.proposal == "the record's sex ALL agrees with the text")
    );
    assert!(
        suggestion(&draft, "EX08", "pregnant … breastfeeding")
            .contains("any_of: [Pregnant, Breastfeeding]")
    );
    assert!(
        suggestion(&draft, "EX09", "childbearing potential")
            .contains("WomenOfChildbearingPotential")
    );
    assert!(
        !draft
            .suggestions
            .iter()
            .any(|s| s.proposal.contains("DISAGREEMENT"))
    );

    assert_loads(&draft);
    assert!(
        draft
            .warnings
            .iter()
            .any(|w| w.message.contains("visit_name"))
    );
    assert!(draft.warnings.iter().any(|w| w.message.contains("colour")));
}

#[test]
fn definitions_without_a_status_are_in_use_and_write_back_unchanged() {
    for file in ["trials/a-muse.ron", "trials/assix.ron"] {
        let shipped = load_trial_file(&repo(file)).unwrap().definition;
        assert_eq!(shipped.status, DefinitionStatus::InUse);
        let text = to_ron(&shipped);
        assert!(!text.contains("status:"), "{text}");
        assert!(!text.contains("source_sha256"), "{text}");
        assert!(text.contains("\n    criteria: [\n"), "{text}");
        assert_eq!(load_trial_str(&text, file).unwrap().definition, shipped);
    }
}

#[test]
fn star_bullets_with_nested_dash_items() {
    let draft = import("bullets-nested.json").unwrap();
    assert_eq!(
        texts(&draft.definition),
        [
            ("IN01", "Adults ≥ 18 years of age"),
            (
                "IN02",
                "One of the following:\n- documented disease A\n- documented disease B"
            ),
            ("IN03", "Written informed consent."),
            ("EX01", "Pregnant or breastfeeding women,"),
            (
                "EX02",
                "Any condition that, in the opinion of the investigator, would interfere with the study"
            ),
        ]
    );
    assert_eq!(
        draft.definition.criteria[4].rule,
        Rule::InvestigatorJudgement
    );
    assert_eq!(draft.definition.criteria[3].rule, Rule::Confirmation);
    // The record says 16, the text 18: flagged on the criterion, never a criterion itself.
    let flagged = suggestion(&draft, "IN01", "≥ 18 years of age");
    assert!(
        draft.suggestions.iter().any(|s| s.criterion_id == "IN01"
            && s.proposal.starts_with("DISAGREEMENT")
            && s.proposal.contains("16 Years")),
        "{flagged}: {:#?}",
        draft.suggestions
    );
    assert_eq!(draft.definition.criteria.len(), 5);
    // A CTIS id is kept; an EudraCT number has no kind and is named in a warning.
    let kinds: Vec<IdentifierKind> = draft
        .definition
        .identifiers
        .iter()
        .map(|i| i.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            IdentifierKind::Nct,
            IdentifierKind::Ctis,
            IdentifierKind::SponsorProtocol
        ]
    );
    assert!(
        draft
            .warnings
            .iter()
            .any(|w| w.message.contains("2015-001234-56") && w.message.contains("not kept"))
    );
    assert_eq!(draft.definition.phase.as_deref(), Some("Phase 1/Phase 2"));
    assert_eq!(
        draft.definition.design.as_deref(),
        Some(
            "Interventional, non-randomized, single group assignment, open label; primary purpose: treatment"
        )
    );
    assert_loads(&draft);
}

#[test]
fn numbered_lists_with_continuation_paragraphs() {
    let draft = import("numbered-continuation.json").unwrap();
    assert_eq!(
        texts(&draft.definition),
        [
            ("IN01", "Age 18 years or older."),
            (
                "IN02",
                "Diagnosis of disease A.\nConfirmed by biopsy within 6 months."
            ),
            ("IN03", "Able to comply."),
            ("EX01", "Surgery < 6 months before screening"),
            (
                "EX02",
                "Maximal mouth opening less than 40 mm;\nmeasured twice"
            ),
            ("EX03", "Prior therapy"),
        ]
    );
    assert!(
        suggestion(&draft, "EX01", "< 6 months before")
            .contains("length: (amount: 6, unit: Months), start: Exclusive")
    );
    assert!(suggestion(&draft, "IN01", "18 years or older").contains("MinimumAge((years: 18"));
    // A maximum age in the record that no text states is flagged, not added.
    assert!(draft.suggestions.iter().any(|s| s.criterion_id == "IN01"
        && s.words == "maximumAge: 75 Years"
        && s.proposal.contains("states no such bound")));
    assert_loads(&draft);
}

#[test]
fn upper_case_key_headings_without_colon() {
    let draft = import("key-headings-upper.json").unwrap();
    assert_eq!(
        texts(&draft.definition),
        [
            ("IN01", "Female patients aged 40 years and over"),
            ("IN02", "Score at least 3"),
            ("EX01", "Smoking within 4 weeks prior to screening"),
            (
                "EX02",
                "Women of childbearing potential not using contraception"
            ),
        ]
    );
    assert_eq!(draft.definition.criteria[2].kind, CriterionKind::Exclusion);
    assert!(draft.suggestions.iter().any(|s| s.criterion_id == "IN01"
        && s.proposal == "the record's sex FEMALE agrees with the text"));
    assert!(draft.suggestions.iter().any(|s| s.criterion_id == "IN01"
        && s.proposal == "the record's minimumAge \"40 Years\" agrees with the text"));
    assert_loads(&draft);
}

#[test]
fn a_preamble_between_heading_and_list_is_no_criterion() {
    let draft = import("preamble.json").unwrap();
    assert_eq!(
        texts(&draft.definition),
        [
            ("IN01", "Male or female, 18 years or older"),
            ("IN02", "Signed consent"),
            ("EX01", "Active infection"),
        ]
    );
    assert!(
        unplaced(&draft)
            .contains(&"Patients must meet all of the following criteria to be enrolled:")
    );
    assert!(unplaced(&draft).contains(&"Patients meeting any of the following will be excluded:"));
    assert_loads(&draft);
}

#[test]
fn escaped_markdown_is_read_as_the_registry_shows_it() {
    let draft = import("escaped-markdown.json").unwrap();
    assert_eq!(
        texts(&draft.definition),
        [
            ("IN01", "eGFR > 30 ml/min"),
            ("IN02", "Platelets >= 100 x10^9/L and score < 5"),
            ("IN03", "Prior *approved* therapy - any line"),
            ("IN04", "Dose_level 1"),
            ("EX01", "Age < 18 years"),
        ]
    );
    assert!(
        suggestion(&draft, "IN01", "> 30 ml/min").contains("min: (value: 30, inclusive: false)")
    );
    assert!(suggestion(&draft, "EX01", "< 18 years").contains("exclusion criterion"));
    assert_loads(&draft);
}

#[test]
fn text_it_cannot_place_is_a_warning_with_its_text() {
    let draft = import("stray-text.json").unwrap();
    assert_eq!(
        texts(&draft.definition),
        [("IN01", "Age 18 years or older")]
    );
    let stray: Vec<&str> = draft
        .warnings
        .iter()
        .filter(|w| w.message.contains("not placed"))
        .filter_map(|w| w.text.as_deref())
        .collect();
    assert_eq!(
        stray,
        ["This study enrolls adults.", "Item before any heading"]
    );
    assert_loads(&draft);

    match import("no-heading.json") {
        Err(ImportError::NoCriteriaPlaced { unplaced, .. }) => {
            assert_eq!(unplaced, ["Age 18 years or older", "Signed consent"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_records_are_clear_errors() {
    let error = import("not-json.json").unwrap_err();
    assert!(matches!(error, ImportError::NotJson { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("not-json.json: not a JSON document: "),
        "{error}"
    );

    let error = import("no-protocol-section.json").unwrap_err();
    assert!(
        matches!(error, ImportError::NotAStudyRecord { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("search result"), "{error}");

    let error = import("empty-criteria.json").unwrap_err();
    assert!(
        matches!(error, ImportError::NoEligibilityCriteria { .. }),
        "{error}"
    );

    let error = import_ctgov("{\"protocolSection\": {}}", "x.json", TODAY).unwrap_err();
    assert!(error.to_string().contains("nctId is missing"), "{error}");
    assert!(import_ctgov("", "x.json", TODAY).is_err());
    assert!(import_ctgov("[1, 2", "x.json", TODAY).is_err());
}

fn with_criteria(text: &str) -> String {
    let mut record: serde_json::Value =
        serde_json::from_str(&read("crates/prescreen-core/tests/registry/preamble.json")).unwrap();
    record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = text.into();
    record.to_string()
}

#[test]
fn a_fifty_thousand_line_criteria_text_is_refused_quickly() {
    let mut text = String::from("Inclusion Criteria:\n\n");
    for i in 0..50_000 {
        text.push_str(&format!("* Criterion number {i}\n"));
    }
    let started = std::time::Instant::now();
    let error = import_ctgov(&with_criteria(&text), "huge.json", TODAY).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        matches!(
            error,
            ImportError::CriteriaTooLong {
                max: MAX_CRITERIA_TEXT_BYTES,
                ..
            }
        ),
        "{error}"
    );

    // Just under the size limit but with too many items: refused by count.
    let text = format!("Inclusion Criteria:\n{}", "* a\n".repeat(20_000));
    let error = import_ctgov(&with_criteria(&text), "many.json", TODAY).unwrap_err();
    assert!(
        matches!(error, ImportError::TooManyCriteria { count: 20_000, .. }),
        "{error}"
    );

    // 40 000 continuation lines under one item are read in linear time and still load.
    let text = format!("Inclusion Criteria:\n* Item\n{}", "x\n".repeat(40_000));
    let started = std::time::Instant::now();
    let draft = import_ctgov(&with_criteria(&text), "long.json", TODAY).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(draft.definition.criteria.len(), 1);
    assert_eq!(draft.definition.criteria[0].text.lines().count(), 40_001);
    assert_loads(&draft);
}
