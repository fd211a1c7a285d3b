//! The review form's model: a draft definition's criteria as editable fields, and the way
//! back to a [`TrialDefinition`] (every field checked, each problem naming its criterion).
//! Nothing here draws or writes: [`super::ui::review`] draws it, [`super::library`] saves it.

use std::path::PathBuf;

use crate::trial::load::{LoadError, LoadedTrial, load_trial_str, ron_options};
use crate::trial::model::{
    Bound, ClassificationCalculator, ClassificationRule, CriterionKind, DefinitionStatus,
    MeasurementRule, MinimumAgeRule, Period, PeriodUnit, PlausibleRange, ReferenceDate, Rule,
    SexDependentLimitRule, Stage, TimeWindowRule, TrialDefinition, WindowStart,
};

/// What the read-only form says of a verified definition.
pub const VERIFIED_NOTE: &str = "verified — any change makes a new version";

/// The rule variants a criterion can have, as the form's rule type offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleChoice {
    /// [`Rule::Confirmation`].
    Confirmation,
    /// [`Rule::InvestigatorJudgement`].
    InvestigatorJudgement,
    /// [`Rule::Measurement`] (edited as RON).
    Measurement,
    /// [`Rule::MinimumAge`] (years and reference date).
    MinimumAge,
    /// [`Rule::TimeWindow`] (event, length, start and reference date).
    TimeWindow,
    /// [`Rule::SexDependentLimit`] (edited as RON).
    SexDependentLimit,
    /// [`Rule::Classification`] (edited as RON).
    Classification,
}

impl RuleChoice {
    /// Every variant, in the order the rule type lists them.
    pub const ALL: [Self; 7] = [
        Self::Confirmation,
        Self::InvestigatorJudgement,
        Self::Measurement,
        Self::MinimumAge,
        Self::TimeWindow,
        Self::SexDependentLimit,
        Self::Classification,
    ];

    /// The rule's variant.
    pub fn of(rule: &Rule) -> Self {
        match rule {
            Rule::Confirmation => Self::Confirmation,
            Rule::InvestigatorJudgement => Self::InvestigatorJudgement,
            Rule::Measurement(_) => Self::Measurement,
            Rule::MinimumAge(_) => Self::MinimumAge,
            Rule::TimeWindow(_) => Self::TimeWindow,
            Rule::SexDependentLimit(_) => Self::SexDependentLimit,
            Rule::Classification(_) => Self::Classification,
        }
    }

    /// What the rule type shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Confirmation => "Confirmation",
            Self::InvestigatorJudgement => "Investigator judgement",
            Self::Measurement => "Measurement",
            Self::MinimumAge => "Minimum age",
            Self::TimeWindow => "Time window",
            Self::SexDependentLimit => "Sex-dependent limit",
            Self::Classification => "Classification score",
        }
    }

    /// Whether its parameters are edited as the rule's RON (too many to lay out as fields).
    pub fn edited_as_ron(self) -> bool {
        matches!(
            self,
            Self::Measurement | Self::SexDependentLimit | Self::Classification
        )
    }

    /// A rule of this variant to start from when a criterion switches to it: its thresholds
    /// are placeholders the loader refuses (an empty quantity) or that the reviewer must
    /// check, never a guess that passes unseen.
    fn template(self) -> Rule {
        let bound = |value: i64, inclusive| Bound {
            value: rust_decimal::Decimal::from(value),
            inclusive,
        };
        let plausible = PlausibleRange {
            min: rust_decimal::Decimal::ZERO,
            max: rust_decimal::Decimal::from(100),
        };
        match self {
            Self::Confirmation => Rule::Confirmation,
            Self::InvestigatorJudgement => Rule::InvestigatorJudgement,
            Self::Measurement => Rule::Measurement(MeasurementRule {
                quantity: String::new(),
                unit: "points".to_owned(),
                min: Some(bound(0, true)),
                max: None,
                plausible,
                calculator: None,
                whole_numbers: false,
            }),
            Self::MinimumAge => Rule::MinimumAge(MinimumAgeRule {
                years: 18,
                reference: ReferenceDate::PreScreeningDate,
            }),
            Self::TimeWindow => Rule::TimeWindow(TimeWindowRule {
                event: String::new(),
                length: Period {
                    amount: 1,
                    unit: PeriodUnit::Months,
                },
                start: WindowStart::Inclusive,
                reference: ReferenceDate::PlannedVisitElsePreScreening,
            }),
            Self::SexDependentLimit => Rule::SexDependentLimit(SexDependentLimitRule {
                quantity: String::new(),
                unit: "units/week".to_owned(),
                female_max: bound(7, true),
                male_max: bound(14, true),
                plausible,
                calculator: None,
                whole_numbers: false,
            }),
            Self::Classification => Rule::Classification(ClassificationRule {
                calculator: ClassificationCalculator::AcrEular2013SystemicSclerosis,
                min_score: rust_decimal::Decimal::from(9),
                documented_diagnosis_allowed: true,
            }),
        }
    }
}

/// One criterion's editable fields (its id and verbatim text are the loaded definition's and
/// never edited).
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionFields {
    /// Inclusion or exclusion.
    pub kind: CriterionKind,
    /// When it is settled.
    pub stage: Stage,
    /// Re-confirmed with the candidate at the visit.
    pub reconfirm_at_visit: bool,
    /// The rule's variant.
    pub rule: RuleChoice,
    /// Minimum age: years, as typed.
    pub years: String,
    /// Minimum age and time window: the date counted from.
    pub reference: ReferenceDate,
    /// Time window: the event.
    pub event: String,
    /// Time window: how many units back, as typed.
    pub amount: String,
    /// Time window: the unit.
    pub unit: PeriodUnit,
    /// Time window: whether the first day is within.
    pub start: WindowStart,
    /// Measurement, sex-dependent limit, classification: the rule as RON, parsed on save.
    pub rule_ron: String,
    /// How the text is read ("" for none).
    pub note: String,
}

impl CriterionFields {
    fn from_rule(
        kind: CriterionKind,
        stage: Stage,
        reconfirm: bool,
        note: Option<&str>,
        rule: &Rule,
    ) -> Self {
        let mut fields = Self {
            kind,
            stage,
            reconfirm_at_visit: reconfirm,
            rule: RuleChoice::of(rule),
            years: String::new(),
            reference: ReferenceDate::PreScreeningDate,
            event: String::new(),
            amount: String::new(),
            unit: PeriodUnit::Months,
            start: WindowStart::Inclusive,
            rule_ron: String::new(),
            note: note.unwrap_or_default().to_owned(),
        };
        fields.take_parameters(rule);
        fields
    }

    /// Fills the parameter fields from a rule of the chosen variant.
    fn take_parameters(&mut self, rule: &Rule) {
        match rule {
            Rule::MinimumAge(age) => {
                self.years = age.years.to_string();
                self.reference = age.reference;
            }
            Rule::TimeWindow(window) => {
                self.event = window.event.clone();
                self.amount = window.length.amount.to_string();
                self.unit = window.length.unit;
                self.start = window.start;
                self.reference = window.reference;
            }
            Rule::Measurement(_) | Rule::SexDependentLimit(_) | Rule::Classification(_) => {
                self.rule_ron = rule_to_ron(rule);
            }
            Rule::Confirmation | Rule::InvestigatorJudgement => {}
        }
    }

    /// The rule type changed to `choice`: its parameters start from a template unless the
    /// fields already hold a rule of that variant.
    pub fn choose_rule(&mut self, choice: RuleChoice) {
        self.rule = choice;
        let keeps = match choice {
            RuleChoice::MinimumAge => !self.years.trim().is_empty(),
            RuleChoice::TimeWindow => !self.amount.trim().is_empty(),
            c if c.edited_as_ron() => {
                parse_rule(&self.rule_ron).is_ok_and(|rule| RuleChoice::of(&rule) == c)
            }
            _ => true,
        };
        if !keeps {
            self.take_parameters(&choice.template());
        }
    }

    /// The rule the fields describe, or what is wrong with them (without the criterion id).
    fn rule(&self) -> Result<Rule, String> {
        match self.rule {
            RuleChoice::Confirmation => Ok(Rule::Confirmation),
            RuleChoice::InvestigatorJudgement => Ok(Rule::InvestigatorJudgement),
            RuleChoice::MinimumAge => {
                let years = self.years.trim().parse::<u16>().map_err(|_| {
                    format!(
                        "minimum age \"{}\" is not a whole number of years",
                        self.years.trim()
                    )
                })?;
                Ok(Rule::MinimumAge(MinimumAgeRule {
                    years,
                    reference: self.reference,
                }))
            }
            RuleChoice::TimeWindow => {
                let amount = self.amount.trim().parse::<u16>().map_err(|_| {
                    format!(
                        "time window length \"{}\" is not a whole number",
                        self.amount.trim()
                    )
                })?;
                Ok(Rule::TimeWindow(TimeWindowRule {
                    event: self.event.trim().to_owned(),
                    length: Period {
                        amount,
                        unit: self.unit,
                    },
                    start: self.start,
                    reference: self.reference,
                }))
            }
            choice => {
                let rule = parse_rule(&self.rule_ron)
                    .map_err(|e| format!("the rule's RON does not read: {e}"))?;
                if RuleChoice::of(&rule) != choice {
                    return Err(format!(
                        "the rule's RON is a {} rule, but the rule type says {}",
                        rule.kind_name(),
                        choice.label().to_lowercase()
                    ));
                }
                Ok(rule)
            }
        }
    }
}

/// A rule as RON in the trial file's options, one field a line with bounds and ranges kept
/// on theirs (`max: (value: "40", inclusive: false),`), so it reads at a glance.
pub fn rule_to_ron(rule: &Rule) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .depth_limit(1)
        .indentor("    ".to_owned());
    ron_options()
        .to_string_pretty(rule, config)
        .unwrap_or_else(|e| format!("// not written: {e}"))
}

/// Reads a rule written as RON (`Measurement((quantity: …))`).
pub fn parse_rule(text: &str) -> Result<Rule, String> {
    ron_options().from_str::<Rule>(text).map_err(|e| {
        format!(
            "line {}, column {}: {}",
            e.span.start.line, e.span.start.col, e.code
        )
    })
}

/// The definition-level fields the review may set, and every criterion's.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewFields {
    /// `provenance.definition_version`.
    pub version: String,
    /// The protocol's name for the on-site visit.
    pub visit_name: String,
    /// The trial's colour, `#RRGGBB`.
    pub colour: String,
    /// `provenance.transcribed_by`.
    pub transcribed_by: String,
    /// One per criterion, in the definition's order.
    pub criteria: Vec<CriterionFields>,
}

impl ReviewFields {
    /// The fields of a definition as it is.
    pub fn of(definition: &TrialDefinition) -> Self {
        Self {
            version: definition.provenance.definition_version.clone(),
            visit_name: definition.visit_name.clone(),
            colour: definition.colour.clone(),
            transcribed_by: definition.provenance.transcribed_by.clone(),
            criteria: definition
                .criteria
                .iter()
                .map(|c| {
                    CriterionFields::from_rule(
                        c.kind,
                        c.stage,
                        c.reconfirm_at_visit,
                        c.note.as_deref(),
                        &c.rule,
                    )
                })
                .collect(),
        }
    }
}

/// What the "Mark verified" dialog holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyForm {
    /// The verifier's name.
    pub name: String,
    /// Their role.
    pub role: String,
    /// Why the dialog cannot go on yet.
    pub error: Option<String>,
}

/// The review form of one definition file.
#[derive(Debug, Clone)]
pub struct ReviewForm {
    /// The file, where it is saved.
    pub path: PathBuf,
    /// The definition as last read from the file.
    pub loaded: LoadedTrial,
    /// What is being edited.
    pub fields: ReviewFields,
    /// The fields as the file has them (the form is saved when they are equal).
    saved: ReviewFields,
    /// What the last save found wrong, each naming its criterion; nothing was written.
    pub problems: Vec<String>,
    /// What the last action did.
    pub message: Option<String>,
    /// The "Mark verified" dialog, while open.
    pub verify: Option<VerifyForm>,
    /// The next version's number ("New version", read-only form).
    pub new_version: String,
    /// A save is on the worker: the buttons wait.
    pub busy: bool,
    /// What differs from the previous loaded version of the same trial (`trials diff`'s
    /// words), when there is one.
    pub changes: Option<(String, String)>,
}

impl ReviewForm {
    /// The form of a definition loaded from `path`.
    pub fn new(path: PathBuf, loaded: LoadedTrial) -> Self {
        let fields = ReviewFields::of(&loaded.definition);
        let new_version = next_version(loaded.definition.version());
        Self {
            path,
            saved: fields.clone(),
            fields,
            loaded,
            problems: Vec::new(),
            message: None,
            verify: None,
            new_version,
            busy: false,
            changes: None,
        }
    }

    /// Whether the form may change the file: a draft nobody has verified. A verified (or
    /// in-use) definition changes only as a new version.
    pub fn editable(&self) -> bool {
        let definition = &self.loaded.definition;
        definition.status == DefinitionStatus::Draft && definition.provenance.verified_by.is_none()
    }

    /// Whether the fields differ from the file.
    pub fn dirty(&self) -> bool {
        self.fields != self.saved
    }

    /// Whether "Mark verified" may be used: an editable draft, saved, nothing pending.
    pub fn can_verify(&self) -> bool {
        self.editable() && !self.dirty() && !self.busy
    }

    /// The definition the fields describe, or every problem found, each naming its
    /// criterion. Only the fields the form shows change; the rest is the file's.
    pub fn definition(&self) -> Result<TrialDefinition, Vec<String>> {
        let mut definition = self.loaded.definition.clone();
        definition.provenance.definition_version = self.fields.version.trim().to_owned();
        definition.visit_name = self.fields.visit_name.trim().to_owned();
        definition.colour = self.fields.colour.trim().to_owned();
        definition.provenance.transcribed_by = self.fields.transcribed_by.trim().to_owned();
        let mut problems = Vec::new();
        for (criterion, fields) in definition.criteria.iter_mut().zip(&self.fields.criteria) {
            criterion.kind = fields.kind;
            criterion.stage = fields.stage;
            criterion.reconfirm_at_visit = fields.reconfirm_at_visit;
            let note = fields.note.trim();
            criterion.note = (!note.is_empty()).then(|| note.to_owned());
            match fields.rule() {
                Ok(rule) => criterion.rule = rule,
                Err(why) => problems.push(format!("criterion {}: {why}", criterion.id)),
            }
        }
        if problems.is_empty() {
            Ok(definition)
        } else {
            Err(problems)
        }
    }

    /// The file text to save: the definition as `to_ron` writes it, after the file's own
    /// leading comments while it stays a draft (the importer's warnings and suggestions stay
    /// with the file under review); checked by the loader, whose problems name the
    /// criterion.
    pub fn file_text(&self) -> Result<String, Vec<String>> {
        let definition = self.definition()?;
        let mut text = String::new();
        if definition.status == DefinitionStatus::Draft {
            text.push_str(&leading_comments(&self.loaded.text));
        }
        text.push_str(&crate::trial::import::to_ron(&definition));
        checked(&text, &self.path)?;
        Ok(text)
    }
}

/// Loads `text` as the file at `path` would be loaded: the loader's problems, one per line,
/// each naming its criterion where it has one.
pub fn checked(text: &str, path: &std::path::Path) -> Result<LoadedTrial, Vec<String>> {
    load_trial_str(text, &path.display().to_string()).map_err(|error| match error {
        LoadError::Semantic { problems, .. } => problems.iter().map(ToString::to_string).collect(),
        other => vec![other.to_string()],
    })
}

/// The comment lines (and blank lines) a file starts with.
pub fn leading_comments(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if !(trimmed.starts_with("//") || trimmed.is_empty()) {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The version after `version`: its patch number plus one ("1.2.0" → "1.2.1"; a pre-release
/// such as "0.1.0-draft" → "0.1.1"); a version without a number gets ".1".
pub fn next_version(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let mut parts: Vec<String> = core.split('.').map(str::to_owned).collect();
    match parts.last().and_then(|last| last.parse::<u64>().ok()) {
        Some(patch) => {
            if let Some(last) = parts.last_mut() {
                *last = (patch + 1).to_string();
            }
            parts.join(".")
        }
        None => format!("{version}.1"),
    }
}

/// What a verified definition's provenance says: "NAME (ROLE), DATE".
pub fn verified_by(name: &str, role: &str, on: jiff::civil::Date) -> String {
    format!("{} ({}), {on}", name.trim(), role.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> LoadedTrial {
        let text = include_str!("../../trials/a-muse.ron").replace(
            "    id: \"a-muse\",\n",
            "    id: \"a-muse-copy\",\n    status: Draft,\n",
        );
        let loaded = load_trial_str(&text, "draft.ron");
        let Ok(loaded) = loaded else {
            panic!("the shipped definition loads as a draft: {loaded:?}");
        };
        loaded
    }

    #[test]
    fn unchanged_fields_give_the_same_definition_back() {
        let trial = draft();
        let form = ReviewForm::new(PathBuf::from("draft.ron"), trial.clone());
        assert!(form.editable());
        assert!(!form.dirty());
        assert_eq!(form.definition(), Ok(trial.definition));
    }

    #[test]
    fn a_rule_that_does_not_read_names_its_criterion() {
        let mut form = ReviewForm::new(PathBuf::from("draft.ron"), draft());
        let index = form
            .fields
            .criteria
            .iter()
            .position(|c| c.rule.edited_as_ron())
            .unwrap_or_default();
        let id = form.loaded.definition.criteria[index].id.clone();
        form.fields.criteria[index].rule_ron = "Measurement((quantity: ".to_owned();
        assert!(form.dirty());
        let Err(problems) = form.file_text() else {
            panic!("a broken rule is refused");
        };
        assert!(
            problems[0].starts_with(&format!("criterion {id}: the rule's RON does not read")),
            "{problems:?}"
        );
    }

    #[test]
    fn switching_the_rule_type_starts_from_a_template_the_loader_checks() {
        let mut form = ReviewForm::new(PathBuf::from("draft.ron"), draft());
        form.fields.criteria[0].choose_rule(RuleChoice::Measurement);
        assert!(form.fields.criteria[0].rule_ron.starts_with("Measurement("));
        let Err(problems) = form.file_text() else {
            panic!("an empty quantity is refused");
        };
        let id = &form.loaded.definition.criteria[0].id;
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("criterion {id}:"))),
            "{problems:?}"
        );
    }

    #[test]
    fn versions_bump_their_patch() {
        assert_eq!(next_version("1.2.0"), "1.2.1");
        assert_eq!(next_version("0.1.0-draft"), "0.1.1");
        assert_eq!(next_version("draft"), "draft.1");
        assert_eq!(
            verified_by(" Dr A ", "investigator", jiff::civil::date(2026, 11, 23)),
            "Dr A (investigator), 2026-11-23"
        );
    }
}
