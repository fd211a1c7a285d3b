//! `prescreen audit verify|checkpoint|history|head`: the hash-chained audit trail, the records
//! replayed against it, and anchors kept away from the machine.

use std::process::ExitCode;

use std::path::Path;

use anyhow::{Context as _, Result, bail};

use crate::cli::args::AuditAction;
use crate::cli::cmd::identity::passphrase;
use crate::cli::context::Context;
use crate::cli::output::exit_code;
use crate::signing::checkpoint::Checkpoint;
use crate::storage::Store;
use crate::verification::{check_checkpoint_anchor, check_pdf_anchor, trust_from_register};

/// One anchor against the chain: a signed PDF (its printed chain head) or a checkpoint.
fn check_anchor(store: &dyn Store, path: &Path) -> Result<Result<String, String>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > crate::signing::verify::MAX_PDF_BYTES {
        return Ok(Err(format!("{size} bytes: too large to be an anchor")));
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.starts_with(b"%PDF") {
        let verification = crate::signing::verify::verify(&bytes);
        return Ok(check_pdf_anchor(store, &verification)?);
    }
    let text = String::from_utf8_lossy(&bytes);
    let (trust, _) = trust_from_register(&store.trusted_signers()?, "the store's register");
    let checked = match crate::signing::checkpoint::read(&text, &trust) {
        Ok(checked) => checked,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut result = check_checkpoint_anchor(store, &checked)?;
    if let Ok(holds) = &mut result {
        holds.push_str(&format!(
            "; signed by {} ({})",
            checked.signer,
            if checked.trust.is_trusted() {
                "a trusted signer"
            } else {
                "NOT a trusted signer"
            }
        ));
    }
    Ok(result)
}

/// Runs `audit verify|history|head`.
pub fn run(context: &mut Context, action: AuditAction) -> Result<ExitCode> {
    let context_signing_dir = context.data_dir()?.signing_dir();
    let store = context.store()?;
    match action {
        AuditAction::Verify { anchor } => {
            let integrity = store.check_integrity()?;
            let report = store.verify_audit_chain()?;
            if let Err(problems) = &integrity {
                crate::say!(
                    "database {} FAILS its integrity check: {}",
                    store.location(),
                    problems.join("; ")
                );
            }
            match &report.first_break {
                None => crate::say!(
                    "audit chain intact: {} events, head {}",
                    report.events,
                    report.head
                ),
                Some(link) => crate::say!(
                    "audit chain BROKEN at {link} ({} events read)",
                    report.events
                ),
            }
            if report.records.is_empty() {
                crate::say!(
                    "records agree with the trail: every screening's state, cached verdict and definition, the signer register and the schema"
                );
            }
            for problem in &report.records {
                crate::say!("RECORD DIFFERS: {problem}");
            }
            let mut anchors_hold = true;
            for path in &anchor {
                match check_anchor(&*store, path)? {
                    Ok(holds) => crate::say!("anchor {}: holds — {holds}", path.display()),
                    Err(fails) => {
                        anchors_hold = false;
                        crate::say!("anchor {}: FAILS — {fails}", path.display());
                    }
                }
            }
            if anchor.is_empty() {
                crate::say!(
                    "no anchor given: a chain rewritten consistently (or cut together with its stored head) is only caught against an anchor (--anchor SIGNED.pdf or a checkpoint)"
                );
            }
            Ok(if integrity.is_ok() && report.is_intact() && anchors_hold {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(exit_code::ERROR)
            })
        }
        AuditAction::Checkpoint { out } => {
            let report = store.verify_audit_chain()?;
            if !report.is_intact() {
                bail!(
                    "the audit trail does not verify (run `prescreen audit verify`): no checkpoint of it is written"
                );
            }
            let last = store
                .audit_event_with_hash(&report.head)?
                .map_or(0, |event| event.seq);
            let checkpoint = Checkpoint {
                last_seq: last,
                head: report.head.clone(),
                made_at: jiff::Timestamp::now(),
                store: store.location(),
            };
            let signing_dir = context_signing_dir.clone();
            let text = crate::signing::store::read(&signing_dir)?;
            let secret = passphrase("Passphrase of your signing key: ", false)?;
            let identity = crate::signing::identity::from_protected_pem(&text, &secret)?;
            let written = crate::signing::checkpoint::write(&checkpoint, &identity)?;
            crate::screening_file::write_atomically(&out, written.as_bytes())
                .with_context(|| format!("writing {}", out.display()))?;
            crate::say!(
                "checkpoint written to {}: {} events, head {} — file it away from this machine (sponsor, eTMF)",
                out.display(),
                last,
                report.head
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditAction::History { id } => {
            for event in store.screening_history(&id)? {
                let mut line = format!(
                    "#{} {} ({}) {} [{}] {}",
                    event.seq,
                    event.at_utc,
                    event.utc_offset,
                    event.coordinator_name,
                    event.coordinator_role,
                    event.action
                );
                if let Some(target) = &event.target {
                    line.push_str(&format!(" {target}"));
                }
                if event.old_value.is_some() || event.new_value.is_some() {
                    line.push_str(&format!(
                        ": {} → {}",
                        event.old_value.as_deref().unwrap_or("∅"),
                        event.new_value.as_deref().unwrap_or("∅")
                    ));
                }
                if let Some(reason) = &event.reason {
                    line.push_str(&format!(" (reason: {reason})"));
                }
                crate::say!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditAction::Head => {
            crate::say!("{}", store.latest_chain_hash()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
