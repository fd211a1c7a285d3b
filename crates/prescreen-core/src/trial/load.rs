//! RON text → validated [`TrialDefinition`].
//!
//! Syntax errors carry file, line and column and what was expected; semantic errors name the
//! file and the criterion. Loading never panics, whatever the text.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::io_error::IoError;

use super::model::{
    Bound, ClassificationCalculator, Criterion, CriterionKind, KNOWN_UNITS, MeasurementCalculator,
    PlausibleRange, Rule, TrialDefinition,
};

/// The RON options every prescreen file is read and written with: `implicit_some` lets an
/// optional field be written as its plain value.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// A trial definition together with the exact text it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedTrial {
    /// The validated definition.
    pub definition: TrialDefinition,
    /// The file's exact text, stored with screenings so they can be re-evaluated years later.
    pub text: String,
    /// SHA-256 of `text`, lowercase hex: identifies this exact definition.
    pub sha256: String,
    /// Where it was loaded from (a path, or `built-in:assix.ron`).
    pub origin: String,
}

/// One problem found in a well-formed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemanticProblem {
    /// The criterion concerned, if the problem is in one.
    pub criterion: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SemanticProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.criterion {
            Some(id) => write!(f, "criterion {id}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a trial file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: cannot read: {}", .0.path.display(), .0.source)]
    Io(#[source] IoError),
    /// The text is not valid RON for a trial definition.
    #[error("{file}:{line}:{column}: {}{message}{}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default(), criterion.as_ref().map(|c| format!(" (in criterion {c})")).unwrap_or_default())]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The field at that position (`criteria[3].rule.Measurement.min.value`), when it can
        /// be told.
        field: Option<String>,
        /// What the parser expected or found.
        message: String,
        /// The criterion the position falls in, when it can be told.
        criterion: Option<String>,
    },
    /// The file parses but describes an impossible or ambiguous checklist.
    #[error("{file}: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Semantic {
        /// The file.
        file: String,
        /// Every problem found, not just the first.
        problems: Vec<SemanticProblem>,
    },
    /// The file is larger than any trial definition can be; refused before it is parsed.
    #[error("{file}: {bytes} bytes; a trial file is at most {max} bytes")]
    TooLarge {
        /// The file.
        file: String,
        /// Its size (at least `max + 1` when it could not be told exactly).
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// Two files define the same trial id and version with different content.
    #[error(
        "{file}: trial {id} version {version} is already defined by {other} with different content"
    )]
    Conflict {
        /// The file loaded second.
        file: String,
        /// The other file.
        other: String,
        /// Trial id.
        id: String,
        /// Definition version.
        version: String,
    },
}

/// Hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    sha256_hex_bytes(text.as_bytes())
}

/// Hex SHA-256 of bytes (a trial file's text, an exported PDF).
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    let digest = hmac_sha256::Hash::hash(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The largest trial definition read: a 32-criterion trial is ~12 KB and a 200-criterion
/// one ~80 KB, so 1 MB is room for any real trial and refuses a runaway or hostile file
/// (deep nesting, millions of criteria) before the parser allocates for it. The same cap as
/// a screening file's.
pub const MAX_TRIAL_FILE_BYTES: u64 = 1024 * 1024;

/// Parses and validates one trial definition. `origin` names the file in errors; a text
/// larger than [`MAX_TRIAL_FILE_BYTES`] is refused unparsed, whichever door it came through.
pub fn load_trial_str(text: &str, origin: &str) -> Result<LoadedTrial, LoadError> {
    let bytes = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if bytes > MAX_TRIAL_FILE_BYTES {
        return Err(LoadError::TooLarge {
            file: origin.to_owned(),
            bytes,
            max: MAX_TRIAL_FILE_BYTES,
        });
    }
    let definition: TrialDefinition = ron_options().from_str(text).map_err(|e| {
        let criterion = criterion_before(text, e.span.start.line);
        LoadError::Syntax {
            file: origin.to_owned(),
            line: e.span.start.line,
            column: e.span.start.col,
            field: crate::ron_path::path_at(text, e.span.start.line, e.span.start.col),
            message: e.code.to_string(),
            criterion,
        }
    })?;
    let problems = validate(&definition);
    if !problems.is_empty() {
        return Err(LoadError::Semantic {
            file: origin.to_owned(),
            problems,
        });
    }
    Ok(LoadedTrial {
        definition,
        text: text.to_owned(),
        sha256: sha256_hex(text),
        origin: origin.to_owned(),
    })
}

/// Reads and loads one trial file, reading no more than [`MAX_TRIAL_FILE_BYTES`] + 1 bytes
/// of it (a larger file is refused without being read whole).
pub fn load_trial_file(path: &Path) -> Result<LoadedTrial, LoadError> {
    use std::io::Read;
    let origin = path.display().to_string();
    let io = |e: std::io::Error| LoadError::Io(IoError::new(path, e));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    let read = file
        .take(MAX_TRIAL_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    let read = u64::try_from(read).unwrap_or(u64::MAX);
    if read > MAX_TRIAL_FILE_BYTES {
        return Err(LoadError::TooLarge {
            file: origin,
            bytes: std::fs::metadata(path).map_or(read, |m| m.len()),
            max: MAX_TRIAL_FILE_BYTES,
        });
    }
    load_trial_str(&text, &origin)
}

/// The id of the last criterion that starts at or before `line`, so a syntax error deep in a
/// criterion can name it.
fn criterion_before(text: &str, line: usize) -> Option<String> {
    let mut found = None;
    for (index, content) in text.lines().enumerate() {
        if index + 1 > line {
            break;
        }
        let trimmed = content.trim_start();
        if let Some(rest) = trimmed.strip_prefix("id:") {
            let id = rest.trim().trim_end_matches(',').trim_matches('"');
            if id.len() <= 8 && id.chars().all(|c| c.is_ascii_alphanumeric()) && !id.is_empty() {
                found = Some(id.to_owned());
            }
        }
    }
    found
}

/// Checks what the type system cannot: unique ids, sane ranges, known units, rules that fit
/// their criterion kind. Returns every problem.
pub fn validate(trial: &TrialDefinition) -> Vec<SemanticProblem> {
    let mut problems = Vec::new();
    let mut top = |message: String| {
        problems.push(SemanticProblem {
            criterion: None,
            message,
        })
    };
    for (name, value) in [
        ("id", &trial.id),
        ("acronym", &trial.acronym),
        ("short_title", &trial.short_title),
        ("official_title", &trial.official_title),
        ("sponsor", &trial.sponsor),
        ("visit_name", &trial.visit_name),
        (
            "provenance.definition_version",
            &trial.provenance.definition_version,
        ),
        (
            "provenance.transcribed_by",
            &trial.provenance.transcribed_by,
        ),
    ] {
        if value.trim().is_empty() {
            top(format!("{name} is empty"));
        }
    }
    if !trial
        .id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        top(format!(
            "id \"{}\" must use lowercase letters, digits and '-' only",
            trial.id
        ));
    }
    if !is_hex_colour(&trial.colour) {
        top(format!(
            "colour \"{}\" is not of the form #RRGGBB",
            trial.colour
        ));
    }
    if trial.identifiers.is_empty() {
        top("no registry identifier".to_owned());
    }
    if let Some(hash) = &trial.provenance.source_sha256
        && !(hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()))
    {
        top(format!(
            "provenance.source_sha256 \"{hash}\" is not 64 hexadecimal digits"
        ));
    }
    if trial.criteria.is_empty() {
        top("no criteria".to_owned());
    }
    let mut seen = HashSet::new();
    for criterion in &trial.criteria {
        let mut add = |message: String| {
            problems.push(SemanticProblem {
                criterion: Some(criterion.id.clone()),
                message,
            });
        };
        if !seen.insert(criterion.id.as_str()) {
            add("duplicate id".to_owned());
        }
        if criterion.id.trim().is_empty()
            || !criterion.id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            add(format!(
                "id \"{}\" must be letters and digits, e.g. IN01",
                criterion.id
            ));
        }
        if criterion.text.trim().is_empty() {
            add("empty text".to_owned());
        }
        if criterion.note.as_ref().is_some_and(|n| n.trim().is_empty()) {
            add("empty note (omit it instead)".to_owned());
        }
        check_rule(criterion, &mut add);
    }
    problems
}

fn is_hex_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn check_rule(criterion: &Criterion, add: &mut dyn FnMut(String)) {
    let kind = criterion.kind;
    match &criterion.rule {
        Rule::Confirmation | Rule::InvestigatorJudgement => {}
        Rule::Measurement(rule) => {
            check_quantity(&rule.quantity, &rule.unit, add);
            check_bounds(rule.min, rule.max, rule.plausible, add);
            if rule.min.is_none() && rule.max.is_none() {
                add("measurement has neither min nor max".to_owned());
            }
            check_calculator_unit(rule.calculator, &rule.unit, add);
        }
        Rule::MinimumAge(rule) => {
            if kind != CriterionKind::Inclusion {
                add("a minimum age rule belongs to an inclusion criterion".to_owned());
            }
            if rule.years == 0 || rule.years > 130 {
                add(format!("minimum age {} years is not plausible", rule.years));
            }
        }
        Rule::TimeWindow(rule) => {
            if kind != CriterionKind::Exclusion {
                add("a time window rule belongs to an exclusion criterion (an event within it excludes)".to_owned());
            }
            if rule.event.trim().is_empty() {
                add("time window has an empty event".to_owned());
            }
            if rule.length.amount == 0 {
                add("time window length is zero".to_owned());
            }
        }
        Rule::SexDependentLimit(rule) => {
            if kind != CriterionKind::Exclusion {
                add("a sex-dependent limit belongs to an exclusion criterion (exceeding it excludes)".to_owned());
            }
            check_quantity(&rule.quantity, &rule.unit, add);
            check_bounds(None, Some(rule.female_max), rule.plausible, add);
            check_bounds(None, Some(rule.male_max), rule.plausible, add);
            check_calculator_unit(rule.calculator, &rule.unit, add);
        }
        Rule::Classification(rule) => {
            if kind != CriterionKind::Inclusion {
                add("a classification rule belongs to an inclusion criterion".to_owned());
            }
            let max_score = match rule.calculator {
                ClassificationCalculator::AcrEular2016PrimarySjogren => 9,
                ClassificationCalculator::AcrEular2013SystemicSclerosis => 28,
            };
            if rule.min_score <= rust_decimal::Decimal::ZERO
                || rule.min_score > rust_decimal::Decimal::from(max_score)
            {
                add(format!(
                    "min_score {} is outside the calculator's range 1–{max_score}",
                    rule.min_score
                ));
            }
        }
    }
}

fn check_quantity(quantity: &str, unit: &str, add: &mut dyn FnMut(String)) {
    if quantity.trim().is_empty() {
        add("empty quantity".to_owned());
    }
    if !KNOWN_UNITS.contains(&unit) {
        add(format!(
            "unknown unit \"{unit}\" (known: {})",
            KNOWN_UNITS.join(", ")
        ));
    }
}

fn check_bounds(
    min: Option<Bound>,
    max: Option<Bound>,
    plausible: PlausibleRange,
    add: &mut dyn FnMut(String),
) {
    if plausible.min > plausible.max {
        add(format!(
            "plausible min {} > max {}",
            plausible.min, plausible.max
        ));
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && (lo.value > hi.value || (lo.value == hi.value && !(lo.inclusive && hi.inclusive)))
    {
        add(format!(
            "min {} > max {}: no value can pass",
            lo.value, hi.value
        ));
    }
    for bound in [min, max].into_iter().flatten() {
        if bound.value < plausible.min || bound.value > plausible.max {
            add(format!(
                "bound {} lies outside the plausible range {}–{}",
                bound.value, plausible.min, plausible.max
            ));
        }
    }
}

fn check_calculator_unit(
    calculator: Option<MeasurementCalculator>,
    unit: &str,
    add: &mut dyn FnMut(String),
) {
    if let Some(calculator) = calculator
        && calculator.unit() != unit
    {
        add(format!(
            "calculator {calculator:?} gives {}, but the unit is {unit}",
            calculator.unit()
        ));
    }
}

/// Every trial definition prescreen knows, and the files that failed to load.
#[derive(Debug, Clone, Default)]
pub struct TrialSet {
    /// Loaded definitions by (id, version).
    pub trials: BTreeMap<(String, String), LoadedTrial>,
    /// Files that could not be used; the rest still load.
    pub problems: Vec<LoadError>,
}

/// The two shipped trial files, built into the binary so it works from any folder, and the
/// earlier versions screenings may have been answered against (`trials/archive/`): a
/// screening stays evaluable under its own version forever.
pub const BUILT_IN_TRIALS: &[(&str, &str)] = &[
    (
        "built-in:assix.ron",
        include_str!("../../../../trials/assix.ron"),
    ),
    (
        "built-in:a-muse.ron",
        include_str!("../../../../trials/a-muse.ron"),
    ),
    (
        "built-in:archive/assix-1.0.0.ron",
        include_str!("../../../../trials/archive/assix-1.0.0.ron"),
    ),
    (
        "built-in:archive/a-muse-1.0.0.ron",
        include_str!("../../../../trials/archive/a-muse-1.0.0.ron"),
    ),
    (
        "built-in:archive/assix-1.1.0.ron",
        include_str!("../../../../trials/archive/assix-1.1.0.ron"),
    ),
    (
        "built-in:archive/a-muse-1.1.0.ron",
        include_str!("../../../../trials/archive/a-muse-1.1.0.ron"),
    ),
];

impl TrialSet {
    /// The built-in trials only.
    pub fn built_in() -> Self {
        let mut set = Self::default();
        for (origin, text) in BUILT_IN_TRIALS {
            set.add_result(load_trial_str(text, origin));
        }
        set
    }

    /// Adds a loaded trial, or records why it failed. An identical copy of a known
    /// definition (same id, version and hash) is accepted silently.
    pub fn add_result(&mut self, result: Result<LoadedTrial, LoadError>) {
        match result {
            Ok(trial) => {
                let key = (
                    trial.definition.id.clone(),
                    trial.definition.version().to_owned(),
                );
                match self.trials.get(&key) {
                    Some(existing) if existing.sha256 == trial.sha256 => {}
                    Some(existing) => self.problems.push(LoadError::Conflict {
                        file: trial.origin.clone(),
                        other: existing.origin.clone(),
                        id: key.0,
                        version: key.1,
                    }),
                    None => {
                        self.trials.insert(key, trial);
                    }
                }
            }
            Err(error) => self.problems.push(error),
        }
    }

    /// Loads a file, or every `*.ron` file of a folder (sorted by name, not recursive).
    pub fn add_path(&mut self, path: &Path) {
        if path.is_dir() {
            match ron_files_in(path) {
                Ok(files) => {
                    for file in files {
                        self.add_result(load_trial_file(&file));
                    }
                }
                Err(error) => self.problems.push(LoadError::Io(IoError::new(path, error))),
            }
        } else {
            self.add_result(load_trial_file(path));
        }
    }

    /// The newest loaded version of a trial id (versions compared as text segments of numbers).
    pub fn latest(&self, id: &str) -> Option<&LoadedTrial> {
        self.trials
            .values()
            .filter(|t| t.definition.id == id)
            .max_by(|a, b| {
                version_key(a.definition.version()).cmp(&version_key(b.definition.version()))
            })
    }

    /// A specific version of a trial.
    pub fn get(&self, id: &str, version: &str) -> Option<&LoadedTrial> {
        self.trials.get(&(id.to_owned(), version.to_owned()))
    }

    /// The newest version of every trial id, in id order.
    pub fn latest_each(&self) -> Vec<&LoadedTrial> {
        let ids: std::collections::BTreeSet<&str> =
            self.trials.keys().map(|(id, _)| id.as_str()).collect();
        ids.into_iter().filter_map(|id| self.latest(id)).collect()
    }
}

fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-'])
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

/// The `*.ron` files of a folder, sorted.
pub fn ron_files_in(dir: &Path) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "ron") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
