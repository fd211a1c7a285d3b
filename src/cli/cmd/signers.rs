//! `prescreen signers add|add-ca|list|revoke`: the site's register of trusted signers, kept in
//! the store; every change is an audit event.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};

use crate::cli::args::SignersAction;
use crate::cli::context::Context;
use crate::signing::identity::{fingerprint, signer_name};
use crate::signing::trust::{ca_problem, certificate_problems, read_certificates};
use crate::storage::{NewTrustedSigner, SignerKind};
use crate::verification::normalise_fingerprint;

fn read_certificate(path: &Path) -> Result<crate::signing::Certificate> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() > 1024 * 1024 {
        bail!("{}: larger than 1 MB, not a certificate", path.display());
    }
    read_certificates(&bytes)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("{}: no certificate", path.display()))
}

fn pem(certificate: &crate::signing::Certificate) -> Result<String> {
    Ok(crate::signing::identity::certificate_pem(certificate)?)
}

/// Runs `signers …`.
pub fn run(context: &mut Context, action: SignersAction) -> Result<ExitCode> {
    match action {
        SignersAction::Add {
            cert,
            fingerprint: given,
            name,
            role,
        } => {
            let by = context.coordinator()?.id;
            let new = match (&cert, &given) {
                (Some(path), _) => {
                    let certificate = read_certificate(path)?;
                    let problems = certificate_problems(&certificate, Some(jiff::Timestamp::now()));
                    if !problems.is_empty() {
                        bail!(
                            "{} cannot be trusted to sign: {}; nothing was registered",
                            path.display(),
                            problems.join("; ")
                        );
                    }
                    let named = signer_name(&certificate);
                    NewTrustedSigner {
                        fingerprint: fingerprint(&certificate),
                        kind: SignerKind::Signer,
                        name: name.unwrap_or(named.name),
                        role: role.or(named.role).unwrap_or_default(),
                        certificate_pem: Some(pem(&certificate)?),
                    }
                }
                (None, Some(text)) => NewTrustedSigner {
                    fingerprint: normalise_fingerprint(text).ok_or_else(|| {
                        anyhow!("--fingerprint {text}: not 64 hexadecimal digits")
                    })?,
                    kind: SignerKind::Signer,
                    name: name.unwrap_or_default(),
                    role: role.unwrap_or_default(),
                    certificate_pem: None,
                },
                (None, None) => bail!("give the signer's certificate or --fingerprint"),
            };
            context.store()?.add_trusted_signer(&new, by)?;
            crate::say!(
                "trusted signer added: {} ({}), certificate SHA-256 {}",
                new.name,
                new.role,
                new.fingerprint
            );
        }
        SignersAction::AddCa { cert, name } => {
            let by = context.coordinator()?.id;
            let certificate = read_certificate(&cert)?;
            if let Some(problem) = ca_problem(&certificate) {
                bail!("{}: {problem}; nothing was registered", cert.display());
            }
            let named = signer_name(&certificate);
            let new = NewTrustedSigner {
                fingerprint: fingerprint(&certificate),
                kind: SignerKind::Ca,
                name: name.unwrap_or(named.name),
                role: "certification authority".to_owned(),
                certificate_pem: Some(pem(&certificate)?),
            };
            context.store()?.add_trusted_signer(&new, by)?;
            crate::say!(
                "trusted CA added: {}, certificate SHA-256 {} — documents signed with certificates it issued verify as VALID",
                new.name,
                new.fingerprint
            );
        }
        SignersAction::List => {
            let signers = context.store()?.trusted_signers()?;
            if signers.is_empty() {
                crate::say!("no trusted signers: `prescreen signers add CERT.pem` adds one");
            }
            for signer in signers {
                let kind = match signer.kind {
                    SignerKind::Signer => "signer",
                    SignerKind::Ca => "CA",
                };
                let state = match &signer.revoked {
                    Some((at, reason)) => format!("REVOKED {at}: {reason}"),
                    None => "trusted".to_owned(),
                };
                crate::say!(
                    "{kind:<6} {} ({}) SHA-256 {} — added {} by {} — {state}",
                    signer.name,
                    signer.role,
                    signer.fingerprint,
                    signer.added_utc,
                    signer.added_by
                );
            }
        }
        SignersAction::Revoke {
            fingerprint: text,
            reason,
        } => {
            let by = context.coordinator()?.id;
            let fingerprint = normalise_fingerprint(&text)
                .ok_or_else(|| anyhow!("{text}: not 64 hexadecimal digits"))?;
            context
                .store()?
                .revoke_trusted_signer(&fingerprint, &reason, by)?;
            crate::say!("revoked {fingerprint}: {reason}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
