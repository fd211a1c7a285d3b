//! `prescreen coordinator set|show`: who the command line acts as.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::args::CoordinatorAction;
use crate::cli::context::Context;
use crate::storage::{NewCoordinator, StoreError};

/// Runs `coordinator`.
pub fn run(context: &mut Context, action: CoordinatorAction) -> Result<ExitCode> {
    let store = context.store()?;
    match action {
        CoordinatorAction::Set { name, role, site } => {
            let saved = store.save_coordinator(&NewCoordinator {
                name,
                role,
                site_code: site,
            })?;
            store.set_current_coordinator(saved.id)?;
            crate::say!(
                "acting as {} ({}, site {})",
                saved.name,
                saved.role,
                saved.site_code
            );
        }
        CoordinatorAction::Show => match store.current_coordinator()? {
            Some(c) => crate::say!("{} ({}, site {})", c.name, c.role, c.site_code),
            None => bail!(StoreError::NoCurrentCoordinator),
        },
    }
    Ok(ExitCode::SUCCESS)
}
