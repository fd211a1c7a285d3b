//! `prescreen countersign`: the investigator's "Eligibility confirmed by investigator" on a
//! coordinator-signed summary, written as a new file (the rules are in `crate::export`).

use std::process::ExitCode;

use anyhow::{Result, bail};

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
