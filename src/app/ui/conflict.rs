//! A save refused because someone else changed the screening first: their state is shown
//! (the workspace was reloaded), and the change this person made is kept here, beside it,
//! until they re-apply it or let it go. Nothing typed is lost, nothing is overwritten.

use eframe::egui;

use crate::app::command::Command;
use crate::report::answer_text;
use crate::screening::CriterionEntry;
use crate::trial::TrialDefinition;

/// A change the store refused as stale, kept for the person who made it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictedChange {
    /// The criterion it was for.
    pub criterion: String,
    /// What they saved (`None`: a clear).
    pub entry: Option<CriterionEntry>,
    /// The reason they gave, if any.
    pub reason: Option<String>,
    /// Who changed the screening in between.
    pub changed_by: String,
    /// When (UTC).
    pub changed_at: String,
}

/// Draws the kept change of the selected criterion beside the stored one, with the two ways
/// out. Nothing when there is no conflict for `criterion_id`.
pub fn ui(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    conflict: Option<&ConflictedChange>,
    stored: Option<&CriterionEntry>,
    criterion_id: &str,
    commands: &mut Vec<Command>,
) {
    let Some(conflict) = conflict.filter(|c| c.criterion == criterion_id) else {
        return;
    };
    let Some(criterion) = trial.criterion(criterion_id) else {
        return;
    };
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(2.0, ui.visuals().warn_fg_color))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                egui::RichText::new(format!(
                    "Not saved: {} changed this screening at {} after you opened it.",
                    conflict.changed_by,
                    when(&conflict.changed_at)
                ))
                .strong(),
            );
            ui.label(format!("Now stored: {}", answer_text(criterion, stored)));
            ui.label(format!(
                "Your change: {}",
                answer_text(criterion, conflict.entry.as_ref())
            ));
            if let Some(reason) = &conflict.reason {
                ui.label(format!("Your reason: {reason}"));
            }
            ui.horizontal(|ui| {
                if ui
                    .button("Re-apply my change")
                    .on_hover_text("Save your change on top of the stored state")
                    .clicked()
                {
                    commands.push(Command::ReapplyMine);
                }
                if ui
                    .button("Keep the stored answer")
                    .on_hover_text("Let your change go")
                    .clicked()
                {
                    commands.push(Command::KeepTheirs);
                }
            });
        });
    ui.add_space(6.0);
}

/// A stored UTC time as people read it: to the second, "UTC" said (`2026-12-02 15:01:07 UTC`).
pub fn when(at_utc: &str) -> String {
    match at_utc.get(..19) {
        Some(seconds) if at_utc.len() > 19 => format!("{} UTC", seconds.replace('T', " ")),
        _ => at_utc.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stored_time_is_shown_to_the_second() {
        assert_eq!(
            super::when("2026-12-02T15:01:07.005237418Z"),
            "2026-12-02 15:01:07 UTC"
        );
        assert_eq!(super::when("yesterday"), "yesterday");
    }
}
