//! Drawing one frame: the trial bar, the status bar, the screening view or the log, the
//! dialogs; and the keyboard shortcuts. Nothing here writes; everything asked for is a
//! [`Command`].

use eframe::egui;

use super::{Command, PrescreenApp, View, ui};
use crate::screening::Answer;

impl PrescreenApp {
    /// Draws one frame and returns what the panels asked for.
    pub fn frame(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        if self.theme_applied != Some(self.dark) {
            // Only when it changes: setting the theme restyles everything.
            ui.ctx().set_theme(if self.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            self.theme_applied = Some(self.dark);
        }
        if self.coordinator.is_none() && self.tasks.is_some() {
            egui::CentralPanel::default().show(ui, |ui| {
                ui::profile::ui(&mut self.profile_form, ui, &mut commands);
            });
            return commands;
        }
        if let Some(error) = &self.store_error {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.heading("The records store could not be opened");
                ui.label(error);
                ui.label("Nothing was changed. Start prescreen with another --data-dir, or restore the database from a backup.");
            });
            return commands;
        }
        ui::trial_bar::ui(
            ui,
            &self.trials,
            self.active,
            self.view,
            self.coordinator.as_ref(),
            self.dark,
            &mut commands,
        );
        super::amend::ui(ui, self.move_offer.as_ref(), &mut commands);
        if let Some(why) = &self.offline {
            egui::Panel::top("offline-banner").show(ui, |ui| {
                let text = format!(
                    "{why}. What you type is kept; your changes wait and are saved, in order, \
                     as soon as it is back. Retrying…"
                );
                let banner = ui.label(
                    egui::RichText::new(text)
                        .strong()
                        .color(ui.visuals().warn_fg_color),
                );
                // Said at once by a screen reader, and again when it changes.
                ui.ctx().accesskit_node_builder(banner.id, |node| {
                    node.set_live(egui::accesskit::Live::Assertive);
                });
            });
        }
        let busy = self.is_busy();
        egui::Panel::bottom("status-bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                if busy {
                    // Saving runs on the worker: the window stays live meanwhile.
                    ui.spinner();
                    ui.label("Saving…");
                    ui.separator();
                }
                // A polite live region, always present (so it changes rather than comes and
                // goes): what was just saved or refused is announced.
                let line = ui.label(self.message.as_deref().unwrap_or_default());
                ui.ctx().accesskit_node_builder(line.id, |node| {
                    node.set_live(egui::accesskit::Live::Polite);
                });
                if !self.trial_problems.is_empty() {
                    ui.separator();
                    ui.collapsing(
                        format!("Trial files: {} problem(s)", self.trial_problems.len()),
                        |ui| {
                            for problem in &self.trial_problems {
                                ui.label(
                                    egui::RichText::new(problem).color(ui.visuals().error_fg_color),
                                );
                            }
                        },
                    );
                }
            });
        });
        match self.view {
            View::Log => {
                egui::CentralPanel::default().show(ui, |ui| {
                    self.log
                        .ui(ui, &self.trials, self.config.today, &mut commands);
                });
            }
            View::Library => self.library_view(ui, &mut commands),
            View::Screening | View::Visit => self.screening_view(ui, &mut commands),
        }
        if self.pending.is_some() {
            reason_dialog(
                ui.ctx(),
                &mut self.reason_text,
                &mut self.focus_reason,
                &mut commands,
            );
        }
        if self.help_open {
            help_overlay(ui.ctx(), &mut self.help_open);
        }
        if let Some(dialog) = self.sign_dialog.as_mut() {
            let signer = self
                .coordinator
                .as_ref()
                .map(|c| format!("{} · {} · {}", c.name, c.role, c.site_code))
                .unwrap_or_default();
            ui::sign_dialog::ui(ui.ctx(), dialog, &signer, &mut commands);
        }
        commands
    }

    fn screening_view(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Self {
            trials,
            workspaces,
            active,
            across_trials,
            config,
            view,
            ..
        } = self;
        let (Some(trial), Some(workspace)) = (trials.get(*active), workspaces.get_mut(*active))
        else {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.label("No trial definitions loaded.");
            });
            return;
        };
        egui::Panel::top("verdict").show(ui, |ui| {
            ui::verdict::ui(ui, &trial.definition, workspace, *view, commands);
        });
        egui::Panel::left("candidate")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    ui::candidate::ui(ui, &trial.definition, workspace, config.today, commands);
                    ui.separator();
                    ui::verdict::across_trials(ui, trials, across_trials, *active, commands);
                });
            });
        egui::Panel::left("checklist")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                ui::checklist::ui(ui, &trial.definition, workspace, commands);
            });
        let visit_view = *view == View::Visit;
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if visit_view {
                    ui::visit::ui(ui, &trial.definition, workspace, config.today, commands);
                } else {
                    ui::criterion::ui(ui, &trial.definition, workspace, commands);
                }
            });
        });
    }

    /// Keyboard shortcuts: letter keys only while no text field has focus.
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        if self.sign_dialog.is_some() {
            return;
        }
        // F1 (or ? outside a text field) opens the list of shortcuts; Escape closes it.
        let typing_now = self.typing(ctx);
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::F1))
            || (!typing_now
                && ctx.input(|i| {
                    i.events
                        .iter()
                        .any(|e| matches!(e, egui::Event::Text(t) if t == "?"))
                }))
        {
            self.help_open = !self.help_open;
            return;
        }
        if self.help_open {
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
                self.help_open = false;
            }
            return;
        }
        if self.pending.is_none() && self.coordinator.is_some() {
            // Ctrl+1…9: switch trial.
            for (index, key) in NUMBER_KEYS.iter().enumerate() {
                if index < self.trials.len()
                    && ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, *key))
                {
                    commands.push(Command::SwitchTrial(index));
                    commands.push(Command::ShowView(View::Screening));
                    return;
                }
            }
            let stored = self.workspaces.get(self.active).is_some_and(|w| w.stored);
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::N)) && stored {
                commands.push(Command::NewCandidate);
                return;
            }
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter))
                && !stored
            {
                // The form is done: the keyboard goes to the checklist (↑/↓, Y/N/U, digits).
                ctx.memory_mut(|m| {
                    if let Some(id) = m.focused() {
                        m.surrender_focus(id);
                    }
                });
                commands.push(Command::CommitCandidate);
                commands.push(Command::StartScreening);
                return;
            }
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::E)) && stored {
                commands.push(Command::OpenSignDialog);
                return;
            }
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::I)) && stored {
                let to = if self.view == View::Visit {
                    View::Screening
                } else {
                    View::Visit
                };
                commands.push(Command::ShowView(to));
                return;
            }
        }
        if self.view != View::Screening || self.pending.is_some() || self.coordinator.is_none() {
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
                commands.push(Command::ShowView(View::Log));
                self.log.request_filter_focus();
            }
            return;
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            commands.push(Command::ShowView(View::Log));
            self.log.request_filter_focus();
            return;
        }
        let typing = self.typing(ctx);
        let pressed = |key: egui::Key| ctx.input(|i| i.key_pressed(key) && i.modifiers.is_none());
        // Tab with nothing focused enters the selected criterion's inputs.
        if pressed(egui::Key::Tab)
            && ctx.memory(|m| m.focused().is_none())
            && let Some(workspace) = self.workspaces.get_mut(self.active)
            && workspace.stored
        {
            workspace.focus_first_input = true;
            ctx.request_repaint();
        }
        // ↑/↓ move the selection when nothing has the focus; on a focused row egui moves the
        // focus and the selection follows it (focus is selection), so it never moves twice.
        let nothing_focused = ctx.memory(|m| m.focused().is_none());
        if pressed(egui::Key::ArrowDown) && !typing && nothing_focused {
            commands.push(Command::MoveSelection(1));
        }
        if pressed(egui::Key::ArrowUp) && !typing && nothing_focused {
            commands.push(Command::MoveSelection(-1));
        }
        if typing {
            return;
        }
        if pressed(egui::Key::J) {
            commands.push(Command::MoveSelection(1));
        }
        if pressed(egui::Key::K) {
            commands.push(Command::MoveSelection(-1));
        }
        if pressed(egui::Key::Enter) {
            commands.push(Command::NextUnanswered);
        }
        let Some(workspace) = self.workspaces.get(self.active) else {
            return;
        };
        let Some(trial) = self.trials.get(self.active) else {
            return;
        };
        let Some(criterion) = trial.definition.criteria.get(workspace.selected) else {
            return;
        };
        if let crate::trial::model::Rule::TimeWindow(_) = criterion.rule {
            // A time window by key: N never, O ongoing, U unknown, a digit starts the date.
            for (key, answer) in [
                (
                    egui::Key::N,
                    Answer::Event(crate::screening::EventAnswer::Never),
                ),
                (
                    egui::Key::O,
                    Answer::Event(crate::screening::EventAnswer::Ongoing),
                ),
                (egui::Key::U, Answer::Unknown),
            ] {
                if pressed(key) {
                    commands.push(Command::Answer {
                        criterion: criterion.id.clone(),
                        answer,
                    });
                }
            }
        }
        if ui::criterion::starts_with_a_number(criterion) {
            // A digit starts the value or date: see `start_typing`, run after the frame.
            return;
        }
        if !ui::criterion::answers_yes_no(criterion) {
            return;
        }
        for (key, answer) in [
            (egui::Key::Y, Answer::Yes),
            (egui::Key::N, Answer::No),
            (egui::Key::U, Answer::Unknown),
        ] {
            if pressed(key) {
                commands.push(Command::Answer {
                    criterion: criterion.id.clone(),
                    answer,
                });
            }
        }
    }
}

fn reason_dialog(
    ctx: &egui::Context,
    text: &mut String,
    focus: &mut bool,
    commands: &mut Vec<Command>,
) {
    let id = egui::Id::unique("prescreen-reason-dialog");
    ui::fields::named_modal(id, "Reason for change").show(ctx, |ui| {
        ui::fields::mark_modal(ui);
        ui.heading("Reason for change");
        ui.label("This changes a value that was already recorded. The audit trail keeps the old value, the new one and your reason.");
        let label = ui.label("Reason");
        let response = ui.add(egui::TextEdit::singleline(text).hint_text("e.g. corrected after checking the lab report")).labelled_by(label.id);
        if std::mem::take(focus) {
            response.request_focus();
        }
        ui.horizontal(|ui| {
            let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Save change").clicked() || enter {
                commands.push(Command::ConfirmReason(text.clone()));
            }
            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                commands.push(Command::CancelReason);
            }
        });
    });
}

impl PrescreenApp {
    /// Whether keys are text for a focused control rather than shortcuts: anything but a
    /// criterion row has the focus (on a row, focus is selection and the keys answer it).
    fn typing(&self, ctx: &egui::Context) -> bool {
        let focused = ctx.memory(|m| m.focused());
        focused.is_some() && focused != self.workspaces.get(self.active).and_then(|w| w.focused_row)
    }

    /// After the frame: a digit typed while no field took it starts the selected criterion's
    /// value or date (the field then takes the focus, before the next key arrives).
    pub(super) fn start_typing(&self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        if self.view != View::Screening
            || self.pending.is_some()
            || self.sign_dialog.is_some()
            || self.help_open
            || self.typing(ctx)
        {
            return;
        }
        let Some(workspace) = self.workspaces.get(self.active).filter(|w| w.stored) else {
            return;
        };
        let Some(criterion) = self
            .trials
            .get(self.active)
            .and_then(|t| t.definition.criteria.get(workspace.selected))
        else {
            return;
        };
        if !ui::criterion::starts_with_a_number(criterion) {
            return;
        }
        let digit = ctx.input(|i| {
            i.events.iter().find_map(|event| match event {
                egui::Event::Text(text) if text.chars().all(|c| c.is_ascii_digit()) => {
                    Some(text.clone())
                }
                _ => None,
            })
        });
        if let Some(text) = digit {
            commands.push(Command::StartTyping {
                criterion: criterion.id.clone(),
                text,
            });
        }
    }
}

/// Ctrl+1 … Ctrl+9 switch to the first nine trials.
const NUMBER_KEYS: [egui::Key; 9] = [
    egui::Key::Num1,
    egui::Key::Num2,
    egui::Key::Num3,
    egui::Key::Num4,
    egui::Key::Num5,
    egui::Key::Num6,
    egui::Key::Num7,
    egui::Key::Num8,
    egui::Key::Num9,
];

/// Every keyboard shortcut, as the help overlay lists them.
pub const SHORTCUTS: [(&str, &str); 16] = [
    ("F1 or ?", "this list (Escape closes it)"),
    ("Ctrl+1 … Ctrl+9", "switch to trial 1 … 9"),
    ("Ctrl+Enter", "start the screening (candidate form)"),
    (
        "Ctrl+N",
        "new candidate (the current screening stays saved)",
    ),
    ("Ctrl+E", "sign & export…"),
    ("Ctrl+F", "the screening log, filter focused"),
    (
        "Ctrl+I",
        "the visit: start it, re-confirm answers (T still true, C changed)",
    ),
    ("Tab / Shift+Tab", "next / previous field"),
    (
        "↑ ↓ (or J K)",
        "previous / next criterion (outside a text field)",
    ),
    ("Enter", "next unanswered criterion (outside a text field)"),
    (
        "Y / N / U",
        "answer met / not met / unknown (yes-no criteria)",
    ),
    ("N / O / U", "time windows: never / ongoing / unknown"),
    ("0–9", "start the selected criterion's value or date"),
    ("Enter in a field", "save the field"),
    ("Escape", "cancel a dialog"),
    (
        "Enter in the passphrase",
        "sign and export, when nothing is missing",
    ),
];

fn help_overlay(ctx: &egui::Context, open: &mut bool) {
    let id = egui::Id::unique("prescreen-help");
    let response = ui::fields::named_modal(id, "Keyboard shortcuts").show(ctx, |ui| {
        ui::fields::mark_modal(ui);
        ui.heading("Keyboard shortcuts");
        egui::Grid::new("prescreen-help-grid")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                for (keys, what) in SHORTCUTS {
                    ui.strong(keys);
                    ui.label(what);
                    ui.end_row();
                }
            });
        if ui.button("Close").clicked() {
            *open = false;
        }
    });
    if response.should_close() {
        *open = false;
    }
}
