//! What a store adds to checking a signed PDF or an anchor: the site's register of trusted
//! signers as a trust list, whether the screening changed after the PDF was signed, and
//! whether a chain head printed in a PDF (or stated in a checkpoint) is in the chain where it
//! should be. Glue between `prescreen-store` and `prescreen-pdf`, shared by every door.

use std::path::Path;

use crate::signing::checkpoint::CheckedCheckpoint;
use crate::signing::trust::{TrustList, TrustedCa, TrustedKey, read_certificates};
use crate::signing::verify::Verification;
use crate::storage::{
    AuditAction, CoordinatorId, NewTrustedSigner, SignerKind, Store, StoreError, TrustedSigner,
};

/// Registers a new signing identity's certificate as a trusted signer (an audit event by
/// `by`): what `identity new`/`import` and the window's "create identity" do, so a site's own
/// coordinators verify as VALID on its store. `Ok(false)` when it was already registered.
pub fn register_signer(
    store: &mut dyn Store,
    certificate: &crate::signing::Certificate,
    by: CoordinatorId,
) -> Result<bool, StoreError> {
    let named = crate::signing::identity::signer_name(certificate);
    let new = NewTrustedSigner {
        fingerprint: crate::signing::identity::fingerprint(certificate),
        kind: SignerKind::Signer,
        name: named.name,
        role: named.role.unwrap_or_default(),
        certificate_pem: crate::signing::identity::certificate_pem(certificate).ok(),
    };
    match store.add_trusted_signer(&new, by) {
        Ok(()) => Ok(true),
        Err(StoreError::DuplicateSigner(_)) => Ok(false),
        Err(error) => Err(error),
    }
}

/// The register as a trust list; entries that cannot be used (a CA whose stored certificate
/// does not match its fingerprint) are left out and named in the second list.
pub fn trust_from_register(signers: &[TrustedSigner], source: &str) -> (TrustList, Vec<String>) {
    let mut list = TrustList {
        sources: vec![source.to_owned()],
        ..TrustList::default()
    };
    let mut skipped = Vec::new();
    for signer in signers {
        let revoked = signer
            .revoked
            .as_ref()
            .map(|(at, reason)| format!("{at}: {reason}"));
        match signer.kind {
            SignerKind::Signer => list.signers.push(TrustedKey {
                fingerprint: signer.fingerprint.clone(),
                name: signer.name.clone(),
                role: signer.role.clone(),
                revoked,
            }),
            SignerKind::Ca => {
                let certificate = signer
                    .certificate_pem
                    .as_deref()
                    .and_then(|pem| read_certificates(pem.as_bytes()).ok())
                    .and_then(|certs| certs.into_iter().next())
                    .filter(|cert| {
                        crate::signing::identity::fingerprint(cert)
                            .eq_ignore_ascii_case(&signer.fingerprint)
                    });
                match certificate {
                    Some(certificate) => list.cas.push(TrustedCa {
                        certificate,
                        name: signer.name.clone(),
                        revoked,
                    }),
                    None => skipped.push(format!(
                        "CA {} ({}): its stored certificate is missing or does not have its fingerprint",
                        signer.name, signer.fingerprint
                    )),
                }
            }
        }
    }
    (list, skipped)
}

/// `--trust FILE` and `--fingerprint HEX` as a trust list (a CA certificate given with
/// `--trust` trusts what it issued).
pub fn trust_from_arguments(
    files: &[impl AsRef<Path>],
    fingerprints: &[String],
) -> Result<TrustList, String> {
    let mut list = TrustList::default();
    for file in files {
        let path = file.as_ref();
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if bytes.len() > 1024 * 1024 {
            return Err(format!(
                "{}: larger than 1 MB, not a certificate",
                path.display()
            ));
        }
        for certificate in
            read_certificates(&bytes).map_err(|e| format!("{}: {e}", path.display()))?
        {
            let name = crate::signing::identity::signer_name(&certificate);
            if crate::signing::trust::ca_problem(&certificate).is_none() {
                list.cas.push(TrustedCa {
                    certificate,
                    name: name.name,
                    revoked: None,
                });
            } else {
                list.signers.push(TrustedKey {
                    fingerprint: crate::signing::identity::fingerprint(&certificate),
                    name: name.name,
                    role: name.role.unwrap_or_default(),
                    revoked: None,
                });
            }
        }
        list.sources.push(format!("--trust {}", path.display()));
    }
    for fingerprint in fingerprints {
        let fingerprint = normalise_fingerprint(fingerprint)
            .ok_or_else(|| format!("--fingerprint {fingerprint}: not 64 hexadecimal digits"))?;
        list.signers.push(TrustedKey {
            fingerprint: fingerprint.clone(),
            name: format!("fingerprint {}…", &fingerprint[..16]),
            role: "given on the command line".to_owned(),
            revoked: None,
        });
        list.sources.push("--fingerprint".to_owned());
    }
    Ok(list)
}

/// Lowercase hex without separators (`AB:CD…` and `abcd…` are the same fingerprint), or `None`
/// when it is not 64 hex digits.
pub fn normalise_fingerprint(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// What the store says about a verified PDF: facts to print, and problems (a disagreement
/// between the PDF and the store's chain).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StoreFindings {
    /// What holds, in words.
    pub notes: Vec<String>,
    /// Where the store and the PDF disagree.
    pub problems: Vec<String>,
}

/// The PDF's screening and chain head against the store.
pub fn store_findings(
    store: &dyn Store,
    verification: &Verification,
) -> Result<StoreFindings, StoreError> {
    let mut findings = StoreFindings::default();
    let Some(record) = &verification.record else {
        return Ok(findings);
    };
    let events = match store.screening_history(&record.screening_id) {
        Ok(events) => events,
        Err(StoreError::UnknownScreening(_)) => {
            findings.problems.push(format!(
                "this store has no screening {}: the PDF was made from another store",
                record.screening_id
            ));
            return Ok(findings);
        }
        Err(e) => return Err(e),
    };
    let signed_at = events.iter().find(|e| {
        e.action_kind() == Some(AuditAction::Signed)
            && e.new_value
                .as_deref()
                .is_some_and(|v| v.contains(&verification.file_sha256))
    });
    match signed_at {
        Some(event) => findings.notes.push(format!(
            "its signature is recorded at event #{} ({}, by {})",
            event.seq, event.at_utc, event.coordinator_name
        )),
        None => findings.problems.push(format!(
            "the store's trail of {} records no signature of this file (SHA-256 {})",
            record.screening_id, verification.file_sha256
        )),
    }
    let after = signed_at.map_or(i64::MAX, |e| e.seq);
    let changes: Vec<String> = events
        .iter()
        .filter(|e| e.seq > after)
        .filter(|e| {
            matches!(
                e.action_kind(),
                Some(
                    AuditAction::AnswerSet
                        | AuditAction::AnswerChanged
                        | AuditAction::AnswerCleared
                        | AuditAction::NoteChanged
                        | AuditAction::CandidateFieldChanged
                        | AuditAction::DateChanged
                        | AuditAction::VisitStarted
                        | AuditAction::AnswerReconfirmed
                        | AuditAction::Superseded
                        | AuditAction::Signed
                )
            )
        })
        .map(|e| match &e.target {
            Some(target) => format!("#{} {} {target}", e.seq, e.action),
            None => format!("#{} {}", e.seq, e.action),
        })
        .collect();
    if !changes.is_empty() {
        findings.notes.push(format!(
            "SUPERSEDED: the screening changed after this PDF was signed ({}{})",
            changes
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if changes.len() > 5 {
                format!(", and {} more", changes.len() - 5)
            } else {
                String::new()
            }
        ));
    }
    if let Ok(stored) = store.load_screening(&record.screening_id)
        && stored.status == crate::lifecycle::ScreeningStatus::Voided
    {
        findings.notes.push(format!(
            "VOIDED since: {}",
            stored.status_reason.unwrap_or_default()
        ));
    }
    match &record.chain_head {
        None => findings
            .notes
            .push("the PDF prints no chain head (an unsigned draft or an older summary)".to_owned()),
        Some(head) => match store.audit_event_with_hash(head)? {
            Some(event) if event.seq < after => findings.notes.push(format!(
                "the chain head it printed is event #{} of the store's chain, before its signature: in place",
                event.seq
            )),
            Some(event) => findings.problems.push(format!(
                "the chain head it printed is event #{}, which comes after its own signature event: out of place",
                event.seq
            )),
            None => findings.problems.push(format!(
                "the chain head it printed ({head}) is not in the store's chain: the chain was rewritten, or the PDF comes from another store"
            )),
        },
    }
    Ok(findings)
}

/// Whether an anchor holds against the store's chain: `Ok(what holds)` or `Err(what fails)`.
pub fn check_pdf_anchor(
    store: &dyn Store,
    verification: &Verification,
) -> Result<Result<String, String>, StoreError> {
    if !verification.intact {
        return Ok(Err(
            "the PDF's signature does not verify, so its chain head is no anchor".to_owned(),
        ));
    }
    let Some(head) = verification
        .record
        .as_ref()
        .and_then(|r| r.chain_head.clone())
    else {
        return Ok(Err("the PDF prints no chain head".to_owned()));
    };
    Ok(match store.audit_event_with_hash(&head)? {
        Some(event) => Ok(format!(
            "its chain head is event #{} of the chain",
            event.seq
        )),
        None => Err(format!(
            "its chain head {head} is not in the chain: events before it were rewritten or removed"
        )),
    })
}

/// A checkpoint against the store's chain.
pub fn check_checkpoint_anchor(
    store: &dyn Store,
    checked: &CheckedCheckpoint,
) -> Result<Result<String, String>, StoreError> {
    if !checked.problems.is_empty() {
        return Ok(Err(format!(
            "the checkpoint's signature does not hold ({})",
            checked.problems.join("; ")
        )));
    }
    let checkpoint = &checked.checkpoint;
    Ok(match store.audit_event_at(checkpoint.last_seq)? {
        Some(event) if event.hash.eq_ignore_ascii_case(&checkpoint.head) => Ok(format!(
            "event #{} still has the hash the checkpoint of {} states",
            checkpoint.last_seq, checkpoint.made_at
        )),
        Some(event) => Err(format!(
            "event #{} has hash {} but the checkpoint of {} states {}: the chain was rewritten",
            checkpoint.last_seq, event.hash, checkpoint.made_at, checkpoint.head
        )),
        None => Err(format!(
            "the chain has no event #{} though the checkpoint of {} counted it: events were removed",
            checkpoint.last_seq, checkpoint.made_at
        )),
    })
}
