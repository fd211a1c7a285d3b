//! Reading the audit trail back: a screening's history, the chain walk, the head.

use tracing::info;

use super::codec::*;
use super::{AUDIT_HEAD, Records};
use crate::StoreError;
use crate::audit::{AuditEvent, ChainReport, ChainVerifier, GENESIS_HASH};
use crate::sql::{Row, Value, vals};
use crate::state::{Replay, trusted_signer_text};
use prescreen_core::lifecycle::StoredVerdict;

pub(crate) fn screening_history(
    store: &impl Records,
    id: &str,
) -> Result<Vec<AuditEvent>, StoreError> {
    load_screening_row(store.db(), id)?;
    let events = store.db().query_vec(
        &format!("SELECT {EVENT_COLUMNS} FROM audit_event WHERE screening_id = ?1 ORDER BY seq"),
        vals![id],
        read_event,
    )?;
    Ok(events)
}

pub(crate) fn verify_audit_chain(store: &impl Records) -> Result<ChainReport, StoreError> {
    let mut verifier = ChainVerifier::default();
    let mut replay = Replay::default();
    let mut records = Vec::new();
    let mut last_seq = 0;
    store.db().for_each_row(
        &format!("SELECT {EVENT_COLUMNS} FROM audit_event ORDER BY seq"),
        vals![],
        &mut |row| {
            let event = read_event(row)?;
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
            Ok(())
        },
    )?;
    records.extend(compare_tables(store, &replay)?);
    let head: Option<String> = store.db().query_opt(
        "SELECT value FROM setting WHERE key = ?1",
        vals![AUDIT_HEAD],
        |row| row.get(0),
    )?;
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
pub(crate) fn screening_record_problems(
    store: &impl Records,
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
fn compare_tables(store: &impl Records, replay: &Replay) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    problems.extend(
        store
            .schema_problems()
            .iter()
            .map(|p| format!("schema: {p}")),
    );
    let ids: Vec<String> =
        store
            .db()
            .query_vec("SELECT id FROM screening ORDER BY id", vals![], |row| {
                row.get(0)
            })?;
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
pub(crate) fn audit_event_where(
    store: &impl Records,
    seq: Option<i64>,
    hash: Option<&str>,
) -> Result<Option<AuditEvent>, StoreError> {
    let (condition, value) = match (seq, hash) {
        (Some(seq), _) => ("seq = ?1", Value::Int(seq)),
        (None, Some(hash)) => ("hash = ?1", Value::Text(hash.to_ascii_lowercase())),
        (None, None) => return Ok(None),
    };
    store.db().query_opt(
        &format!("SELECT {EVENT_COLUMNS} FROM audit_event WHERE {condition} ORDER BY seq LIMIT 1"),
        &[value],
        read_event,
    )
}

pub(crate) fn latest_chain_hash(store: &impl Records) -> Result<String, StoreError> {
    let hash: Option<String> = store.db().query_opt(
        "SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1",
        vals![],
        |row| row.get(0),
    )?;
    Ok(hash.unwrap_or_else(|| GENESIS_HASH.to_owned()))
}

pub(crate) const EVENT_COLUMNS: &str = "seq, at_utc, utc_offset, coordinator_id, coordinator_name, \
     coordinator_role, screening_id, action, target, old_value, new_value, reason, prev_hash, hash, encoding, state_hash";

/// Reads an event leniently: a value of the wrong type (as tampering may leave) is read as
/// text or as absent, so verification names the event instead of failing on the read.
pub(crate) fn read_event(row: &Row) -> Result<AuditEvent, StoreError> {
    let text = |i: usize| -> Option<String> {
        match row.values.get(i) {
            None | Some(Value::Null) => None,
            Some(Value::Int(n)) => Some(n.to_string()),
            Some(Value::Text(text)) => Some(text.clone()),
        }
    };
    let required = |i: usize| text(i).unwrap_or_default();
    let integer = |i: usize| match row.values.get(i) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    Ok(AuditEvent {
        seq: row.get(0)?,
        at_utc: required(1),
        utc_offset: required(2),
        coordinator_id: integer(3).unwrap_or(-1),
        coordinator_name: required(4),
        coordinator_role: required(5),
        screening_id: text(6),
        action: required(7),
        target: text(8),
        old_value: text(9),
        new_value: text(10),
        reason: text(11),
        prev_hash: required(12),
        hash: required(13),
        encoding: integer(14).map_or(0, |n| u8::try_from(n).unwrap_or(u8::MAX)),
        state_hash: text(15),
    })
}

/// Stored definitions already loaded, by SHA-256 (a whole-store walk loads each once).
type Definitions = std::collections::HashMap<String, prescreen_core::trial::TrialDefinition>;

/// One screening's table row and answers against its replayed state, and its cached verdict
/// against what its answers give.
fn compare_screening(
    store: &impl Records,
    id: &str,
    replay: &Replay,
    definitions: &mut Definitions,
) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let in_table = load_state(store.db(), id)?;
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
    let row = load_screening_row(store.db(), id)?;
    let definition = match definitions.get(&row.definition_sha256) {
        Some(definition) => definition.clone(),
        None => match stored_definition(
            store.db(),
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
    let answers = load_answers(store.db(), id)?;
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
