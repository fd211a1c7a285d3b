//! `prescreen countersign`: the investigator's "Eligibility confirmed by investigator" on a
//! coordinator-signed summary, written as a new file (the rules are in `crate::export`).

use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::cli::args::CountersignArgs;
use crate::cli::cmd::identity::passphrase;
use crate::cli::context::Context;
use crate::report::SignatureMeaning;
use crate::signing::store as identity_store;
use crate::storage::clock::{Clock, SystemClock};

/// Runs `countersign`.
pub fn run(context: &mut Context, args: CountersignArgs) -> Result<ExitCode> {
    let meaning: SignatureMeaning = args.meaning.into();
    if meaning != SignatureMeaning::EligibilityConfirmedByInvestigator {
        bail!(
            "a countersignature means \"{}\"",
            SignatureMeaning::EligibilityConfirmedByInvestigator.statement()
        );
    }
    let stamp = SystemClock::default().now();
    let set = context.trials().clone();
    let signing_dir = context.signing_dir(args.identity.as_deref())?;
    let by = context.coordinator()?.id;
    // Read first: no identity is an error before any prompt.
    identity_store::read(&signing_dir)?;
    let secret = passphrase("Passphrase of your signing key: ", false)?;
    let unlocked = identity_store::unlock_and_upgrade(&signing_dir, &secret)?;
    let tsa = crate::settings::resolve_tsa(args.tsa.as_deref(), context.data_dir()?);
    let store = context.store()?;
    let done = crate::export::countersign_file(
        store,
        &set,
        &args.file,
        &args.out,
        &unlocked.identity,
        stamp.utc,
        stamp.offset,
        by,
        tsa.as_deref(),
    )?;
    crate::say!(
        "{} written ({} bytes, countersigned for {}, SHA-256 {})",
        args.out.display(),
        done.bytes,
        done.screening_id,
        done.sha256
    );
    report_timestamp(done.timestamp.as_ref(), done.warning.as_deref());
    Ok(ExitCode::SUCCESS)
}

/// Says whether the signature just made carries a TSA's timestamp (stdout), or why not
/// (stderr, a warning: the signing time is then the signer's own claim).
pub fn report_timestamp(
    timestamp: Option<&crate::signing::tsa::TimestampToken>,
    warning: Option<&str>,
) {
    if let Some(token) = timestamp {
        crate::say!(
            "timestamped by {} at {} (RFC 3161, PAdES B-T)",
            token.tsa_name,
            token.gen_time
        );
    }
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
}

/// Runs `timestamp`: a document timestamp added to a signed summary, written as a new file.
pub fn timestamp(
    context: &mut Context,
    file: &std::path::Path,
    out: &std::path::Path,
    tsa: Option<&str>,
) -> Result<ExitCode> {
    let Some(url) = crate::settings::resolve_tsa(tsa, context.data_dir()?) else {
        bail!(
            "no timestamp authority: pass --tsa URL, set PRESCREEN_TSA, or `prescreen settings tsa URL`"
        );
    };
    let same = match (file.canonicalize(), out.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => file == out,
    };
    if same {
        bail!(
            "{} is the file being timestamped: write the copy elsewhere",
            out.display()
        );
    }
    let pdf = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let before = crate::signing::verify::verify(&pdf);
    if !before.is_valid() {
        bail!(
            "{} does not verify ({}): a timestamp would vouch for a broken file",
            file.display(),
            before.problems.join("; ")
        );
    }
    let stamped = crate::signing::doc_timestamp::timestamp_document(&pdf, &url)?;
    crate::screening_file::write_atomically(out, &stamped)
        .with_context(|| format!("writing {}", out.display()))?;
    // The screening's trail knows the timestamped copy too (so `verify` finds it there).
    if let Some(record) = &before.record {
        let by = context.coordinator()?.id;
        let store = context.store()?;
        let detail = format!(
            "document timestamp PDF {} SHA-256 {}; timestamps PDF SHA-256 {}",
            out.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            crate::trial::load::sha256_hex_bytes(&stamped),
            before.file_sha256
        );
        if let Err(error) = store.mark_signed(&record.screening_id, by, &detail) {
            let _ = std::fs::remove_file(out);
            return Err(error.into());
        }
    }
    let after = crate::signing::verify::verify(&stamped);
    let stamp = after
        .countersignatures
        .last()
        .and_then(|v| v.timestamp.as_ref())
        .map(|t| {
            format!(
                "{} at {}",
                t.tsa_name.as_deref().unwrap_or("the TSA"),
                t.gen_time.map(|g| g.to_string()).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    crate::say!(
        "{} written ({} bytes, document timestamp by {stamp})",
        out.display(),
        stamped.len()
    );
    Ok(ExitCode::SUCCESS)
}
