//! Every clap derive of the command line, and nothing else: the arguments are parsed here and
//! handed to one command file each (`cmd/`). CLI-side enums convert into the core's types;
//! clap never enters the library crates.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::report::SignatureMeaning;
use crate::signing::identity::KeyAlgorithm;

const EVALUATE_HELP: &str = "Exit codes: 0 ELIGIBLE, 10 PRE-SCREEN PASSED, 11 INCOMPLETE, \
12 NOT ELIGIBLE; 1 an error (unreadable file, unknown trial, answers for another trial), \
2 a usage error.";

const STATUS_HELP: &str = "Statuses: draft, pre-screened, approached, consented, declined, \
enrolled, not-enrolled, voided. Forward: draft → pre-screened → approached → consented → \
enrolled; pre-screened or consented → not-enrolled; approached → declined. Any move back, and \
voided (entered in error), need --reason. A voided screening never changes again.";

/// prescreen — eligibility pre-screening for clinical trials.
#[derive(Debug, Parser)]
#[command(name = "prescreen", version, about, long_about = None)]
pub struct Cli {
    /// Also load trial files from this folder (repeatable). The shipped trials are built in.
    #[arg(long = "trials", value_name = "DIR", global = true)]
    pub trial_dirs: Vec<PathBuf>,

    /// Keep everything (database, signing identities, settings) in this folder instead of the
    /// user's data folder.
    #[arg(
        long = "data-dir",
        value_name = "DIR",
        env = "PRESCREEN_DATA_DIR",
        global = true
    )]
    pub data_dir: Option<PathBuf>,

    /// Keep records on the site's PostgreSQL server instead of this computer's database
    /// (`postgresql://LOGIN@HOST/DB?sslmode=verify-full`). A password in the URL is used and
    /// never shown; otherwise it comes from PGPASSWORD, ~/.pgpass, or a prompt.
    #[arg(
        long = "database",
        value_name = "URL",
        env = "PRESCREEN_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database: Option<String>,

    /// What to do; without a command the desktop app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Who the command line acts as: every change is attributed to this coordinator.
    Coordinator {
        /// What to do.
        #[command(subcommand)]
        action: CoordinatorAction,
    },
    /// Start a screening; prints its new pseudonymous id.
    New(NewArgs),
    /// Set, change or clear one criterion's answer (a change or clear needs --reason).
    Answer(AnswerArgs),
    /// The on-site visit: record the day it took place.
    Visit {
        /// What to do.
        #[command(subcommand)]
        action: VisitAction,
    },
    /// Re-confirm a pre-screen answer at the visit: still true, or changed (then record the
    /// new answer with `prescreen answer … --reason`).
    Reconfirm(ReconfirmArgs),
    /// Move a screening through its lifecycle; `pre-screened` records the verdict.
    #[command(after_help = STATUS_HELP)]
    Status {
        /// Screening id.
        id: String,
        /// New status.
        status: String,
        /// Why (required for declined, not-enrolled, voided and any move back).
        #[arg(long)]
        reason: Option<String>,
    },
    /// The screening log, one row per screening, or with --summary the SEAR counts per trial.
    Log(LogArgs),
    /// The audit trail.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Take a consistent copy of the database, even while the app is running.
    Backup {
        /// Where to write the copy (replaced atomically if it exists).
        file: PathBuf,
    },
    /// Import a screening file (RON): keeps its id when free, generates one when empty.
    Import {
        /// The screening file.
        file: PathBuf,
    },
    /// Print a stored screening: as text, or as RON (the exchange format `import` reads; the
    /// export is recorded in the audit trail).
    Show {
        /// Screening id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Check trial files or folders of them; list every problem; exit 1 if there is any.
    Validate {
        /// Files or folders to check (default: the built-in trials).
        paths: Vec<PathBuf>,
    },
    /// List the loaded trials with id, version and SHA-256; draft a definition from a
    /// registry record; compare two definitions.
    Trials {
        /// What to do; without it, list the loaded trials.
        #[command(subcommand)]
        action: Option<TrialsAction>,
    },
    /// Move this data folder's store to the site server (its administrator's URL, after
    /// `site init`): ids, answers, trial versions and the audit trail, checked against the
    /// source before the copy is committed; the SQLite file is left as it was. A store that
    /// holds several sites is refused (it keeps one chain, the server one per site).
    Migrate {
        /// The server's URL, as its administrator.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Move a screening in progress to another loaded version of its trial's definition
    /// (after a protocol amendment): answers to unchanged criteria carry over, changed and
    /// new criteria open again, removed ones are listed; one audit event names both
    /// versions. A signed screening never moves.
    Move {
        /// Screening id.
        id: String,
        /// The definition version to move to (default: the newest loaded).
        #[arg(long, value_name = "VERSION")]
        to_version: Option<String>,
        /// Why (the amendment), kept in the audit trail.
        #[arg(long)]
        reason: Option<String>,
    },
    /// The site server (with --database): set it up once, add the people who log in.
    Site {
        /// What to do.
        #[command(subcommand)]
        action: SiteAction,
    },
    /// Settings this data folder keeps for the command line and the app.
    Settings {
        /// What to set.
        #[command(subcommand)]
        action: SettingsAction,
    },
    /// Create, import or show your signing identity (key + certificate).
    Identity {
        /// Which identity, when one data folder holds several (a coordinator's and an
        /// investigator's); without it, the default one.
        #[arg(long, global = true, value_name = "NAME")]
        identity: Option<String>,
        /// What to do.
        #[command(subcommand)]
        action: IdentityAction,
    },
    /// The investigator countersigns a coordinator-signed summary ("Eligibility confirmed
    /// by investigator"), as a new file: refused while the visit check is open, when the
    /// first signature does not verify, or when the screening changed since.
    Countersign(CountersignArgs),
    /// Add a document timestamp (RFC 3161) to a signed summary, as a new file: it proves the
    /// file, signatures included, existed at the TSA's time; every signature stays valid.
    Timestamp {
        /// The signed summary.
        file: PathBuf,
        /// Where to write the timestamped copy (never over FILE).
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// The TSA (an http:// URL); default PRESCREEN_TSA, else `settings tsa`.
        #[arg(long, value_name = "URL", env = "PRESCREEN_TSA")]
        tsa: Option<String>,
    },
    /// Write a screening's PDF summary, signed (`--sign`) or as an unsigned draft.
    Export(ExportArgs),
    /// The site's register of trusted signers, whose signatures `verify` calls VALID.
    Signers {
        /// What to do.
        #[command(subcommand)]
        action: SignersAction,
    },
    /// Check a signed PDF summary: signer, time, integrity, embedded record; exit 0 if valid.
    Verify(VerifyArgs),
    /// Evaluate a screening file against a trial and print every criterion and the verdict.
    #[command(after_help = EVALUATE_HELP)]
    Evaluate {
        /// Trial id (`assix`, `a-muse`).
        #[arg(long)]
        trial: String,
        /// The screening file (RON).
        screening: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
}

/// How `evaluate` prints results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// `trials` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrialsAction {
    /// Draft a trial definition from a ClinicalTrials.gov API v2 study record (JSON, as
    /// https://clinicaltrials.gov/api/v2/studies/NCT… returns it): criterion texts verbatim,
    /// status Draft, every rule a confirmation to review. Prints the warnings and the rules
    /// the texts suggest; nothing suggested is applied.
    Import {
        /// The saved study record.
        record: PathBuf,
        /// Where to write the draft (never over an existing file).
        #[arg(long, value_name = "FILE.ron")]
        out: PathBuf,
    },
    /// Compare two trial definitions: trial fields, criteria added, removed, reworded,
    /// renumbered or read differently. Exit 0 when they are the same, 1 when they differ,
    /// 2 when a file cannot be read.
    Diff {
        /// The old definition (RON).
        old: PathBuf,
        /// The new definition (RON).
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
}

/// How `trials diff` prints the differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// One section per kind of change, for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// `coordinator` subcommands.
#[derive(Debug, Subcommand)]
pub enum CoordinatorAction {
    /// Save a coordinator and act as them from now on.
    Set {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Role ("study nurse", "investigator").
        #[arg(long)]
        role: String,
        /// Site code (2–8 letters or digits), part of every screening id.
        #[arg(long)]
        site: String,
    },
    /// Print the current coordinator.
    Show,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Walk the hash chain and the database's integrity, replay the trail against the tables;
    /// name the first broken link and every record that differs.
    Verify {
        /// Check the chain against an anchor kept away from this machine: a signed PDF summary
        /// (its printed chain head) or a checkpoint file (repeatable).
        #[arg(long, value_name = "PDF|CHECKPOINT")]
        anchor: Vec<PathBuf>,
    },
    /// Write a signed statement of the chain's head and event count, to file away from the
    /// machine (sponsor, eTMF); `audit verify --anchor FILE` checks the chain against it.
    Checkpoint {
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print one screening's audit events in order.
    History {
        /// Screening id.
        id: String,
    },
    /// Print the latest chain hash.
    Head,
}

/// `new` arguments.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Trial id (`assix`, `a-muse`); the newest loaded version is used.
    #[arg(long, required_unless_present = "rescreen")]
    pub trial: Option<String>,
    /// Re-screen: start a new screening of the same candidate for the same trial, linked to
    /// this earlier NOT ELIGIBLE screening. Candidate facts are carried over (unless given
    /// here), answers are not.
    #[arg(long, value_name = "ID")]
    pub rescreen: Option<String>,
    /// Candidate's initials.
    #[arg(long, default_value = "")]
    pub initials: String,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long = "dob", value_name = "DATE")]
    pub date_of_birth: Option<String>,
    /// Sex: female or male.
    #[arg(long)]
    pub sex: Option<String>,
    /// Of childbearing potential: yes or no.
    #[arg(long)]
    pub childbearing: Option<String>,
    /// Pregnant: yes or no (a fact shared by every trial).
    #[arg(long, value_name = "yes|no")]
    pub pregnant: Option<String>,
    /// Breastfeeding: yes or no (a fact shared by every trial).
    #[arg(long, value_name = "yes|no")]
    pub breastfeeding: Option<String>,
    /// Pre-screening date (default: today).
    #[arg(long = "date", value_name = "DATE")]
    pub prescreening_date: Option<Date>,
    /// Planned visit date.
    #[arg(long = "visit", value_name = "DATE")]
    pub planned_visit_date: Option<Date>,
    /// Site code (default: the coordinator's).
    #[arg(long)]
    pub site: Option<String>,
}

/// `answer` arguments.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Screening id.
    pub id: String,
    /// Criterion id (`IN04`).
    pub criterion: String,
    /// The answer in RON: `Yes`, `No`, `Unknown`, `Value(0.04)`, `Event(LastOn("2026-01-02"))`,
    /// `Event(LastOn("2026-02"))`, `DocumentedClassification(source: "letter")`.
    #[arg(long, required_unless_present = "clear")]
    pub answer: Option<String>,
    /// A note.
    #[arg(long)]
    pub note: Option<String>,
    /// Where the answer comes from.
    #[arg(long)]
    pub evidence: Option<String>,
    /// Remove the answer (needs --reason).
    #[arg(long, conflicts_with = "answer")]
    pub clear: bool,
    /// Why (required to change or clear an answered criterion).
    #[arg(long)]
    pub reason: Option<String>,
    /// For an investigator judgement: the judging investigator's name (required for yes or
    /// no).
    #[arg(long)]
    pub investigator: Option<String>,
    /// The day of the judgement (YYYY-MM-DD; default today).
    #[arg(long, requires = "investigator")]
    pub judged_on: Option<Date>,
}

/// `visit` subcommands.
#[derive(Debug, Subcommand)]
pub enum VisitAction {
    /// Start the visit: from now on windows counted from the visit use this date.
    Start {
        /// Screening id.
        id: String,
        /// The day the visit took place (YYYY-MM-DD; default today; never before the
        /// pre-screening, never in the future).
        #[arg(long)]
        date: Option<Date>,
        /// Why (required to correct a visit date already recorded).
        #[arg(long)]
        reason: Option<String>,
    },
}

/// `reconfirm` arguments.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("outcome").required(true).args(["still_true", "changed"])))]
pub struct ReconfirmArgs {
    /// Screening id.
    pub id: String,
    /// Criterion id (`EX02`).
    pub criterion: String,
    /// The pre-screen answer still holds.
    #[arg(long)]
    pub still_true: bool,
    /// It has changed: the criterion stays open until its new answer is recorded.
    #[arg(long)]
    pub changed: bool,
    /// The day of the re-confirmation (YYYY-MM-DD; default today).
    #[arg(long)]
    pub date: Option<Date>,
    /// What the candidate said, or why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `log` arguments.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this trial id.
    #[arg(long)]
    pub trial: Option<String>,
    /// Pre-screening date on or after (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<Date>,
    /// Pre-screening date on or before (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<Date>,
    /// Only these statuses (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only NOT ELIGIBLE screenings whose re-screen date has been reached today and that no
    /// later screening repeats yet.
    #[arg(long)]
    pub rescreen_due: bool,
    /// Only screenings answered against this version of their definition (with --summary:
    /// the SEAR counts of that version).
    #[arg(long, value_name = "VERSION")]
    pub definition_version: Option<String>,
    /// Per trial: screened, eligible, approached, consented, declined, enrolled, and the
    /// ineligibility counts per criterion.
    #[arg(long)]
    pub summary: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LogFormat::Table)]
    pub format: LogFormat,
}

/// Formats of `log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Aligned columns for people.
    Table,
    /// RFC 4180 CSV (UTF-8 with a byte-order mark, CRLF line ends) for spreadsheets.
    Csv,
}

/// Formats of `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Status, verdict, criteria and history for people.
    Text,
    /// The exchange format, as `import` reads it.
    Ron,
}

/// `prescreen identity …`.
#[derive(Debug, Subcommand)]
pub enum IdentityAction {
    /// Create a key pair and a self-signed certificate naming you; the key is stored
    /// encrypted with a passphrase you choose (asked twice, or PRESCREEN_PASSPHRASE).
    New {
        /// Your full name as you sign.
        #[arg(long)]
        name: String,
        /// Your role: coordinator, investigator, or the words of your title ("Clinical
        /// research coordinator", "Sub-investigator"); a monitor has no signing identity.
        #[arg(long)]
        role: String,
        /// For an investigator: the delegation-log entry ("sub-investigator, delegation log
        /// line 4").
        #[arg(long)]
        delegation: Option<String>,
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

impl From<KeyChoice> for KeyAlgorithm {
    fn from(choice: KeyChoice) -> Self {
        match choice {
            KeyChoice::Rsa => Self::Rsa2048,
            KeyChoice::P256 => Self::P256,
        }
    }
}

/// The meaning of a signature, as chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MeaningChoice {
    /// "Pre-screened by" (a coordinator).
    Prescreened,
    /// "Screened by — I confirm the answers above are accurate and complete" (a coordinator).
    Screened,
    /// "Eligibility confirmed by investigator" (an investigator only).
    EligibilityConfirmed,
}

impl From<MeaningChoice> for SignatureMeaning {
    fn from(choice: MeaningChoice) -> Self {
        match choice {
            MeaningChoice::Prescreened => Self::PreScreenedBy,
            MeaningChoice::Screened => Self::ScreenedBy,
            MeaningChoice::EligibilityConfirmed => Self::EligibilityConfirmedByInvestigator,
        }
    }
}

/// `prescreen site …`.
#[derive(Debug, Subcommand)]
pub enum SiteAction {
    /// Set up the database named in --database for prescreen (once, by the site's
    /// administrator with a login that may create roles); a second run is refused.
    Init,
    /// Bring the server's schema up to this prescreen's (after an update), in one transaction.
    Upgrade,
    /// Add a person: a login role with a password (prompted, or PRESCREEN_NEW_PASSWORD), in
    /// one site, with one role.
    AddUser {
        /// The login name (lowercase letters, digits, '_', '.', '-').
        name: String,
        /// What they may do.
        #[arg(long, value_parser = ["coordinator", "investigator", "monitor"])]
        role: String,
        /// Their site's code (2 to 8 letters or digits).
        #[arg(long, value_name = "CODE")]
        site: String,
    },
}

/// `prescreen settings …`.
#[derive(Debug, Subcommand)]
pub enum SettingsAction {
    /// The RFC 3161 timestamp authority every signature is timestamped by (PAdES B-T): show
    /// it, set it (an http:// URL), or forget it with --clear.
    Tsa {
        /// The TSA's URL.
        url: Option<String>,
        /// Forget it: signatures are then B-B, their time the signer's own claim.
        #[arg(long, conflicts_with = "url")]
        clear: bool,
    },
    /// The site server every door of this data folder keeps records on: show it, save it (a
    /// URL without a password; a remote host needs sslmode=verify-full), or forget it with
    /// --clear (records are then kept in the data folder's own database again).
    Database {
        /// The server's URL.
        url: Option<String>,
        /// Forget it.
        #[arg(long, conflicts_with = "url")]
        clear: bool,
    },
}

/// `prescreen countersign`.
#[derive(Debug, Args)]
pub struct CountersignArgs {
    /// The coordinator-signed summary.
    pub file: PathBuf,
    /// Where to write the countersigned copy (never over FILE).
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
    /// The meaning; an investigator's countersignature confirms eligibility.
    #[arg(long, value_enum, default_value_t = MeaningChoice::EligibilityConfirmed)]
    pub meaning: MeaningChoice,
    /// Which signing identity (see `identity --identity NAME`).
    #[arg(long, value_name = "NAME")]
    pub identity: Option<String>,
    /// Timestamp the countersignature with this RFC 3161 TSA (an http:// URL; PAdES B-T). If
    /// it cannot be reached the countersignature is made without (B-B) and a warning says so.
    #[arg(long, value_name = "URL", env = "PRESCREEN_TSA")]
    pub tsa: Option<String>,
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
    /// Which signing identity (see `identity --identity NAME`).
    #[arg(long, value_name = "NAME", requires = "sign")]
    pub identity: Option<String>,
    /// With --sign: timestamp the signature with this RFC 3161 TSA (an http:// URL; PAdES
    /// B-T). If it cannot be reached the summary is signed without (B-B) and a warning says so.
    #[arg(long, value_name = "URL", env = "PRESCREEN_TSA")]
    pub tsa: Option<String>,
}

/// `prescreen verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed PDF.
    pub file: PathBuf,
    /// Trust this signer's certificate (PEM or DER; repeatable) — for a file checked away
    /// from the site's store. A CA certificate here trusts the certificates it issued.
    #[arg(long, value_name = "CERT.pem")]
    pub trust: Vec<PathBuf>,
    /// Trust the certificate with this SHA-256 fingerprint (64 hex digits; repeatable).
    #[arg(long, value_name = "SHA256")]
    pub fingerprint: Vec<String>,
    /// Do not read the store in the data folder (its register of trusted signers, whether the
    /// screening changed after signing, where the printed chain head sits in its chain).
    #[arg(long)]
    pub no_store: bool,
}

/// `prescreen signers …`: the site's register of trusted signers.
#[derive(Debug, Subcommand)]
pub enum SignersAction {
    /// Trust a signer: their certificate (PEM or DER), or only its SHA-256 fingerprint.
    Add {
        /// The signer's certificate.
        #[arg(
            required_unless_present = "fingerprint",
            conflicts_with = "fingerprint"
        )]
        cert: Option<PathBuf>,
        /// The certificate's SHA-256 fingerprint instead of the certificate.
        #[arg(long, value_name = "SHA256")]
        fingerprint: Option<String>,
        /// Their name as the site knows them (default: the certificate's common name).
        #[arg(long, required_unless_present = "cert")]
        name: Option<String>,
        /// Their role (default: the certificate's title).
        #[arg(long, required_unless_present = "cert")]
        role: Option<String>,
    },
    /// Trust every document-signing certificate a CA issued (an institution's PKI).
    AddCa {
        /// The CA's certificate (PEM or DER).
        cert: PathBuf,
        /// The CA's name as the site knows it (default: its common name).
        #[arg(long)]
        name: Option<String>,
    },
    /// The register, revoked entries included.
    List,
    /// Stop trusting a signer or CA (kept in the register, marked revoked).
    Revoke {
        /// The SHA-256 fingerprint of the entry.
        fingerprint: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}
