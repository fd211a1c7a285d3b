//! `prescreen site`: the administrator sets up the site server and adds the people who log
//! in. Nothing secret is printed: the URL is shown without its password, and a new login's
//! password is prompted (or read from PRESCREEN_NEW_PASSWORD) and sent only as a verifier.

use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::cli::args::SiteAction;
use crate::cli::context::{Context, prompt_password};
use crate::storage::pg::{DatabaseUrl, connect, migrate as moving, site};

/// Runs `site`.
pub fn run(context: &mut Context, action: SiteAction) -> Result<ExitCode> {
    let Some(url) = context.database_url()? else {
        bail!(
            "`site` needs the server: pass --database URL (or set PRESCREEN_DATABASE_URL, or \
             `prescreen settings database URL`)"
        );
    };
    let label = url.to_string();
    let mut client = connect::connect(&url, &mut prompt_password)
        .with_context(|| format!("connecting to {label}"))?;
    match action {
        SiteAction::Init => {
            let report = site::site_init(&mut client, &label)?;
            crate::say!(
                "database {} set up for prescreen (schema version {}){}",
                report.database,
                report.schema_version,
                if report.roles_created.is_empty() {
                    String::new()
                } else {
                    format!("; roles created: {}", report.roles_created.join(", "))
                }
            );
        }
        SiteAction::Upgrade => {
            let (from, to) = site::site_upgrade(&mut client, &label)?;
            if from == to {
                crate::say!("the server's schema is already at version {to}");
            } else {
                crate::say!("the server's schema moved from version {from} to {to}");
            }
        }
        SiteAction::AddUser { name, role, site } => {
            let role: site::SiteRole = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let password = new_password(&name)?;
            site::add_user(&mut client, &label, &name, role, &site, &password)?;
            crate::say!(
                "login {name} added as {} of site {}",
                role.as_str(),
                site.trim().to_ascii_uppercase()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The new login's password: PRESCREEN_NEW_PASSWORD, else asked twice on the terminal.
fn new_password(name: &str) -> Result<zeroize::Zeroizing<String>> {
    if let Ok(password) = std::env::var("PRESCREEN_NEW_PASSWORD") {
        return Ok(zeroize::Zeroizing::new(password));
    }
    let first = zeroize::Zeroizing::new(
        rpassword::prompt_password(format!("New password for {name}: "))
            .context("reading the new password (or set PRESCREEN_NEW_PASSWORD)")?,
    );
    let second = zeroize::Zeroizing::new(rpassword::prompt_password("Again: ")?);
    if *first != *second {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

/// Runs `migrate --to URL`: the data folder's own store (never the server named by
/// `--database`) is copied to the server at URL.
pub fn migrate(context: &mut Context, to: &str) -> Result<ExitCode> {
    let url = DatabaseUrl::parse(to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    let label = url.to_string();
    let source = crate::storage::open_store(context.data_dir()?)?;
    let mut client = connect::connect(&url, &mut prompt_password)
        .with_context(|| format!("connecting to {label}"))?;
    let moved = moving::migrate_from_sqlite(&source, &mut client, &label)?;
    crate::say!(
        "moved site {}: {} screenings, {} answers, {} audit events (head {}) to {label}; {} \
         was left as it was",
        moved.site_code,
        moved.screenings,
        moved.answers,
        moved.events,
        moved.head,
        crate::storage::Store::location(&source)
    );
    Ok(ExitCode::SUCCESS)
}
