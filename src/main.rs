//! The `prescreen` binary: parse arguments, set up diagnostics, run the window or a command,
//! report an error once.

use std::process::ExitCode;

use clap::Parser;
use prescreen::cli::{Cli, exit_code, run};

/// The environment variable that sets the diagnostic level (`PRESCREEN_LOG=debug`).
const LOG_ENV: &str = "PRESCREEN_LOG";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env(LOG_ENV)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // A closed stdout (`prescreen log | head -1`) ends quietly, as on SIGPIPE.
            if let Some(io) = error
                .chain()
                .find_map(|e| e.downcast_ref::<std::io::Error>())
            {
                prescreen::cli::output::quiet_exit_on_closed_pipe(io);
            }
            if format!("{error:#}").contains("Broken pipe") {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {error:#}");
            ExitCode::from(exit_code::ERROR)
        }
    }
}
