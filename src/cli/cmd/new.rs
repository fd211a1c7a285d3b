//! `prescreen new`: start a screening (or a re-screening linked to an earlier one).

use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use jiff::civil::Date;

use crate::cli::args::NewArgs;
use crate::cli::context::Context;
use crate::screening::{Candidate, Sex};
use crate::storage::NewScreening;

/// Parses a candidate date without repeating the text in the error (it may be a birth date).
fn parse_private_date(text: &str, what: &str) -> Result<Date> {
    text.trim()
        .parse()
        .map_err(|_| anyhow!("{what} is not a valid date (YYYY-MM-DD)"))
}

fn parse_yes_no(text: &str, what: &str) -> Result<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => bail!("{what} must be yes or no"),
    }
}

/// Runs `new`.
pub fn run(context: &mut Context, args: NewArgs) -> Result<ExitCode> {
    let by = context.coordinator()?;
    let (set, store) = context.trials_and_store()?;
    let earlier = args
        .rescreen
        .as_deref()
        .map(|id| store.load_screening(id))
        .transpose()?;
    let trial_id = match (&args.trial, &earlier) {
        (Some(trial), _) => trial.clone(),
        (None, Some(earlier)) => earlier.screening.trial.id.clone(),
        (None, None) => bail!("--trial is required"),
    };
    let trial = set
        .latest(&trial_id)
        .ok_or_else(|| anyhow!("no trial {trial_id} is loaded"))?;
    let sex = match args.sex.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
        None => None,
        Some(s) if s == "female" || s == "f" => Some(Sex::Female),
        Some(s) if s == "male" || s == "m" => Some(Sex::Male),
        Some(_) => bail!("sex must be female or male"),
    };
    let given = Candidate {
        initials: args.initials.trim().to_owned(),
        date_of_birth: args
            .date_of_birth
            .as_deref()
            .map(|d| parse_private_date(d, "the date of birth"))
            .transpose()?,
        sex,
        childbearing_potential: args
            .childbearing
            .as_deref()
            .map(|c| parse_yes_no(c, "childbearing potential"))
            .transpose()?,
        pregnant: args
            .pregnant
            .as_deref()
            .map(|c| parse_yes_no(c, "pregnant"))
            .transpose()?,
        breastfeeding: args
            .breastfeeding
            .as_deref()
            .map(|c| parse_yes_no(c, "breastfeeding"))
            .transpose()?,
    };
    // A re-screening carries the shared candidate facts over; what is given here wins.
    let candidate = match &earlier {
        Some(earlier) => {
            let old = &earlier.screening.candidate;
            Candidate {
                initials: if given.initials.is_empty() {
                    old.initials.clone()
                } else {
                    given.initials
                },
                date_of_birth: given.date_of_birth.or(old.date_of_birth),
                sex: given.sex.or(old.sex),
                childbearing_potential: given.childbearing_potential.or(old.childbearing_potential),
                pregnant: given.pregnant.or(old.pregnant),
                breastfeeding: given.breastfeeding.or(old.breastfeeding),
            }
        }
        None => given,
    };
    let today = jiff::Zoned::now().date();
    let id = store.create_screening(
        trial,
        &NewScreening {
            site_code: args.site,
            candidate,
            prescreening_date: args.prescreening_date.unwrap_or(today),
            planned_visit_date: args.planned_visit_date,
            rescreen_of: args.rescreen.clone(),
        },
        by.id,
    )?;
    crate::say!("{id}");
    if let Some(earlier) = &args.rescreen {
        crate::say!("re-screen of {earlier} (shared candidate facts carried over, answers not)");
    }
    Ok(ExitCode::SUCCESS)
}
