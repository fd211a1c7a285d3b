//! What the audit chain covers besides the events themselves: each screening's *state* — its
//! trial and site, candidate fields, dates, status, and answers, as stored text.
//!
//! Why hashes of the state and not a projection: the tables stay the record the app, the
//! log and every query read (fast, indexed, simple), and the events stay the history. To make
//! a quiet edit of a table row visible, the last event of every write transaction carries the
//! SHA-256 of the screening's state after it, and `audit verify` *replays* the events into
//! states and compares them, field by field, with the tables. An edit of an answer, a status,
//! a date or the definition a screening points at is then named: screening, field, both
//! values. (The verdict is derived from this state and the stored definition; `audit verify`
//! recomputes it and compares it with the cached columns.)
//!
//! # Canonical state encoding (version 1)
//!
//! The line `prescreen-state-v1`, then one line per field in this order — `screening_id`,
//! `trial_id`, `definition_version`, `definition_sha256`, `site_code`, `initials`,
//! `date_of_birth`, `sex`, `childbearing_potential`, `pregnant`, `breastfeeding`,
//! `prescreening_date`, `planned_visit_date`, `status`, `status_reason`, `was_approached`,
//! `was_consented`, `rescreen_of` — then `answer.<criterion>` for every answer in criterion
//! order. `visit_date` follows `planned_visit_date` only once a visit has started, so the
//! states recorded before visits existed hash as they did. Each line is `name=` then `-` (absent) or the UTF-8 length, `:`, the value; `\n`
//! ends it. Values are the text the audit events carry (`female`, `true`, `2026-11-23`, an
//! entry's RON text), so every backend hashes the same bytes.

use std::collections::BTreeMap;

use prescreen_core::lifecycle::{ScreeningStatus, flags_after};
use sha2::{Digest, Sha256};

use crate::audit::{AuditAction, AuditEvent};

/// The first line of a state's canonical encoding.
const STATE_TAG: &str = "prescreen-state-v1";

/// A screening's recorded state as text, the same from the tables and from the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningState {
    /// Screening id.
    pub screening_id: String,
    /// Trial id.
    pub trial_id: String,
    /// Definition version.
    pub definition_version: String,
    /// Definition SHA-256.
    pub definition_sha256: String,
    /// Site code.
    pub site_code: String,
    /// Candidate fields by name (`initials`, `date_of_birth`, `sex`,
    /// `childbearing_potential`, `pregnant`, `breastfeeding`) as event text.
    pub candidate: BTreeMap<String, String>,
    /// `prescreening_date`, `planned_visit_date` and, once the visit started, `visit_date`.
    pub dates: BTreeMap<String, String>,
    /// Lifecycle status.
    pub status: String,
    /// The last status change's reason.
    pub status_reason: Option<String>,
    /// Approached at some point.
    pub was_approached: bool,
    /// Consented at some point.
    pub was_consented: bool,
    /// The earlier screening this one repeats.
    pub rescreen_of: Option<String>,
    /// Answers by criterion id, as stored RON text.
    pub answers: BTreeMap<String, String>,
}

/// The candidate field names, in encoding order.
pub const CANDIDATE_FIELDS: [&str; 6] = [
    "initials",
    "date_of_birth",
    "sex",
    "childbearing_potential",
    "pregnant",
    "breastfeeding",
];

impl ScreeningState {
    /// A new screening's state before any field is set.
    pub fn new(screening_id: &str) -> Self {
        Self {
            screening_id: screening_id.to_owned(),
            status: ScreeningStatus::Draft.as_str().to_owned(),
            ..Self::default()
        }
    }

    /// Every field as (name, value), in encoding order.
    pub fn fields(&self) -> Vec<(String, Option<String>)> {
        let flag = |b: bool| Some(if b { "true" } else { "false" }.to_owned());
        let mut fields: Vec<(String, Option<String>)> = vec![
            ("screening_id".into(), Some(self.screening_id.clone())),
            ("trial_id".into(), Some(self.trial_id.clone())),
            (
                "definition_version".into(),
                Some(self.definition_version.clone()),
            ),
            (
                "definition_sha256".into(),
                Some(self.definition_sha256.clone()),
            ),
            ("site_code".into(), Some(self.site_code.clone())),
        ];
        for name in CANDIDATE_FIELDS {
            fields.push((name.into(), self.candidate.get(name).cloned()));
        }
        for name in ["prescreening_date", "planned_visit_date"] {
            fields.push((name.into(), self.dates.get(name).cloned()));
        }
        if let Some(visit) = self.dates.get("visit_date") {
            fields.push(("visit_date".into(), Some(visit.clone())));
        }
        fields.push(("status".into(), Some(self.status.clone())));
        fields.push(("status_reason".into(), self.status_reason.clone()));
        fields.push(("was_approached".into(), flag(self.was_approached)));
        fields.push(("was_consented".into(), flag(self.was_consented)));
        fields.push(("rescreen_of".into(), self.rescreen_of.clone()));
        for (criterion, entry) in &self.answers {
            fields.push((format!("answer.{criterion}"), Some(entry.clone())));
        }
        fields
    }

    /// The canonical bytes (see the module docs).
    pub fn canonical_encoding(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(STATE_TAG.as_bytes());
        out.push(b'\n');
        for (name, value) in self.fields() {
            out.extend_from_slice(name.as_bytes());
            out.push(b'=');
            match value {
                None => out.push(b'-'),
                Some(text) => {
                    out.extend_from_slice(text.len().to_string().as_bytes());
                    out.push(b':');
                    out.extend_from_slice(text.as_bytes());
                }
            }
            out.push(b'\n');
        }
        out
    }

    /// SHA-256 of the canonical encoding, lowercase hex.
    pub fn hash(&self) -> String {
        Sha256::digest(self.canonical_encoding())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The first field where two states differ, with both values (`∅` for absent).
    pub fn first_difference(&self, other: &Self) -> Option<(String, String, String)> {
        let ours: BTreeMap<String, Option<String>> = self.fields().into_iter().collect();
        let theirs: BTreeMap<String, Option<String>> = other.fields().into_iter().collect();
        let show = |v: Option<&Option<String>>| {
            v.and_then(|v| v.clone()).unwrap_or_else(|| "∅".to_owned())
        };
        // Encoding order first (so "status" is named before an answer), then answers.
        let order: Vec<String> = self
            .fields()
            .into_iter()
            .chain(other.fields())
            .map(|(name, _)| name)
            .collect();
        order.into_iter().find_map(|name| {
            let (a, b) = (ours.get(&name), theirs.get(&name));
            (show(a) != show(b)).then(|| (name, show(a), show(b)))
        })
    }
}

/// Every screening's state rebuilt from the events, in order.
#[derive(Debug, Default)]
pub struct Replay {
    /// States by screening id.
    pub states: BTreeMap<String, ScreeningState>,
    /// The trusted-signer register by fingerprint: what was added (the event's text, see
    /// [`trusted_signer_text`]) and whether it was revoked since.
    pub signers: BTreeMap<String, (String, bool)>,
}

impl Replay {
    /// Applies one event. `Err` says why the event cannot be replayed (an event for a
    /// screening that was never created, a creation event that cannot be read).
    pub fn apply(&mut self, event: &AuditEvent) -> Result<(), String> {
        let action = event.action_kind();
        match (action, event.target.as_deref()) {
            (Some(AuditAction::SignerTrusted), Some(fingerprint)) => {
                self.signers.insert(
                    fingerprint.to_owned(),
                    (event.new_value.clone().unwrap_or_default(), false),
                );
                return Ok(());
            }
            (Some(AuditAction::SignerRevoked), Some(fingerprint)) => {
                return match self.signers.get_mut(fingerprint) {
                    Some(entry) => {
                        entry.1 = true;
                        Ok(())
                    }
                    None => Err(format!("revokes signer {fingerprint}, who was never added")),
                };
            }
            _ => {}
        }
        let Some(id) = event.screening_id.as_deref() else {
            return Ok(());
        };
        let value = event.new_value.clone();
        if matches!(
            action,
            Some(AuditAction::ScreeningCreated | AuditAction::ScreeningImported)
        ) {
            let mut state = ScreeningState::new(id);
            parse_created(value.as_deref().unwrap_or_default(), &mut state)?;
            self.states.insert(id.to_owned(), state);
            return Ok(());
        }
        let state = self
            .states
            .get_mut(id)
            .ok_or_else(|| format!("an event for {id} before it was created"))?;
        let target = event.target.clone().unwrap_or_default();
        match action {
            Some(AuditAction::CandidateFieldChanged) => {
                set(&mut state.candidate, target, value);
            }
            Some(AuditAction::DateChanged | AuditAction::VisitStarted) => {
                set(&mut state.dates, target, value)
            }
            Some(
                AuditAction::AnswerSet
                | AuditAction::AnswerChanged
                | AuditAction::NoteChanged
                | AuditAction::AnswerReconfirmed,
            ) => set(&mut state.answers, target, value),
            Some(AuditAction::AnswerCleared) => {
                state.answers.remove(&target);
            }
            Some(AuditAction::StatusChanged | AuditAction::Voided) => {
                let to: ScreeningStatus = value
                    .as_deref()
                    .unwrap_or_default()
                    .parse()
                    .map_err(|_| format!("event #{} names an unknown status", event.seq))?;
                let (approached, consented) =
                    flags_after(to, (state.was_approached, state.was_consented));
                state.status = to.as_str().to_owned();
                state.status_reason = event.reason.clone();
                state.was_approached = approached;
                state.was_consented = consented;
            }
            Some(AuditAction::DefinitionMoved) => {
                let moved = parse_moved(value.as_deref().unwrap_or_default())
                    .ok_or_else(|| format!("event #{} names no definition", event.seq))?;
                state.trial_id = moved.trial_id;
                state.definition_version = moved.version;
                state.definition_sha256 = moved.sha256;
                for criterion in moved.reopened.iter().chain(&moved.removed) {
                    state.answers.remove(criterion);
                }
            }
            Some(AuditAction::RescreenLinked) => {
                if let Some(earlier) = value
                    .as_deref()
                    .and_then(|v| v.strip_prefix("re-screen of "))
                {
                    state.rescreen_of = Some(earlier.to_owned());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn set(map: &mut BTreeMap<String, String>, key: String, value: Option<String>) {
    match value {
        Some(value) => {
            map.insert(key, value);
        }
        None => {
            map.remove(&key);
        }
    }
}

/// The text a `signer_trusted` event carries for a register entry: `signer NAME (ROLE)` or
/// `CA NAME (ROLE)`. The fingerprint is the event's target.
pub fn trusted_signer_text(kind: crate::SignerKind, name: &str, role: &str) -> String {
    match kind {
        crate::SignerKind::Signer => format!("signer {name} ({role})"),
        crate::SignerKind::Ca => format!("CA {name} ({role})"),
    }
}

/// What a `definition_moved` event says: the definition moved to, and the criteria whose
/// answers did not come along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedText {
    /// Trial id.
    pub trial_id: String,
    /// The version moved to.
    pub version: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Criteria changed or new in that version: open again.
    pub reopened: Vec<String>,
    /// Criteria that version no longer has: their answers are gone with them.
    pub removed: Vec<String>,
}

/// The text a `definition_moved` event carries:
/// `trial ID VERSION (SHA-256 HASH); open again: IN03 EX11; removed: EX09`.
pub fn moved_text(moved: &MovedText) -> String {
    format!(
        "trial {} {} (SHA-256 {}); open again: {}; removed: {}",
        moved.trial_id,
        moved.version,
        moved.sha256,
        moved.reopened.join(" "),
        moved.removed.join(" ")
    )
}

fn parse_moved(text: &str) -> Option<MovedText> {
    let mut parts = text.split("; ");
    let head = parts.next()?.strip_prefix("trial ")?;
    let (names, sha) = head.split_once(" (SHA-256 ")?;
    let (trial_id, version) = names.split_once(' ')?;
    let list = |part: Option<&str>, label: &str| -> Option<Vec<String>> {
        Some(
            part?
                .strip_prefix(label)?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        )
    };
    Some(MovedText {
        trial_id: trial_id.to_owned(),
        version: version.to_owned(),
        sha256: sha.strip_suffix(')')?.to_owned(),
        reopened: list(parts.next(), "open again:")?,
        removed: list(parts.next(), "removed:")?,
    })
}

/// The text every creation event carries: `trial ID VERSION (SHA-256 HASH), site SITE` and
/// optionally `; the file names coordinator NAME`.
pub fn created_text(trial_id: &str, version: &str, sha256: &str, site: &str) -> String {
    format!("trial {trial_id} {version} (SHA-256 {sha256}), site {site}")
}

fn parse_created(text: &str, state: &mut ScreeningState) -> Result<(), String> {
    let unreadable = || format!("the creation of {} cannot be read", state.screening_id);
    let head = text.split("; ").next().unwrap_or_default();
    let rest = head.strip_prefix("trial ").ok_or_else(unreadable)?;
    let (trial_part, site) = rest.rsplit_once("), site ").ok_or_else(unreadable)?;
    let (names, sha) = trial_part.split_once(" (SHA-256 ").ok_or_else(unreadable)?;
    let (trial_id, version) = names.split_once(' ').ok_or_else(unreadable)?;
    state.trial_id = trial_id.to_owned();
    state.definition_version = version.to_owned();
    state.definition_sha256 = sha.to_owned();
    state.site_code = site.to_owned();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_creation_text_round_trips() {
        let mut state = ScreeningState::new("AS-CPH-2026-0001");
        let text = format!(
            "{}; the file names coordinator Someone",
            created_text("assix", "1.1.0", "abc123", "CPH")
        );
        assert_eq!(parse_created(&text, &mut state), Ok(()));
        assert_eq!(
            (
                state.trial_id.as_str(),
                state.definition_version.as_str(),
                state.definition_sha256.as_str(),
                state.site_code.as_str()
            ),
            ("assix", "1.1.0", "abc123", "CPH")
        );
    }

    #[test]
    fn a_changed_field_changes_the_hash_and_is_named() {
        let mut a = ScreeningState::new("X");
        a.answers
            .insert("IN03".into(), "(answer:Value(\"19\"))".into());
        let mut b = a.clone();
        b.answers
            .insert("IN03".into(), "(answer:Value(\"21\"))".into());
        assert_ne!(a.hash(), b.hash());
        let (field, _, new) = a.first_difference(&b).unwrap_or_default();
        assert_eq!(field, "answer.IN03");
        assert!(new.contains("21"));
    }

    #[test]
    fn a_move_reads_back_as_written() {
        let moved = MovedText {
            trial_id: "a-muse".into(),
            version: "1.3.0".into(),
            sha256: "ab".repeat(32),
            reopened: vec!["IN03".into(), "EX11".into()],
            removed: vec![],
        };
        assert_eq!(parse_moved(&moved_text(&moved)), Some(moved));
    }
}
