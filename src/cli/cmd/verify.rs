//! `prescreen verify`: what holds of a signed PDF; exit 0 only when everything does.

use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::args::VerifyArgs;
use crate::cli::output::{exit_code, readable_pdf_date};

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

/// Runs `verify`: prints what holds and exits 0 only when everything does.
pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let pdf =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let result = crate::signing::verify(&pdf);
    let yes_no = |b: bool| if b { "yes" } else { "NO" };
    println!("file:               {}", args.file.display());
    match &result.signer {
        Some(signer) => {
            println!("signer:             {}", signer.name);
            println!(
                "role:               {}",
                signer.role.as_deref().unwrap_or("-")
            );
            println!(
                "site:               {}",
                signer.site.as_deref().unwrap_or("-")
            );
        }
        None => println!("signer:             (unknown)"),
    }
    if let Some(fp) = &result.certificate_sha256 {
        println!(
            "certificate:        SHA-256 {fp}{}",
            if result.self_signed {
                " (self-signed)"
            } else {
                ""
            }
        );
    }
    println!(
        "signing time:       {} (claimed by the signer: a PAdES B-B signature carries no trusted timestamp)",
        result
            .signing_time
            .as_deref()
            .map(readable_pdf_date)
            .unwrap_or_else(|| "-".to_owned())
    );
    println!(
        "meaning:            {}",
        result.meaning.as_deref().unwrap_or("-")
    );
    println!("signature intact:   {}", yes_no(result.intact));
    println!("covers whole file:  {}", yes_no(result.covers_whole_file));
    println!("padding untouched:  {}", yes_no(result.padding_clean));
    match &result.record {
        Some(record) => {
            println!(
                "embedded record:    screening {}, {}, verdict {}",
                record.screening_id, record.trial, record.verdict
            );
            println!("  trial SHA-256:    {}", record.trial_sha256);
            println!("  hash as printed:  {}", yes_no(record.hash_printed));
            println!("  verdict printed:  {}", yes_no(record.verdict_printed));
            println!(
                "  id as printed:    {}",
                yes_no(record.screening_id_printed)
            );
            println!("  definition here:  {}", known_definition(record));
        }
        None => println!("embedded record:    NOT FOUND"),
    }
    for problem in &result.problems {
        println!("problem:            {problem}");
    }
    if result.is_valid() {
        println!("RESULT: VALID — intact since signing");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("RESULT: INVALID");
        Ok(ExitCode::from(exit_code::ERROR))
    }
}
