//! The command line: everything the app does, scriptable and testable.
//!
//! [`args`] holds every clap derive, [`context`] opens the data folder, trials and store
//! lazily, [`cmd`] has one file per command and [`output`] everything printed.

pub mod args;
pub mod cmd;
pub mod context;
pub mod output;

use std::process::ExitCode;

use anyhow::Result;

pub use args::Cli;
pub use output::exit_code;

use args::Command;
use context::Context;

/// Runs a parsed command line; errors are reported once, by the caller.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        let data_dir = crate::storage::DataDir::resolve(cli.data_dir.as_deref())?;
        let today = jiff::Zoned::now().date();
        crate::app::run(crate::app::AppConfig {
            data_dir,
            trial_dirs: cli.trial_dirs,
            today,
            database: cli.database,
        })
        .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut context = Context::new(cli.data_dir, cli.trial_dirs, cli.database);
    match command {
        Command::Coordinator { action } => cmd::coordinator::run(&mut context, action),
        Command::New(args) => cmd::new::run(&mut context, args),
        Command::Answer(args) => cmd::answer::run(&mut context, args),
        Command::Status { id, status, reason } => {
            cmd::status::run(&mut context, &id, &status, reason.as_deref())
        }
        Command::Visit { action } => cmd::visit::run(&mut context, action),
        Command::Reconfirm(args) => cmd::visit::reconfirm(&mut context, args),
        Command::Log(args) => cmd::log::run(&mut context, args),
        Command::Audit { action } => cmd::audit::run(&mut context, action),
        Command::Backup { file } => cmd::backup::run(&mut context, &file),
        Command::Import { file } => cmd::import::run(&mut context, &file),
        Command::Show { id, format } => cmd::show::run(&mut context, &id, format),
        Command::Validate { paths } => cmd::validate::run(&paths),
        Command::Trials { action } => cmd::trials::run(&mut context, action),
        Command::Settings { action } => cmd::settings::run(&mut context, action),
        Command::Site { action } => cmd::site::run(&mut context, action),
        Command::Migrate { to } => cmd::site::migrate(&mut context, &to),
        Command::Move {
            id,
            to_version,
            reason,
        } => cmd::amend::run(&mut context, &id, to_version.as_deref(), reason.as_deref()),
        Command::Identity { identity, action } => {
            cmd::identity::run(&mut context, identity.as_deref(), action)
        }
        Command::Countersign(args) => cmd::countersign::run(&mut context, args),
        Command::Timestamp { file, out, tsa } => {
            cmd::countersign::timestamp(&mut context, &file, &out, tsa.as_deref())
        }
        Command::Export(args) => cmd::export::run(&mut context, args),
        Command::Verify(args) => cmd::verify::run(&mut context, args),
        Command::Signers { action } => cmd::signers::run(&mut context, action),
        Command::Evaluate {
            trial,
            screening,
            format,
        } => cmd::evaluate::run(&mut context, &trial, &screening, format),
    }
}
