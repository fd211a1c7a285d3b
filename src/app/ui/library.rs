//! The trial library: every loaded definition, every version, with its status, who verified
//! it and where its file lives — so a site sees at a glance which definitions are drafts,
//! which are in use and which an amendment superseded. A file-backed row opens the review.

use eframe::egui;

use crate::app::command::Command;
use crate::app::library::LibraryCommand;
use crate::trial::load::{LoadedTrial, TrialSet};
use crate::trial::model::DefinitionStatus;

/// The status a row shows: the file's own draft or superseded, else "superseded" when a
/// newer version of the trial is in use (a newer draft supersedes nothing yet), else in use.
pub fn shown_status(set: &TrialSet, trial: &LoadedTrial) -> DefinitionStatus {
    let definition = &trial.definition;
    match definition.status {
        DefinitionStatus::Draft | DefinitionStatus::Superseded => definition.status,
        DefinitionStatus::InUse => {
            let mine = version_key(definition.version());
            let newer_in_use = set.trials.values().any(|other| {
                other.definition.id == definition.id
                    && other.definition.status != DefinitionStatus::Draft
                    && version_key(other.definition.version()) > mine
            });
            if newer_in_use {
                DefinitionStatus::Superseded
            } else {
                DefinitionStatus::InUse
            }
        }
    }
}

/// Versions compared as numbers segment by segment ("1.10.0" after "1.9.0"), as the loader
/// picks the newest.
pub fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-'])
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

/// Whether a definition comes from a file the library can write (not built into the binary).
pub fn file_backed(trial: &LoadedTrial) -> bool {
    !trial.origin.starts_with("built-in:")
}

/// What a row's button is called for a screen reader (and for tests): the acronym, id,
/// version and status.
pub fn row_name(trial: &LoadedTrial, status: DefinitionStatus) -> String {
    let d = &trial.definition;
    format!(
        "Review {} {} {}, {}",
        d.acronym,
        d.id,
        d.version(),
        status.label()
    )
}

/// Draws the table, scrolling past `max_height`; `open` is the origin of the definition
/// under review, `problems` the files that did not load.
pub fn ui(
    ui: &mut egui::Ui,
    set: &TrialSet,
    open: Option<&str>,
    problems: &[String],
    max_height: f32,
    commands: &mut Vec<Command>,
) {
    super::fields::heading(ui, "Trial library", 1);
    if ui
        .button("Import a registry record…")
        .on_hover_text("A ClinicalTrials.gov study record (API v2 JSON) becomes a draft to review")
        .clicked()
    {
        commands.push(Command::Library(
            crate::app::library::LibraryCommand::ImportRecord(None),
        ));
    }
    ui.label(
        "Every definition loaded, every version. Select a file's definition to review it: a \
         draft is edited, saved and marked verified here; a verified one changes only as a \
         new version.",
    );
    let mut rows: Vec<&LoadedTrial> = set.trials.values().collect();
    rows.sort_by(|a, b| {
        (&a.definition.id, version_key(a.definition.version()))
            .cmp(&(&b.definition.id, version_key(b.definition.version())))
    });
    egui::ScrollArea::both()
        .id_salt("library-table")
        .max_height(max_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new("library-grid")
                .num_columns(7)
                .striped(true)
                .spacing([16.0, 6.0])
                .show(ui, |ui| {
                    for heading in [
                        "Review",
                        "Acronym",
                        "Id",
                        "Version",
                        "Status",
                        "Verified by",
                        "File",
                    ] {
                        ui.strong(heading);
                    }
                    ui.end_row();
                    for trial in rows {
                        let d = &trial.definition;
                        let status = shown_status(set, trial);
                        if file_backed(trial) {
                            let selected = open == Some(trial.origin.as_str());
                            let caption = if selected { "Reviewing" } else { "Review…" };
                            let button = ui
                                .add(egui::Button::new(caption).selected(selected))
                                .on_hover_text("Open the review form of this file")
                                .accessible_name(row_name(trial, status));
                            if button.clicked() {
                                commands.push(Command::Library(LibraryCommand::Open(
                                    trial.origin.clone(),
                                )));
                            }
                        } else {
                            ui.label(egui::RichText::new("built in").weak())
                                .on_hover_text("Built into the program: not edited here");
                        }
                        ui.label(&d.acronym);
                        ui.label(&d.id);
                        ui.label(d.version());
                        let colour = match status {
                            DefinitionStatus::Draft => ui.visuals().warn_fg_color,
                            DefinitionStatus::InUse => ui.visuals().text_color(),
                            DefinitionStatus::Superseded => ui.visuals().weak_text_color(),
                        };
                        ui.label(egui::RichText::new(status.label()).color(colour));
                        match &d.provenance.verified_by {
                            Some(who) => ui.label(who),
                            None => ui.label(egui::RichText::new("not verified").italics()),
                        };
                        ui.label(&trial.origin);
                        ui.end_row();
                    }
                });
            if !problems.is_empty() {
                ui.add_space(6.0);
                ui.strong("Files that did not load");
                for problem in problems {
                    ui.label(egui::RichText::new(problem).color(ui.visuals().error_fg_color));
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_versions_show_superseded_and_a_newer_draft_supersedes_nothing() {
        let mut set = TrialSet::built_in();
        let status = |set: &TrialSet, version: &str| {
            set.get("a-muse", version)
                .map(|t| shown_status(set, t).label())
        };
        assert_eq!(status(&set, "1.0.0"), Some("superseded"));
        let newest = set
            .latest("a-muse")
            .map(|t| t.definition.version().to_owned());
        let newest = newest.unwrap_or_default();
        assert_eq!(status(&set, &newest), Some("in use"));
        let draft = set.latest("a-muse").cloned().map(|mut t| {
            t.definition.status = DefinitionStatus::Draft;
            t.definition.provenance.definition_version = "9.0.0".to_owned();
            t.origin = "draft.ron".to_owned();
            t
        });
        set.add_result(
            draft.ok_or_else(|| crate::trial::load::LoadError::Semantic {
                file: "draft.ron".to_owned(),
                problems: Vec::new(),
            }),
        );
        assert_eq!(status(&set, "9.0.0"), Some("draft"));
        assert_eq!(status(&set, &newest), Some("in use"));
    }
}
