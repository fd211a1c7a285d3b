//! Coordinators, screenings and their changes: each change asks the core what it needs
//! (checks, reasons, lifecycle) and is one transaction with its audit events.

use std::collections::BTreeMap;

use jiff::civil::Date;
use tracing::{debug, info};

use super::Records;
use super::codec::*;
use super::writer::*;
use crate::audit::AuditAction;
use crate::ids;
use crate::sql::vals;
use crate::{
    Coordinator, CoordinatorId, NewScreening, ScreeningStatus, Store, StoreError, StoredScreening,
    StoredVerdict, TransitionKind,
};
use prescreen_core::eligibility::evaluate;
use prescreen_core::lifecycle::{
    AnswerChange, check_visit_gate, plan_answer_change, plan_status_move,
};
use prescreen_core::screening::{Candidate, CriterionEntry, Screening};
use prescreen_core::trial::load::LoadedTrial;
use prescreen_core::trial::model::CandidateFact;
use prescreen_core::validation::{AnswerContext, check_screening};
use prescreen_core::visit::{
    answered_by_changed_facts, check_new_entry, reconfirmation_after_save,
};

pub(crate) fn coordinator(
    store: &impl Records,
    id: CoordinatorId,
) -> Result<Coordinator, StoreError> {
    load_coordinator(store.db(), id)
}

pub(crate) fn record_trial_definition(
    store: &mut impl Records,
    trial: &LoadedTrial,
) -> Result<(), StoreError> {
    store.write(|w| w.record_definition(trial))
}

pub(crate) fn trial_text(
    store: &impl Records,
    trial_id: &str,
    version: &str,
    sha256: &str,
) -> Result<Option<String>, StoreError> {
    store
        .db()
        .query_opt(
            "SELECT text FROM trial_definition WHERE trial_id = ?1 AND version = ?2 \
             AND sha256 = ?3",
            vals![trial_id, version, sha256],
            |row| row.get::<_, String>(0),
        )?
        .map(|text| {
            // Re-hashed on every read, as for evaluation: an altered text is never rendered.
            if prescreen_core::trial::load::sha256_hex(&text) == sha256.to_ascii_lowercase() {
                Ok(text)
            } else {
                Err(StoreError::TamperedDefinition {
                    trial: trial_id.to_owned(),
                    version: version.to_owned(),
                    sha256: sha256.to_owned(),
                })
            }
        })
        .transpose()
}

pub(crate) fn create_screening(
    store: &mut impl Records,
    trial: &LoadedTrial,
    new: &NewScreening,
    by: CoordinatorId,
) -> Result<String, StoreError> {
    let id = store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let site = new
            .site_code
            .as_deref()
            .unwrap_or(&coordinator.site_code)
            .trim()
            .to_ascii_uppercase();
        if !ids::is_valid_site_code(&site) {
            return Err(StoreError::InvalidSiteCode(site));
        }
        refuse_candidate_problems(
            &new.candidate,
            new.prescreening_date,
            new.planned_visit_date,
            w.today(),
        )?;
        let earlier = match &new.rescreen_of {
            Some(earlier) => {
                let row = load_screening_row(w.tx, earlier)?;
                if row.trial_id != trial.definition.id {
                    return Err(StoreError::DefinitionMismatch(format!(
                        "{earlier} screened {}; a re-screening repeats the same trial",
                        row.trial_id
                    )));
                }
                Some(row.id)
            }
            None => None,
        };
        let prefix = ids::prefix_for_acronym(&trial.definition.acronym);
        let id = w.next_id(&prefix, &site, new.prescreening_date.year())?;
        w.insert_screening(
            &id,
            trial,
            &site,
            &coordinator,
            &new.candidate,
            new.prescreening_date,
            new.planned_visit_date,
            &BTreeMap::new(),
            AuditAction::ScreeningCreated,
            None,
        )?;
        if let Some(earlier) = earlier {
            w.link_rescreening(&coordinator, &earlier, &id)?;
        }
        Ok(id)
    })?;
    info!(screening = %id, "screening created");
    Ok(id)
}

pub(crate) fn import_screening(
    store: &mut impl Records,
    trial: &LoadedTrial,
    screening: &Screening,
    by: CoordinatorId,
) -> Result<String, StoreError> {
    let definition = &trial.definition;
    if screening.trial.id != definition.id || screening.trial.version != definition.version() {
        return Err(StoreError::DefinitionMismatch(format!(
            "the screening was answered for {} {}, not {} {}",
            screening.trial.id,
            screening.trial.version,
            definition.id,
            definition.version()
        )));
    }
    if let Some(hash) = &screening.trial.sha256
        && !hash.eq_ignore_ascii_case(&trial.sha256)
    {
        return Err(StoreError::DefinitionMismatch(format!(
            "the screening records definition SHA-256 {hash}, but {} {} has {}",
            definition.id,
            definition.version(),
            trial.sha256
        )));
    }
    let wanted = screening.screening_id.trim();
    if !wanted.is_empty() && !ids::is_acceptable_id(wanted) {
        return Err(StoreError::UnacceptableScreeningId);
    }
    let id = store.write(|w| {
        let problems = check_screening(definition, screening, Some(w.today()));
        if !problems.is_empty() {
            return Err(StoreError::InvalidInput(problems));
        }
        let coordinator = w.coordinator(by)?;
        let (id, site) = if wanted.is_empty() {
            let site = coordinator.site_code.clone();
            let prefix = ids::prefix_for_acronym(&definition.acronym);
            (
                w.next_id(&prefix, &site, screening.prescreening_date.year())?,
                site,
            )
        } else {
            if w.screening_exists(wanted)? {
                return Err(StoreError::DuplicateScreeningId(wanted.to_owned()));
            }
            w.reserve_id(wanted)?;
            let site = ids::parse_id(wanted)
                .map(|parts| parts.site)
                .unwrap_or_else(|| coordinator.site_code.clone());
            (wanted.to_owned(), site)
        };
        w.insert_screening(
            &id,
            trial,
            &site,
            &coordinator,
            &screening.candidate,
            screening.prescreening_date,
            screening.planned_visit_date,
            &screening.answers,
            AuditAction::ScreeningImported,
            screening.coordinator.as_deref(),
        )?;
        if let Some(held) = screening.visit_date {
            super::visit::write_visit_date(w, &coordinator, &id, None, held, None)?;
            w.reevaluate(&id)?;
        }
        Ok(id)
    })?;
    info!(screening = %id, "screening imported");
    Ok(id)
}

pub(crate) fn load_screening(
    store: &impl Records,
    id: &str,
) -> Result<StoredScreening, StoreError> {
    let row = load_screening_row(store.db(), id)?;
    let answers = load_answers(store.db(), id)?;
    let creator = load_coordinator(store.db(), row.created_by)?;
    let mut screening = screening_of(&row, answers);
    screening.coordinator = Some(creator.name);
    let rescreened_as = store.db().query_vec(
        "SELECT id FROM screening WHERE rescreen_of = ?1 ORDER BY id",
        vals![id],
        |r| r.get::<_, String>(0),
    )?;
    let version: i64 = store.db().query_one(
        "SELECT version FROM screening WHERE id = ?1",
        vals![id],
        |r| r.get(0),
    )?;
    // What was read is what this handle's next changes are based on.
    store.seen().borrow_mut().insert(id.to_owned(), version);
    Ok(StoredScreening {
        screening,
        site_code: row.site_code,
        status: row.status,
        status_reason: row.status_reason,
        verdict: row.verdict,
        rescreen_of: row.rescreen_of,
        rescreened_as,
        version,
    })
}

pub(crate) fn set_answer(
    store: &mut impl Records,
    id: &str,
    criterion_id: &str,
    entry: Option<&CriterionEntry>,
    by: CoordinatorId,
    reason: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let verdict = store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let row = w.changeable(id)?;
        let definition = w.definition(
            &row.trial_id,
            &row.definition_version,
            &row.definition_sha256,
        )?;
        let Some(criterion) = definition.criterion(criterion_id) else {
            return Err(StoreError::UnknownCriterion {
                trial: row.trial_id.clone(),
                criterion: criterion_id.to_owned(),
            });
        };
        let (screening, _) = w.current_screening(&row)?;
        if let Some(entry) = entry {
            let context = AnswerContext {
                screening: &screening,
                visit_name: &definition.visit_name,
                today: Some(w.today()),
            };
            check_new_entry(criterion, entry, context)
                .map_err(|problem| StoreError::InvalidInput(vec![problem]))?;
        }
        let previous_text: Option<String> = w.tx.query_opt(
            "SELECT entry FROM answer WHERE screening_id = ?1 AND criterion_id = ?2",
            vals![id, criterion_id],
            |row| row.get(0),
        )?;
        let previous = previous_text
            .as_deref()
            .map(|text| parse_entry(text, criterion_id))
            .transpose()?;
        // Only a re-confirmation, or an answer given at the visit, dates a re-confirmation:
        // never the caller's copy of it.
        let today = w.today();
        let entry = entry.map(|new| CriterionEntry {
            reconfirmed: reconfirmation_after_save(
                criterion,
                &screening,
                previous.as_ref(),
                new,
                today,
            ),
            ..new.clone()
        });
        let entry = entry.as_ref();
        let Some(plan) = plan_answer_change(criterion_id, previous.as_ref(), entry, reason)
            .map_err(lifecycle_error(id))?
        else {
            return w.reevaluate(id);
        };
        let action = match plan.change {
            AnswerChange::Set => AuditAction::AnswerSet,
            AnswerChange::Changed => AuditAction::AnswerChanged,
            AnswerChange::Cleared => AuditAction::AnswerCleared,
            AnswerChange::NoteChanged => AuditAction::NoteChanged,
        };
        let reason = plan.reason;
        w.supersede_signatures(&coordinator, id, reason)?;
        let new_text = entry.map(entry_text).transpose()?;
        match &new_text {
            Some(text) => w.put_answer(id, criterion_id, text)?,
            None => {
                w.tx.execute(
                    "DELETE FROM answer WHERE screening_id = ?1 AND criterion_id = ?2",
                    vals![id, criterion_id],
                )?;
            }
        }
        w.append(
            &coordinator,
            EventDraft {
                screening_id: Some(id),
                action,
                target: Some(criterion_id),
                old_value: previous_text.as_deref(),
                new_value: new_text.as_deref(),
                reason,
            },
        )?;
        w.reevaluate(id)
    })?;
    debug!(screening = %id, criterion = %criterion_id, verdict = %verdict.name(), "answer saved");
    Ok(verdict)
}

pub(crate) fn set_candidate(
    store: &mut impl Records,
    id: &str,
    candidate: &Candidate,
    by: CoordinatorId,
    reason: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let verdict = store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let row = w.changeable(id)?;
        refuse_candidate_problems(
            candidate,
            row.prescreening_date,
            row.planned_visit_date,
            w.today(),
        )?;
        let changes: Vec<FieldChange> = candidate_fields(&row.candidate)
            .into_iter()
            .zip(candidate_fields(candidate))
            .map(|((field, old), (_, new))| (field, old, new))
            .collect();
        w.record_field_changes(
            &coordinator,
            id,
            AuditAction::CandidateFieldChanged,
            "the candidate's ",
            &changes,
            reason,
        )?;
        let changed_facts: Vec<CandidateFact> = [
            (
                CandidateFact::Pregnant,
                row.candidate.pregnant,
                candidate.pregnant,
            ),
            (
                CandidateFact::Breastfeeding,
                row.candidate.breastfeeding,
                candidate.breastfeeding,
            ),
        ]
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(fact, _, _)| fact)
        .collect();
        w.tx.execute(
            "UPDATE screening SET initials = ?2, date_of_birth = ?3, sex = ?4, \
             childbearing_potential = ?5, pregnant = ?6, breastfeeding = ?7 WHERE id = ?1",
            vals![
                id,
                candidate.initials,
                candidate.date_of_birth.map(|d| d.to_string()),
                sex_text(candidate.sex),
                candidate.childbearing_potential,
                candidate.pregnant,
                candidate.breastfeeding
            ],
        )?;
        if !changed_facts.is_empty() {
            // A fact corrected at the visit is the new answer a "changed" re-confirmation
            // of a criterion it settles was waiting for.
            let (screening, definition) = w.current_screening(&row)?;
            for (criterion, entry) in
                answered_by_changed_facts(&definition, &screening, &changed_facts)
            {
                let old = screening
                    .answers
                    .get(&criterion)
                    .map(entry_text)
                    .transpose()?;
                let new = entry_text(&entry)?;
                w.put_answer(id, &criterion, &new)?;
                w.append(
                    &coordinator,
                    EventDraft {
                        screening_id: Some(id),
                        action: AuditAction::AnswerReconfirmed,
                        target: Some(&criterion),
                        old_value: old.as_deref(),
                        new_value: Some(&new),
                        reason,
                    },
                )?;
            }
        }
        w.reevaluate(id)
    })?;
    debug!(screening = %id, "candidate saved");
    Ok(verdict)
}

pub(crate) fn set_dates(
    store: &mut impl Records,
    id: &str,
    prescreening_date: Date,
    planned_visit_date: Option<Date>,
    by: CoordinatorId,
    reason: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let verdict = store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let row = w.changeable(id)?;
        refuse_candidate_problems(
            &row.candidate,
            prescreening_date,
            planned_visit_date,
            w.today(),
        )?;
        let changes = [
            (
                "prescreening_date",
                Some(row.prescreening_date),
                Some(prescreening_date),
            ),
            (
                "planned_visit_date",
                row.planned_visit_date,
                planned_visit_date,
            ),
        ];
        let changes: Vec<FieldChange> = changes
            .into_iter()
            .map(|(field, old, new)| {
                (
                    field,
                    old.map(|d| d.to_string()),
                    new.map(|d| d.to_string()),
                )
            })
            .collect();
        w.record_field_changes(
            &coordinator,
            id,
            AuditAction::DateChanged,
            "the ",
            &changes,
            reason,
        )?;
        w.tx.execute(
            "UPDATE screening SET prescreening_date = ?2, planned_visit_date = ?3 \
             WHERE id = ?1",
            vals![
                id,
                prescreening_date.to_string(),
                planned_visit_date.map(|d| d.to_string())
            ],
        )?;
        w.reevaluate(id)
    })?;
    debug!(screening = %id, "dates saved");
    Ok(verdict)
}

pub(crate) fn set_status(
    store: &mut impl Records,
    id: &str,
    status: ScreeningStatus,
    by: CoordinatorId,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let row = load_screening_row(w.tx, id)?;
        w.refuse_stale(id)?;
        let verdict = w.reevaluate(id)?;
        let plan = plan_status_move(
            row.status,
            status,
            verdict.kind,
            reason,
            (row.was_approached, row.was_consented),
        )
        .map_err(lifecycle_error(id))?;
        let (screening, definition) = w.current_screening(&row)?;
        check_visit_gate(status, &evaluate(&definition, &screening).visit)
            .map_err(lifecycle_error(id))?;
        let reason = plan.reason;
        w.tx.execute(
            "UPDATE screening SET status = ?2, status_reason = ?3, was_approached = ?4, \
             was_consented = ?5 WHERE id = ?1",
            vals![id, status.as_str(), reason, plan.approached, plan.consented],
        )?;
        let action = if plan.kind == TransitionKind::Void {
            AuditAction::Voided
        } else {
            AuditAction::StatusChanged
        };
        w.append(
            &coordinator,
            EventDraft {
                screening_id: Some(id),
                action,
                target: Some("status"),
                old_value: Some(row.status.as_str()),
                new_value: Some(status.as_str()),
                reason,
            },
        )?;
        if plan.records_verdict {
            let recorded = if verdict.failing.is_empty() {
                verdict.name().to_owned()
            } else {
                format!("{}: {}", verdict.name(), verdict.failing.join(" "))
            };
            w.append(
                &coordinator,
                EventDraft {
                    screening_id: Some(id),
                    action: AuditAction::VerdictRecorded,
                    target: Some("verdict"),
                    old_value: None,
                    new_value: Some(&recorded),
                    reason: None,
                },
            )?;
        }
        Ok(())
    })?;
    info!(screening = %id, status = %status, "status changed");
    Ok(())
}

pub(crate) fn record_verdict(
    store: &mut impl Records,
    id: &str,
    by: CoordinatorId,
) -> Result<StoredVerdict, StoreError> {
    store.set_status(id, ScreeningStatus::PreScreened, by, None)?;
    Ok(store.load_screening(id)?.verdict)
}

pub(crate) fn mark_signed(
    store: &mut impl Records,
    id: &str,
    by: CoordinatorId,
    detail: &str,
) -> Result<(), StoreError> {
    note_pdf(store, id, by, AuditAction::Signed, detail)
}

pub(crate) fn mark_exported(
    store: &mut impl Records,
    id: &str,
    by: CoordinatorId,
    detail: &str,
) -> Result<(), StoreError> {
    note_pdf(store, id, by, AuditAction::Exported, detail)
}

/// A PDF written for a screening (signed or a draft) noted in its trail.
fn note_pdf(
    store: &mut impl Records,
    id: &str,
    by: CoordinatorId,
    action: AuditAction,
    detail: &str,
) -> Result<(), StoreError> {
    store.write(|w| {
        let coordinator = w.coordinator(by)?;
        load_screening_row(w.tx, id)?;
        w.append(
            &coordinator,
            EventDraft {
                screening_id: Some(id),
                action,
                target: None,
                old_value: None,
                new_value: Some(detail),
                reason: None,
            },
        )
    })
}
