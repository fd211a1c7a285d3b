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

use crate::export::{self, SignRequest};
use crate::report::{ReportOptions, SignatureMeaning};
use crate::screening_file::read_screening;
use crate::signing::identity::{self, KeyAlgorithm, signer_name};
use crate::signing::{SigningIdentity, store as identity_store};
use crate::storage::clock::{Clock, SystemClock};
use crate::storage::{DataDir, Store, open_store};

/// The environment variable read instead of prompting for the passphrase.
pub const PASSPHRASE_ENV: &str = "PRESCREEN_PASSPHRASE";

/// The environment variable with a new passphrase for an imported key whose PKCS#12
/// passphrase is too short.
pub const NEW_PASSPHRASE_ENV: &str = "PRESCREEN_NEW_PASSPHRASE";

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
            // The stored key keeps the file's passphrase unless that is too short to be one of
            // two signature components; then the signer chooses a new one.
            let secret = if identity::check_passphrase_strength(&secret).is_ok() {
                secret
            } else {
                eprintln!(
                    "The PKCS#12 passphrase is shorter than 8 characters: choose a new one for \
                     the stored key."
                );
                match std::env::var(NEW_PASSPHRASE_ENV) {
                    Ok(value) => value,
                    Err(_) => {
                        let first = rpassword::prompt_password("New passphrase: ")?;
                        let second = rpassword::prompt_password("Repeat the passphrase: ")?;
                        if first != second {
                            bail!("the passphrases differ; nothing was written");
                        }
                        first
                    }
                }
            };
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

/// Runs `export`.
pub fn export(
    args: ExportArgs,
    data_dir: Option<&Path>,
    trial_dirs: &[PathBuf],
) -> Result<ExitCode> {
    let stamp = SystemClock::default().now();
    let set = crate::cli::trial_set(trial_dirs);
    let (input, store) = match (&args.from, &args.screening_id) {
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
            let dir = DataDir::resolve(data_dir)?;
            let store = open_store(&dir)?;
            (export::gather(&store, id, &set)?, Some(store))
        }
        (None, None) => bail!("name a screening id or pass --from FILE.ron"),
    };
    let mut store = store;
    let by = match store.as_ref() {
        Some(store) => Some(
            store
                .current_coordinator()?
                .ok_or_else(|| anyhow!("no current coordinator: run `prescreen coordinator set`"))?
                .id,
        ),
        None => None,
    };
    let record = match (store.as_mut(), &args.screening_id, by) {
        (Some(store), Some(id), Some(by)) => Some((store as &mut dyn Store, id.as_str(), by)),
        _ => None,
    };
    let exported = if args.sign {
        crate::signing::check_signable(&input.evaluation)?;
        let meaning: SignatureMeaning = args
            .meaning
            .map(Into::into)
            .ok_or_else(|| anyhow!("--sign needs --meaning screened|reviewed"))?;
        let strokes = match &args.strokes {
            Some(file) => read_strokes(file)?,
            None => Vec::new(),
        };
        let text = identity_store::read(&signing_dir(data_dir)?)?;
        let secret = passphrase("Passphrase of your signing key: ", false)?;
        let signer: SigningIdentity = identity::from_protected_pem(&text, &secret)?;
        export::export_pdf(
            input,
            Some(SignRequest {
                identity: &signer,
                meaning,
                strokes,
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
    println!(
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

/// `D:20261123141127+01'00'` → `2026-11-23 14:11:27 +01:00`; anything else as it is.
fn readable_pdf_date(raw: &str) -> String {
    let digits = raw.strip_prefix("D:").unwrap_or(raw);
    let bytes = digits.as_bytes();
    if bytes.len() < 14 || !bytes[..14].iter().all(u8::is_ascii_digit) {
        return raw.to_owned();
    }
    let part = |a: usize, b: usize| &digits[a..b];
    let zone = match digits.get(14..) {
        Some(rest) if rest.starts_with('Z') => " UTC".to_owned(),
        Some(rest) if rest.is_ascii() && rest.len() >= 6 => {
            format!(" {}:{}", &rest[..3], rest.get(4..6).unwrap_or("00"))
        }
        _ => String::new(),
    };
    format!(
        "{}-{}-{} {}:{}:{}{zone}",
        part(0, 4),
        part(4, 6),
        part(6, 8),
        part(8, 10),
        part(10, 12),
        part(12, 14)
    )
}

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
        Ok(ExitCode::from(crate::cli::exit_code::ERROR))
    }
}
