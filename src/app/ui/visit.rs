//! The visit view: start the visit on the day it takes place, then, in order, the visit-stage
//! criteria still open, the pre-screen answers to re-confirm (one key each: T still true, C
//! changed), and everything else read-only.

use eframe::egui;
use jiff::civil::Date;

use crate::app::Workspace;
use crate::app::command::Command;
use crate::eligibility::Settlement;
use crate::trial::model::{Stage, TrialDefinition};

/// The visit date as typed, and why it was refused.
#[derive(Debug, Clone, Default)]
pub struct VisitForm {
    /// The date field's text; empty means today.
    pub date: String,
    /// Why the typed date was refused.
    pub error: Option<String>,
}

/// Draws the visit view for the active screening.
pub fn ui(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    workspace: &mut Workspace,
    today: Date,
    commands: &mut Vec<Command>,
) {
    let Workspace {
        screening,
        evaluation,
        visit_form,
        stored,
        ..
    } = workspace;
    let visit = &trial.visit_name;
    super::fields::heading(
        ui,
        &format!("{} — {}", capitalised(visit), screening.screening_id),
        2,
    );
    if !*stored {
        ui.label("Start the screening first.");
        return;
    }
    match screening.visit_date {
        None => {
            ui.label(format!(
                "Start the visit on the day it takes place: from then on windows counted from the {visit} use that day, not the planned one{}.",
                screening
                    .planned_visit_date
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ));
            let response = super::fields::text_field(
                ui,
                "Visit date (YYYY-MM-DD)",
                &mut visit_form.date,
                &format!("today, {today}"),
                visit_form.error.as_deref(),
            );
            let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Start the visit").clicked() || enter {
                let typed = visit_form.date.trim();
                match if typed.is_empty() {
                    Ok(today)
                } else {
                    typed.parse::<Date>()
                } {
                    Ok(date) => {
                        visit_form.error = None;
                        commands.push(Command::StartVisit(date));
                    }
                    Err(_) => {
                        visit_form.error =
                            Some(format!("\"{typed}\": write the date as YYYY-MM-DD"))
                    }
                }
            }
        }
        Some(held) => {
            ui.label(
                egui::RichText::new(format!(
                    "Held on {held}: windows counted from the {visit} use this day."
                ))
                .strong(),
            );
        }
    }
    let check = &evaluation.visit;
    ui.label(match check.summary(visit) {
        Some(open) => format!("Visit check: {open}"),
        None => "Visit check: nothing to re-confirm".to_owned(),
    });
    ui.separator();
    let findings = || trial.criteria.iter().zip(&evaluation.criteria).enumerate();

    super::fields::heading(ui, &format!("To settle at the {visit}"), 3);
    let mut any = false;
    for (index, (criterion, finding)) in findings() {
        if criterion.stage == Stage::ScreeningVisit && finding.settlement == Settlement::Open {
            any = true;
            let text = format!("{} — {} (open)", criterion.id, criterion.short_text());
            if ui
                .button(text)
                .on_hover_text("Open it in the checklist")
                .clicked()
            {
                commands.push(Command::OpenCriterion(index));
            }
        }
    }
    if !any {
        ui.label("Nothing open.");
    }

    ui.add_space(6.0);
    super::fields::heading(ui, "Re-confirm with the candidate", 3);
    let started = screening.visit_date.is_some();
    if !started && !check.reconfirm_open.is_empty() {
        ui.label("Start the visit first.");
    }
    // The first open one takes the keys: T still true, C changed.
    let next = check.reconfirm_open.first().cloned();
    // Keys are text only while a text field has the focus (a focused button takes T too).
    let typing = ui.ctx().text_edit_focused();
    let key = |k: egui::Key| ui.input(|i| i.key_pressed(k) && i.modifiers.is_none());
    if started
        && !typing
        && let Some(next) = &next
    {
        if key(egui::Key::T) {
            commands.push(Command::Reconfirm {
                criterion: next.clone(),
                changed: false,
            });
        } else if key(egui::Key::C) {
            commands.push(Command::Reconfirm {
                criterion: next.clone(),
                changed: true,
            });
        }
    }
    for (index, (criterion, finding)) in findings() {
        let open = check.reconfirm_open.contains(&criterion.id);
        let awaited = check.new_answer_awaited.contains(&criterion.id);
        if !open && !awaited {
            continue;
        }
        ui.group(|ui| {
            ui.set_width(ui.available_width());
            ui.label(
                egui::RichText::new(format!("{} — {}", criterion.id, criterion.short_text()))
                    .strong(),
            );
            ui.label(format!("Pre-screen: {}", finding.explanation));
            if awaited {
                if ui
                    .button(format!("{} changed: enter the new answer", criterion.id))
                    .clicked()
                {
                    commands.push(Command::OpenCriterion(index));
                }
                return;
            }
            let keys = next.as_deref() == Some(criterion.id.as_str());
            ui.add_enabled_ui(started, |ui| {
                ui.horizontal(|ui| {
                    let still = ui.button(if keys { "Still true (T)" } else { "Still true" });
                    name(ui, &still, &format!("{} still true", criterion.id));
                    if still.clicked() {
                        commands.push(Command::Reconfirm {
                            criterion: criterion.id.clone(),
                            changed: false,
                        });
                    }
                    let changed = ui.button(if keys { "Changed (C)" } else { "Changed" });
                    name(ui, &changed, &format!("{} changed", criterion.id));
                    if changed.clicked() {
                        commands.push(Command::Reconfirm {
                            criterion: criterion.id.clone(),
                            changed: true,
                        });
                    }
                });
            });
        });
    }
    if check.reconfirm_open.is_empty() && check.new_answer_awaited.is_empty() {
        ui.label("Nothing to re-confirm.");
    }

    ui.add_space(6.0);
    super::fields::heading(ui, "Settled, nothing to re-check", 3);
    for (criterion, finding) in trial.criteria.iter().zip(&evaluation.criteria) {
        let listed = check.reconfirm_open.contains(&criterion.id)
            || check.new_answer_awaited.contains(&criterion.id)
            || (criterion.stage == Stage::ScreeningVisit && finding.settlement == Settlement::Open);
        if listed {
            continue;
        }
        let when = screening
            .answers
            .get(&criterion.id)
            .and_then(|e| e.reconfirmed)
            .map(|r| {
                format!(
                    " · re-confirmed {}{}",
                    r.on,
                    if r.changed { " (changed)" } else { "" }
                )
            })
            .unwrap_or_default();
        ui.label(format!(
            "{} {}{when} — {}",
            criterion.id,
            finding.status.label(criterion.kind),
            criterion.short_text()
        ));
    }
}

/// A button's accessible name when its visible text leaves out the criterion.
fn name(ui: &egui::Ui, response: &egui::Response, label: &str) {
    ui.ctx().accesskit_node_builder(response.id, |node| {
        node.set_label(label);
    });
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
