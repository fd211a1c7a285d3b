//! The always-visible trial identity: acronym, registry id, definition version and the
//! trial's own colour, with the switcher — so two trials are never confused.

use eframe::egui;

use crate::app::command::{Command, View};
use crate::storage::Coordinator;
use crate::trial::load::LoadedTrial;

/// Parses `#RRGGBB` (validated at load) into a colour.
pub fn trial_colour(hex: &str) -> egui::Color32 {
    let channel = |range: std::ops::Range<usize>| {
        hex.get(range)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(128)
    };
    egui::Color32::from_rgb(channel(1..3), channel(3..5), channel(5..7))
}

/// Draws the top bar.
pub fn ui(
    ui: &mut egui::Ui,
    trials: &[LoadedTrial],
    active: usize,
    view: View,
    coordinator: Option<&Coordinator>,
    dark: bool,
    commands: &mut Vec<Command>,
) {
    let Some(trial) = trials.get(active) else {
        return;
    };
    let colour = trial_colour(&trial.definition.colour);
    egui::Panel::top("trial-bar")
        .frame(
            egui::Frame::default()
                .fill(colour)
                .inner_margin(egui::Margin::symmetric(10, 6)),
        )
        .show(ui, |ui| {
            // Wraps rather than overlaps when the window is narrow or the labels are long.
            ui.horizontal_wrapped(|ui| {
                let d = &trial.definition;
                let identifier = d
                    .primary_identifier()
                    .map(|i| i.display())
                    .unwrap_or_default();
                ui.label(
                    egui::RichText::new(&d.acronym)
                        .heading()
                        .strong()
                        .color(egui::Color32::WHITE),
                );
                ui.label(
                    egui::RichText::new(format!(
                        "{identifier} · definition {} · {}",
                        d.version(),
                        d.sponsor
                    ))
                    .color(egui::Color32::WHITE),
                );
                if d.provenance.verified_by.is_none() {
                    ui.label(
                        egui::RichText::new(crate::trial::model::UNVERIFIED_LABEL)
                            .color(egui::Color32::WHITE)
                            .italics(),
                    )
                    .on_hover_text(
                        "No one from the trial team has yet checked this definition against the protocol (provenance.verified_by is empty).",
                    );
                }
                ui.separator();
                for (index, other) in trials.iter().enumerate() {
                    // The active trial is the one that stands out: white, in its colour's
                    // text; the others are plain white text on the bar.
                    let selected = index == active && view == View::Screening;
                    let (text_colour, fill) = if selected {
                        (trial_colour(&other.definition.colour), egui::Color32::WHITE)
                    } else {
                        (egui::Color32::WHITE, egui::Color32::TRANSPARENT)
                    };
                    let text = egui::RichText::new(&other.definition.acronym)
                        .color(text_colour)
                        .strong();
                    if ui
                        .add(egui::Button::selectable(selected, text).fill(fill))
                        .on_hover_text(format!("Switch to {}", other.definition.acronym))
                        .clicked()
                    {
                        commands.push(Command::SwitchTrial(index));
                        commands.push(Command::ShowView(View::Screening));
                    }
                }
                ui.separator();
                let log_text = egui::RichText::new("Screening log").color(egui::Color32::WHITE);
                if ui
                    .add(egui::Button::selectable(view == View::Log, log_text))
                    .clicked()
                {
                    commands.push(Command::ShowView(View::Log));
                }
                let library_text = egui::RichText::new("Trial library").color(egui::Color32::WHITE);
                if ui
                    .add(egui::Button::selectable(view == View::Library, library_text))
                    .on_hover_text("Every loaded definition; review and verify a draft")
                    .clicked()
                {
                    commands.push(Command::ShowView(View::Library));
                }
                ui.separator();
                if let Some(c) = coordinator {
                    ui.label(
                        egui::RichText::new(format!("{} · {} · {}", c.name, c.role, c.site_code))
                            .color(egui::Color32::WHITE),
                    );
                }
                let theme = if dark { "Light theme" } else { "Dark theme" };
                if ui.button(theme).clicked() {
                    commands.push(Command::ToggleTheme);
                }
            });
        });
}
