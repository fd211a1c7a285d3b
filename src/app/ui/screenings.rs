//! The screening log: a virtualised table (only visible rows are laid out, so 100 000 rows
//! stay smooth) with filters, "open", and the lifecycle actions.

use eframe::egui;
use egui_extras::{Column, TableBuilder};

use crate::app::command::Command;
use crate::storage::{LogFilter, LogRow, ScreeningStatus, StoreError};
use crate::trial::load::LoadedTrial;

/// The log's rows, filters and the row being acted on.
#[derive(Default)]
pub struct LogView {
    rows: Vec<LogRow>,
    error: Option<String>,
    /// Free-text filter on id, coordinator and reasons.
    pub filter_text: String,
    trial: Option<String>,
    status: Option<ScreeningStatus>,
    verdict: Option<String>,
    /// Only NOT ELIGIBLE screenings whose re-screen date has come and that nobody has
    /// re-screened yet.
    rescreen_due: bool,
    from: String,
    to: String,
    selected: Option<String>,
    reason: String,
    focus_filter: bool,
    /// The worker is reading the log.
    pub loading: bool,
    /// Indices of `rows` that pass the in-memory filters; rebuilt only when a filter changes.
    visible: Vec<usize>,
    /// The filters `visible` was computed for.
    visible_key: Option<FilterKey>,
}

/// Free text, trial, status, verdict, re-screen due and the row count: when any changes,
/// `visible` is rebuilt.
type FilterKey = (
    String,
    Option<String>,
    Option<ScreeningStatus>,
    Option<String>,
    bool,
    usize,
);

/// Whether a row's re-screen date has come (on `today`) and no later screening repeats it.
pub fn rescreen_due(row: &LogRow, today: jiff::civil::Date) -> bool {
    row.status != ScreeningStatus::Voided
        && row.rescreened_as.is_none()
        && row.rescreen_from.is_some_and(|from| from <= today)
}

impl LogView {
    /// Asks for the filter field to take keyboard focus next frame (Ctrl+F).
    pub fn request_filter_focus(&mut self) {
        self.focus_filter = true;
    }

    /// The part of the filter the store applies (the dates); the rest filters in memory.
    pub fn store_filter(&self) -> LogFilter {
        let parse = |text: &str| text.trim().parse::<jiff::civil::Date>().ok();
        LogFilter {
            from: parse(&self.from),
            to: parse(&self.to),
            ..LogFilter::default()
        }
    }

    /// A page of rows the worker read (newest first) — the first replaces what was shown,
    /// the next ones follow it — or why it could not.
    pub fn set_rows(
        &mut self,
        result: Result<Vec<LogRow>, StoreError>,
        append: bool,
        complete: bool,
    ) {
        self.loading = !complete;
        match result {
            Ok(rows) if append => self.rows.extend(rows),
            Ok(rows) => {
                self.rows = rows;
                self.error = None;
            }
            Err(error) => {
                self.error = Some(error.to_string());
                self.loading = false;
            }
        }
        self.visible_key = None;
    }

    /// The row the action bar acts on, if any (always one the filters show).
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// A row by screening id.
    pub fn row(&self, id: &str) -> Option<&LogRow> {
        self.rows.iter().find(|r| r.screening_id == id)
    }

    fn refresh_visible(&mut self, today: jiff::civil::Date) {
        let key = (
            self.filter_text.clone(),
            self.trial.clone(),
            self.status,
            self.verdict.clone(),
            self.rescreen_due,
            self.rows.len(),
        );
        if self.visible_key.as_ref() == Some(&key) {
            return;
        }
        let needle = self.filter_text.trim().to_lowercase();
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                self.trial.as_ref().is_none_or(|t| &row.trial_id == t)
                    && self.status.is_none_or(|s| row.status == s)
                    && self.verdict.as_ref().is_none_or(|v| &row.verdict == v)
                    && (!self.rescreen_due || rescreen_due(row, today))
                    && (needle.is_empty()
                        || row.screening_id.to_lowercase().contains(&needle)
                        || row.coordinator.to_lowercase().contains(&needle)
                        || row
                            .reasons
                            .iter()
                            .any(|r| r.criterion_id.to_lowercase().contains(&needle)))
            })
            .map(|(i, _)| i)
            .collect();
        self.visible_key = Some(key);
    }

    /// Draws the log.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        trials: &[LoadedTrial],
        today: jiff::civil::Date,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("Screening log");
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Filter");
            let response = ui
                .add(
                    egui::TextEdit::singleline(&mut self.filter_text)
                        .hint_text("id, coordinator, criterion (Ctrl+F)"),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus_filter) {
                response.request_focus();
            }
            let label = ui.label("Trial");
            egui::ComboBox::from_id_salt("log-trial-filter")
                .selected_text(self.trial.clone().unwrap_or_else(|| "all".to_owned()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.trial, None, "all");
                    for trial in trials {
                        ui.selectable_value(
                            &mut self.trial,
                            Some(trial.definition.id.clone()),
                            &trial.definition.acronym,
                        );
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("Status");
            egui::ComboBox::from_id_salt("log-status-filter")
                .selected_text(
                    self.status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "all".to_owned()),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.status, None, "all");
                    for status in ALL_STATUSES {
                        ui.selectable_value(&mut self.status, Some(status), status.to_string());
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("Verdict");
            egui::ComboBox::from_id_salt("log-verdict-filter")
                .selected_text(self.verdict.clone().unwrap_or_else(|| "all".to_owned()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.verdict, None, "all");
                    for verdict in [
                        "NOT ELIGIBLE",
                        "INCOMPLETE",
                        "PRE-SCREEN PASSED",
                        "ELIGIBLE",
                    ] {
                        ui.selectable_value(&mut self.verdict, Some(verdict.to_owned()), verdict);
                    }
                })
                .response
                .labelled_by(label.id);
            ui.checkbox(&mut self.rescreen_due, "Re-screen due")
                .on_hover_text(
                    "NOT ELIGIBLE only until a date that has come, and not yet re-screened",
                );
            let from = ui.label("From");
            let from_changed = ui
                .add(
                    egui::TextEdit::singleline(&mut self.from)
                        .hint_text("YYYY-MM-DD")
                        .desired_width(90.0),
                )
                .labelled_by(from.id)
                .lost_focus();
            let to = ui.label("To");
            let to_changed = ui
                .add(
                    egui::TextEdit::singleline(&mut self.to)
                        .hint_text("YYYY-MM-DD")
                        .desired_width(90.0),
                )
                .labelled_by(to.id)
                .lost_focus();
            if from_changed || to_changed || ui.button("Refresh").clicked() {
                commands.push(Command::RefreshLog);
            }
        });
        if let Some(error) = &self.error {
            ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
        }
        self.refresh_visible(today);
        // The selection follows the filter: an action never applies to a row nobody can see.
        if let Some(id) = &self.selected
            && !self
                .visible
                .iter()
                .any(|&i| self.rows.get(i).is_some_and(|r| &r.screening_id == id))
        {
            self.selected = None;
        }
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} of {} screenings",
                self.visible.len(),
                self.rows.len()
            ));
            if self.loading {
                ui.spinner();
                ui.label("reading the log…");
            }
        });
        self.actions(ui, today, commands);
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        // Selectable labels would take the click meant for the row.
        ui.style_mut().interaction.selectable_labels = false;
        let Self {
            rows,
            visible,
            selected,
            ..
        } = self;
        TableBuilder::new(ui)
            .striped(true)
            // Rows take a click but are not Tab stops cell by cell: the screening id in each
            // row is the one stop (named with the row), and Enter on it opens the screening.
            .sense(egui::Sense::CLICK)
            .column(Column::auto().at_least(130.0))
            .column(Column::auto().at_least(60.0))
            .column(Column::auto().at_least(80.0))
            .column(Column::auto().at_least(110.0))
            .column(Column::auto().at_least(140.0))
            .column(Column::auto().at_least(120.0))
            .column(Column::remainder())
            .header(row_height, |mut header| {
                for title in [
                    "Screening ID",
                    "Trial",
                    "Date",
                    "Status",
                    "Verdict",
                    "Coordinator",
                    "Reasons",
                ] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, visible.len(), |mut table_row| {
                    let Some(row) = visible.get(table_row.index()).and_then(|&i| rows.get(i))
                    else {
                        return;
                    };
                    table_row.set_selected(selected.as_deref() == Some(row.screening_id.as_str()));
                    let mut open_by_key = false;
                    let mut focused_now = false;
                    table_row.col(|ui| {
                        let id = ui.add(
                            egui::Label::new(egui::RichText::new(&row.screening_id).monospace())
                                .sense(egui::Sense::click()),
                        );
                        id.widget_info(|| {
                            egui::WidgetInfo::labeled(
                                egui::Role::Button,
                                true,
                                format!(
                                    "{} {} {} {} {}",
                                    row.screening_id,
                                    row.trial_id,
                                    row.prescreening_date,
                                    row.status,
                                    row.verdict_line
                                ),
                            )
                        });
                        focused_now = id.gained_focus() || id.clicked();
                        open_by_key = id.double_clicked()
                            || (id.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
                    });
                    table_row.col(|ui| {
                        ui.label(&row.trial_id);
                    });
                    table_row.col(|ui| {
                        ui.label(row.prescreening_date.to_string());
                    });
                    table_row.col(|ui| {
                        ui.label(row.status.to_string());
                    });
                    table_row.col(|ui| {
                        ui.label(&row.verdict_line);
                    });
                    table_row.col(|ui| {
                        ui.label(&row.coordinator);
                    });
                    table_row.col(|ui| {
                        let reasons: Vec<&str> = row
                            .reasons
                            .iter()
                            .map(|r| r.criterion_id.as_str())
                            .collect();
                        let mut text = reasons.join(", ");
                        if let Some(reason) = &row.status_reason {
                            text = format!("{text} {reason}");
                        }
                        if let Some(later) = &row.rescreened_as {
                            text = format!("{text} (re-screened as {later})");
                        }
                        ui.label(text);
                    });
                    let response = table_row.response();
                    if response.clicked() || focused_now {
                        *selected = Some(row.screening_id.clone());
                    }
                    if response.double_clicked() || open_by_key {
                        commands.push(Command::OpenScreening(row.screening_id.clone()));
                    }
                });
            });
    }

    fn actions(
        &mut self,
        ui: &mut egui::Ui,
        today: jiff::civil::Date,
        commands: &mut Vec<Command>,
    ) {
        let Some(id) = self.selected.clone() else {
            ui.label(
                egui::RichText::new("Select a row for its actions; double-click opens it.").weak(),
            );
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(&id).monospace().strong());
            if ui.button("Open").clicked() {
                commands.push(Command::OpenScreening(id.clone()));
            }
            let due = self
                .rows
                .iter()
                .find(|r| r.screening_id == id)
                .is_some_and(|r| rescreen_due(r, today));
            if due && ui.button("Re-screen").on_hover_text("Start a new screening of this candidate, linked to this one (facts carried over, answers not)").clicked() {
                commands.push(Command::Rescreen(id.clone()));
            }
            let status = |status, reason: Option<String>| Command::SetStatus {
                screening_id: id.clone(),
                status,
                reason,
            };
            let row = self.rows.iter().find(|r| r.screening_id == id);
            let reason = Some(self.reason.trim().to_owned()).filter(|r| !r.is_empty());
            // What the lifecycle allows from here, asked before the click, not refused after.
            let why_not = |target: ScreeningStatus| -> Option<String> {
                let row = row?;
                match row.status.check_transition(target) {
                    Err(why) => Some(why),
                    Ok(_) if target == ScreeningStatus::PreScreened && row.verdict == "INCOMPLETE" => {
                        Some("the verdict is INCOMPLETE".to_owned())
                    }
                    Ok(kind) if kind.needs_reason() && reason.is_none() => {
                        Some("type a reason first".to_owned())
                    }
                    Ok(_) => None,
                }
            };
            let mut unavailable = Vec::new();
            for (caption, target) in [
                (
                    "Record verdict (pre-screened)",
                    ScreeningStatus::PreScreened,
                ),
                ("Approached", ScreeningStatus::Approached),
                ("Consented", ScreeningStatus::Consented),
                ("Enrolled", ScreeningStatus::Enrolled),
                ("Declined", ScreeningStatus::Declined),
                ("Not enrolled", ScreeningStatus::NotEnrolled),
                ("Void (entered in error)", ScreeningStatus::Voided),
            ] {
                let blocked = why_not(target);
                let button = ui.add_enabled(blocked.is_none(), egui::Button::new(caption));
                if let Some(why) = blocked {
                    unavailable.push(format!("{caption}: {why}"));
                } else if button.clicked() {
                    commands.push(status(target, reason.clone()));
                    self.reason.clear();
                }
            }
            let label = ui.label("Reason");
            ui.add(
                egui::TextEdit::singleline(&mut self.reason)
                    .hint_text("needed to decline, not enrol, void or correct")
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
            if !unavailable.is_empty() {
                ui.end_row();
                ui.label(
                    egui::RichText::new(format!("Not possible now — {}", unavailable.join("; ")))
                        .color(ui.visuals().weak_text_color()),
                );
            }
        });
    }
}

const ALL_STATUSES: [ScreeningStatus; 8] = [
    ScreeningStatus::Draft,
    ScreeningStatus::PreScreened,
    ScreeningStatus::Approached,
    ScreeningStatus::Consented,
    ScreeningStatus::Declined,
    ScreeningStatus::Enrolled,
    ScreeningStatus::NotEnrolled,
    ScreeningStatus::Voided,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str) -> LogRow {
        LogRow {
            screening_id: id.to_owned(),
            trial_id: "assix".to_owned(),
            definition_version: "1.2.0".to_owned(),
            prescreening_date: jiff::civil::date(2026, 11, 23),
            coordinator: "anna.nurse".to_owned(),
            site_code: "CPH".to_owned(),
            status: ScreeningStatus::Draft,
            status_reason: None,
            verdict: "INCOMPLETE".to_owned(),
            reasons: Vec::new(),
            verdict_line: "INCOMPLETE".to_owned(),
            rescreen_from: None,
            rescreened_as: None,
        }
    }

    #[test]
    fn pages_follow_the_first_and_a_fresh_read_starts_over() {
        let mut view = LogView::default();
        view.set_rows(
            Ok(vec![row("AS-CPH-2026-0003"), row("AS-CPH-2026-0002")]),
            false,
            false,
        );
        assert!(view.loading, "more pages are coming");
        assert!(view.row("AS-CPH-2026-0002").is_some());
        view.set_rows(Ok(vec![row("AS-CPH-2026-0001")]), true, true);
        assert!(!view.loading);
        assert_eq!(view.rows.len(), 3);
        assert_eq!(view.rows[2].screening_id, "AS-CPH-2026-0001");
        // A new read (a filter changed, someone saved) replaces them.
        view.set_rows(Ok(vec![row("AS-CPH-2026-0004")]), false, true);
        assert_eq!(view.rows.len(), 1);
    }
}
