//! A trial's definition over time: a reviewed definition marked verified, and a screening in
//! progress moved to the next version of its definition (one audit event naming both
//! versions and the criteria affected). A signed screening never moves: it stays evaluable
//! and printable under its own version for good.

use prescreen_core::trial::diff::plan_move;
use prescreen_core::trial::load::LoadedTrial;

use super::Records;
use super::codec::lifecycle_error;
use super::writer::EventDraft;
use crate::audit::AuditAction;
use crate::sql::vals;
use crate::state::{MovedText, moved_text};
use crate::{CoordinatorId, ScreeningStatus, StoreError};

/// What a move did: which answers came along, which criteria are open again, which are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveReport {
    /// The version the screening was on.
    pub from_version: String,
    /// The version it is on now.
    pub to_version: String,
    /// Answered criteria whose answers carried over.
    pub carried: Vec<String>,
    /// Criteria changed or new: open again (their earlier answers, if any, dropped).
    pub reopened: Vec<String>,
    /// Criteria the new version no longer has (their answers dropped).
    pub removed: Vec<String>,
}

pub(crate) fn mark_definition_verified(
    store: &mut impl Records,
    trial: &LoadedTrial,
    by: CoordinatorId,
) -> Result<(), StoreError> {
    let definition = &trial.definition;
    let Some(verified_by) = definition.provenance.verified_by.clone() else {
        return Err(StoreError::DefinitionMismatch(format!(
            "{} {} names nobody as having verified it; mark it verified in the library first",
            definition.id,
            definition.version()
        )));
    };
    store.write(|w| {
        let coordinator = w.coordinator(by)?;
        w.record_definition(trial)?;
        let detail = format!(
            "{} {} (SHA-256 {}) verified by {verified_by}",
            definition.id,
            definition.version(),
            trial.sha256
        );
        w.append(
            &coordinator,
            EventDraft {
                screening_id: None,
                action: AuditAction::DefinitionVerified,
                target: Some(&definition.id),
                old_value: None,
                new_value: Some(&detail),
                reason: None,
            },
        )
    })
}

pub(crate) fn move_screening(
    store: &mut impl Records,
    id: &str,
    to: &LoadedTrial,
    by: CoordinatorId,
    reason: Option<&str>,
) -> Result<MoveReport, StoreError> {
    store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let row = w.changeable(id)?;
        let new = &to.definition;
        if row.trial_id != new.id {
            return Err(StoreError::DefinitionMismatch(format!(
                "{id} screens for {}, not {}: a screening moves between versions of its own \
                 trial only",
                row.trial_id, new.id
            )));
        }
        if row.definition_sha256.eq_ignore_ascii_case(&to.sha256) {
            return Err(StoreError::DefinitionMismatch(format!(
                "{id} is already on {} {}",
                new.id,
                new.version()
            )));
        }
        if !w.live_signatures(id)?.is_empty() {
            return Err(StoreError::DefinitionMismatch(format!(
                "{id} has a signed summary under {} {}: a signed screening never moves; it \
                 stays evaluable and printable under its own version",
                row.trial_id, row.definition_version
            )));
        }
        if matches!(
            row.status,
            ScreeningStatus::Enrolled | ScreeningStatus::NotEnrolled | ScreeningStatus::Declined
        ) {
            return Err(StoreError::DefinitionMismatch(format!(
                "{id} is {}: only a screening in progress moves",
                row.status
            )));
        }
        let reason =
            prescreen_core::lifecycle::normalise_reason(reason).map_err(lifecycle_error(id))?;
        let (_, old) = w.current_screening(&row)?;
        let plan = plan_move(&old, new);
        let answered: Vec<String> = w.tx.query_vec(
            "SELECT criterion_id FROM answer WHERE screening_id = ?1 ORDER BY criterion_id",
            vals![id],
            |r| r.get(0),
        )?;
        w.record_definition(to)?;
        w.tx.execute(
            "UPDATE screening SET definition_version = ?2, definition_sha256 = ?3 WHERE id = ?1",
            vals![id, new.version(), to.sha256],
        )?;
        for criterion in plan.reopened.iter().chain(&plan.removed) {
            w.tx.execute(
                "DELETE FROM answer WHERE screening_id = ?1 AND criterion_id = ?2",
                vals![id, criterion],
            )?;
        }
        let moved = MovedText {
            trial_id: new.id.clone(),
            version: new.version().to_owned(),
            sha256: to.sha256.clone(),
            reopened: plan.reopened.clone(),
            removed: plan.removed.clone(),
        };
        let from = crate::state::created_text(
            &row.trial_id,
            &row.definition_version,
            &row.definition_sha256,
            &row.site_code,
        );
        w.append(
            &coordinator,
            EventDraft {
                screening_id: Some(id),
                action: AuditAction::DefinitionMoved,
                target: None,
                old_value: Some(&from),
                new_value: Some(&moved_text(&moved)),
                reason,
            },
        )?;
        w.reevaluate(id)?;
        Ok(MoveReport {
            from_version: row.definition_version.clone(),
            to_version: new.version().to_owned(),
            carried: answered
                .iter()
                .filter(|c| plan.unchanged.contains(c))
                .cloned()
                .collect(),
            reopened: plan.reopened,
            removed: plan.removed,
        })
    })
}
