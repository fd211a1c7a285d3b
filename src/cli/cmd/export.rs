//! `prescreen export`: a screening's PDF summary, signed or as an unsigned draft.
//!
//! Thin: gather the input, call `report` / `signing` through [`crate::export`], write the
//! file atomically. Nothing is written when anything fails (wrong passphrase, INCOMPLETE
//! verdict, unreadable file).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use jiff::Timestamp;
use jiff::tz::Offset;

use crate::cli::args::ExportArgs;
use crate::cli::cmd::identity::passphrase;
use crate::cli::context::Context;
use crate::export::{self, SignRequest};
use crate::report::{ReportOptions, SignatureMeaning};
use crate::screening_file::read_screening;
use crate::signing::{SigningIdentity, store as identity_store};
use crate::storage::Store;
use crate::storage::clock::{Clock, SystemClock};

/// Runs `export`.
pub fn run(context: &mut Context, args: ExportArgs) -> Result<ExitCode> {
    let stamp = SystemClock::default().now();
    let set = context.trials().clone();
    let signing_dir = context.signing_dir(args.identity.as_deref())?;
    let tsa = crate::settings::resolve_tsa(args.tsa.as_deref(), context.data_dir()?);
    let (input, record) = match (&args.from, &args.screening_id) {
        (Some(file), _) => {
            if args.sign {
                bail!(
                    "only a screening in the store can be signed (signing is recorded in its \
                     audit trail); import it first, or export it unsigned"
                );
            }
            let screening = read_screening(file)?;
            let trial = export::trial_for_screening(&set, &screening, None)?;
            (export::input_for(&trial, screening)?, None)
        }
        (None, Some(id)) => {
            let by = context.coordinator()?.id;
            let store = context.store()?;
            (
                export::gather(&*store, id, &set)?,
                Some((store, id.as_str(), by)),
            )
        }
        (None, None) => bail!("name a screening id or pass --from FILE.ron"),
    };
    let record = record.map(|(store, id, by)| (store as &mut dyn Store, id, by));
    let exported = if args.sign {
        crate::export::refuse_draft(&input.trial)?;
        crate::signing::check_signable(&input.evaluation)?;
        let meaning: SignatureMeaning = args.meaning.map(Into::into).ok_or_else(|| {
            anyhow!("--sign needs --meaning prescreened|screened|eligibility-confirmed")
        })?;
        let strokes = match &args.strokes {
            Some(file) => read_strokes(file)?,
            None => Vec::new(),
        };
        // Read first: no identity is an error before any prompt.
        identity_store::read(&signing_dir)?;
        let secret = passphrase("Passphrase of your signing key: ", false)?;
        let unlocked = identity_store::unlock_and_upgrade(&signing_dir, &secret)?;
        if unlocked.upgrade != identity_store::KeyUpgrade::NotNeeded {
            eprintln!("Note: {}.", unlocked.upgrade);
        }
        let signer: SigningIdentity = unlocked.identity;
        export::export_pdf(
            input,
            Some(SignRequest {
                identity: &signer,
                meaning,
                strokes,
                tsa,
            }),
            stamp.utc,
            stamp.offset,
            &args.out,
            record,
        )?
    } else {
        let options = unsigned_options(stamp.utc, stamp.offset);
        export::export_pdf(
            input,
            None,
            options.generated_at,
            options.utc_offset,
            &args.out,
            record,
        )?
    };
    crate::say!(
        "{} written ({} bytes, {}, verdict {}, SHA-256 {})",
        args.out.display(),
        exported.bytes,
        if exported.signed {
            "signed"
        } else {
            "DRAFT — NOT SIGNED"
        },
        exported.verdict,
        exported.sha256
    );
    crate::cli::cmd::countersign::report_timestamp(
        exported.timestamp.as_ref(),
        exported.warning.as_deref(),
    );
    Ok(ExitCode::SUCCESS)
}

/// Options for an unsigned render: `SOURCE_DATE_EPOCH` (reproducible builds' convention)
/// fixes the clock when set.
fn unsigned_options(now: Timestamp, offset: Offset) -> ReportOptions {
    match std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| Timestamp::from_second(s).ok())
    {
        Some(at) => ReportOptions {
            generated_at: at,
            utc_offset: Offset::UTC,
        },
        None => ReportOptions {
            generated_at: now,
            utc_offset: offset,
        },
    }
}

fn read_strokes(file: &Path) -> Result<Vec<Vec<(f32, f32)>>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not a list of strokes", file.display()))
}
