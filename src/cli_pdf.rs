//! The report and signing commands: `identity new|import|show`, `export`, `verify`.
//!
//! Thin: gather the input, call `report` / `signing`, write the file atomically. Nothing is
//! written when anything fails (wrong passphrase, INCOMPLETE verdict, unreadable file).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::tz::Offset;

use crate::eligibility::evaluate;
use crate::report::{
    AuditRow, ReportInput, ReportOptions, SignatureAppearance, SignatureMeaning, render,
};
use crate::screening::Screening;
use crate::screening_file::{read_screening, write_atomically};
use crate::signing::identity::{self, KeyAlgorithm, signer_name};
use crate::signing::{SigningError, SigningIdentity, sign_report, store as identity_store};
use crate::storage::clock::{Clock, SystemClock};
use crate::storage::{AuditEvent, DataDir, Store, open_store};
use crate::trial::load::{LoadedTrial, load_trial_str};

/// The environment variable read instead of prompting for the passphrase.
pub const PASSPHRASE_ENV: &str = "PRESCREEN_PASSPHRASE";

/// `prescreen identity …`.
#[derive(Debug, Subcommand)]
pub enum IdentityAction {
    /// Create a key pair and a self-signed certificate naming you; the key is stored
    /// encrypted with a passphrase you choose (asked twice, or PRESCREEN_PASSPHRASE).
    New {
        /// Your full name as you sign.
        #[arg(long)]
        name: String,
        /// Your role ("Clinical research coordinator", "Investigator").
        #[arg(long)]
        role: String,
        /// Your site ("CHU Toulouse").
        #[arg(long)]
        site: String,
        /// Key type.
        #[arg(long, value_enum, default_value_t = KeyChoice::Rsa)]
        key: KeyChoice,
        /// Replace an existing identity.
        #[arg(long)]
        replace: bool,
    },
    /// Import your institution's PKCS#12 (.p12/.pfx); its passphrase protects the stored key.
    Import {
        /// The .p12 / .pfx file.
        file: PathBuf,
        /// Replace an existing identity.
        #[arg(long)]
        replace: bool,
    },
    /// Show the stored identity's certificate (no passphrase needed).
    Show,
}

/// Key types for `identity new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyChoice {
    /// RSA-2048.
    Rsa,
    /// ECDSA P-256.
    P256,
}

/// The meaning of a signature, as chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MeaningChoice {
    /// "Screened by — I confirm the answers above are accurate and complete".
    Screened,
    /// "Reviewed by investigator".
    Reviewed,
}

impl From<MeaningChoice> for SignatureMeaning {
    fn from(choice: MeaningChoice) -> Self {
        match choice {
            MeaningChoice::Screened => Self::ScreenedBy,
            MeaningChoice::Reviewed => Self::ReviewedByInvestigator,
        }
    }
}

/// `prescreen export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The screening id in the store.
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    pub screening_id: Option<String>,
    /// Render a screening file that is not in the store (unsigned only).
    #[arg(long, value_name = "FILE.ron")]
    pub from: Option<PathBuf>,
    /// The PDF to write.
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
    /// Sign with your identity (asks for the passphrase, or PRESCREEN_PASSPHRASE).
    #[arg(long, requires = "meaning")]
    pub sign: bool,
    /// What your signature means.
    #[arg(long, value_enum, requires = "sign")]
    pub meaning: Option<MeaningChoice>,
    /// A handwritten signature as JSON strokes `[[[x, y], …], …]` in 0..1 (x right, y down).
    #[arg(long, value_name = "FILE.json", requires = "sign")]
    pub strokes: Option<PathBuf>,
}

/// `prescreen verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed PDF.
    pub file: PathBuf,
}

fn passphrase(prompt: &str, confirm: bool) -> Result<String> {
    if let Ok(value) = std::env::var(PASSPHRASE_ENV) {
        return Ok(value);
    }
    let first = rpassword::prompt_password(prompt)
        .context("no passphrase: set PRESCREEN_PASSPHRASE or run in a terminal")?;
    if confirm {
        let second = rpassword::prompt_password("Repeat the passphrase: ")?;
        if first != second {
            bail!("the passphrases differ; nothing was written");
        }
    }
    Ok(first)
}

fn signing_dir(data_dir: Option<&Path>) -> Result<PathBuf> {
    Ok(DataDir::resolve(data_dir)?.signing_dir())
}

/// Runs `identity new|import|show`.
pub fn identity(action: IdentityAction, data_dir: Option<&Path>) -> Result<ExitCode> {
    let dir = signing_dir(data_dir)?;
    match action {
        IdentityAction::New {
            name,
            role,
            site,
            key,
            replace,
        } => {
            if !replace && identity_store::identity_path(&dir).exists() {
                bail!(
                    "{} already exists; pass --replace to overwrite it",
                    identity_store::identity_path(&dir).display()
                );
            }
            let secret = passphrase("Choose a passphrase for your signing key: ", true)?;
            identity::check_passphrase_strength(&secret)?;
            let algorithm = match key {
                KeyChoice::Rsa => KeyAlgorithm::Rsa2048,
                KeyChoice::P256 => KeyAlgorithm::P256,
            };
            let created = identity::generate(&name, &role, &site, algorithm, Timestamp::now())?;
            let path = identity_store::save(&dir, &created, &secret, replace)?;
            print_identity(&created.certificate);
            println!("saved to {} (mode 0600)", path.display());
        }
        IdentityAction::Import { file, replace } => {
            let data =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let secret = passphrase("Passphrase of the PKCS#12 file: ", false)?;
            let imported = identity::from_pkcs12(&data, &secret)?;
            let path = identity_store::save(&dir, &imported, &secret, replace)?;
            print_identity(&imported.certificate);
            println!("saved to {} (mode 0600)", path.display());
        }
        IdentityAction::Show => {
            let text = identity_store::read(&dir)?;
            let certificates = identity::certificates_from_pem(&text)?;
            let first = certificates
                .first()
                .ok_or_else(|| anyhow!("the identity file holds no certificate"))?;
            print_identity(first);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_identity(certificate: &x509_cert::Certificate) {
    let name = signer_name(certificate);
    println!("signer:      {}", name.name);
    println!("role:        {}", name.role.as_deref().unwrap_or("-"));
    println!("site:        {}", name.site.as_deref().unwrap_or("-"));
    println!("key:         {}", identity::key_algorithm_name(certificate));
    println!(
        "certificate: SHA-256 {}",
        identity::fingerprint(certificate)
    );
}

/// The screening, its trial and audit trail, gathered for rendering.
struct Gathered {
    trial: LoadedTrial,
    screening: Screening,
    audit: Vec<AuditRow>,
    chain_hash: Option<String>,
}

fn trial_for_screening(
    trial_dirs: &[PathBuf],
    screening: &Screening,
    store: Option<&dyn Store>,
) -> Result<LoadedTrial> {
    let set = crate::cli::trial_set(trial_dirs);
    let reference = &screening.trial;
    if let Some(trial) = set.get(&reference.id, &reference.version)
        && reference
            .sha256
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(&trial.sha256))
    {
        return Ok(trial.clone());
    }
    if let (Some(store), Some(hash)) = (store, reference.sha256.as_deref())
        && let Some(text) = store.trial_text(&reference.id, &reference.version, hash)?
    {
        return Ok(load_trial_str(&text, "store")?);
    }
    bail!(
        "trial {} version {} (as screened) is not loaded; add its file with --trials DIR",
        reference.id,
        reference.version
    )
}

/// "+01:00" → offset.
fn parse_offset(text: &str) -> Offset {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits: Vec<i32> = text
        .trim_start_matches(['+', '-'])
        .split(':')
        .filter_map(|p| p.parse().ok())
        .collect();
    let seconds = sign
        * (digits.first().copied().unwrap_or(0) * 3600 + digits.get(1).copied().unwrap_or(0) * 60);
    Offset::from_seconds(seconds).unwrap_or(Offset::UTC)
}

/// An audit event as an appendix row.
pub fn audit_row(event: &AuditEvent) -> AuditRow {
    AuditRow {
        at_utc: event.at_utc.parse().unwrap_or(Timestamp::UNIX_EPOCH),
        utc_offset_seconds: parse_offset(&event.utc_offset).seconds(),
        who: format!("{} ({})", event.coordinator_name, event.coordinator_role),
        what: match &event.target {
            Some(target) => format!("{} {target}", event.action),
            None => event.action.clone(),
        },
        old_value: event.old_value.clone(),
        new_value: event.new_value.clone(),
        reason: event.reason.clone(),
    }
}

/// Runs `export`.
pub fn export(
    args: ExportArgs,
    data_dir: Option<&Path>,
    trial_dirs: &[PathBuf],
) -> Result<ExitCode> {
    let stamp = SystemClock::default().now();
    let (gathered, mut store) = match (&args.from, &args.screening_id) {
        (Some(file), _) => {
            if args.sign {
                bail!(
                    "only a screening in the store can be signed (signing is recorded in its \
                     audit trail); import it first, or export it unsigned"
                );
            }
            let screening = read_screening(file)?;
            let trial = trial_for_screening(trial_dirs, &screening, None)?;
            (
                Gathered {
                    trial,
                    screening,
                    audit: Vec::new(),
                    chain_hash: None,
                },
                None,
            )
        }
        (None, Some(id)) => {
            let dir = DataDir::resolve(data_dir)?;
            let store = open_store(&dir)?;
            let stored = store.load_screening(id)?;
            let trial = trial_for_screening(trial_dirs, &stored.screening, Some(&store))?;
            let audit = store.screening_history(id)?.iter().map(audit_row).collect();
            let chain_hash = Some(store.latest_chain_hash()?);
            (
                Gathered {
                    trial,
                    screening: stored.screening,
                    audit,
                    chain_hash,
                },
                Some(store),
            )
        }
        (None, None) => bail!("name a screening id or pass --from FILE.ron"),
    };
    let evaluation = evaluate(&gathered.trial.definition, &gathered.screening);
    if !evaluation.unmatched_answers.is_empty() {
        bail!(
            "answers for criteria the trial does not have: {}",
            evaluation.unmatched_answers.join(", ")
        );
    }
    let mut input = ReportInput {
        trial: gathered.trial.definition.clone(),
        trial_sha256: gathered.trial.sha256.clone(),
        screening: gathered.screening,
        evaluation,
        signature: None,
        audit: gathered.audit,
        chain_hash: gathered.chain_hash,
    };
    let pdf = if args.sign {
        if !input.evaluation.verdict.is_settled() {
            bail!(SigningError::NotSettled);
        }
        let meaning: SignatureMeaning = args
            .meaning
            .map(Into::into)
            .ok_or_else(|| anyhow!("--sign needs --meaning screened|reviewed"))?;
        let strokes = match &args.strokes {
            Some(file) => read_strokes(file)?,
            None => Vec::new(),
        };
        let dir = signing_dir(data_dir)?;
        let text = identity_store::read(&dir)?;
        let secret = passphrase("Passphrase of your signing key: ", false)?;
        let signer: SigningIdentity = identity::from_protected_pem(&text, &secret)?;
        let name = signer_name(&signer.certificate);
        input.signature = Some(SignatureAppearance {
            name: name.name.clone(),
            role: name.role.clone().unwrap_or_default(),
            site: name.site.clone().unwrap_or_default(),
            signed_at: stamp.utc,
            utc_offset: stamp.offset,
            meaning,
            strokes,
        });
        let options = ReportOptions {
            generated_at: stamp.utc,
            utc_offset: stamp.offset,
        };
        sign_report(&input, &options, &signer)?
    } else {
        render(&input, &unsigned_options(stamp.utc, stamp.offset))?
    };
    write_atomically(&args.out, &pdf).with_context(|| format!("writing {}", args.out.display()))?;
    let hash = sha256_hex(&pdf);
    let file_name = args
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let (Some(store), Some(id)) = (store.as_mut(), &args.screening_id) {
        let by = store
            .current_coordinator()?
            .ok_or_else(|| anyhow!("no current coordinator: run `prescreen coordinator set`"))?;
        if args.sign {
            store.mark_signed(id, by.id, &format!("PDF {file_name} SHA-256 {hash}"))?;
        } else {
            store.mark_exported(
                id,
                by.id,
                &format!("unsigned PDF {file_name} SHA-256 {hash}"),
            )?;
        }
    }
    println!(
        "{} written ({} bytes, {}, verdict {}, SHA-256 {hash})",
        args.out.display(),
        pdf.len(),
        if args.sign {
            "signed"
        } else {
            "DRAFT — NOT SIGNED"
        },
        input.evaluation.verdict.name()
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

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2_011::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `verify`: prints what holds and exits 0 only when everything does.
pub fn verify(args: VerifyArgs) -> Result<ExitCode> {
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
        result.signing_time.as_deref().unwrap_or("-")
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
        Ok(ExitCode::from(crate::cli::exit_code::ERROR))
    }
}
