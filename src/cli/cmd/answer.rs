//! `prescreen answer`: set, change or clear one criterion's answer.

use std::process::ExitCode;

use anyhow::{Result, anyhow};

use crate::cli::args::AnswerArgs;
use crate::cli::context::Context;
use crate::screening::{Answer, CriterionEntry, Judgement};
use crate::trial::load::ron_options;

/// Runs `answer`: the store checks the answer with the core and refuses it, naming the
/// field, before anything is written.
pub fn run(context: &mut Context, args: AnswerArgs) -> Result<ExitCode> {
    let by = context.coordinator()?;
    let store = context.store()?;
    let entry = match &args.answer {
        Some(text) => {
            let answer: Answer = ron_options().from_str(text).map_err(|e| {
                let field = crate::ron_path::path_at(text, e.span.start.line, e.span.start.col)
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default();
                anyhow!(
                    "{}: --answer is not a valid answer (column {}): {field}{}",
                    args.criterion,
                    e.span.start.col,
                    e.code
                )
            })?;
            let judged_by = args.investigator.as_ref().map(|name| Judgement {
                investigator: name.trim().to_owned(),
                on: args.judged_on.unwrap_or_else(|| jiff::Zoned::now().date()),
            });
            Some(CriterionEntry {
                answer,
                note: args.note.clone(),
                evidence: args.evidence.clone(),
                reconfirmed: None,
                judged_by,
            })
        }
        None => None,
    };
    let verdict = store.set_answer(
        &args.id,
        &args.criterion,
        entry.as_ref(),
        by.id,
        args.reason.as_deref(),
    )?;
    crate::say!(
        "{}: {} saved; verdict {}",
        args.id,
        args.criterion,
        verdict.line()
    );
    Ok(ExitCode::SUCCESS)
}
