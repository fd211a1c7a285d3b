//! A checkpoint: a signed statement of the audit chain's head and length, written to be filed
//! away from the machine (with the sponsor, in the eTMF). Whoever later rewrites the chain
//! consistently — re-hashing every event, or cutting the tail and the stored head together —
//! cannot make it agree with a checkpoint they cannot re-sign.
//!
//! The file is plain text: the statement lines, then a PEM block holding a detached CMS
//! signature (the same signed attributes as the PDF signature) over the statement's bytes.

use jiff::Timestamp;
use sha2_011::{Digest, Sha256};

use super::SigningError;
use super::cms;
use super::identity::{SigningIdentity, fingerprint, signer_name};
use super::trust::{TrustDecision, TrustList, certificate_problems, decide};

const FIRST_LINE: &str = "prescreen audit checkpoint v1";
const PEM_LABEL: &str = "PRESCREEN CHECKPOINT SIGNATURE";

/// What a checkpoint states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Number of the last event (the chain's length).
    pub last_seq: i64,
    /// That event's hash: the chain head.
    pub head: String,
    /// When the checkpoint was made (UTC).
    pub made_at: Timestamp,
    /// Which store it was taken of (a path or a server, for people reading it).
    pub store: String,
}

/// A checkpoint read back, with what holds of its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCheckpoint {
    /// The statement.
    pub checkpoint: Checkpoint,
    /// The signer as named by the certificate.
    pub signer: String,
    /// The certificate's SHA-256.
    pub certificate_sha256: String,
    /// Problems with the signature or certificate (empty when it is intact and may sign).
    pub problems: Vec<String>,
    /// Whether the trust list vouches for the signer.
    pub trust: TrustDecision,
}

fn statement(checkpoint: &Checkpoint, signer: &str, certificate_sha256: &str) -> String {
    format!(
        "{FIRST_LINE}\nstore: {}\nevents: {}\nhead: {}\nmade: {}\nsigned by: {signer} (certificate SHA-256 {certificate_sha256})\n",
        checkpoint.store.replace('\n', " "),
        checkpoint.last_seq,
        checkpoint.head,
        checkpoint.made_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
}

/// The checkpoint file's text: the statement and its signature.
pub fn write(checkpoint: &Checkpoint, identity: &SigningIdentity) -> Result<String, SigningError> {
    let name = signer_name(&identity.certificate).name;
    let text = statement(checkpoint, &name, &fingerprint(&identity.certificate));
    let cms = cms::signed_data(identity, &Sha256::digest(text.as_bytes()))?;
    let block = der::pem::encode_string(PEM_LABEL, der::pem::LineEnding::LF, &cms)
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    Ok(format!("{text}{block}"))
}

/// Reads a checkpoint file and checks its signature; `Err` when it is not a checkpoint at all.
pub fn read(text: &str, trust: &TrustList) -> Result<CheckedCheckpoint, String> {
    let begin = format!("-----BEGIN {PEM_LABEL}-----");
    let split = text
        .find(&begin)
        .ok_or_else(|| "not a prescreen checkpoint (no signature block)".to_owned())?;
    let (signed_text, block) = text.split_at(split);
    let mut lines = signed_text.lines();
    if lines.next() != Some(FIRST_LINE) {
        return Err("not a prescreen checkpoint (first line)".to_owned());
    }
    let mut field = |name: &str| -> Result<String, String> {
        lines
            .next()
            .and_then(|line| line.strip_prefix(&format!("{name}: ")))
            .map(str::to_owned)
            .ok_or_else(|| format!("the checkpoint has no `{name}:` line"))
    };
    let store = field("store")?;
    let last_seq: i64 = field("events")?
        .parse()
        .map_err(|_| "the checkpoint's event count is not a number".to_owned())?;
    let head = field("head")?;
    let made_at: Timestamp = field("made")?
        .parse()
        .map_err(|_| "the checkpoint's time cannot be read".to_owned())?;
    let (_, der) = der::pem::decode_vec(block.trim().as_bytes())
        .map_err(|e| format!("the checkpoint's signature block: {e}"))?;
    let parsed = cms::parse(&der)?;
    let mut problems = Vec::new();
    if parsed.message_digest != Sha256::digest(signed_text.as_bytes()).as_slice() {
        problems.push("the statement was changed after it was signed".to_owned());
    }
    if let Err(problem) = cms::verify_signature(
        &parsed.certificate,
        parsed.signature_algorithm,
        &parsed.signed_attributes_der,
        &parsed.signature,
    ) {
        problems.push(problem);
    }
    problems.extend(certificate_problems(&parsed.certificate, Some(made_at)));
    Ok(CheckedCheckpoint {
        checkpoint: Checkpoint {
            last_seq,
            head,
            made_at,
            store,
        },
        signer: signer_name(&parsed.certificate).name,
        certificate_sha256: fingerprint(&parsed.certificate),
        trust: decide(trust, &parsed.certificate, Some(made_at)),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::identity::{KeyAlgorithm, generate};
    use crate::signing::trust::TrustedKey;

    #[test]
    fn a_checkpoint_round_trips_and_an_edit_is_caught() {
        let now: Timestamp = "2026-12-02T08:00:00Z".parse().unwrap();
        let identity = generate(
            "Synthetic Coordinator",
            "Study coordinator",
            "CPH",
            KeyAlgorithm::P256,
            now,
        )
        .unwrap();
        let checkpoint = Checkpoint {
            last_seq: 42,
            head: "ab".repeat(32),
            made_at: now,
            store: "/tmp/x/prescreen.sqlite3".to_owned(),
        };
        let text = write(&checkpoint, &identity).unwrap();
        let trust = TrustList {
            signers: vec![TrustedKey {
                fingerprint: fingerprint(&identity.certificate),
                name: "Synthetic Coordinator".to_owned(),
                role: "Study coordinator".to_owned(),
                revoked: None,
            }],
            ..TrustList::default()
        };
        let read_back = read(&text, &trust).unwrap();
        assert_eq!(read_back.checkpoint, checkpoint);
        assert!(read_back.problems.is_empty(), "{:?}", read_back.problems);
        assert!(read_back.trust.is_trusted());

        let edited = text.replace("events: 42", "events: 41");
        let read_back = read(&edited, &trust).unwrap();
        assert!(
            read_back
                .problems
                .iter()
                .any(|p| p.contains("changed after it was signed"))
        );

        let untrusted = read(&text, &TrustList::default()).unwrap();
        assert!(!untrusted.trust.is_trusted());
    }
}
