//! The site's register of trusted signers: who may sign screening summaries that `verify`
//! accepts as VALID. Entries are added and revoked, never deleted; each change is an audit
//! event.

use super::Records;
use super::writer::EventDraft;
use crate::audit::AuditAction;
use crate::sql::vals;
use crate::state::trusted_signer_text;
use crate::{CoordinatorId, NewTrustedSigner, SignerKind, StoreError, TrustedSigner};
use prescreen_core::lifecycle::require_reason;
use prescreen_core::validation::{MAX_TEXT_CHARS, check_text};

fn is_fingerprint(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(crate) fn add(
    store: &mut impl Records,
    signer: &NewTrustedSigner,
    by: CoordinatorId,
) -> Result<(), StoreError> {
    let fingerprint = signer.fingerprint.to_ascii_lowercase();
    if !is_fingerprint(&fingerprint) {
        return Err(StoreError::InvalidInput(vec![
            prescreen_core::validation::InputProblem {
                criterion: None,
                field: "fingerprint".to_owned(),
                message: "a SHA-256 fingerprint is 64 hexadecimal digits".to_owned(),
            },
        ]));
    }
    for (field, text) in [("name", &signer.name), ("role", &signer.role)] {
        if text.trim().is_empty() {
            return Err(StoreError::InvalidInput(vec![
                prescreen_core::validation::InputProblem {
                    criterion: None,
                    field: field.to_owned(),
                    message: "required".to_owned(),
                },
            ]));
        }
        check_text(None, field, text, 200).map_err(|p| StoreError::InvalidInput(vec![p]))?;
    }
    store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let exists: Option<String> = w.tx.query_opt(
            "SELECT name FROM trusted_signer WHERE fingerprint = ?1",
            vals![fingerprint],
            |row| row.get(0),
        )?;
        if let Some(name) = exists {
            return Err(StoreError::DuplicateSigner(format!(
                "{fingerprint} is already registered (as {name})"
            )));
        }
        w.tx.execute(
            "INSERT INTO trusted_signer (fingerprint, kind, name, role, certificate, added_utc, \
             added_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            vals![
                fingerprint,
                signer.kind.as_str(),
                signer.name.trim(),
                signer.role.trim(),
                signer.certificate_pem,
                w.stamp.utc_text(),
                coordinator.id
            ],
        )?;
        let what = trusted_signer_text(signer.kind, signer.name.trim(), signer.role.trim());
        w.append(
            &coordinator,
            EventDraft {
                screening_id: None,
                action: AuditAction::SignerTrusted,
                target: Some(&fingerprint),
                old_value: None,
                new_value: Some(&what),
                reason: None,
            },
        )
    })
}

pub(crate) fn revoke(
    store: &mut impl Records,
    fingerprint: &str,
    reason: &str,
    by: CoordinatorId,
) -> Result<(), StoreError> {
    let fingerprint = fingerprint.to_ascii_lowercase();
    let reason = require_reason(Some(reason), || "revoking a trusted signer".to_owned())
        .map_err(|e| StoreError::ReasonRequired {
            screening: fingerprint.clone(),
            what: e.to_string(),
        })?
        .to_owned();
    check_text(None, "reason", &reason, MAX_TEXT_CHARS)
        .map_err(|p| StoreError::InvalidInput(vec![p]))?;
    store.write(|w| {
        let coordinator = w.coordinator(by)?;
        let found: Option<(String, Option<String>)> = w.tx.query_opt(
            "SELECT name, revoked_utc FROM trusted_signer WHERE fingerprint = ?1",
            vals![fingerprint],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let (name, revoked) =
            found.ok_or_else(|| StoreError::UnknownSigner(fingerprint.clone()))?;
        if revoked.is_some() {
            return Err(StoreError::DuplicateSigner(format!(
                "{fingerprint} ({name}) is already revoked"
            )));
        }
        w.tx.execute(
            "UPDATE trusted_signer SET revoked_utc = ?2, revoke_reason = ?3 WHERE fingerprint = ?1",
            vals![fingerprint, w.stamp.utc_text(), reason],
        )?;
        w.append(
            &coordinator,
            EventDraft {
                screening_id: None,
                action: AuditAction::SignerRevoked,
                target: Some(&fingerprint),
                old_value: Some(&name),
                new_value: None,
                reason: Some(&reason),
            },
        )
    })
}

pub(crate) fn list(store: &impl Records) -> Result<Vec<TrustedSigner>, StoreError> {
    store.db().query_vec(
        "SELECT t.fingerprint, t.kind, t.name, t.role, t.certificate, t.added_utc, \
         c.name, t.revoked_utc, t.revoke_reason FROM trusted_signer t \
         JOIN coordinator c ON c.id = t.added_by ORDER BY t.added_utc, t.fingerprint",
        vals![],
        |row| {
            let kind: String = row.get(1)?;
            let revoked_utc: Option<String> = row.get(7)?;
            let reason: Option<String> = row.get(8)?;
            Ok(TrustedSigner {
                fingerprint: row.get(0)?,
                kind: if kind == "ca" {
                    SignerKind::Ca
                } else {
                    SignerKind::Signer
                },
                name: row.get(2)?,
                role: row.get(3)?,
                certificate_pem: row.get(4)?,
                added_utc: row.get(5)?,
                added_by: row.get(6)?,
                revoked: revoked_utc.map(|at| (at, reason.unwrap_or_default())),
            })
        },
    )
}
