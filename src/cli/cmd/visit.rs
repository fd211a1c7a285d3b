//! `prescreen visit start` and `prescreen reconfirm`: the visit as it happened, and the
//! pre-screen answers re-checked there.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::args::{ReconfirmArgs, VisitAction};
use crate::cli::context::Context;
use crate::storage::Store;

/// Runs `visit`.
pub fn run(context: &mut Context, action: VisitAction) -> Result<ExitCode> {
    match action {
        VisitAction::Start { id, date, reason } => {
            let by = context.coordinator()?;
            let store = context.store()?;
            let visit_date = date.unwrap_or_else(|| jiff::Zoned::now().date());
            let verdict = store.start_visit(&id, visit_date, by.id, reason.as_deref())?;
            crate::say!(
                "{id}: visit started on {visit_date}; verdict {}",
                verdict.line()
            );
            say_visit_check(store, &id)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `reconfirm`.
pub fn reconfirm(context: &mut Context, args: ReconfirmArgs) -> Result<ExitCode> {
    let by = context.coordinator()?;
    let store = context.store()?;
    let verdict = store.reconfirm(
        &args.id,
        &args.criterion,
        args.changed,
        args.date,
        by.id,
        args.reason.as_deref(),
    )?;
    let what = if args.changed {
        "changed: record its new answer with prescreen answer … --reason"
    } else {
        "still true"
    };
    crate::say!(
        "{}: {} re-confirmed, {what}; verdict {}",
        args.id,
        args.criterion,
        verdict.line()
    );
    say_visit_check(store, &args.id)?;
    Ok(ExitCode::SUCCESS)
}

/// "visit check: clear", or what is open.
fn say_visit_check(store: &dyn Store, id: &str) -> Result<()> {
    let stored = store.load_screening(id)?;
    let (_, evaluation) = super::show::stored_evaluation(store, &stored)?;
    let open = evaluation.visit.open_items();
    if open.is_empty() {
        crate::say!("visit check: clear");
    } else {
        crate::say!("visit check open: {}", open.join(", "));
    }
    Ok(())
}
