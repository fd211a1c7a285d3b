//! The study record's own facts (identifiers, titles, design, sites, provenance) as the
//! draft's trial-level fields; what it lacks becomes a marked placeholder and a warning.

use jiff::civil::Date;
use serde_json::Value;

use super::{CTGOV_REGISTRY, DRAFT_PALETTE, DRAFT_VERSION};
use crate::trial::load::sha256_hex;
use crate::trial::model::{IdentifierKind, Provenance, RegistryIdentifier, Site};

/// The value at a path of object keys.
pub(super) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// A non-empty string at a path, trimmed.
pub(super) fn text_at(value: &Value, path: &[&str]) -> Option<String> {
    at(value, path)?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The non-empty strings of an array at a path.
pub(super) fn strings_at(value: &Value, path: &[&str]) -> Vec<String> {
    at(value, path)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A marked placeholder for a required field the record does not give, with its warning.
pub(super) fn placeholder(warn: &mut impl FnMut(String), field: &str, why: &str) -> String {
    warn(format!("{why}: {field} is a placeholder to fill in"));
    format!("(not in the registry record: fill in the {field})")
}

/// `A-MUSE` → `a-muse`; an acronym with no letters or digits falls back to the NCT number.
pub(super) fn trial_id(acronym: &str, nct: &str) -> String {
    let slug = |text: &str| {
        let mut id = String::new();
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c.to_ascii_lowercase());
            } else if !id.is_empty() && !id.ends_with('-') {
                id.push('-');
            }
        }
        id.trim_end_matches('-').to_owned()
    };
    let id = slug(acronym);
    if id.is_empty() { slug(nct) } else { id }
}

pub(super) fn draft_colour(id: &str) -> String {
    let hash = sha256_hex(id);
    let index = usize::from_str_radix(&hash[..2], 16).unwrap_or(0) % DRAFT_PALETTE.len();
    DRAFT_PALETTE[index].to_owned()
}

/// The NCT number, the secondary ids prescreen has a kind for, and the sponsor's protocol
/// code; the other secondary ids are named in a warning.
pub(super) fn identifiers(
    protocol: &Value,
    nct: &str,
    warn: &mut impl FnMut(String),
) -> Vec<RegistryIdentifier> {
    let mut ids = vec![RegistryIdentifier {
        kind: IdentifierKind::Nct,
        value: nct.to_owned(),
    }];
    let add = |ids: &mut Vec<RegistryIdentifier>, kind, value: String| {
        if !ids.iter().any(|i| i.kind == kind && i.value == value) {
            ids.push(RegistryIdentifier { kind, value });
        }
    };
    let secondary = at(protocol, &["identificationModule", "secondaryIdInfos"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for info in &secondary {
        let Some(value) = text_at(info, &["id"]) else {
            continue;
        };
        let kind = text_at(info, &["type"]).unwrap_or_default();
        if kind == "CTIS" {
            add(&mut ids, IdentifierKind::Ctis, value);
        } else if is_eu_ct_number(&value) {
            warn(format!(
                "secondary id {value} (type {kind}) has the form of an EU CT number: kept as a CTIS number; check its kind"
            ));
            add(&mut ids, IdentifierKind::Ctis, value);
        } else {
            let domain = text_at(info, &["domain"])
                .map(|d| format!(", {d}"))
                .unwrap_or_default();
            warn(format!(
                "secondary id {value} (type {}{domain}) not kept: prescreen has no identifier kind for it",
                if kind.is_empty() { "not given" } else { &kind }
            ));
        }
    }
    if let Some(code) = text_at(protocol, &["identificationModule", "orgStudyIdInfo", "id"]) {
        add(&mut ids, IdentifierKind::SponsorProtocol, code);
    }
    ids
}

/// `2024-518516-39-00`.
pub(super) fn is_eu_ct_number(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() == 4
        && [4, 6, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(len, part)| part.len() == *len && part.chars().all(|c| c.is_ascii_digit()))
}

/// `PHASE2` → `Phase 2`; `["PHASE1", "PHASE2"]` → `Phase 1/Phase 2`; `NA` → none.
pub(super) fn phase(protocol: &Value) -> Option<String> {
    let phases: Vec<String> = strings_at(protocol, &["designModule", "phases"])
        .iter()
        .filter(|p| p.as_str() != "NA")
        .map(|p| match p.as_str() {
            "EARLY_PHASE1" => "Early Phase 1".to_owned(),
            other => other
                .strip_prefix("PHASE")
                .map_or_else(|| words(other), |n| format!("Phase {n}")),
        })
        .collect();
    (!phases.is_empty()).then(|| phases.join("/"))
}

/// `PARALLEL` → `parallel`, `DIETARY_SUPPLEMENT` → `dietary supplement`.
pub(super) fn words(code: &str) -> String {
    code.split('_')
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Interventional, randomized, parallel assignment, quadruple masked (participant, …);
/// primary purpose: treatment", from the record's design fields.
pub(super) fn design(protocol: &Value) -> Option<String> {
    let design = at(protocol, &["designModule"])?;
    let mut parts = Vec::new();
    if let Some(kind) = text_at(design, &["studyType"]) {
        let kind = words(&kind);
        let mut chars = kind.chars();
        parts.push(
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default(),
        );
    }
    let info = design.get("designInfo");
    let field = |path: &[&str]| info.and_then(|i| text_at(i, path));
    match field(&["allocation"]).as_deref() {
        Some("NA") | None => {}
        Some(allocation) => {
            parts.push(words(allocation).replace("non randomized", "non-randomized"))
        }
    }
    if let Some(model) = field(&["interventionModel"]) {
        parts.push(format!("{} assignment", words(&model)));
    }
    if let Some(model) = field(&["observationalModel"]) {
        parts.push(words(&model));
    }
    match field(&["maskingInfo", "masking"]).as_deref() {
        None => {}
        Some("NONE") => parts.push("open label".to_owned()),
        Some(masking) => {
            let who: Vec<String> = info
                .map(|i| strings_at(i, &["maskingInfo", "whoMasked"]))
                .unwrap_or_default()
                .iter()
                .map(|w| words(w))
                .collect();
            let who = if who.is_empty() {
                String::new()
            } else {
                format!(" ({})", who.join(", "))
            };
            parts.push(format!("{} masked{who}", words(masking)));
        }
    }
    let mut text = parts.join(", ");
    if let Some(purpose) = field(&["primaryPurpose"]) {
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str(&format!("primary purpose: {}", words(&purpose)));
    }
    (!text.is_empty()).then_some(text)
}

/// "Drug: AdMSC; Drug: Placebo".
pub(super) fn interventions(protocol: &Value) -> Option<String> {
    let list = at(protocol, &["armsInterventionsModule", "interventions"])?.as_array()?;
    let named: Vec<String> = list
        .iter()
        .filter_map(|i| {
            let name = text_at(i, &["name"])?;
            Some(match text_at(i, &["type"]) {
                Some(kind) => {
                    let kind = words(&kind);
                    let mut chars = kind.chars();
                    let kind: String = chars
                        .next()
                        .map(|c| c.to_uppercase().chain(chars).collect())
                        .unwrap_or_default();
                    format!("{kind}: {name}")
                }
                None => name,
            })
        })
        .collect();
    (!named.is_empty()).then(|| named.join("; "))
}

/// "Measure (time frame)" of each primary outcome.
pub(super) fn primary_outcomes(protocol: &Value) -> Option<String> {
    let list = at(protocol, &["outcomesModule", "primaryOutcomes"])?.as_array()?;
    let named: Vec<String> = list
        .iter()
        .filter_map(|o| {
            let measure = text_at(o, &["measure"])?;
            Some(match text_at(o, &["timeFrame"]) {
                Some(time) => format!("{measure} ({time})"),
                None => measure,
            })
        })
        .collect();
    (!named.is_empty()).then(|| named.join("; "))
}

/// The record's locations; one without a city is named in a warning instead.
pub(super) fn sites(protocol: &Value, warn: &mut impl FnMut(String)) -> Vec<Site> {
    let Some(list) =
        at(protocol, &["contactsLocationsModule", "locations"]).and_then(Value::as_array)
    else {
        warn("the record lists no site".to_owned());
        return Vec::new();
    };
    let mut sites = Vec::new();
    for location in list {
        let facility = text_at(location, &["facility"]);
        match (
            text_at(location, &["city"]),
            text_at(location, &["country"]),
        ) {
            (Some(city), Some(country)) => sites.push(Site {
                facility,
                city,
                country,
            }),
            _ => warn(format!(
                "a site without city or country not kept: {}",
                facility.as_deref().unwrap_or("(no facility name)")
            )),
        }
    }
    sites
}

pub(super) fn provenance(
    protocol: &Value,
    json: &str,
    nct: &str,
    source_name: &str,
    today: Date,
    warn: &mut impl FnMut(String),
) -> Provenance {
    let (record_date, record_date_meaning) = [
        ("lastUpdatePostDateStruct", "last update posted"),
        ("studyFirstPostDateStruct", "first posted"),
    ]
    .iter()
    .find_map(|(field, meaning)| {
        let text = text_at(protocol, &["statusModule", field, "date"])?;
        match text.parse::<Date>() {
            Ok(date) => Some((Some(date), Some((*meaning).to_owned()))),
            Err(_) => {
                warn(format!(
                    "statusModule.{field}.date \"{text}\" is not a full date: record_date left empty"
                ));
                None
            }
        }
    })
    .unwrap_or((None, None));
    if record_date.is_none() {
        warn("the record states no posting date: provenance.record_date is empty".to_owned());
    }
    Provenance {
        source_registry: CTGOV_REGISTRY.to_owned(),
        source_record: format!("{nct}, API v2 record ({source_name})"),
        record_date,
        record_date_meaning,
        source_sha256: Some(sha256_hex(json)),
        definition_version: DRAFT_VERSION.to_owned(),
        transcribed_by: format!("prescreen trials import on {today} (draft, not reviewed)"),
        verified_by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_acronyms() {
        assert_eq!(trial_id("A-MUSE", "NCT07326033"), "a-muse");
        assert_eq!(trial_id("My Trial (2)", "NCT1"), "my-trial-2");
        assert_eq!(trial_id("—", "NCT07326033"), "nct07326033");
    }

    #[test]
    fn eu_ct_numbers_are_recognised() {
        assert!(is_eu_ct_number("2024-518516-39-00"));
        assert!(!is_eu_ct_number("2015-001234-56"));
    }
}
