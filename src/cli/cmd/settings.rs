//! `prescreen settings`: what the data folder keeps for every door (see `crate::settings`).

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::args::SettingsAction;
use crate::cli::context::Context;
use crate::settings::{database_url, set_database_url, set_tsa_url, tsa_url};

/// Runs `settings`.
pub fn run(context: &mut Context, action: SettingsAction) -> Result<ExitCode> {
    let data_dir = context.data_dir()?.clone();
    match action {
        SettingsAction::Tsa {
            url: None,
            clear: false,
        } => match tsa_url(&data_dir) {
            Some(url) => crate::say!("timestamp authority: {url}"),
            None => crate::say!(
                "no timestamp authority: signatures are PAdES B-B, their time the signer's own claim"
            ),
        },
        SettingsAction::Tsa { clear: true, .. } => {
            set_tsa_url(&data_dir, None)?;
            crate::say!("timestamp authority forgotten: signatures are PAdES B-B from now on");
        }
        SettingsAction::Tsa { url: Some(url), .. } => {
            set_tsa_url(&data_dir, Some(&url))?;
            crate::say!(
                "timestamp authority set: {} (every signature from this data folder asks it)",
                url.trim()
            );
        }
        SettingsAction::Database {
            url: None,
            clear: false,
        } => match database_url(&data_dir) {
            Some(url) => crate::say!("site server: {url}"),
            None => crate::say!("no site server: records are kept in this data folder"),
        },
        SettingsAction::Database { clear: true, .. } => {
            set_database_url(&data_dir, None)?;
            crate::say!("site server forgotten: records are kept in this data folder again");
        }
        SettingsAction::Database { url: Some(url), .. } => {
            set_database_url(&data_dir, Some(&url))?;
            crate::say!(
                "site server saved: {} (every door of this data folder keeps records there)",
                database_url(&data_dir).unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
