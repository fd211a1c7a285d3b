//! `prescreen identity new|import|show`: the signing key and its certificate.

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use jiff::Timestamp;
use zeroize::Zeroizing;

use crate::cli::args::IdentityAction;
use crate::cli::context::Context;
use crate::cli::output::print_identity;
use crate::signing::identity;
use crate::signing::store as identity_store;

/// The environment variable read instead of prompting for the passphrase.
pub const PASSPHRASE_ENV: &str = "PRESCREEN_PASSPHRASE";

/// The environment variable with a new passphrase for an imported key whose PKCS#12
/// passphrase is too short.
pub const NEW_PASSPHRASE_ENV: &str = "PRESCREEN_NEW_PASSPHRASE";

/// The passphrase from PRESCREEN_PASSPHRASE or the terminal (never echoed); wiped from
/// memory when dropped.
pub fn passphrase(prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
    if let Ok(value) = std::env::var(PASSPHRASE_ENV) {
        return Ok(Zeroizing::new(value));
    }
    let first = Zeroizing::new(
        rpassword::prompt_password(prompt)
            .context("no passphrase: set PRESCREEN_PASSPHRASE or run in a terminal")?,
    );
    if confirm {
        let second = Zeroizing::new(rpassword::prompt_password("Repeat the passphrase: ")?);
        if first != second {
            bail!("the passphrases differ; nothing was written");
        }
    }
    Ok(first)
}

/// Registers a new identity's certificate in the store's register of trusted signers (an
/// audit event), so `verify` with this store calls its signatures VALID. Without a current
/// coordinator it is not registered, and says how to do it later.
fn register_in_store(context: &mut Context, certificate: &crate::signing::Certificate) {
    let result = context.coordinator().and_then(|coordinator| {
        Ok(crate::verification::register_signer(
            context.store()?,
            certificate,
            coordinator.id,
        )?)
    });
    match result {
        Ok(true) => crate::say!(
            "registered as a trusted signer in this store (SHA-256 {})",
            identity::fingerprint(certificate)
        ),
        Ok(false) => crate::say!("already registered as a trusted signer in this store"),
        Err(error) => eprintln!(
            "warning: not registered as a trusted signer ({error:#}); run `prescreen signers add` with the certificate"
        ),
    }
}

/// Runs `identity new|import|show`.
pub fn run(context: &mut Context, which: Option<&str>, action: IdentityAction) -> Result<ExitCode> {
    let dir = context.signing_dir(which)?;
    match action {
        IdentityAction::New {
            name,
            role,
            delegation,
            site,
            key,
            replace,
        } => {
            // "coordinator" and "investigator" are the two signing roles; other words are the
            // signer's own title, read the same way (see `roles`).
            let mut role = match role.trim().to_lowercase().as_str() {
                "coordinator" => "Study coordinator".to_owned(),
                "investigator" => "Investigator".to_owned(),
                _ => role.trim().to_owned(),
            };
            if let Some(delegation) = delegation.filter(|d| !d.trim().is_empty()) {
                role = format!("{role} ({})", delegation.trim());
            }
            if !replace && identity_store::identity_path(&dir).exists() {
                bail!(
                    "{} already exists; pass --replace to overwrite it",
                    identity_store::identity_path(&dir).display()
                );
            }
            let secret = passphrase("Choose a passphrase for your signing key: ", true)?;
            identity::check_passphrase_strength(&secret)?;
            let created = identity::generate(&name, &role, &site, key.into(), Timestamp::now())?;
            let path = identity_store::save(&dir, &created, &secret, replace)?;
            print_identity(&created.certificate);
            crate::say!("saved to {} (mode 0600)", path.display());
            register_in_store(context, &created.certificate);
        }
        IdentityAction::Import { file, replace } => {
            let data =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let secret = passphrase("Passphrase of the PKCS#12 file: ", false)?;
            let imported = identity::from_pkcs12(&data, &secret)?;
            // The stored key keeps the file's passphrase unless that is too weak to be one of
            // two signature components; then the signer chooses a new, strong one.
            let secret = if let Err(weak) = identity::check_passphrase_strength(&secret) {
                eprintln!(
                    "The PKCS#12 passphrase is too weak to protect the stored key ({weak}): \
                     choose a new one."
                );
                let chosen = match std::env::var(NEW_PASSPHRASE_ENV) {
                    Ok(value) => Zeroizing::new(value),
                    Err(_) => {
                        let first = Zeroizing::new(rpassword::prompt_password("New passphrase: ")?);
                        let second =
                            Zeroizing::new(rpassword::prompt_password("Repeat the passphrase: ")?);
                        if first != second {
                            bail!("the passphrases differ; nothing was written");
                        }
                        first
                    }
                };
                identity::check_passphrase_strength(&chosen)?;
                chosen
            } else {
                secret
            };
            let problems = crate::signing::trust::certificate_problems(
                &imported.certificate,
                Some(Timestamp::now()),
            );
            if !problems.is_empty() {
                bail!(
                    "{} cannot sign screening summaries: {}; nothing was written",
                    file.display(),
                    problems.join("; ")
                );
            }
            let path = identity_store::save(&dir, &imported, &secret, replace)?;
            print_identity(&imported.certificate);
            crate::say!("saved to {} (mode 0600)", path.display());
            register_in_store(context, &imported.certificate);
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
