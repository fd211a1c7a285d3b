//! The verdict banner, updated on every edit, and "this candidate against every trial".

use eframe::egui;

use crate::app::command::Command;
use crate::eligibility::{Evaluation, Verdict};
use crate::trial::load::LoadedTrial;
use crate::trial::model::TrialDefinition;

fn verdict_colour(verdict: &Verdict) -> egui::Color32 {
    match verdict {
        Verdict::NotEligible { .. } => egui::Color32::from_rgb(0xb7, 0x1c, 0x1c),
        Verdict::Incomplete { .. } => egui::Color32::from_rgb(0x8d, 0x6e, 0x00),
        Verdict::PreScreenPassed { .. } => egui::Color32::from_rgb(0x1e, 0x5f, 0x99),
        Verdict::Eligible => egui::Color32::from_rgb(0x2e, 0x7d, 0x32),
    }
}

/// Draws the banner: the verdict's name and the criteria behind it (click to jump).
pub fn ui(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    workspace: &crate::app::Workspace,
    view: crate::app::command::View,
    commands: &mut Vec<Command>,
) {
    let evaluation = &workspace.evaluation;
    let verdict = &evaluation.verdict;
    egui::Frame::default()
        .fill(verdict_colour(verdict))
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            // The visit check beside the verdict: "ELIGIBLE — 3 answers to re-confirm at the
            // inclusion visit".
            let verdict_line = evaluation.verdict_and_visit_line(&trial.visit_name);
            let line = ui
                .horizontal(|ui| {
                    let line = ui.add(
                        egui::Label::new(
                            egui::RichText::new(&verdict_line)
                                .heading()
                                .strong()
                                .color(egui::Color32::WHITE),
                        )
                        .sense(egui::Sense::focusable_noninteractive()),
                    );
                    if workspace.stored {
                        visit_toggle(ui, trial, workspace, view, commands);
                    }
                    line
                })
                .inner;
            // A heading and a polite live region: a screen reader announces the verdict
            // whenever it changes, without moving the focus.
            ui.ctx().accesskit_node_builder(line.id, |node| {
                node.set_role(egui::accesskit::Role::Heading);
                node.set_label(verdict_line);
                node.set_level(1);
                node.set_live(egui::accesskit::Live::Polite);
            });
            let rows: Vec<(String, &[String])> = match verdict {
                Verdict::NotEligible { failing, missing } => vec![
                    ("Failing:".to_owned(), failing.as_slice()),
                    ("Still missing:".to_owned(), missing.as_slice()),
                ],
                Verdict::Incomplete { missing } => vec![("Missing:".to_owned(), missing)],
                Verdict::PreScreenPassed { pending } => {
                    vec![(format!("To settle at the {}:", trial.visit_name), pending)]
                }
                Verdict::Eligible => {
                    vec![("Every criterion is settled and passes.".to_owned(), &[])]
                }
            };
            if !evaluation.invalid.is_empty() {
                ui.label(
                    egui::RichText::new(format!(
                        "{} invalid answer(s) — re-enter them before signing",
                        evaluation.invalid.len()
                    ))
                    .color(egui::Color32::WHITE)
                    .strong(),
                );
            }
            for (heading, ids) in rows {
                if ids.is_empty() && !matches!(verdict, Verdict::Eligible) {
                    continue;
                }
                chips(ui, trial, evaluation, &heading, ids, commands);
            }
        });
}

/// One line of the banner: a heading and the criteria it names (click one to jump to it).
fn chips(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    evaluation: &Evaluation,
    heading: &str,
    ids: &[String],
    commands: &mut Vec<Command>,
) {
    // A long list shows its first criteria and how many in all (the checklist has them all).
    const SHOWN: usize = 16;
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new(heading).color(egui::Color32::WHITE));
        if ids.len() > SHOWN {
            ui.label(
                egui::RichText::new(format!("({} in all)", ids.len())).color(egui::Color32::WHITE),
            );
        }
        for id in ids.iter().take(SHOWN) {
            let hover = evaluation
                .criterion(id)
                .map(|f| f.explanation.clone())
                .unwrap_or_default();
            // Clickable, not a Tab stop: the banner is one stop (its verdict line); the
            // keyboard reaches every criterion through the checklist.
            let chip =
                egui::Label::new(egui::RichText::new(id).color(egui::Color32::WHITE).strong())
                    .sense(egui::Sense::CLICK);
            if ui.add(chip).on_hover_text(hover).clicked()
                && let Some(index) = trial.criteria.iter().position(|c| &c.id == id)
            {
                commands.push(Command::Select(index));
            }
        }
    });
}

/// The same candidate's verdict in every loaded trial.
pub fn across_trials(
    ui: &mut egui::Ui,
    trials: &[LoadedTrial],
    verdicts: &[(usize, Verdict)],
    active: usize,
    commands: &mut Vec<Command>,
) {
    ui.strong("This candidate against every trial");
    let not_screened: Vec<&str> = trials
        .iter()
        .enumerate()
        .filter(|(index, _)| !verdicts.iter().any(|(i, _)| i == index))
        .map(|(_, trial)| trial.definition.acronym.as_str())
        .collect();
    for (index, verdict) in verdicts {
        let Some(trial) = trials.get(*index) else {
            continue;
        };
        ui.horizontal(|ui| {
            let name = if *index == active {
                egui::RichText::new(&trial.definition.acronym).strong()
            } else {
                egui::RichText::new(&trial.definition.acronym)
            };
            if ui
                .link(name)
                .on_hover_text("Open this trial's checklist")
                .clicked()
            {
                commands.push(Command::SwitchTrial(*index));
            }
            ui.label(
                egui::RichText::new(verdict.name())
                    .color(verdict_colour(verdict))
                    .strong(),
            );
        });
    }
    if !not_screened.is_empty() {
        ui.label(
            egui::RichText::new(format!(
                "Not screened for {} (open the trial to start)",
                not_screened.join(", ")
            ))
            .weak(),
        );
    }
}

/// "Inclusion visit (Ctrl+I)" from the checklist, "Back to the checklist" from the visit.
fn visit_toggle(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    workspace: &crate::app::Workspace,
    view: crate::app::command::View,
    commands: &mut Vec<Command>,
) {
    use crate::app::command::View;
    let text = if view == View::Visit {
        "Back to the checklist (Ctrl+I)".to_owned()
    } else if workspace.screening.visit_date.is_some() {
        format!("The {} (Ctrl+I)", trial.visit_name)
    } else {
        format!("Start the {}… (Ctrl+I)", trial.visit_name)
    };
    if ui.button(text).clicked() {
        commands.push(Command::ShowView(if view == View::Visit {
            View::Screening
        } else {
            View::Visit
        }));
    }
}
