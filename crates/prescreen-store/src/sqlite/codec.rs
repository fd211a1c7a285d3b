//! Rows to types and back: screening rows, answers as RON text, candidate fields, the stored
//! definition behind a screening.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};

use super::db_error;
use crate::state::ScreeningState;
use crate::{Coordinator, CoordinatorId, ScreeningStatus, StoreError, StoredVerdict};
use prescreen_core::eligibility::{VerdictKind, evaluate};
use prescreen_core::io_error::IoError;
use prescreen_core::lifecycle::LifecycleError;
use prescreen_core::screening::{Candidate, CriterionEntry, Screening, Sex, TrialReference};
use prescreen_core::trial::load::{load_trial_str, ron_options};
use prescreen_core::trial::model::TrialDefinition;
use prescreen_core::validation::{InputProblem, check_candidate};

/// A screening row without its answers.
pub(super) struct ScreeningRow {
    pub(super) id: String,
    pub(super) trial_id: String,
    pub(super) definition_version: String,
    pub(super) definition_sha256: String,
    pub(super) site_code: String,
    pub(super) created_by: CoordinatorId,
    pub(super) candidate: Candidate,
    pub(super) prescreening_date: Date,
    pub(super) planned_visit_date: Option<Date>,
    pub(super) visit_date: Option<Date>,
    pub(super) status: ScreeningStatus,
    pub(super) status_reason: Option<String>,
    pub(super) was_approached: bool,
    pub(super) was_consented: bool,
    pub(super) verdict: StoredVerdict,
    pub(super) rescreen_of: Option<String>,
}

pub(super) const SCREENING_COLUMNS: &str = "id, trial_id, definition_version, definition_sha256, site_code, \
     created_by, initials, date_of_birth, sex, childbearing_potential, prescreening_date, \
     planned_visit_date, status, status_reason, was_approached, was_consented, verdict, \
     verdict_failing, pregnant, breastfeeding, verdict_time_limited, rescreen_from, \
     rescreen_after_event, rescreen_of, visit_date";

pub(super) fn parse_date(text: &str, column: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::InvalidStoredData(format!("{column} is not a date")))
}

pub(super) fn parse_optional_date(
    text: Option<String>,
    column: &str,
) -> Result<Option<Date>, StoreError> {
    text.map(|t| parse_date(&t, column)).transpose()
}

pub(super) fn sex_text(sex: Option<Sex>) -> Option<&'static str> {
    sex.map(|s| match s {
        Sex::Female => "female",
        Sex::Male => "male",
    })
}

pub(super) fn parse_sex(text: Option<String>) -> Result<Option<Sex>, StoreError> {
    match text.as_deref() {
        None => Ok(None),
        Some("female") => Ok(Some(Sex::Female)),
        Some("male") => Ok(Some(Sex::Male)),
        Some(_) => Err(StoreError::InvalidStoredData(
            "sex is neither female nor male".to_owned(),
        )),
    }
}

pub(super) fn parse_status(text: &str) -> Result<ScreeningStatus, StoreError> {
    text.parse()
        .map_err(|_| StoreError::InvalidStoredData("status is not a known status".to_owned()))
}

/// A stored verdict name back to its kind.
pub(super) fn parse_verdict(text: &str) -> Result<VerdictKind, StoreError> {
    VerdictKind::from_name(text)
        .ok_or_else(|| StoreError::InvalidStoredData("verdict is not a known verdict".to_owned()))
}

pub(super) fn split_failing(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

pub(super) fn entry_text(entry: &CriterionEntry) -> Result<String, StoreError> {
    ron_options()
        .to_string(entry)
        .map_err(|e| StoreError::InvalidStoredData(format!("cannot encode an answer: {e}")))
}

pub(super) fn parse_entry(text: &str, criterion: &str) -> Result<CriterionEntry, StoreError> {
    ron_options().from_str(text).map_err(|_| {
        StoreError::InvalidStoredData(format!("the stored answer to {criterion} does not parse"))
    })
}

pub(super) fn io_error(file: &Path, error: std::io::Error) -> StoreError {
    StoreError::Io(IoError::new(file, error))
}

/// A field's name, its old and its new value as stored text.
pub(super) type FieldChange = (&'static str, Option<String>, Option<String>);

/// Raw columns of a screening row, as read.
pub(super) type RawScreening = (
    (String, String, String, String, String, i64),
    (String, Option<String>, Option<String>, Option<bool>),
    (String, Option<String>, String, Option<String>, bool, bool),
    (String, String),
    (Option<bool>, Option<bool>),
    (String, Option<String>, bool, Option<String>),
    Option<String>,
);

pub(super) fn read_raw_screening(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawScreening> {
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

pub(super) fn screening_row_from_raw(raw: RawScreening) -> Result<ScreeningRow, StoreError> {
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

pub(super) fn load_screening_row(
    conn: &Connection,
    file: &str,
    id: &str,
) -> Result<ScreeningRow, StoreError> {
    let raw = conn
        .query_row(
            &format!("SELECT {SCREENING_COLUMNS} FROM screening WHERE id = ?1"),
            [id],
            read_raw_screening,
        )
        .optional()
        .map_err(|e| db_error(file, e))?
        .ok_or_else(|| StoreError::UnknownScreening(id.to_owned()))?;
    screening_row_from_raw(raw)
}

pub(super) fn load_answers(
    conn: &Connection,
    file: &str,
    id: &str,
) -> Result<BTreeMap<String, CriterionEntry>, StoreError> {
    let mut statement = conn
        .prepare_cached("SELECT criterion_id, entry FROM answer WHERE screening_id = ?1")
        .map_err(|e| db_error(file, e))?;
    let rows = statement
        .query_map([id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(|e| db_error(file, e))?;
    let mut answers = BTreeMap::new();
    for row in rows {
        let (criterion, text) = row.map_err(|e| db_error(file, e))?;
        let entry = parse_entry(&text, &criterion)?;
        answers.insert(criterion, entry);
    }
    Ok(answers)
}

pub(super) fn load_coordinator(
    conn: &Connection,
    file: &str,
    id: CoordinatorId,
) -> Result<Coordinator, StoreError> {
    conn.query_row(
        "SELECT id, name, role, site_code FROM coordinator WHERE id = ?1",
        [id],
        |row| {
            Ok(Coordinator {
                id: row.get(0)?,
                name: row.get(1)?,
                role: row.get(2)?,
                site_code: row.get(3)?,
            })
        },
    )
    .optional()
    .map_err(|e| db_error(file, e))?
    .ok_or(StoreError::UnknownCoordinator(id))
}

pub(super) fn screening_of(
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
pub(super) fn store_derived(
    conn: &Connection,
    file: &str,
    definitions: &mut HashMap<String, TrialDefinition>,
    id: &str,
    updated_utc: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let row = load_screening_row(conn, file, id)?;
    let answers = load_answers(conn, file, id)?;
    let definition = match definitions.get(&row.definition_sha256) {
        Some(definition) => definition.clone(),
        None => {
            let definition = stored_definition(
                conn,
                file,
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
    conn.prepare_cached(
        "UPDATE screening SET verdict = ?2, verdict_failing = ?3, verdict_time_limited = ?4, \
         rescreen_from = ?5, rescreen_after_event = ?6, updated_utc = coalesce(?7, updated_utc) \
         WHERE id = ?1",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            id,
            verdict.name(),
            verdict.failing.join(" "),
            verdict.time_limited.join(" "),
            verdict.rescreen_from.map(|d| d.to_string()),
            verdict.rescreen_after_event,
            updated_utc,
        ])
    })
    .map_err(|e| db_error(file, e))?;
    Ok(verdict)
}

/// Reads and parses a stored definition text (cached by hash by the caller).
pub(super) fn stored_definition(
    conn: &Connection,
    file: &str,
    trial_id: &str,
    version: &str,
    sha256: &str,
) -> Result<TrialDefinition, StoreError> {
    let text: String = conn
        .query_row(
            "SELECT text FROM trial_definition WHERE trial_id = ?1 AND version = ?2 AND sha256 = ?3",
            [trial_id, version, sha256],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| db_error(file, e))?
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
pub(super) fn refuse_candidate_problems(
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
pub(super) fn lifecycle_error(id: &str) -> impl Fn(LifecycleError) -> StoreError + '_ {
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

pub(super) fn candidate_fields(candidate: &Candidate) -> [(&'static str, Option<String>); 6] {
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
pub(super) fn load_state(
    conn: &Connection,
    file: &str,
    id: &str,
) -> Result<ScreeningState, StoreError> {
    let row = load_screening_row(conn, file, id)?;
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
    let mut statement = conn
        .prepare_cached("SELECT criterion_id, entry FROM answer WHERE screening_id = ?1")
        .map_err(|e| db_error(file, e))?;
    let rows = statement
        .query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(|e| db_error(file, e))?;
    for answer in rows {
        let (criterion, text) = answer.map_err(|e| db_error(file, e))?;
        state.answers.insert(criterion, text);
    }
    Ok(state)
}
