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

/// One line of the list: a group heading or a criterion (by index in the definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Heading(CriterionKind),
    Criterion(usize),
}

/// The list's lines in order: inclusion criteria under their heading, then exclusion.
fn rows(trial: &TrialDefinition) -> Vec<Row> {
    let mut rows = Vec::with_capacity(trial.criteria.len() + 2);
    for kind in [CriterionKind::Inclusion, CriterionKind::Exclusion] {
        rows.push(Row::Heading(kind));
        rows.extend(
            trial
                .criteria
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == kind)
                .map(|(i, _)| Row::Criterion(i)),
        );
    }
    rows
}

/// Where the list last scrolled to, so a selection moved off screen is brought into view
/// (only visible rows are laid out, so the selected one may not exist in a frame).
#[derive(Debug, Clone, Default)]
pub struct ListScroll {
    /// The rows drawn last frame.
    visible: std::ops::Range<usize>,
    /// The selection the list last showed.
    shown_selection: Option<usize>,
}

/// Draws the checklist. Only the visible rows are laid out, so a 200-criterion trial costs
/// what a 20-criterion one does.
pub fn ui(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    workspace: &mut Workspace,
    commands: &mut Vec<Command>,
) {
    let Workspace {
        evaluation,
        selected,
        list_scroll,
        focus_selected_row,
        focused_row,
        focus_first_input,
        ..
    } = workspace;
    let row_focused_before = std::mem::take(focused_row).is_some();
    // While the focus is on its way to a newly selected row, the old row keeps it a frame.
    let focus_on_its_way = *focus_selected_row;
    super::fields::heading(ui, "Criteria", 2);
    ui.label(evaluation.counts.to_string());
    ui.label(
        egui::RichText::new("↑/↓ or J/K move · Y/N/U answer · Enter: next open")
            .small()
            .weak(),
    );
    let rows = rows(trial);
    let row_height = ui
        .spacing()
        .interact_size
        .y
        .max(ui.text_style_height(&egui::TextStyle::Body))
        + ui.spacing().item_spacing.y;
    let mut area = egui::ScrollArea::vertical().auto_shrink([false, false]);
    if list_scroll.shown_selection != Some(*selected) {
        // Bring a selection that moved out of view back in (keyboard, banner chips).
        if let Some(position) = rows.iter().position(|r| *r == Row::Criterion(*selected))
            && !list_scroll.visible.contains(&position)
        {
            let offset = if position < list_scroll.visible.start {
                position.saturating_sub(1)
            } else {
                (position + 2).saturating_sub(list_scroll.visible.len().max(1))
            };
            area = area.vertical_scroll_offset(offset as f32 * row_height);
        }
        list_scroll.shown_selection = Some(*selected);
    }
    area.show_rows(
        ui,
        row_height - ui.spacing().item_spacing.y,
        rows.len(),
        |ui, range| {
            list_scroll.visible = range.clone();
            for row in &rows[range] {
                match *row {
                    Row::Heading(kind) => {
                        let text = match kind {
                            CriterionKind::Inclusion => "Inclusion",
                            CriterionKind::Exclusion => "Exclusion",
                        };
                        let heading = ui.strong(text);
                        ui.ctx().accesskit_node_builder(heading.id, |node| {
                            node.set_role(egui::accesskit::Role::Heading);
                            node.set_label(text);
                            node.set_level(3);
                        });
                    }
                    Row::Criterion(index) => {
                        let (Some(criterion), Some(finding)) =
                            (trial.criteria.get(index), evaluation.criteria.get(index))
                        else {
                            continue;
                        };
                        let take_focus = index == *selected && std::mem::take(focus_selected_row);
                        let row = CriterionRow {
                            criterion,
                            finding,
                            selected: index == *selected,
                            index,
                        };
                        let (focused, tabbed_in) =
                            row.ui(ui, take_focus, focus_on_its_way, commands);
                        if let Some(id) = focused {
                            *focused_row = Some(id);
                        }
                        // The list is one Tab stop: Tab from a row goes on to the selected
                        // criterion's inputs; Tab into the list lands on the selected row.
                        if tabbed_in {
                            if row_focused_before {
                                *focus_first_input = true;
                            } else {
                                *focus_selected_row = true;
                            }
                            ui.ctx().request_repaint();
                        }
                    }
                }
            }
        },
    );
}

/// One criterion's line in the list.
struct CriterionRow<'a> {
    criterion: &'a crate::trial::model::Criterion,
    finding: &'a CriterionEvaluation,
    selected: bool,
    index: usize,
}

impl CriterionRow<'_> {
    /// Draws the row; `take_focus` gives it the keyboard focus (focus is selection).
    /// Returns the row's id when it has the focus, and whether Tab (forward) just moved the focus
    /// onto this row while another is selected (the caller sends it on).
    fn ui(
        &self,
        ui: &mut egui::Ui,
        take_focus: bool,
        focus_on_its_way: bool,
        commands: &mut Vec<Command>,
    ) -> (Option<egui::Id>, bool) {
        let Self {
            criterion,
            finding,
            selected,
            index,
        } = *self;
        let (icon, colour) = status_icon(finding, ui.visuals());
        let stage = match criterion.stage {
            Stage::PreScreen => "pre",
            Stage::ScreeningVisit => "visit",
        };
        let mut job = egui::text::LayoutJob::default();
        let style = ui.style();
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
        job.append(
            &criterion.text,
            0.0,
            egui::TextFormat {
                color: style.visuals.text_color(),
                ..Default::default()
            },
        );
        let response = ui
            .add(egui::Button::selectable(selected, job).wrap_mode(egui::TextWrapMode::Truncate))
            .on_hover_text(format!(
                "{}: {}",
                finding.status.label(criterion.kind),
                finding.explanation
            ));
        // A screen reader hears a list item with its selected state, the status as a word and
        // the criterion's full text (the row itself is cut to fit).
        let name = format!(
            "{} {}, {}: {}",
            criterion.id,
            finding.status.label(criterion.kind),
            match criterion.stage {
                Stage::PreScreen => "pre-screen",
                Stage::ScreeningVisit => "at the visit",
            },
            criterion.text
        );
        ui.ctx().accesskit_node_builder(response.id, |node| {
            node.set_role(egui::accesskit::Role::ListItem);
            node.set_label(name);
            node.set_selected(selected);
        });
        if take_focus {
            response.request_focus();
        }
        let tabbed_in = response.gained_focus()
            && !selected
            && ui.input(|i| i.key_pressed(egui::Key::Tab) && !i.modifiers.shift);
        if tabbed_in {
            return (None, true);
        }
        // Focus is selection: a row the focus reached (an arrow — egui moves it at the end of
        // a frame —, Shift+Tab) or a click selects it. (Enter on the focused, selected row is
        // "next open", not a click that would select it again.)
        let focus_here = response.has_focus() && !focus_on_its_way;
        if (response.clicked() || focus_here) && !selected {
            commands.push(Command::Select(index));
        }
        (response.has_focus().then_some(response.id), false)
    }
}
