//! Reading the audit trail back: a screening's history, the chain walk, the head.

use rusqlite::OptionalExtension;
use tracing::info;

use super::SqliteStore;
use super::codec::*;
use super::schema::*;
use crate::StoreError;
use crate::audit::{AuditEvent, ChainReport, ChainVerifier, GENESIS_HASH};
use crate::state::{Replay, trusted_signer_text};
use prescreen_core::lifecycle::StoredVerdict;

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
    let mut replay = Replay::default();
    let mut records = Vec::new();
    let mut last_seq = 0;
    while let Some(row) = rows.next().map_err(|e| store.err(e))? {
        let event = read_event(row).map_err(|e| store.err(e))?;
        last_seq = event.seq;
        verifier.push(&event);
        if let Err(problem) = replay.apply(&event) {
            records.push(format!("event #{}: {problem}", event.seq));
        }
        if let (Some(expected), Some(id)) = (&event.state_hash, &event.screening_id) {
            let replayed = replay.states.get(id).map(|s| s.hash());
            if replayed.as_ref() != Some(expected) {
                records.push(format!(
                    "event #{}: the state of {id} it records is not the state its events give",
                    event.seq
                ));
            }
        }
    }
    drop(rows);
    drop(statement);
    records.extend(compare_tables(store, &replay)?);
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
    let mut report = verifier.finish();
    report.records = records;
    info!(
        events = report.events,
        intact = report.is_intact(),
        "audit chain verified"
    );
    Ok(report)
}

/// One screening's record against its own events: each event's hash, the state its events
/// replay to (and the state hash they carry) against the tables, the cached verdict against
/// the stored answers and definition. Cheap enough to run before every export; the links
/// between events need the whole chain ([`verify_audit_chain`]).
pub(super) fn screening_record_problems(
    store: &SqliteStore,
    id: &str,
) -> Result<Vec<String>, StoreError> {
    let events = screening_history(store, id)?;
    let mut problems = Vec::new();
    let mut replay = Replay::default();
    for event in &events {
        if event.computed_hash() != event.hash {
            problems.push(format!(
                "event #{}: its content no longer has its hash (edited after it was written)",
                event.seq
            ));
        }
        if let Err(problem) = replay.apply(event) {
            problems.push(format!("event #{}: {problem}", event.seq));
        }
        if let Some(expected) = &event.state_hash
            && replay.states.get(id).map(|s| s.hash()).as_ref() != Some(expected)
        {
            problems.push(format!(
                "event #{}: the state of {id} it records is not the state its events give",
                event.seq
            ));
        }
    }
    let mut only_this = Replay::default();
    if let Some(state) = replay.states.remove(id) {
        only_this.states.insert(id.to_owned(), state);
    }
    problems.extend(compare_screening(
        store,
        id,
        &only_this,
        &mut Default::default(),
    )?);
    Ok(problems)
}

/// The tables against the replayed trail, screening by screening and field by field; the
/// cached verdicts against the stored answers; the stored definitions against their hashes;
/// the schema against what the migrations made.
fn compare_tables(store: &SqliteStore, replay: &Replay) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    problems.extend(store.schema_problems.iter().map(|p| format!("schema: {p}")));
    let ids: Vec<String> = store
        .conn
        .prepare("SELECT id FROM screening ORDER BY id")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(|e| store.err(e))?;
    let mut definitions = Definitions::new();
    for id in &ids {
        problems.extend(compare_screening(store, id, replay, &mut definitions)?);
    }
    for (name, _) in replay.states.iter().filter(|(id, _)| !ids.contains(id)) {
        problems.push(format!(
            "{name}: created in the trail but missing from the tables"
        ));
    }
    // The trusted-signer register against its events.
    let mut register = std::collections::BTreeMap::new();
    for signer in super::signers::list(store)? {
        let text = trusted_signer_text(signer.kind, &signer.name, &signer.role);
        register.insert(signer.fingerprint.clone(), (text, signer.revoked.is_some()));
    }
    for (fingerprint, entry) in &register {
        match replay.signers.get(fingerprint) {
            None => problems.push(format!(
                "trusted signer {fingerprint}: in the register but never added in the trail"
            )),
            Some(in_trail) if in_trail != entry => problems.push(format!(
                "trusted signer {fingerprint}: the register says {}{} but the trail says {}{}",
                entry.0,
                if entry.1 { ", revoked" } else { "" },
                in_trail.0,
                if in_trail.1 { ", revoked" } else { "" },
            )),
            Some(_) => {}
        }
    }
    for fingerprint in replay.signers.keys().filter(|f| !register.contains_key(*f)) {
        problems.push(format!(
            "trusted signer {fingerprint}: added in the trail but missing from the register"
        ));
    }
    Ok(problems)
}

/// The event with this `seq`, or with this hash (the anchors name one or the other).
pub(super) fn audit_event_where(
    store: &SqliteStore,
    seq: Option<i64>,
    hash: Option<&str>,
) -> Result<Option<AuditEvent>, StoreError> {
    let (condition, value): (&str, rusqlite::types::Value) = match (seq, hash) {
        (Some(seq), _) => ("seq = ?1", seq.into()),
        (None, Some(hash)) => ("hash = ?1", hash.to_ascii_lowercase().into()),
        (None, None) => return Ok(None),
    };
    store
        .conn
        .query_row(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM audit_event WHERE {condition} ORDER BY seq LIMIT 1"
            ),
            [value],
            read_event,
        )
        .optional()
        .map_err(|e| store.err(e))
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
     coordinator_role, screening_id, action, target, old_value, new_value, reason, prev_hash, hash, encoding, state_hash";

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
        encoding: match row.get_ref(14)? {
            ValueRef::Integer(n) => u8::try_from(n).unwrap_or(u8::MAX),
            _ => 0,
        },
        state_hash: text(15)?,
    })
}

/// Stored definitions already loaded, by SHA-256 (a whole-store walk loads each once).
type Definitions = std::collections::HashMap<String, prescreen_core::trial::TrialDefinition>;

/// One screening's table row and answers against its replayed state, and its cached verdict
/// against what its answers give.
fn compare_screening(
    store: &SqliteStore,
    id: &str,
    replay: &Replay,
    definitions: &mut Definitions,
) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let in_table = load_state(&store.conn, &store.file, id)?;
    match replay.states.get(id) {
        None => problems.push(format!(
            "{id}: in the tables but never created in the trail"
        )),
        Some(in_trail) => {
            if let Some((field, trail, table)) = in_trail.first_difference(&in_table) {
                problems.push(format!(
                    "{id}: {field} is {table} in the tables but {trail} in the trail"
                ));
                return Ok(problems);
            }
        }
    }
    let row = load_screening_row(&store.conn, &store.file, id)?;
    let definition = match definitions.get(&row.definition_sha256) {
        Some(definition) => definition.clone(),
        None => match stored_definition(
            &store.conn,
            &store.file,
            &row.trial_id,
            &row.definition_version,
            &row.definition_sha256,
        ) {
            Ok(definition) => {
                definitions.insert(row.definition_sha256.clone(), definition.clone());
                definition
            }
            Err(error) => {
                problems.push(format!("{id}: {error}"));
                return Ok(problems);
            }
        },
    };
    let answers = load_answers(&store.conn, &store.file, id)?;
    let evaluation =
        prescreen_core::eligibility::evaluate(&definition, &screening_of(&row, answers));
    let expected = StoredVerdict::from_evaluation(&evaluation);
    if expected != row.verdict {
        problems.push(format!(
            "{id}: the cached verdict is {} but its answers give {}",
            row.verdict.line(),
            expected.line()
        ));
    }
    Ok(problems)
}
