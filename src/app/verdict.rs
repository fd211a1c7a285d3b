//! The verdict banner, updated on every edit, and "this candidate against every trial".

use eframe::egui;

use super::command::Command;
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
    evaluation: &Evaluation,
    commands: &mut Vec<Command>,
) {
    let verdict = &evaluation.verdict;
    egui::Frame::default()
        .fill(verdict_colour(verdict))
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                egui::RichText::new(verdict.name())
                    .heading()
                    .strong()
                    .color(egui::Color32::WHITE),
            );
            let (heading, ids): (String, &[String]) = match verdict {
                Verdict::NotEligible { failing, .. } => ("Failing:".to_owned(), failing),
                Verdict::Incomplete { missing } => ("Missing:".to_owned(), missing),
                Verdict::PreScreenPassed { pending } => {
                    (format!("To settle at the {}:", trial.visit_name), pending)
                }
                Verdict::Eligible => ("Every criterion is settled and passes.".to_owned(), &[]),
            };
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new(heading).color(egui::Color32::WHITE));
                for id in ids {
                    let hover = evaluation
                        .criterion(id)
                        .map(|f| f.explanation.clone())
                        .unwrap_or_default();
                    let button = egui::Button::new(
                        egui::RichText::new(id).color(egui::Color32::WHITE).strong(),
                    )
                    .frame(false);
                    if ui.add(button).on_hover_text(hover).clicked()
                        && let Some(index) = trial.criteria.iter().position(|c| &c.id == id)
                    {
                        commands.push(Command::Select(index));
                    }
                }
            });
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
}
