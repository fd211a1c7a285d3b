//! Reading the audit trail back: a screening's history, the chain walk, the head.

use rusqlite::OptionalExtension;
use tracing::info;

use super::SqliteStore;
use super::codec::*;
use super::schema::*;
use crate::StoreError;
use crate::audit::{AuditEvent, ChainReport, ChainVerifier, GENESIS_HASH};

pub(super) fn screening_history(
    store: &SqliteStore,
    id: &str,
) -> Result<Vec<AuditEvent>, StoreError> {
    load_screening_row(&store.conn, &store.file, id)?;
    let mut statement = store
        .conn
        .prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM audit_event WHERE screening_id = ?1 ORDER BY seq"
        ))
        .map_err(|e| store.err(e))?;
    let events = statement
        .query_map([id], read_event)
        .map_err(|e| store.err(e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| store.err(e))?;
    Ok(events)
}

pub(super) fn verify_audit_chain(store: &SqliteStore) -> Result<ChainReport, StoreError> {
    let mut statement = store
        .conn
        .prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM audit_event ORDER BY seq"
        ))
        .map_err(|e| store.err(e))?;
    let mut rows = statement.query([]).map_err(|e| store.err(e))?;
    let mut verifier = ChainVerifier::default();
    let mut last_seq = 0;
    while let Some(row) = rows.next().map_err(|e| store.err(e))? {
        let event = read_event(row).map_err(|e| store.err(e))?;
        last_seq = event.seq;
        verifier.push(&event);
    }
    let head: Option<String> = store
        .conn
        .query_row(
            "SELECT value FROM setting WHERE key = ?1",
            [AUDIT_HEAD],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))?;
    let expected = format!("{last_seq}:{}", verifier.head());
    match head {
        Some(head) if head != expected => verifier.fail(
            last_seq + 1,
            format!(
                "the chain ends at event #{last_seq} but the store recorded its head as \
                 event {head}; events were removed or added behind the store's back"
            ),
        ),
        None if last_seq > 0 => verifier.fail(
            last_seq,
            "the store's record of the chain head is missing".to_owned(),
        ),
        _ => {}
    }
    let report = verifier.finish();
    info!(
        events = report.events,
        intact = report.is_intact(),
        "audit chain verified"
    );
    Ok(report)
}

pub(super) fn latest_chain_hash(store: &SqliteStore) -> Result<String, StoreError> {
    let hash: Option<String> = store
        .conn
        .query_row(
            "SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))?;
    Ok(hash.unwrap_or_else(|| GENESIS_HASH.to_owned()))
}

pub(super) const EVENT_COLUMNS: &str = "seq, at_utc, utc_offset, coordinator_id, coordinator_name, \
     coordinator_role, screening_id, action, target, old_value, new_value, reason, prev_hash, hash";

/// Reads an event leniently: a value of the wrong type (as tampering may leave) is read as
/// text or as absent, so verification names the event instead of failing on the read.
pub(super) fn read_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEvent> {
    use rusqlite::types::ValueRef;
    let text = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match row.get_ref(i)? {
            ValueRef::Null => None,
            ValueRef::Integer(n) => Some(n.to_string()),
            ValueRef::Real(x) => Some(x.to_string()),
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
        })
    };
    let required = |i: usize| text(i).map(Option::unwrap_or_default);
    let coordinator_id = match row.get_ref(3)? {
        ValueRef::Integer(n) => n,
        _ => -1,
    };
    Ok(AuditEvent {
        seq: row.get(0)?,
        at_utc: required(1)?,
        utc_offset: required(2)?,
        coordinator_id,
        coordinator_name: required(4)?,
        coordinator_role: required(5)?,
        screening_id: text(6)?,
        action: required(7)?,
        target: text(8)?,
        old_value: text(9)?,
        new_value: text(10)?,
        reason: text(11)?,
        prev_hash: required(12)?,
        hash: required(13)?,
    })
}
