//! Rows to types and back: screening rows, answers as RON text, candidate fields, the stored
//! definition behind a screening.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::sql::{Db, Row, vals};
use crate::state::ScreeningState;
use crate::{Coordinator, CoordinatorId, ScreeningStatus, StoreError, StoredVerdict};
use jiff::civil::Date;
use prescreen_core::eligibility::{VerdictKind, evaluate};
use prescreen_core::io_error::IoError;
use prescreen_core::lifecycle::LifecycleError;
use prescreen_core::screening::{Candidate, CriterionEntry, Screening, Sex, TrialReference};
use prescreen_core::trial::load::{load_trial_str, ron_options};
use prescreen_core::trial::model::TrialDefinition;
use prescreen_core::validation::{InputProblem, check_candidate};

/// A screening row without its answers.
pub(crate) struct ScreeningRow {
    pub(crate) id: String,
    pub(crate) trial_id: String,
    pub(crate) definition_version: String,
    pub(crate) definition_sha256: String,
    pub(crate) site_code: String,
    pub(crate) created_by: CoordinatorId,
    pub(crate) candidate: Candidate,
    pub(crate) prescreening_date: Date,
    pub(crate) planned_visit_date: Option<Date>,
    pub(crate) visit_date: Option<Date>,
    pub(crate) status: ScreeningStatus,
    pub(crate) status_reason: Option<String>,
    pub(crate) was_approached: bool,
    pub(crate) was_consented: bool,
    pub(crate) verdict: StoredVerdict,
    pub(crate) rescreen_of: Option<String>,
}

pub(crate) const SCREENING_COLUMNS: &str = "id, trial_id, definition_version, definition_sha256, site_code, \
     created_by, initials, date_of_birth, sex, childbearing_potential, prescreening_date, \
     planned_visit_date, status, status_reason, was_approached, was_consented, verdict, \
     verdict_failing, pregnant, breastfeeding, verdict_time_limited, rescreen_from, \
     rescreen_after_event, rescreen_of, visit_date";

pub(crate) fn parse_date(text: &str, column: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::InvalidStoredData(format!("{column} is not a date")))
}

pub(crate) fn parse_optional_date(
    text: Option<String>,
    column: &str,
) -> Result<Option<Date>, StoreError> {
    text.map(|t| parse_date(&t, column)).transpose()
}

pub(crate) fn sex_text(sex: Option<Sex>) -> Option<&'static str> {
    sex.map(|s| match s {
        Sex::Female => "female",
        Sex::Male => "male",
    })
}

pub(crate) fn parse_sex(text: Option<String>) -> Result<Option<Sex>, StoreError> {
    match text.as_deref() {
        None => Ok(None),
        Some("female") => Ok(Some(Sex::Female)),
        Some("male") => Ok(Some(Sex::Male)),
        Some(_) => Err(StoreError::InvalidStoredData(
            "sex is neither female nor male".to_owned(),
        )),
    }
}

pub(crate) fn parse_status(text: &str) -> Result<ScreeningStatus, StoreError> {
    text.parse()
        .map_err(|_| StoreError::InvalidStoredData("status is not a known status".to_owned()))
}

/// A stored verdict name back to its kind.
pub(crate) fn parse_verdict(text: &str) -> Result<VerdictKind, StoreError> {
    VerdictKind::from_name(text)
        .ok_or_else(|| StoreError::InvalidStoredData("verdict is not a known verdict".to_owned()))
}

pub(crate) fn split_failing(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

pub(crate) fn entry_text(entry: &CriterionEntry) -> Result<String, StoreError> {
    ron_options()
        .to_string(entry)
        .map_err(|e| StoreError::InvalidStoredData(format!("cannot encode an answer: {e}")))
}

pub(crate) fn parse_entry(text: &str, criterion: &str) -> Result<CriterionEntry, StoreError> {
    ron_options().from_str(text).map_err(|_| {
        StoreError::InvalidStoredData(format!("the stored answer to {criterion} does not parse"))
    })
}

pub(crate) fn io_error(file: &Path, error: std::io::Error) -> StoreError {
    StoreError::Io(IoError::new(file, error))
}

/// A field's name, its old and its new value as stored text.
pub(crate) type FieldChange = (&'static str, Option<String>, Option<String>);

/// Raw columns of a screening row, as read.
pub(crate) type RawScreening = (
    (String, String, String, String, String, i64),
    (String, Option<String>, Option<String>, Option<bool>),
    (String, Option<String>, String, Option<String>, bool, bool),
    (String, String),
    (Option<bool>, Option<bool>),
    (String, Option<String>, bool, Option<String>),
    Option<String>,
);

pub(crate) fn read_raw_screening(row: &Row) -> Result<RawScreening, StoreError> {
    Ok((
        (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
        ),
        (row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?),
        (
            row.get(10)?,
            row.get(11)?,
            row.get(12)?,
            row.get(13)?,
            row.get(14)?,
            row.get(15)?,
        ),
        (row.get(16)?, row.get(17)?),
        (row.get(18)?, row.get(19)?),
        (row.get(20)?, row.get(21)?, row.get(22)?, row.get(23)?),
        row.get(24)?,
    ))
}

pub(crate) fn screening_row_from_raw(raw: RawScreening) -> Result<ScreeningRow, StoreError> {
    let (
        (id, trial_id, definition_version, definition_sha256, site_code, created_by),
        (initials, date_of_birth, sex, childbearing_potential),
        (
            prescreening_date,
            planned_visit_date,
            status,
            status_reason,
            was_approached,
            was_consented,
        ),
        (verdict, verdict_failing),
        (pregnant, breastfeeding),
        (time_limited, rescreen_from, rescreen_after_event, rescreen_of),
        visit_date,
    ) = raw;
    Ok(ScreeningRow {
        id,
        trial_id,
        definition_version,
        definition_sha256,
        site_code,
        created_by,
        candidate: Candidate {
            initials,
            date_of_birth: parse_optional_date(date_of_birth, "date_of_birth")?,
            sex: parse_sex(sex)?,
            childbearing_potential,
            pregnant,
            breastfeeding,
        },
        prescreening_date: parse_date(&prescreening_date, "prescreening_date")?,
        planned_visit_date: parse_optional_date(planned_visit_date, "planned_visit_date")?,
        visit_date: parse_optional_date(visit_date, "visit_date")?,
        status: parse_status(&status)?,
        status_reason,
        was_approached,
        was_consented,
        verdict: StoredVerdict {
            kind: parse_verdict(&verdict)?,
            failing: split_failing(&verdict_failing),
            time_limited: split_failing(&time_limited),
            rescreen_from: parse_optional_date(rescreen_from, "rescreen_from")?,
            rescreen_after_event,
        },
        rescreen_of,
    })
}

pub(crate) fn load_screening_row(conn: &dyn Db, id: &str) -> Result<ScreeningRow, StoreError> {
    let raw = conn
        .query_opt(
            &format!("SELECT {SCREENING_COLUMNS} FROM screening WHERE id = ?1"),
            vals![id],
            read_raw_screening,
        )?
        .ok_or_else(|| StoreError::UnknownScreening(id.to_owned()))?;
    screening_row_from_raw(raw)
}

pub(crate) fn load_answers(
    conn: &dyn Db,
    id: &str,
) -> Result<BTreeMap<String, CriterionEntry>, StoreError> {
    let mut answers = BTreeMap::new();
    conn.for_each_row(
        "SELECT criterion_id, entry FROM answer WHERE screening_id = ?1",
        vals![id],
        &mut |row| {
            let criterion: String = row.get(0)?;
            let entry = parse_entry(row.text(1)?, &criterion)?;
            answers.insert(criterion, entry);
            Ok(())
        },
    )?;
    Ok(answers)
}

pub(crate) fn load_coordinator(
    conn: &dyn Db,
    id: CoordinatorId,
) -> Result<Coordinator, StoreError> {
    conn.query_opt(
        "SELECT id, name, role, site_code FROM coordinator WHERE id = ?1",
        vals![id],
        |row| {
            Ok(Coordinator {
                id: row.get(0)?,
                name: row.get(1)?,
                role: row.get(2)?,
                site_code: row.get(3)?,
            })
        },
    )?
    .ok_or(StoreError::UnknownCoordinator(id))
}

pub(crate) fn screening_of(
    row: &ScreeningRow,
    answers: BTreeMap<String, CriterionEntry>,
) -> Screening {
    Screening {
        screening_id: row.id.clone(),
        trial: TrialReference {
            id: row.trial_id.clone(),
            version: row.definition_version.clone(),
            sha256: Some(row.definition_sha256.clone()),
        },
        coordinator: None,
        candidate: row.candidate.clone(),
        prescreening_date: row.prescreening_date,
        planned_visit_date: row.planned_visit_date,
        visit_date: row.visit_date,
        answers,
    }
}

/// Evaluates a screening with its stored definition (cached by hash) and stores the derived
/// columns: verdict, failing and time-limited criteria, re-screen advice (and `updated_utc`
/// when given).
pub(crate) fn store_derived(
    conn: &dyn Db,
    definitions: &mut HashMap<String, TrialDefinition>,
    id: &str,
    updated_utc: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let row = load_screening_row(conn, id)?;
    let answers = load_answers(conn, id)?;
    let definition = match definitions.get(&row.definition_sha256) {
        Some(definition) => definition.clone(),
        None => {
            let definition = stored_definition(
                conn,
                &row.trial_id,
                &row.definition_version,
                &row.definition_sha256,
            )?;
            definitions.insert(row.definition_sha256.clone(), definition.clone());
            definition
        }
    };
    let evaluation = evaluate(&definition, &screening_of(&row, answers));
    let verdict = StoredVerdict::from_evaluation(&evaluation);
    conn.execute(
        "UPDATE screening SET verdict = ?2, verdict_failing = ?3, verdict_time_limited = ?4, \
         rescreen_from = ?5, rescreen_after_event = ?6, updated_utc = coalesce(?7, updated_utc) \
         WHERE id = ?1",
        vals![
            id,
            verdict.name(),
            verdict.failing.join(" "),
            verdict.time_limited.join(" "),
            verdict.rescreen_from.map(|d| d.to_string()),
            verdict.rescreen_after_event,
            updated_utc,
        ],
    )?;
    Ok(verdict)
}

/// Reads and parses a stored definition text (cached by hash by the caller).
pub(crate) fn stored_definition(
    conn: &dyn Db,
    trial_id: &str,
    version: &str,
    sha256: &str,
) -> Result<TrialDefinition, StoreError> {
    let text: String = conn
        .query_opt(
            "SELECT text FROM trial_definition WHERE trial_id = ?1 AND version = ?2 AND sha256 = ?3",
            vals![trial_id, version, sha256],
            |row| row.get(0),
        )?
        .ok_or_else(|| StoreError::UnknownDefinition {
            trial: trial_id.to_owned(),
            version: version.to_owned(),
            sha256: sha256.to_owned(),
        })?;
    // A stored text is re-hashed every time it is read: one edited behind the store's back
    // is refused by name, never evaluated or rendered.
    if prescreen_core::trial::load::sha256_hex(&text) != sha256.to_ascii_lowercase() {
        return Err(StoreError::TamperedDefinition {
            trial: trial_id.to_owned(),
            version: version.to_owned(),
            sha256: sha256.to_owned(),
        });
    }
    load_trial_str(&text, &format!("stored:{trial_id}-{version}.ron"))
        .map(|loaded| loaded.definition)
        .map_err(|e| StoreError::StoredDefinition {
            trial: trial_id.to_owned(),
            version: version.to_owned(),
            detail: e.to_string(),
        })
}

/// Refuses candidate fields or dates that fail the core's checks, naming each field.
pub(crate) fn refuse_candidate_problems(
    candidate: &Candidate,
    prescreening_date: Date,
    planned_visit_date: Option<Date>,
    today: Date,
) -> Result<(), StoreError> {
    let problems: Vec<InputProblem> = check_candidate(
        candidate,
        prescreening_date,
        planned_visit_date,
        Some(today),
    )
    .into_iter()
    .map(|(field, message)| InputProblem {
        criterion: None,
        field: field.label().to_owned(),
        message,
    })
    .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::InvalidInput(problems))
    }
}

/// The store's error for a lifecycle refusal, naming the screening.
pub(crate) fn lifecycle_error(id: &str) -> impl Fn(LifecycleError) -> StoreError + '_ {
    move |error| match error {
        LifecycleError::ReasonRequired { what } => StoreError::ReasonRequired {
            screening: id.to_owned(),
            what,
        },
        LifecycleError::BadReason(message) => StoreError::InvalidInput(vec![InputProblem {
            criterion: None,
            field: "reason".to_owned(),
            message,
        }]),
        LifecycleError::InvalidTransition { from, to, why } => StoreError::InvalidTransition {
            screening: id.to_owned(),
            from,
            to,
            why,
        },
        LifecycleError::VerdictNotSettled => StoreError::VerdictNotSettled(id.to_owned()),
        LifecycleError::VisitCheckOpen { open } => StoreError::VisitCheckOpen {
            screening: id.to_owned(),
            open,
        },
    }
}

pub(crate) fn candidate_fields(candidate: &Candidate) -> [(&'static str, Option<String>); 6] {
    [
        (
            "initials",
            Some(candidate.initials.clone()).filter(|i| !i.is_empty()),
        ),
        (
            "date_of_birth",
            candidate.date_of_birth.map(|d| d.to_string()),
        ),
        ("sex", sex_text(candidate.sex).map(str::to_owned)),
        (
            "childbearing_potential",
            candidate.childbearing_potential.map(|b| b.to_string()),
        ),
        ("pregnant", candidate.pregnant.map(|b| b.to_string())),
        (
            "breastfeeding",
            candidate.breastfeeding.map(|b| b.to_string()),
        ),
    ]
}

/// A screening's state as the tables hold it, in the text the audit events carry (see
/// [`crate::state`]): answers as their stored RON text, never re-serialised.
pub(crate) fn load_state(conn: &dyn Db, id: &str) -> Result<ScreeningState, StoreError> {
    let row = load_screening_row(conn, id)?;
    let mut state = ScreeningState::new(id);
    state.trial_id = row.trial_id.clone();
    state.definition_version = row.definition_version.clone();
    state.definition_sha256 = row.definition_sha256.clone();
    state.site_code = row.site_code.clone();
    for (field, value) in candidate_fields(&row.candidate) {
        if let Some(value) = value {
            state.candidate.insert(field.to_owned(), value);
        }
    }
    state.dates.insert(
        "prescreening_date".to_owned(),
        row.prescreening_date.to_string(),
    );
    if let Some(visit) = row.planned_visit_date {
        state
            .dates
            .insert("planned_visit_date".to_owned(), visit.to_string());
    }
    if let Some(held) = row.visit_date {
        state
            .dates
            .insert("visit_date".to_owned(), held.to_string());
    }
    state.status = row.status.as_str().to_owned();
    state.status_reason = row.status_reason.clone();
    state.was_approached = row.was_approached;
    state.was_consented = row.was_consented;
    state.rescreen_of = row.rescreen_of.clone();
    conn.for_each_row(
        "SELECT criterion_id, entry FROM answer WHERE screening_id = ?1",
        vals![id],
        &mut |row| {
            state.answers.insert(row.get(0)?, row.get(1)?);
            Ok(())
        },
    )?;
    Ok(state)
}
