//! `prescreen verify`: what holds of a signed PDF, whether the site trusts its signer, and —
//! with a store at hand — whether the store's chain agrees with it.

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};

use crate::cli::args::VerifyArgs;
use crate::cli::context::Context;
use crate::cli::output::{exit_code, readable_pdf_date};
use crate::signing::trust::TrustDecision;
use crate::signing::verify::{MAX_PDF_BYTES, Verification, VerifyOutcome};
use crate::verification::{store_findings, trust_from_arguments, trust_from_register};

/// Whether this prescreen knows the definition the record names (informational: a PDF stays
/// valid when its definition is retired).
fn known_definition(record: &crate::signing::verify::RecordCheck) -> String {
    let set = crate::trial::load::TrialSet::built_in();
    let matching = set
        .trials
        .values()
        .find(|t| format!("{} {}", t.definition.acronym, t.definition.version()) == record.trial);
    match matching {
        Some(trial) if trial.sha256.eq_ignore_ascii_case(&record.trial_sha256) => format!(
            "the built-in {} {} has the same SHA-256",
            trial.definition.id,
            trial.definition.version()
        ),
        Some(trial) => format!(
            "DIFFERS from the built-in {} {} ({})",
            trial.definition.id,
            trial.definition.version(),
            trial.sha256
        ),
        None => "not a built-in definition".to_owned(),
    }
}

/// Runs `verify`: prints what holds; exit 0 for VALID, 3 for INTACT BUT SIGNER NOT TRUSTED,
/// 1 for INVALID (or a store that disagrees with the PDF).
pub fn run(context: &mut Context, args: VerifyArgs) -> Result<ExitCode> {
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    if size > MAX_PDF_BYTES {
        bail!(
            "{} is {size} bytes; a screening summary is never larger than {MAX_PDF_BYTES} bytes, so it is not read",
            args.file.display()
        );
    }
    let pdf =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let mut trust = trust_from_arguments(&args.trust, &args.fingerprint).map_err(|e| anyhow!(e))?;
    let mut warnings = Vec::new();
    let store_path = context.data_dir()?.database_path();
    let use_store = !args.no_store && store_path.exists();
    if use_store {
        let store = context.store()?;
        let report = store.verify_audit_chain()?;
        if report.is_intact() {
            let (register, skipped) = trust_from_register(
                &store.trusted_signers()?,
                &format!("the register in {}", store_path.display()),
            );
            trust.signers.extend(register.signers);
            trust.cas.extend(register.cas);
            trust.sources.extend(register.sources);
            warnings.extend(skipped);
        } else {
            warnings.push(format!(
                "the audit trail of {} does not verify (run `prescreen audit verify`): its register of trusted signers is not used",
                store_path.display()
            ));
        }
    }
    let result = crate::signing::verify::verify_with_trust(&pdf, Some(&trust));
    let findings = if use_store && result.record.is_some() {
        Some(store_findings(&*context.store()?, &result)?)
    } else {
        None
    };
    print_report(&args, &result);
    match &result.trust {
        Some(TrustDecision::Trusted { via }) => say(&format!("trusted:            yes — {via}")),
        Some(TrustDecision::NotTrusted { why }) => say(&format!("trusted:            NO — {why}")),
        None => {}
    }
    for warning in &warnings {
        say(&format!("warning:            {warning}"));
    }
    for problem in &result.problems {
        say(&format!("problem:            {problem}"));
    }
    let mut store_disagrees = false;
    if let Some(findings) = &findings {
        for note in &findings.notes {
            say(&format!("in the store:       {note}"));
        }
        for problem in &findings.problems {
            say(&format!("STORE DISAGREES:    {problem}"));
            store_disagrees = true;
        }
    } else if !use_store {
        say("in the store:       not checked (no store at hand)");
    }
    let outcome = result.outcome();
    let code = match outcome {
        VerifyOutcome::Valid => {
            say("RESULT: VALID — intact since signing, signed by a trusted signer");
            exit_code::ELIGIBLE
        }
        VerifyOutcome::IntactButSignerNotTrusted => {
            say(
                "RESULT: INTACT BUT SIGNER NOT TRUSTED — unchanged since signing, but nothing vouches for who holds the key",
            );
            exit_code::SIGNER_NOT_TRUSTED
        }
        VerifyOutcome::Invalid => {
            say("RESULT: INVALID");
            exit_code::ERROR
        }
    };
    Ok(ExitCode::from(if store_disagrees {
        exit_code::ERROR
    } else {
        code
    }))
}

fn say(line: &str) {
    crate::say!("{line}");
}

/// Where a signing time comes from: a valid RFC 3161 token (B-T) or only the signer's word.
fn time_source(signature: &Verification, short: bool) -> String {
    match &signature.timestamp {
        Some(stamp) if stamp.valid => format!(
            "(trusted timestamp by {}, genTime {})",
            stamp.tsa_name.as_deref().unwrap_or("an unnamed TSA"),
            stamp
                .gen_time
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".to_owned())
        ),
        Some(_) => "(claimed by the signer: its timestamp token does NOT verify)".to_owned(),
        None if short => "(claimed by the signer)".to_owned(),
        None => {
            "(claimed by the signer: a PAdES B-B signature carries no trusted timestamp)".to_owned()
        }
    }
}

fn print_report(args: &VerifyArgs, result: &Verification) {
    let yes_no = |b: bool| if b { "yes" } else { "NO" };
    say(&format!("file:               {}", args.file.display()));
    say(&format!("file SHA-256:       {}", result.file_sha256));
    match &result.signer {
        Some(signer) => {
            say(&format!(
                "signer:             {} (as the certificate names them)",
                signer.name
            ));
            let role = signer.role.as_deref().unwrap_or("-");
            say(&format!(
                "role:               {role} — signs as {}{}",
                crate::roles::SignerRole::from_role_text(role).label(),
                if result.self_signed {
                    " (the signer's own claim: checking who the signer is falls to the site, §11.100(b))"
                } else {
                    ""
                }
            ));
            if let Some(claimed) = &result.claimed_role {
                say(&format!(
                    "role in signature:  {claimed} (signer-attributes-v2: the signer's own claim)"
                ));
            }
            say(&format!(
                "site:               {}",
                signer.site.as_deref().unwrap_or("-")
            ));
        }
        None => say("signer:             (unknown)"),
    }
    if let Some(fp) = &result.certificate_sha256 {
        say(&format!(
            "certificate:        SHA-256 {fp}{}",
            if result.self_signed {
                " (self-signed: it proves a key, not a person)"
            } else {
                ""
            }
        ));
    }
    say(&format!(
        "signing time:       {} {}",
        result
            .signing_time
            .as_deref()
            .map(readable_pdf_date)
            .unwrap_or_else(|| "-".to_owned()),
        time_source(result, false)
    ));
    say(&format!(
        "meaning:            {}",
        result.meaning.as_deref().unwrap_or("-")
    ));
    say(&format!("signature intact:   {}", yes_no(result.intact)));
    say(&format!(
        "covers whole file:  {}",
        if result.covers_whole_file {
            "yes".to_owned()
        } else if result.countersignatures.is_empty() {
            "NO".to_owned()
        } else {
            "its own revision; only the countersignature below was added after it".to_owned()
        }
    ));
    say(&format!(
        "padding untouched:  {}",
        yes_no(result.padding_clean)
    ));
    // Every later signature, in signing order: who, as what, when, meaning what.
    for (n, later) in result.countersignatures.iter().enumerate() {
        if later.document_timestamp {
            let stamp = later.timestamp.as_ref();
            say(&format!(
                "document timestamp: by {}, genTime {} — intact: {}, covers whole file: {}",
                stamp
                    .and_then(|t| t.tsa_name.as_deref())
                    .unwrap_or("(unknown TSA)"),
                stamp
                    .and_then(|t| t.gen_time)
                    .map(|g| g.to_string())
                    .unwrap_or_else(|| "-".to_owned()),
                yes_no(later.intact),
                yes_no(later.covers_whole_file)
            ));
            continue;
        }
        say(&format!(
            "countersignature {}: field {}",
            n + 1,
            later.field.as_deref().unwrap_or("-")
        ));
        let name = later.signer.as_ref();
        let role = name.and_then(|s| s.role.as_deref()).unwrap_or("-");
        say(&format!(
            "  signer:           {} — {role} (signs as {}{})",
            name.map(|s| s.name.as_str()).unwrap_or("(unknown)"),
            crate::roles::SignerRole::from_role_text(role).label(),
            if later.self_signed {
                ", the signer's own claim"
            } else {
                ""
            }
        ));
        say(&format!(
            "  signing time:     {} {}",
            later
                .signing_time
                .as_deref()
                .map(readable_pdf_date)
                .unwrap_or_else(|| "-".to_owned()),
            time_source(later, true)
        ));
        say(&format!(
            "  meaning:          {}",
            later.meaning.as_deref().unwrap_or("-")
        ));
        say(&format!("  intact:           {}", yes_no(later.intact)));
        say(&format!(
            "  covers whole file: {}",
            yes_no(later.covers_whole_file)
        ));
        if let Some(trust) = &later.trust {
            say(&match trust {
                TrustDecision::Trusted { via } => format!("  trusted:          yes — {via}"),
                TrustDecision::NotTrusted { why } => format!("  trusted:          NO — {why}"),
            });
        }
    }
    match &result.record {
        Some(record) => {
            say(&format!(
                "embedded record:    screening {}, {}, verdict {}",
                record.screening_id, record.trial, record.verdict
            ));
            say(&format!("  trial SHA-256:    {}", record.trial_sha256));
            say(&format!(
                "  hash as printed:  {}",
                yes_no(record.hash_printed)
            ));
            say(&format!(
                "  verdict printed:  {}",
                yes_no(record.verdict_printed)
            ));
            say(&format!(
                "  id as printed:    {}",
                yes_no(record.screening_id_printed)
            ));
            say(&format!("  definition here:  {}", known_definition(record)));
            say(&format!(
                "  chain head:       {}",
                record.chain_head.as_deref().unwrap_or("-")
            ));
        }
        None => say("embedded record:    NOT FOUND"),
    }
}
