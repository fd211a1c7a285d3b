//! The review form of a definition file: per criterion its verbatim text (never edited),
//! kind, stage, re-confirm at the visit, the rule (simple parameters as fields, the others as
//! the rule's RON) and the note; "Save", "Mark verified…" for a draft, and "New version" for
//! a verified one, which is never edited in place.

use eframe::egui;

use crate::app::command::Command;
use crate::app::library::LibraryCommand;
use crate::app::review_form::{CriterionFields, ReviewForm, RuleChoice};
use crate::trial::model::{
    Criterion, CriterionKind, PeriodUnit, ReferenceDate, Stage, WindowStart,
};

use crate::app::review_form::VERIFIED_NOTE;

/// Draws the form (and its "Mark verified" dialog when open): the buttons and messages stay
/// in view, the criteria scroll under them.
pub fn ui(ui: &mut egui::Ui, form: &mut ReviewForm, commands: &mut Vec<Command>) {
    let editable = form.editable();
    header(ui, form, editable, commands);
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("review-form")
        .show(ui, |ui| {
            fields_ui(ui, form, editable);
            // After the criteria: what this version changed from the one before it.
            if let Some((old, changes)) = &form.changes {
                egui::CollapsingHeader::new(format!("Changes from version {old}"))
                    .id_salt("review-changes")
                    .show(ui, |ui| {
                        ui.label(egui::RichText::new(changes).monospace());
                    });
            }
        });
    if form.verify.is_some() {
        verify_dialog(ui.ctx(), form, commands);
    }
}

fn fields_ui(ui: &mut egui::Ui, form: &mut ReviewForm, editable: bool) {
    ui.add_enabled_ui(editable && !form.busy, |ui| {
        let fields = &mut form.fields;
        ui.horizontal_wrapped(|ui| {
            for (label, value, width) in [
                ("Version", &mut fields.version, 110.0),
                ("Visit name", &mut fields.visit_name, 200.0),
                ("Colour", &mut fields.colour, 80.0),
                ("Transcribed by", &mut fields.transcribed_by, 380.0),
            ] {
                ui.label(label);
                ui.add(egui::TextEdit::singleline(value).desired_width(width))
                    .accessible_name(label);
            }
        });
        ui.add_space(6.0);
        for (criterion, fields) in form
            .loaded
            .definition
            .criteria
            .iter()
            .zip(form.fields.criteria.iter_mut())
        {
            let prefix = format!("criterion {}:", criterion.id);
            let problems: Vec<&String> = form
                .problems
                .iter()
                .filter(|p| p.starts_with(&prefix))
                .collect();
            criterion_ui(ui, criterion, fields, &problems);
        }
    });
}

fn header(ui: &mut egui::Ui, form: &mut ReviewForm, editable: bool, commands: &mut Vec<Command>) {
    let d = &form.loaded.definition;
    super::fields::heading(
        ui,
        &format!("Review — {} ({}) {}", d.acronym, d.id, d.version()),
        2,
    );
    ui.label(format!(
        "File {} · status {} · {}",
        form.path.display(),
        d.status.label(),
        d.provenance.verified_by.as_deref().map_or_else(
            || "not verified".to_owned(),
            |who| format!("verified by {who}")
        )
    ));
    if !editable {
        let note = if d.provenance.verified_by.is_some() {
            VERIFIED_NOTE
        } else {
            "in use — any change makes a new version"
        };
        ui.label(
            egui::RichText::new(note)
                .strong()
                .color(ui.visuals().warn_fg_color),
        );
    }
    ui.horizontal_wrapped(|ui| {
        if editable {
            let dirty = form.dirty();
            if ui
                .add_enabled(!form.busy, egui::Button::new("Save"))
                .on_hover_text("Check the definition and write its file (nothing is written while a criterion is wrong)")
                .clicked()
            {
                commands.push(Command::Library(LibraryCommand::Save));
            }
            let why_not = if form.busy {
                Some("a save is under way")
            } else if dirty {
                Some("save the changes first")
            } else {
                None
            };
            let verify = ui.add_enabled(why_not.is_none(), egui::Button::new("Mark verified…"));
            let verify = match why_not {
                Some(why) => verify.on_disabled_hover_text(why),
                None => verify.on_hover_text(
                    "Record who checked every criterion against the protocol; the definition goes in use",
                ),
            };
            if verify.clicked() {
                commands.push(Command::Library(LibraryCommand::AskVerify));
            }
            if dirty {
                ui.label(egui::RichText::new("unsaved changes").italics());
            }
        } else {
            let label = ui.label("New version number");
            ui.add_enabled(
                !form.busy,
                egui::TextEdit::singleline(&mut form.new_version).desired_width(100.0),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(!form.busy, egui::Button::new("New version"))
                .on_hover_text(
                    "Copy this definition as a draft of the version above, into a new file next to this one",
                )
                .clicked()
            {
                commands.push(Command::Library(LibraryCommand::NewVersion));
            }
        }
        if ui.button("Close").clicked() {
            commands.push(Command::Library(LibraryCommand::Close));
        }
        if form.busy {
            ui.spinner();
            ui.label("Saving…");
        }
    });
    if let Some(message) = &form.message {
        ui.label(message);
    }
    if !form.problems.is_empty() {
        ui.label(
            egui::RichText::new("Not saved — nothing was written:")
                .strong()
                .color(ui.visuals().error_fg_color),
        );
        for problem in &form.problems {
            ui.label(egui::RichText::new(problem).color(ui.visuals().error_fg_color));
        }
    }
}

fn criterion_ui(
    ui: &mut egui::Ui,
    criterion: &Criterion,
    fields: &mut CriterionFields,
    problems: &[&String],
) {
    let id = criterion.id.as_str();
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.strong(id);
            ui.label(
                egui::RichText::new(match criterion.kind {
                    CriterionKind::Inclusion => "as registered: inclusion",
                    CriterionKind::Exclusion => "as registered: exclusion",
                })
                .weak(),
            );
        });
        // The registry's words, verbatim: shown, never edited.
        egui::Frame::NONE
            .fill(ui.visuals().extreme_bg_color)
            .inner_margin(egui::Margin::symmetric(6, 4))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.add(egui::Label::new(&criterion.text).wrap().selectable(true));
            });
        ui.horizontal_wrapped(|ui| {
            ui.label("Kind");
            combo(
                ui,
                (id, "kind"),
                &format!("{id} kind"),
                &mut fields.kind,
                &[
                    (CriterionKind::Inclusion, "Inclusion"),
                    (CriterionKind::Exclusion, "Exclusion"),
                ],
            );
            ui.label("Stage");
            combo(
                ui,
                (id, "stage"),
                &format!("{id} stage"),
                &mut fields.stage,
                &[
                    (Stage::PreScreen, "Pre-screen"),
                    (Stage::ScreeningVisit, "Screening visit"),
                ],
            );
            ui.checkbox(&mut fields.reconfirm_at_visit, "Re-confirm at visit")
                .accessible_name(format!("{id} re-confirm at visit"));
            ui.label("Rule");
            let mut choice = fields.rule;
            let options: Vec<(RuleChoice, &str)> =
                RuleChoice::ALL.iter().map(|c| (*c, c.label())).collect();
            combo(
                ui,
                (id, "rule"),
                &format!("{id} rule"),
                &mut choice,
                &options,
            );
            if choice != fields.rule {
                fields.choose_rule(choice);
            }
        });
        rule_parameters(ui, id, fields);
        ui.horizontal(|ui| {
            ui.label("Note");
            ui.add(
                egui::TextEdit::singleline(&mut fields.note)
                    .hint_text("how the text is read, where that is not obvious")
                    .desired_width(f32::INFINITY),
            )
            .accessible_name(format!("{id} note"));
        });
        for problem in problems {
            ui.label(
                egui::RichText::new(problem.as_str())
                    .strong()
                    .color(ui.visuals().error_fg_color),
            );
        }
    });
    ui.add_space(4.0);
}

fn rule_parameters(ui: &mut egui::Ui, id: &str, fields: &mut CriterionFields) {
    let references = [
        (ReferenceDate::PreScreeningDate, "the pre-screening date"),
        (
            ReferenceDate::PlannedVisitElsePreScreening,
            "the planned visit, else the pre-screening date",
        ),
    ];
    match fields.rule {
        RuleChoice::Confirmation | RuleChoice::InvestigatorJudgement => {}
        RuleChoice::MinimumAge => {
            ui.horizontal_wrapped(|ui| {
                ui.label("At least");
                ui.add(egui::TextEdit::singleline(&mut fields.years).desired_width(50.0))
                    .accessible_name(format!("{id} minimum age (years)"));
                ui.label("years old on");
                combo(
                    ui,
                    (id, "reference"),
                    &format!("{id} reference date"),
                    &mut fields.reference,
                    &references,
                );
            });
        }
        RuleChoice::TimeWindow => {
            ui.horizontal_wrapped(|ui| {
                ui.label("Event");
                ui.add(egui::TextEdit::singleline(&mut fields.event).desired_width(220.0))
                    .accessible_name(format!("{id} event"));
                ui.label("within");
                ui.add(egui::TextEdit::singleline(&mut fields.amount).desired_width(40.0))
                    .accessible_name(format!("{id} window length"));
                combo(
                    ui,
                    (id, "unit"),
                    &format!("{id} window unit"),
                    &mut fields.unit,
                    &[
                        (PeriodUnit::Days, "days"),
                        (PeriodUnit::Weeks, "weeks"),
                        (PeriodUnit::Months, "months"),
                        (PeriodUnit::Years, "years"),
                    ],
                );
                ui.label("before");
                combo(
                    ui,
                    (id, "window-reference"),
                    &format!("{id} reference date"),
                    &mut fields.reference,
                    &references,
                );
                combo(
                    ui,
                    (id, "start"),
                    &format!("{id} window start"),
                    &mut fields.start,
                    &[
                        (WindowStart::Inclusive, "its first day within"),
                        (WindowStart::Exclusive, "its first day outside (less than)"),
                    ],
                );
            });
        }
        RuleChoice::Measurement | RuleChoice::SexDependentLimit | RuleChoice::Classification => {
            ui.label("Rule (RON, read back on save)");
            ui.add(
                egui::TextEdit::multiline(&mut fields.rule_ron)
                    .code_editor()
                    .desired_rows(4)
                    .desired_width(f32::INFINITY),
            )
            .accessible_name(format!("{id} rule (RON)"));
        }
    }
}

/// A ComboBox named `name` for a screen reader.
fn combo<T: PartialEq + Copy>(
    ui: &mut egui::Ui,
    salt: (&str, &str),
    name: &str,
    value: &mut T,
    options: &[(T, &str)],
) {
    let selected = options
        .iter()
        .find(|(v, _)| v == value)
        .map_or("", |(_, label)| *label);
    egui::ComboBox::from_id_salt(("review", salt.0, salt.1))
        .selected_text(selected)
        .show_ui(ui, |ui| {
            for (option, label) in options {
                ui.selectable_value(value, *option, *label);
            }
        })
        .response
        .accessible_name(name);
}

fn verify_dialog(ctx: &egui::Context, form: &mut ReviewForm, commands: &mut Vec<Command>) {
    let Some(verify) = form.verify.as_mut() else {
        return;
    };
    let mut cancel = false;
    let id = egui::Id::unique("prescreen-verify-definition");
    let response = super::fields::named_modal(id, "Mark verified").show(ctx, |ui| {
        super::fields::mark_modal(ui);
        ui.heading("Mark verified");
        ui.label(
            "Who checked every criterion of this definition against the protocol? The file \
             will name them, their role and today's date, the definition goes in use, and the \
             audit trail notes it. From then on it changes only as a new version.",
        );
        super::fields::text_field(ui, "Verifier's name", &mut verify.name, "", None);
        super::fields::text_field(ui, "Verifier's role", &mut verify.role, "", None);
        if let Some(error) = &verify.error {
            ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
        }
        ui.horizontal(|ui| {
            if ui.button("Mark verified").clicked() {
                commands.push(Command::Library(LibraryCommand::Verify));
            }
            if ui.button("Cancel").clicked() {
                cancel = true;
            }
        });
    });
    if cancel || response.should_close() {
        form.verify = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn draft_form() -> ReviewForm {
        let text = include_str!("../../../trials/a-muse.ron").replace(
            "    id: \"a-muse\",\n",
            "    id: \"a-muse-copy\",\n    status: Draft,\n",
        );
        let loaded = crate::trial::load::load_trial_str(&text, "draft.ron");
        let Ok(loaded) = loaded else {
            panic!("the shipped definition loads as a draft: {loaded:?}");
        };
        ReviewForm::new(std::path::PathBuf::from("draft.ron"), loaded)
    }

    #[test]
    fn an_edit_waits_for_save_before_it_can_be_verified() {
        let mut harness = Harness::new_ui_state(
            |ui, (form, commands): &mut (ReviewForm, Vec<Command>)| super::ui(ui, form, commands),
            (draft_form(), Vec::new()),
        );
        harness.run();
        harness.get_by_label("IN02 re-confirm at visit").click();
        harness.run();
        assert!(harness.state().0.dirty());
        harness.get_by_label("Mark verified…").click();
        harness.run();
        assert!(harness.state().1.is_empty(), "disabled while unsaved");
        harness.get_by_label("Save").click();
        harness.run();
        assert_eq!(
            harness.state().1,
            vec![Command::Library(LibraryCommand::Save)]
        );
    }

    #[test]
    fn a_verified_definition_is_read_only_with_a_new_version() {
        let mut form = draft_form();
        form.loaded.definition.provenance.verified_by = Some("Dr A (investigator)".to_owned());
        form.loaded.definition.status = crate::trial::model::DefinitionStatus::InUse;
        let form = ReviewForm::new(form.path.clone(), form.loaded);
        let mut harness = Harness::new_ui_state(
            |ui, (form, commands): &mut (ReviewForm, Vec<Command>)| super::ui(ui, form, commands),
            (form, Vec::new()),
        );
        harness.run();
        assert!(harness.query_by_label(VERIFIED_NOTE).is_some());
        assert!(harness.query_by_label("Save").is_none());
        harness.get_by_label("New version").click();
        harness.run();
        assert_eq!(
            harness.state().1,
            vec![Command::Library(LibraryCommand::NewVersion)]
        );
    }
}
