//! The audit trail: append-only events, one global SHA-256 hash chain, and its verification.
//!
//! 21 CFR Part 11 §11.10(e) asks for secure, computer-generated, time-stamped audit trails
//! that record who changed what, when, and never obscure the previous value. Each event stores
//! the hash of the event before it and the hash of its own *canonical encoding*, so editing,
//! deleting or reordering any stored event breaks the chain at that point, and
//! [`verify_chain`] names the first broken link.
//!
//! # Canonical encoding (version 1)
//!
//! The hashed bytes are the line `prescreen-audit-v1` followed by one line per field, in this
//! fixed order: `seq`, `prev_hash`, `at_utc`, `utc_offset`, `coordinator_id`,
//! `coordinator_name`, `coordinator_role`, `screening_id`, `action`, `target`, `old_value`,
//! `new_value`, `reason`. A line is `name=` then `-` for an absent value, or the value's
//! length in UTF-8 bytes, `:`, and the bytes; every line ends with `\n`. The length prefix
//! makes the encoding unambiguous whatever the values contain. The hash is the lowercase hex
//! SHA-256 of those bytes. The first event's `prev_hash` is [`GENESIS_HASH`].
//!
//! Values are hashed exactly as stored (text), so verification never depends on how a value
//! is parsed or formatted by a later version of prescreen.
//!
//! # Canonical encoding (version 2)
//!
//! The same with the first line `prescreen-audit-v2` and a fourteenth field, `state_hash`:
//! on the last event a write appends for a screening, the SHA-256 of that screening's state
//! after the write ([`crate::state`]); `-` elsewhere. An event records its encoding (the
//! `encoding` column), so events written before version 2 keep verifying; changing that column
//! changes the bytes hashed and breaks the link.

use std::fmt;

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The first line of the canonical encoding of events written before state hashes.
const ENCODING_TAG_V1: &str = "prescreen-audit-v1";

/// The first line of the canonical encoding with the screening's state hash (version 2).
const ENCODING_TAG_V2: &str = "prescreen-audit-v2";

/// The encoding new events are written with.
pub const CURRENT_ENCODING: u8 = 2;

/// What happened: one kind per change the trail must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A coordinator identity was saved (so later events can name them).
    CoordinatorSaved,
    /// A screening was started in the app or from the command line.
    ScreeningCreated,
    /// A screening was imported from a RON file.
    ScreeningImported,
    /// A criterion got its first answer.
    AnswerSet,
    /// An answered criterion got a different answer (needs a reason).
    AnswerChanged,
    /// A criterion's answer was removed (needs a reason).
    AnswerCleared,
    /// Only the note or evidence of an answer changed.
    NoteChanged,
    /// A candidate field (initials, date of birth, sex, childbearing potential) changed.
    CandidateFieldChanged,
    /// The pre-screening or planned visit date changed.
    DateChanged,
    /// The screening moved to another status.
    StatusChanged,
    /// The verdict was recorded (draft → pre-screened).
    VerdictRecorded,
    /// The screening was voided as entered in error (never deleted).
    Voided,
    /// The summary was signed.
    Signed,
    /// The screening or its summary left prescreen (PDF, RON export).
    Exported,
    /// A change after signing: the earlier signed PDFs no longer show the record.
    Superseded,
    /// A NOT ELIGIBLE screening and the later screening that repeats it were linked (one
    /// event in each screening's trail).
    RescreenLinked,
    /// A signer (or a CA whose signers are trusted) was added to the site's register.
    SignerTrusted,
    /// A trusted signer or CA was revoked (with a reason).
    SignerRevoked,
    /// The visit started: the day it took place (windows counted from the visit use it).
    VisitStarted,
    /// A pre-screen answer was re-confirmed at the visit (still true, or changed).
    AnswerReconfirmed,
    /// A trial definition was reviewed and marked verified (who, their role and the date are
    /// in its provenance; the event names the version and hash).
    DefinitionVerified,
    /// A screening in progress moved to a newer version of its trial's definition: answers
    /// to unchanged criteria kept, changed and new ones open again, removed ones listed.
    DefinitionMoved,
}

impl AuditAction {
    /// Every action, for parsing and for documentation.
    pub const ALL: [Self; 22] = [
        Self::CoordinatorSaved,
        Self::ScreeningCreated,
        Self::ScreeningImported,
        Self::AnswerSet,
        Self::AnswerChanged,
        Self::AnswerCleared,
        Self::NoteChanged,
        Self::CandidateFieldChanged,
        Self::DateChanged,
        Self::StatusChanged,
        Self::VerdictRecorded,
        Self::Voided,
        Self::Signed,
        Self::Exported,
        Self::Superseded,
        Self::RescreenLinked,
        Self::SignerTrusted,
        Self::SignerRevoked,
        Self::VisitStarted,
        Self::AnswerReconfirmed,
        Self::DefinitionVerified,
        Self::DefinitionMoved,
    ];

    /// The stable text stored in the database and hashed; never change an existing one.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CoordinatorSaved => "coordinator_saved",
            Self::ScreeningCreated => "screening_created",
            Self::ScreeningImported => "screening_imported",
            Self::AnswerSet => "answer_set",
            Self::AnswerChanged => "answer_changed",
            Self::AnswerCleared => "answer_cleared",
            Self::NoteChanged => "note_changed",
            Self::CandidateFieldChanged => "candidate_field_changed",
            Self::DateChanged => "date_changed",
            Self::StatusChanged => "status_changed",
            Self::VerdictRecorded => "verdict_recorded",
            Self::Voided => "voided",
            Self::Signed => "signed",
            Self::Exported => "exported",
            Self::Superseded => "superseded",
            Self::RescreenLinked => "rescreen_linked",
            Self::SignerTrusted => "signer_trusted",
            Self::SignerRevoked => "signer_revoked",
            Self::VisitStarted => "visit_started",
            Self::AnswerReconfirmed => "answer_reconfirmed",
            Self::DefinitionVerified => "definition_verified",
            Self::DefinitionMoved => "definition_moved",
        }
    }

    /// Parses the stored text back; `None` for text no version of prescreen wrote.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == text)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stored audit event, with its place in the chain.
///
/// Values are kept as the exact stored text so the hash can be recomputed byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the global chain, 1-based, without gaps.
    pub seq: i64,
    /// When, in UTC (RFC 3339 with a `Z`).
    pub at_utc: String,
    /// The local UTC offset at that moment (`+01:00`), as the coordinator's clock showed it.
    pub utc_offset: String,
    /// Who: the coordinator's id in the store.
    pub coordinator_id: i64,
    /// Who: the coordinator's name when the event was recorded.
    pub coordinator_name: String,
    /// Who: the coordinator's role when the event was recorded.
    pub coordinator_role: String,
    /// The screening concerned; `None` for events about the store itself.
    pub screening_id: Option<String>,
    /// What happened.
    pub action: String,
    /// Which criterion or field.
    pub target: Option<String>,
    /// The value before the change.
    pub old_value: Option<String>,
    /// The value after the change.
    pub new_value: Option<String>,
    /// Why, where the change needs a reason.
    pub reason: Option<String>,
    /// Hash of the previous event ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Hash of this event's canonical encoding.
    pub hash: String,
    /// Which canonical encoding the hash covers: 1 (before state hashes) or 2.
    pub encoding: u8,
    /// In encoding 2, on the last event of a write for a screening: the SHA-256 of the
    /// screening's state after it (see [`crate::state`]).
    pub state_hash: Option<String>,
}

impl AuditEvent {
    /// The action as an enum, when it is one this version knows.
    pub fn action_kind(&self) -> Option<AuditAction> {
        AuditAction::parse(&self.action)
    }

    /// The canonical bytes this event's hash covers (see the module docs).
    pub fn canonical_encoding(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        let tag = if self.encoding >= 2 {
            ENCODING_TAG_V2
        } else {
            ENCODING_TAG_V1
        };
        out.extend_from_slice(tag.as_bytes());
        out.push(b'\n');
        let seq = self.seq.to_string();
        let coordinator_id = self.coordinator_id.to_string();
        let mut fields: Vec<(&str, Option<&str>)> = vec![
            ("seq", Some(&seq)),
            ("prev_hash", Some(&self.prev_hash)),
            ("at_utc", Some(&self.at_utc)),
            ("utc_offset", Some(&self.utc_offset)),
            ("coordinator_id", Some(&coordinator_id)),
            ("coordinator_name", Some(&self.coordinator_name)),
            ("coordinator_role", Some(&self.coordinator_role)),
            ("screening_id", self.screening_id.as_deref()),
            ("action", Some(&self.action)),
            ("target", self.target.as_deref()),
            ("old_value", self.old_value.as_deref()),
            ("new_value", self.new_value.as_deref()),
            ("reason", self.reason.as_deref()),
        ];
        if self.encoding >= 2 {
            fields.push(("state_hash", self.state_hash.as_deref()));
        }
        for (name, value) in fields {
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

    /// The hash this event should carry: SHA-256 of its canonical encoding, lowercase hex.
    pub fn computed_hash(&self) -> String {
        hex(&Sha256::digest(self.canonical_encoding()))
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The event (its `seq`) where the problem shows.
    pub seq: i64,
    /// What is wrong there.
    pub problem: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event #{}: {}", self.seq, self.problem)
    }
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// How many events were read.
    pub events: u64,
    /// The hash of the last event ([`GENESIS_HASH`] when there are none).
    pub head: String,
    /// The first broken link, or `None` when the chain is intact.
    pub first_break: Option<BrokenLink>,
    /// Where the records disagree with the trail: a table edited behind the store's back, a
    /// cached verdict that the stored answers do not give, a definition text that no longer
    /// has its hash, a schema that is not the one the migrations made. Empty when they agree.
    pub records: Vec<String>,
}

impl ChainReport {
    /// Whether every link holds and the records agree with the trail.
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none() && self.records.is_empty()
    }
}

/// Walks events in `seq` order and checks each link; keeps only the previous event, so memory
/// stays flat however long the trail. Feed it every event, then call [`ChainVerifier::finish`].
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    previous_hash: String,
    events: u64,
    first_break: Option<BrokenLink>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            previous_hash: GENESIS_HASH.to_owned(),
            events: 0,
            first_break: None,
        }
    }
}

impl ChainVerifier {
    /// Checks the next event against the one before it.
    pub fn push(&mut self, event: &AuditEvent) {
        self.events += 1;
        if self.first_break.is_none() {
            let problem = if event.seq != self.expected_seq {
                Some(format!(
                    "expected event #{} here; events are missing or were inserted",
                    self.expected_seq
                ))
            } else if event.prev_hash != self.previous_hash {
                Some(format!(
                    "records previous hash {}, but the event before it hashes to {}",
                    event.prev_hash, self.previous_hash
                ))
            } else {
                let computed = event.computed_hash();
                (computed != event.hash).then(|| {
                    format!(
                        "content does not match its hash (stored {}, computed {computed}); \
                         the event was altered",
                        event.hash
                    )
                })
            };
            if let Some(problem) = problem {
                self.first_break = Some(BrokenLink {
                    seq: event.seq,
                    problem,
                });
            }
        }
        self.expected_seq = event.seq + 1;
        self.previous_hash = event.hash.clone();
    }

    /// Records a problem found outside the events themselves (e.g. a truncated tail).
    pub fn fail(&mut self, seq: i64, problem: String) {
        if self.first_break.is_none() {
            self.first_break = Some(BrokenLink { seq, problem });
        }
    }

    /// The hash of the last event pushed.
    pub fn head(&self) -> &str {
        &self.previous_hash
    }

    /// The report.
    pub fn finish(self) -> ChainReport {
        ChainReport {
            events: self.events,
            head: self.previous_hash,
            first_break: self.first_break,
            records: Vec::new(),
        }
    }
}

/// Checks a list of events; convenience over [`ChainVerifier`] for tests and small trails.
pub fn verify_chain<'a>(events: impl IntoIterator<Item = &'a AuditEvent>) -> ChainReport {
    let mut verifier = ChainVerifier::default();
    for event in events {
        verifier.push(event);
    }
    verifier.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, prev: &str) -> AuditEvent {
        let mut e = AuditEvent {
            seq,
            at_utc: "2026-11-23T10:00:00Z".to_owned(),
            utc_offset: "+01:00".to_owned(),
            coordinator_id: 1,
            coordinator_name: "Coordinator A".to_owned(),
            coordinator_role: "study nurse".to_owned(),
            screening_id: Some("AS-CPH-2026-0001".to_owned()),
            action: AuditAction::AnswerSet.as_str().to_owned(),
            target: Some("IN01".to_owned()),
            old_value: None,
            new_value: Some("(answer:Yes)".to_owned()),
            reason: None,
            prev_hash: prev.to_owned(),
            hash: String::new(),
            encoding: CURRENT_ENCODING,
            state_hash: None,
        };
        e.hash = e.computed_hash();
        e
    }

    #[test]
    fn encoding_is_unambiguous_between_absent_and_empty() {
        let mut a = event(1, GENESIS_HASH);
        let mut b = a.clone();
        a.reason = None;
        b.reason = Some(String::new());
        assert_ne!(a.computed_hash(), b.computed_hash());
    }

    #[test]
    fn encoding_is_stable() {
        let mut e = event(1, GENESIS_HASH);
        e.encoding = 1;
        let text = String::from_utf8(e.canonical_encoding()).unwrap_or_default();
        assert!(text.starts_with("prescreen-audit-v1\nseq=1:1\nprev_hash=64:0000"));
        assert!(text.ends_with("\nold_value=-\nnew_value=12:(answer:Yes)\nreason=-\n"));

        e.encoding = 2;
        e.state_hash = Some("ab".repeat(32));
        let text = String::from_utf8(e.canonical_encoding()).unwrap_or_default();
        assert!(text.starts_with("prescreen-audit-v2\nseq=1:1\nprev_hash=64:0000"));
        assert!(text.ends_with(&format!("\nreason=-\nstate_hash=64:{}\n", "ab".repeat(32))));
    }

    #[test]
    fn the_state_hash_is_covered_by_the_event_hash() {
        let mut a = event(1, GENESIS_HASH);
        a.state_hash = Some("00".repeat(32));
        let mut b = a.clone();
        b.state_hash = Some("11".repeat(32));
        assert_ne!(a.computed_hash(), b.computed_hash());
        let mut c = a.clone();
        c.encoding = 1;
        assert_ne!(
            a.computed_hash(),
            c.computed_hash(),
            "downgrading the encoding changes the hash"
        );
    }

    #[test]
    fn a_chain_verifies_and_an_edit_is_named() {
        let first = event(1, GENESIS_HASH);
        let second = event(2, &first.hash);
        let third = event(3, &second.hash);
        let report = verify_chain([&first, &second, &third]);
        assert!(report.is_intact());
        assert_eq!(report.head, third.hash);

        let mut edited = second.clone();
        edited.new_value = Some("(answer:No)".to_owned());
        let report = verify_chain([&first, &edited, &third]);
        assert_eq!(report.first_break.map(|b| b.seq), Some(2));

        let report = verify_chain([&first, &third]);
        assert_eq!(report.first_break.map(|b| b.seq), Some(3));
    }

    #[test]
    fn actions_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }
}
