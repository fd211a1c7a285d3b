//! The criteria list: inclusion and exclusion grouped, a status icon each, the stage visible,
//! and the progress.

use eframe::egui;

use crate::app::Workspace;
use crate::app::command::Command;
use crate::eligibility::{AnswerState, CriterionEvaluation, CriterionStatus, Settlement};
use crate::trial::model::{CriterionKind, Stage, TrialDefinition};

/// The icon and colour of a criterion's state, shared with the verdict banner.
pub fn status_icon(
    finding: &CriterionEvaluation,
    visuals: &egui::Visuals,
) -> (&'static str, egui::Color32) {
    match (finding.settlement, finding.status) {
        (_, CriterionStatus::NotApplicable) => ("–", visuals.weak_text_color()),
        (Settlement::Passes, _) => ("✔", egui::Color32::from_rgb(0x2e, 0x7d, 0x32)),
        (Settlement::Fails, _) => ("✖", visuals.error_fg_color),
        (Settlement::Open, _) if finding.answer_state == AnswerState::Invalid => {
            ("!", visuals.error_fg_color)
        }
        (Settlement::Open, _) if finding.answer_state == AnswerState::Unknown => {
            ("?", visuals.warn_fg_color)
        }
        (Settlement::Open, _) => ("○", visuals.weak_text_color()),
    }
}

/// Draws the checklist.
pub fn ui(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    workspace: &Workspace,
    commands: &mut Vec<Command>,
) {
    let evaluation = &workspace.evaluation;
    ui.heading("Criteria");
    ui.label(evaluation.counts.to_string());
    ui.label(
        egui::RichText::new("↑/↓ or J/K move · Y/N/U answer · Enter: next open")
            .small()
            .weak(),
    );
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (kind, heading) in [
                (CriterionKind::Inclusion, "Inclusion"),
                (CriterionKind::Exclusion, "Exclusion"),
            ] {
                ui.add_space(4.0);
                ui.strong(heading);
                for (index, (criterion, finding)) in
                    trial.criteria.iter().zip(&evaluation.criteria).enumerate()
                {
                    if criterion.kind != kind {
                        continue;
                    }
                    let (icon, colour) = status_icon(finding, ui.visuals());
                    let stage = match criterion.stage {
                        Stage::PreScreen => "pre",
                        Stage::ScreeningVisit => "visit",
                    };
                    let selected = index == workspace.selected;
                    let mut job = egui::text::LayoutJob::default();
                    let style = ui.style();
                    let body = egui::TextFormat {
                        color: style.visuals.text_color(),
                        ..Default::default()
                    };
                    job.append(
                        icon,
                        0.0,
                        egui::TextFormat {
                            color: colour,
                            ..Default::default()
                        },
                    );
                    job.append(
                        &format!(" {} ", criterion.id),
                        0.0,
                        egui::TextFormat {
                            color: style.visuals.strong_text_color(),
                            ..Default::default()
                        },
                    );
                    job.append(
                        &format!("[{stage}] "),
                        0.0,
                        egui::TextFormat {
                            color: style.visuals.weak_text_color(),
                            ..Default::default()
                        },
                    );
                    job.append(&criterion.short_text(), 0.0, body);
                    let response = ui
                        .add(
                            egui::Button::selectable(selected, job)
                                .wrap_mode(egui::TextWrapMode::Truncate),
                        )
                        .on_hover_text(format!(
                            "{}: {}",
                            finding.status.label(criterion.kind),
                            finding.explanation
                        ));
                    if selected {
                        response.scroll_to_me(None);
                    }
                    if response.clicked() {
                        commands.push(Command::Select(index));
                    }
                }
            }
        });
}
