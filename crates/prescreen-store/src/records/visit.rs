//! The visit in the store: its actual date and the re-confirmations made there, each one
//! transaction with its audit event. The rules are the core's (`prescreen_core::visit`).

use jiff::civil::Date;
use tracing::info;

use super::Records;
use super::codec::*;
use super::writer::*;
use crate::audit::AuditAction;
use crate::sql::vals;
use crate::{Coordinator, CoordinatorId, StoreError, StoredVerdict};
use prescreen_core::eligibility::evaluate;
use prescreen_core::lifecycle::{normalise_reason, require_reason};
use prescreen_core::visit::{ReconfirmError, check_visit_date, reconfirm as plan_reconfirm};

/// Records (or, with a reason, corrects) the day the visit took place.
pub(crate) fn start_visit(
    store: &mut impl Records,
    id: &str,
    visit_date: Date,
    by: CoordinatorId,
    reason: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let verdict = store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let row = w.changeable(id)?;
        let (screening, _) = w.current_screening(&row)?;
        check_visit_date(&screening, visit_date, Some(w.today()))
            .map_err(|problem| StoreError::InvalidInput(vec![problem]))?;
        if row.visit_date == Some(visit_date) {
            return w.reevaluate(id);
        }
        let reason = match row.visit_date {
            Some(_) => Some(
                require_reason(reason, || "changing the visit date".to_owned())
                    .map_err(lifecycle_error(id))?,
            ),
            None => normalise_reason(reason).map_err(lifecycle_error(id))?,
        };
        // A re-confirmation is never dated before the visit it belongs to.
        if let Some((criterion, on)) = screening
            .answers
            .iter()
            .filter_map(|(c, e)| e.reconfirmed.map(|r| (c, r.on)))
            .find(|(_, on)| *on < visit_date)
        {
            return Err(StoreError::InvalidInput(vec![
                prescreen_core::validation::InputProblem {
                    criterion: Some(criterion.clone()),
                    field: "visit date".to_owned(),
                    message: format!("{visit_date} is after its re-confirmation on {on}"),
                },
            ]));
        }
        write_visit_date(w, &coordinator, id, row.visit_date, visit_date, reason)?;
        w.reevaluate(id)
    })?;
    info!(screening = %id, visit = %visit_date, "visit started");
    Ok(verdict)
}

/// The visit date's column and its event (also used by an import that carries one).
pub(crate) fn write_visit_date(
    w: &mut Writer<'_>,
    coordinator: &Coordinator,
    id: &str,
    previous: Option<Date>,
    visit_date: Date,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let superseding = format!("the visit started on {visit_date}");
    w.supersede_signatures(coordinator, id, Some(reason.unwrap_or(&superseding)))?;
    w.tx.execute(
        "UPDATE screening SET visit_date = ?2 WHERE id = ?1",
        vals![id, visit_date.to_string()],
    )?;
    w.append(
        coordinator,
        EventDraft {
            screening_id: Some(id),
            action: AuditAction::VisitStarted,
            target: Some("visit_date"),
            old_value: previous.map(|d| d.to_string()).as_deref(),
            new_value: Some(&visit_date.to_string()),
            reason,
        },
    )
}

/// Re-confirms a pre-screen answer at the visit: still true, or changed (then the criterion
/// waits for its new answer).
pub(crate) fn reconfirm(
    store: &mut impl Records,
    id: &str,
    criterion_id: &str,
    changed: bool,
    on: Option<Date>,
    by: CoordinatorId,
    reason: Option<&str>,
) -> Result<StoredVerdict, StoreError> {
    let verdict = store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let row = w.changeable(id)?;
        let (screening, definition) = w.current_screening(&row)?;
        let evaluation = evaluate(&definition, &screening);
        let on = on.unwrap_or(w.today());
        let entry = plan_reconfirm(
            &definition,
            &screening,
            &evaluation,
            criterion_id,
            changed,
            on,
            Some(w.today()),
        )
        .map_err(|error| match error {
            ReconfirmError::Input(problem) => StoreError::InvalidInput(vec![problem]),
            other => StoreError::Visit(other.to_string()),
        })?;
        let reason = normalise_reason(reason).map_err(lifecycle_error(id))?;
        let previous = screening.answers.get(criterion_id);
        let previous_text = previous.map(entry_text).transpose()?;
        let new_text = entry_text(&entry)?;
        let superseding = format!("{criterion_id} re-confirmed at the visit");
        w.supersede_signatures(&coordinator, id, Some(reason.unwrap_or(&superseding)))?;
        w.put_answer(id, criterion_id, &new_text)?;
        w.append(
            &coordinator,
            EventDraft {
                screening_id: Some(id),
                action: AuditAction::AnswerReconfirmed,
                target: Some(criterion_id),
                old_value: previous_text.as_deref(),
                new_value: Some(&new_text),
                reason,
            },
        )?;
        w.reevaluate(id)
    })?;
    info!(screening = %id, criterion = %criterion_id, changed, "answer re-confirmed");
    Ok(verdict)
}
