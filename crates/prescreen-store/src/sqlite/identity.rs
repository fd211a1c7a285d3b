//! Who acts on an embedded store: the coordinators saved in it, the one set as current, and
//! the candidate forms kept before a screening starts.

use super::SqliteStore;
use crate::audit::AuditAction;
use crate::ids;
use crate::records::Records;
use crate::records::codec::load_coordinator;
use crate::records::writer::EventDraft;
use crate::sql::vals;
use crate::{Coordinator, CoordinatorId, NewCoordinator, StoreError};

/// The setting that remembers who the command line and app act as.
const CURRENT_COORDINATOR: &str = "current_coordinator";

pub(super) fn save_coordinator(
    store: &mut SqliteStore,
    new: &NewCoordinator,
) -> Result<Coordinator, StoreError> {
    let site_code = new.site_code.trim().to_ascii_uppercase();
    if !ids::is_valid_site_code(&site_code) {
        return Err(StoreError::InvalidSiteCode(new.site_code.clone()));
    }
    let name = new.name.trim().to_owned();
    let role = new.role.trim().to_owned();
    store.write(|w| {
        let existing: Option<CoordinatorId> = w.tx.query_opt(
            "SELECT id FROM coordinator WHERE name = ?1 AND role = ?2 AND site_code = ?3",
            vals![name, role, site_code],
            |row| row.get(0),
        )?;
        if let Some(id) = existing {
            return w.coordinator(id);
        }
        w.tx.execute(
            "INSERT INTO coordinator (name, role, site_code, created_utc) \
             VALUES (?1, ?2, ?3, ?4)",
            vals![name, role, site_code, w.stamp.utc_text()],
        )?;
        let id: CoordinatorId =
            w.tx.query_one("SELECT last_insert_rowid()", vals![], |row| row.get(0))?;
        let coordinator = w.coordinator(id)?;
        let description = format!(
            "{} ({}, site {})",
            coordinator.name, coordinator.role, coordinator.site_code
        );
        w.append(
            &coordinator,
            EventDraft {
                screening_id: None,
                action: AuditAction::CoordinatorSaved,
                target: Some("coordinator"),
                old_value: None,
                new_value: Some(&description),
                reason: None,
            },
        )?;
        Ok(coordinator)
    })
}

pub(super) fn set_current_coordinator(
    store: &mut SqliteStore,
    id: CoordinatorId,
) -> Result<(), StoreError> {
    store.write(|w| {
        w.coordinator(id)?;
        w.tx.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            vals![CURRENT_COORDINATOR, id.to_string()],
        )?;
        Ok(())
    })
}

/// The setting key of a trial's unstarted candidate form.
fn form_draft_key(trial_id: &str) -> String {
    format!("form_draft:{trial_id}")
}

pub(super) fn set_form_draft(
    store: &mut SqliteStore,
    trial_id: &str,
    text: Option<&str>,
) -> Result<(), StoreError> {
    let key = form_draft_key(trial_id);
    store.write(|w| {
        match text {
            Some(text) => w.tx.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                vals![key, text],
            ),
            None => {
                w.tx.execute("DELETE FROM setting WHERE key = ?1", vals![key])
            }
        }?;
        Ok(())
    })
}

pub(super) fn form_draft(
    store: &SqliteStore,
    trial_id: &str,
) -> Result<Option<String>, StoreError> {
    store.db().query_opt(
        "SELECT value FROM setting WHERE key = ?1",
        vals![form_draft_key(trial_id)],
        |row| row.get(0),
    )
}

pub(super) fn current_coordinator(store: &SqliteStore) -> Result<Option<Coordinator>, StoreError> {
    let value: Option<String> = store.db().query_opt(
        "SELECT value FROM setting WHERE key = ?1",
        vals![CURRENT_COORDINATOR],
        |row| row.get(0),
    )?;
    match value.and_then(|v| v.parse::<CoordinatorId>().ok()) {
        Some(id) => load_coordinator(store.db(), id).map(Some),
        None => Ok(None),
    }
}
