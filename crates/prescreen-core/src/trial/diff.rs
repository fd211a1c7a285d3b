//! What changed between two versions of a trial definition: criteria added, removed,
//! reworded, renumbered, or read differently, and the trial's own facts. A protocol
//! amendment (or a fresh registry import) is reviewed through this list, not by eye.
//!
//! Criteria are paired in three passes: same id and same text; then same text under another
//! id (renumbered); then same id with another text (reworded). What is left is added or
//! removed.

use std::fmt;

use serde::Serialize;

use super::load::ron_options;
use super::model::{Criterion, CriterionKind, TrialDefinition};

/// Every difference between two definitions, in the new definition's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DefinitionDiff {
    /// The old definition (`id version`).
    pub old: String,
    /// The new definition (`id version`).
    pub new: String,
    /// Trial-level fields that differ (titles, identifiers, visit name, status, …).
    pub fields: Vec<FieldChange>,
    /// Criteria only the new definition has.
    pub added: Vec<CriterionSummary>,
    /// Criteria only the old definition has.
    pub removed: Vec<CriterionSummary>,
    /// Same id, different text.
    pub reworded: Vec<Reworded>,
    /// Same text under a different id.
    pub renumbered: Vec<Renumbered>,
    /// Same id and text, read differently (rule, kind, stage, re-confirmation, applicability,
    /// facts or note).
    pub rule_changed: Vec<RuleChanged>,
    /// Whether criteria present in both appear in another order.
    pub order_changed: bool,
}

/// One field's old and new value, as RON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field (`visit_name`, `provenance.definition_version`, `rule`).
    pub field: String,
    /// Its old value.
    pub old: String,
    /// Its new value.
    pub new: String,
}

/// A criterion named by id, kind and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionSummary {
    /// Its id.
    pub id: String,
    /// Inclusion or exclusion.
    pub kind: CriterionKind,
    /// Its text.
    pub text: String,
}

/// A criterion whose text changed under the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reworded {
    /// The id.
    pub id: String,
    /// The old text.
    pub old_text: String,
    /// The new text.
    pub new_text: String,
    /// Other fields that changed with it.
    pub changes: Vec<FieldChange>,
}

/// A criterion whose text moved to another id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renumbered {
    /// The old id.
    pub old_id: String,
    /// The new id.
    pub new_id: String,
    /// The (unchanged) text.
    pub text: String,
    /// Other fields that changed with it.
    pub changes: Vec<FieldChange>,
}

/// A criterion with the same id and text whose reading changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChanged {
    /// The id.
    pub id: String,
    /// What changed.
    pub changes: Vec<FieldChange>,
}

impl DefinitionDiff {
    /// Whether the two definitions are the same in every respect the diff looks at.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.reworded.is_empty()
            && self.renumbered.is_empty()
            && self.rule_changed.is_empty()
            && !self.order_changed
    }
}

/// What moving a screening in progress from one version of its definition to the next does to
/// its answers: the one rule, for every door that moves one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MovePlan {
    /// Criteria unchanged in every respect (same id, text and reading): answers carry over.
    pub unchanged: Vec<String>,
    /// Criteria reworded, read differently, renumbered or new: open again.
    pub reopened: Vec<String>,
    /// Criteria the new version no longer has under their id: listed, their answers dropped.
    pub removed: Vec<String>,
}

/// The move from `old` to `new`, from their diff: only a criterion the diff finds nothing to
/// say about keeps its answer; a renumbered one opens again under its new id (its old id is
/// removed), as it could not be answered the same way without someone looking.
pub fn plan_move(old: &TrialDefinition, new: &TrialDefinition) -> MovePlan {
    let changes = diff(old, new);
    let mut reopened: Vec<String> = changes
        .added
        .iter()
        .map(|c| c.id.clone())
        .chain(changes.reworded.iter().map(|c| c.id.clone()))
        .chain(changes.rule_changed.iter().map(|c| c.id.clone()))
        .chain(changes.renumbered.iter().map(|c| c.new_id.clone()))
        .collect();
    reopened.sort();
    reopened.dedup();
    let new_ids: std::collections::BTreeSet<&str> =
        new.criteria.iter().map(|c| c.id.as_str()).collect();
    let mut removed: Vec<String> = old
        .criteria
        .iter()
        .filter(|c| !new_ids.contains(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    removed.sort();
    let unchanged = new
        .criteria
        .iter()
        .filter(|c| !reopened.contains(&c.id))
        .filter(|c| old.criterion(&c.id).is_some())
        .map(|c| c.id.clone())
        .collect();
    MovePlan {
        unchanged,
        reopened,
        removed,
    }
}

/// Compares two definitions (usually two versions of one trial).
pub fn diff(old: &TrialDefinition, new: &TrialDefinition) -> DefinitionDiff {
    let mut out = DefinitionDiff {
        old: format!("{} {}", old.id, old.version()),
        new: format!("{} {}", new.id, new.version()),
        fields: trial_fields(old, new),
        ..DefinitionDiff::default()
    };
    // pair[n] = the old criterion paired with new criterion n.
    let mut pair: Vec<Option<usize>> = vec![None; new.criteria.len()];
    let mut taken = vec![false; old.criteria.len()];
    let mut pass = |matches: &dyn Fn(&Criterion, &Criterion) -> bool,
                    pair: &mut [Option<usize>]| {
        for (n, new_criterion) in new.criteria.iter().enumerate() {
            if pair[n].is_some() {
                continue;
            }
            if let Some(o) = (0..old.criteria.len())
                .find(|&o| !taken[o] && matches(&old.criteria[o], new_criterion))
            {
                taken[o] = true;
                pair[n] = Some(o);
            }
        }
    };
    pass(&|o, n| o.id == n.id && o.text == n.text, &mut pair);
    pass(&|o, n| o.text == n.text, &mut pair);
    pass(&|o, n| o.id == n.id, &mut pair);

    for (n, new_criterion) in new.criteria.iter().enumerate() {
        let Some(o) = pair[n] else {
            out.added.push(summary(new_criterion));
            continue;
        };
        let old_criterion = &old.criteria[o];
        let changes = criterion_changes(old_criterion, new_criterion);
        if old_criterion.id != new_criterion.id {
            out.renumbered.push(Renumbered {
                old_id: old_criterion.id.clone(),
                new_id: new_criterion.id.clone(),
                text: new_criterion.text.clone(),
                changes,
            });
        } else if old_criterion.text != new_criterion.text {
            out.reworded.push(Reworded {
                id: new_criterion.id.clone(),
                old_text: old_criterion.text.clone(),
                new_text: new_criterion.text.clone(),
                changes,
            });
        } else if !changes.is_empty() {
            out.rule_changed.push(RuleChanged {
                id: new_criterion.id.clone(),
                changes,
            });
        }
    }
    for (o, old_criterion) in old.criteria.iter().enumerate() {
        if !taken[o] {
            out.removed.push(summary(old_criterion));
        }
    }
    let paired: Vec<usize> = pair.iter().flatten().copied().collect();
    out.order_changed = paired.windows(2).any(|w| w[0] > w[1]);
    out
}

fn summary(criterion: &Criterion) -> CriterionSummary {
    CriterionSummary {
        id: criterion.id.clone(),
        kind: criterion.kind,
        text: criterion.text.clone(),
    }
}

/// A value as compact RON, as a trial file would spell it.
fn ron<T: Serialize + fmt::Debug>(value: &T) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .compact_structs(true)
        .compact_arrays(true)
        .compact_maps(true);
    ron_options()
        .to_string_pretty(value, config)
        .unwrap_or_else(|_| format!("{value:?}"))
}

fn change<T: Serialize + PartialEq + fmt::Debug>(
    out: &mut Vec<FieldChange>,
    field: &str,
    old: &T,
    new: &T,
) {
    if old != new {
        out.push(FieldChange {
            field: field.to_owned(),
            old: ron(old),
            new: ron(new),
        });
    }
}

fn criterion_changes(old: &Criterion, new: &Criterion) -> Vec<FieldChange> {
    let mut out = Vec::new();
    change(&mut out, "kind", &old.kind, &new.kind);
    change(&mut out, "stage", &old.stage, &new.stage);
    change(
        &mut out,
        "reconfirm_at_visit",
        &old.reconfirm_at_visit,
        &new.reconfirm_at_visit,
    );
    change(&mut out, "applies_to", &old.applies_to, &new.applies_to);
    change(&mut out, "facts", &old.facts, &new.facts);
    change(&mut out, "rule", &old.rule, &new.rule);
    change(&mut out, "note", &old.note, &new.note);
    out
}

fn trial_fields(old: &TrialDefinition, new: &TrialDefinition) -> Vec<FieldChange> {
    let mut out = Vec::new();
    change(&mut out, "id", &old.id, &new.id);
    change(&mut out, "status", &old.status, &new.status);
    change(&mut out, "acronym", &old.acronym, &new.acronym);
    change(&mut out, "short_title", &old.short_title, &new.short_title);
    change(
        &mut out,
        "official_title",
        &old.official_title,
        &new.official_title,
    );
    change(&mut out, "identifiers", &old.identifiers, &new.identifiers);
    change(&mut out, "sponsor", &old.sponsor, &new.sponsor);
    change(&mut out, "phase", &old.phase, &new.phase);
    change(&mut out, "design", &old.design, &new.design);
    change(
        &mut out,
        "target_enrolment",
        &old.target_enrolment,
        &new.target_enrolment,
    );
    change(&mut out, "condition", &old.condition, &new.condition);
    change(
        &mut out,
        "intervention",
        &old.intervention,
        &new.intervention,
    );
    change(
        &mut out,
        "primary_outcome",
        &old.primary_outcome,
        &new.primary_outcome,
    );
    change(&mut out, "sites", &old.sites, &new.sites);
    let (op, np) = (&old.provenance, &new.provenance);
    change(
        &mut out,
        "provenance.source_registry",
        &op.source_registry,
        &np.source_registry,
    );
    change(
        &mut out,
        "provenance.source_record",
        &op.source_record,
        &np.source_record,
    );
    change(
        &mut out,
        "provenance.record_date",
        &op.record_date,
        &np.record_date,
    );
    change(
        &mut out,
        "provenance.record_date_meaning",
        &op.record_date_meaning,
        &np.record_date_meaning,
    );
    change(
        &mut out,
        "provenance.source_sha256",
        &op.source_sha256,
        &np.source_sha256,
    );
    change(
        &mut out,
        "provenance.definition_version",
        &op.definition_version,
        &np.definition_version,
    );
    change(
        &mut out,
        "provenance.transcribed_by",
        &op.transcribed_by,
        &np.transcribed_by,
    );
    change(
        &mut out,
        "provenance.verified_by",
        &op.verified_by,
        &np.verified_by,
    );
    change(&mut out, "visit_name", &old.visit_name, &new.visit_name);
    change(&mut out, "colour", &old.colour, &new.colour);
    out
}

fn kind_word(kind: CriterionKind) -> &'static str {
    match kind {
        CriterionKind::Inclusion => "inclusion",
        CriterionKind::Exclusion => "exclusion",
    }
}

/// A text indented under a list entry, its lines aligned.
fn indented(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

fn write_changes(f: &mut fmt::Formatter<'_>, changes: &[FieldChange]) -> fmt::Result {
    for c in changes {
        writeln!(f, "      {}: {} → {}", c.field, c.old, c.new)?;
    }
    Ok(())
}

/// The diff for people: one section per kind of change, "no differences" when empty.
impl fmt::Display for DefinitionDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} → {}", self.old, self.new)?;
        if self.is_empty() {
            return writeln!(f, "no differences");
        }
        if !self.fields.is_empty() {
            writeln!(f, "trial fields changed:")?;
            for c in &self.fields {
                writeln!(f, "  {}: {} → {}", c.field, c.old, c.new)?;
            }
        }
        if !self.added.is_empty() {
            writeln!(f, "added:")?;
            for c in &self.added {
                writeln!(
                    f,
                    "  + {} ({}): {}",
                    c.id,
                    kind_word(c.kind),
                    indented(&c.text, "      ")
                )?;
            }
        }
        if !self.removed.is_empty() {
            writeln!(f, "removed:")?;
            for c in &self.removed {
                writeln!(
                    f,
                    "  - {} ({}): {}",
                    c.id,
                    kind_word(c.kind),
                    indented(&c.text, "      ")
                )?;
            }
        }
        if !self.reworded.is_empty() {
            writeln!(f, "reworded:")?;
            for c in &self.reworded {
                writeln!(f, "  ~ {}", c.id)?;
                writeln!(f, "      old: {}", indented(&c.old_text, "           "))?;
                writeln!(f, "      new: {}", indented(&c.new_text, "           "))?;
                write_changes(f, &c.changes)?;
            }
        }
        if !self.renumbered.is_empty() {
            writeln!(f, "renumbered:")?;
            for c in &self.renumbered {
                writeln!(
                    f,
                    "  {} → {}: {}",
                    c.old_id,
                    c.new_id,
                    indented(&c.text, "      ")
                )?;
                write_changes(f, &c.changes)?;
            }
        }
        if !self.rule_changed.is_empty() {
            writeln!(f, "rule changed:")?;
            for c in &self.rule_changed {
                writeln!(f, "  ! {}", c.id)?;
                write_changes(f, &c.changes)?;
            }
        }
        if self.order_changed {
            writeln!(f, "criteria present in both are in another order")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial::model::Rule;

    fn a_muse() -> TrialDefinition {
        crate::trial::load_trial_str(include_str!("../../../../trials/a-muse.ron"), "a-muse.ron")
            .unwrap()
            .definition
    }

    #[test]
    fn a_definition_equals_itself() {
        let d = diff(&a_muse(), &a_muse());
        assert!(d.is_empty(), "{d}");
        assert!(d.to_string().contains("no differences"));
    }

    #[test]
    fn an_amendment_rewords_adds_and_removes() {
        let old = a_muse();
        let mut new = old.clone();
        new.provenance.definition_version = "1.3.0".to_owned();
        new.criteria[2].text = "MHISS score more than or equal to 18 (0-48),".to_owned();
        let removed = new.criteria.remove(17);
        let mut added = new.criteria[0].clone();
        added.id = "IN09".to_owned();
        added.text = "Patient able to attend every follow-up visit.".to_owned();
        added.rule = Rule::Confirmation;
        new.criteria.insert(8, added);

        let d = diff(&old, &new);
        assert!(!d.is_empty());
        assert_eq!(d.new, "a-muse 1.3.0");
        assert_eq!(d.fields.len(), 1);
        assert_eq!(d.fields[0].field, "provenance.definition_version");
        assert_eq!(d.reworded.len(), 1);
        assert_eq!(d.reworded[0].id, "IN03");
        assert_eq!(
            d.reworded[0].new_text,
            "MHISS score more than or equal to 18 (0-48),"
        );
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].id, "IN09");
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].id, removed.id);
        assert!(d.renumbered.is_empty() && d.rule_changed.is_empty() && !d.order_changed);

        let text = d.to_string();
        assert!(
            text.contains("  + IN09 (inclusion): Patient able to attend"),
            "{text}"
        );
        assert!(
            text.contains("  - EX10 (exclusion): Vulnerable patient"),
            "{text}"
        );
        assert!(
            text.contains("  ~ IN03\n      old: Mouth Handicap"),
            "{text}"
        );

        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["reworded"][0]["id"], "IN03");
        assert_eq!(json["added"][0]["kind"], "Inclusion");
        assert_eq!(json["removed"][0]["id"], "EX10");
    }

    #[test]
    fn a_renumbered_criterion_is_matched_by_text_and_a_new_reading_is_a_rule_change() {
        let old = a_muse();
        let mut new = old.clone();
        // A new inclusion criterion before IN08: IN08 becomes IN09.
        let mut inserted = new.criteria[7].clone();
        inserted.text = "Patient with a dentist's report.".to_owned();
        new.criteria.insert(7, inserted);
        new.criteria[8].id = "IN09".to_owned();
        // EX02 read as a confirmation now.
        let ex02 = new.criteria.iter_mut().find(|c| c.id == "EX02").unwrap();
        ex02.rule = Rule::Confirmation;
        ex02.reconfirm_at_visit = false;

        let d = diff(&old, &new);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].text, "Patient with a dentist's report.");
        assert_eq!(d.renumbered.len(), 1);
        assert_eq!(
            (
                d.renumbered[0].old_id.as_str(),
                d.renumbered[0].new_id.as_str()
            ),
            ("IN08", "IN09")
        );
        assert!(d.removed.is_empty() && d.reworded.is_empty());
        assert_eq!(d.rule_changed.len(), 1);
        let fields: Vec<&str> = d.rule_changed[0]
            .changes
            .iter()
            .map(|c| c.field.as_str())
            .collect();
        assert_eq!(fields, ["reconfirm_at_visit", "rule"]);
        assert_eq!(d.rule_changed[0].changes[1].new, "Confirmation");
    }

    #[test]
    fn another_order_is_a_difference() {
        let old = a_muse();
        let mut new = old.clone();
        new.criteria.swap(0, 1);
        let d = diff(&old, &new);
        assert!(d.order_changed && !d.is_empty());
        assert!(d.added.is_empty() && d.removed.is_empty() && d.reworded.is_empty());
    }
}
