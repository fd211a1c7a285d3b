//! The `prescreen` binary: parse arguments, run a command, report an error once.

use std::process::ExitCode;

use clap::Parser;
use prescreen::cli::{Cli, exit_code, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    prescreen::cli_records::init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit_code::ERROR)
        }
    }
}
