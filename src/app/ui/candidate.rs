//! The candidate panel: pseudonymous id, initials, date of birth (age shown), sex,
//! childbearing potential, pre-screening date and the planned visit, validated per field.

use eframe::egui;
use jiff::civil::Date;

use super::fields::{committed, stable_scope, text_field};
use crate::app::Workspace;
use crate::app::command::Command;
use crate::eligibility::age_in_years;
use crate::screening::{Candidate, Screening, Sex};
use crate::trial::model::TrialDefinition;
use crate::validation::{CandidateField, check_candidate};

/// The candidate panel's text buffers and per-field messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandidateForm {
    /// Initials.
    pub initials: String,
    /// Date of birth as typed (YYYY-MM-DD).
    pub date_of_birth: String,
    /// Sex (`None`: not recorded).
    pub sex: Option<Sex>,
    /// Childbearing potential (`None`: not recorded).
    pub childbearing_potential: Option<bool>,
    /// Pregnant (`None`: not recorded).
    pub pregnant: Option<bool>,
    /// Breastfeeding (`None`: not recorded).
    pub breastfeeding: Option<bool>,
    /// Pre-screening date as typed.
    pub prescreening_date: String,
    /// Planned visit date as typed (may be empty).
    pub planned_visit_date: String,
    /// Messages by field label.
    pub errors: std::collections::BTreeMap<&'static str, String>,
}

/// What an unstarted candidate form keeps across a restart (the typed text, no messages).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct FormDraft {
    initials: String,
    date_of_birth: String,
    sex: Option<Sex>,
    childbearing_potential: Option<bool>,
    pregnant: Option<bool>,
    breastfeeding: Option<bool>,
    prescreening_date: String,
    planned_visit_date: String,
}

impl CandidateForm {
    /// The form as text to keep until the screening starts; `None` when nothing was typed.
    pub fn draft_text(&self) -> Option<String> {
        let draft = FormDraft {
            initials: self.initials.clone(),
            date_of_birth: self.date_of_birth.clone(),
            sex: self.sex,
            childbearing_potential: self.childbearing_potential,
            pregnant: self.pregnant,
            breastfeeding: self.breastfeeding,
            prescreening_date: self.prescreening_date.clone(),
            planned_visit_date: self.planned_visit_date.clone(),
        };
        let empty = draft.initials.trim().is_empty()
            && draft.date_of_birth.trim().is_empty()
            && draft.sex.is_none();
        if empty {
            return None;
        }
        ron::to_string(&draft).ok()
    }

    /// The form a kept draft describes (text that no longer reads is ignored).
    pub fn from_draft_text(text: &str) -> Option<Self> {
        let draft: FormDraft = ron::from_str(text).ok()?;
        Some(Self {
            initials: draft.initials,
            date_of_birth: draft.date_of_birth,
            sex: draft.sex,
            childbearing_potential: draft.childbearing_potential,
            pregnant: draft.pregnant,
            breastfeeding: draft.breastfeeding,
            prescreening_date: draft.prescreening_date,
            planned_visit_date: draft.planned_visit_date,
            errors: Default::default(),
        })
    }
}

/// A candidate form that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCandidate {
    /// The candidate facts.
    pub candidate: Candidate,
    /// Pre-screening date.
    pub prescreening_date: Date,
    /// Planned visit date.
    pub planned_visit_date: Option<Date>,
}

fn parse_date(text: &str) -> Result<Option<Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // ISO or day first (14/02/1981, 14.02.1981), never month first, never a two-digit year.
    crate::partial_date::parse_typed_exact(text)
        .map(Some)
        .map_err(|e| match e {
            crate::partial_date::PartialDateError::Shape(_) => {
                format!("\"{text}\" is not a date: type 1981-02-14 or 14/02/1981 (day first)")
            }
            other => other.to_string(),
        })
}

impl CandidateForm {
    /// The form showing a screening's values.
    pub fn from_screening(screening: &Screening) -> Self {
        let c = &screening.candidate;
        Self {
            initials: c.initials.clone(),
            date_of_birth: c.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            sex: c.sex,
            childbearing_potential: c.childbearing_potential,
            pregnant: c.pregnant,
            breastfeeding: c.breastfeeding,
            prescreening_date: screening.prescreening_date.to_string(),
            planned_visit_date: screening
                .planned_visit_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            errors: Default::default(),
        }
    }

    /// Checks every field, records a message per bad field, and returns the valid values.
    /// Parsing the typed text is the form's job; what a valid candidate is (no future birth
    /// date, no pre-screening before birth, …) is the core's, the same for every door.
    pub fn validated(&mut self, today: Date) -> Result<ValidCandidate, ()> {
        self.errors.clear();
        let initials = self.initials.trim().to_owned();
        if initials.is_empty() {
            self.errors.insert("Initials", "required".to_owned());
        }
        let mut parsed = |label: &'static str, text: &str| match parse_date(text) {
            Ok(date) => date,
            Err(e) => {
                self.errors.insert(label, e);
                None
            }
        };
        let birth = parsed("Date of birth", &self.date_of_birth);
        let prescreening = parsed("Pre-screening date", &self.prescreening_date);
        let visit = parsed("Planned visit", &self.planned_visit_date);
        if prescreening.is_none() && !self.errors.contains_key("Pre-screening date") {
            self.errors
                .insert("Pre-screening date", "required".to_owned());
        }
        let female_only = |value: Option<bool>| {
            if self.sex == Some(Sex::Male) {
                None
            } else {
                value
            }
        };
        let candidate = Candidate {
            initials,
            date_of_birth: birth,
            sex: self.sex,
            childbearing_potential: female_only(self.childbearing_potential),
            pregnant: female_only(self.pregnant),
            breastfeeding: female_only(self.breastfeeding),
        };
        let Some(prescreening_date) = prescreening else {
            return Err(());
        };
        for (field, message) in check_candidate(&candidate, prescreening_date, visit, Some(today)) {
            let label = match field {
                CandidateField::Initials => "Initials",
                CandidateField::DateOfBirth => "Date of birth",
                CandidateField::PreScreeningDate => "Pre-screening date",
                CandidateField::PlannedVisitDate => "Planned visit",
            };
            self.errors.entry(label).or_insert(message);
        }
        if !self.errors.is_empty() {
            return Err(());
        }
        Ok(ValidCandidate {
            candidate,
            prescreening_date,
            planned_visit_date: visit,
        })
    }
}

/// A yes/no candidate fact in the panel: its name, its help text and where the form keeps it.
type YesNoFact = (
    &'static str,
    &'static str,
    fn(&mut CandidateForm) -> &mut Option<bool>,
);

/// Whether the change overwrites a value that was already recorded (the audit trail then
/// needs a reason).
pub fn overwrites_a_value(old: &Screening, new: &ValidCandidate) -> bool {
    let c = &old.candidate;
    let changed = |had: bool, differs: bool| had && differs;
    changed(!c.initials.is_empty(), c.initials != new.candidate.initials)
        || changed(
            c.date_of_birth.is_some(),
            c.date_of_birth != new.candidate.date_of_birth,
        )
        || changed(c.sex.is_some(), c.sex != new.candidate.sex)
        || changed(
            c.childbearing_potential.is_some(),
            c.childbearing_potential != new.candidate.childbearing_potential,
        )
        || changed(c.pregnant.is_some(), c.pregnant != new.candidate.pregnant)
        || changed(
            c.breastfeeding.is_some(),
            c.breastfeeding != new.candidate.breastfeeding,
        )
        || old.prescreening_date != new.prescreening_date
        || changed(
            old.planned_visit_date.is_some(),
            old.planned_visit_date != new.planned_visit_date,
        )
}

fn carried_badge(
    ui: &mut egui::Ui,
    carried: &std::collections::BTreeSet<&'static str>,
    field: &str,
) {
    if carried.contains(field) {
        ui.label(egui::RichText::new("carried over").small().italics())
            .on_hover_text(
                "Pre-filled from this candidate's screening in another trial; edit if needed.",
            );
    }
}

/// Draws the candidate panel.
pub fn ui(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    workspace: &mut Workspace,
    today: Date,
    commands: &mut Vec<Command>,
) {
    super::fields::heading(ui, "Candidate", 2);
    let id_text = if workspace.stored {
        workspace.screening.screening_id.clone()
    } else {
        "assigned when the screening starts".to_owned()
    };
    ui.horizontal(|ui| {
        ui.label("Screening ID:");
        ui.label(egui::RichText::new(id_text).monospace().strong());
    });
    if let Some(status) = workspace.status {
        ui.label(format!("Status: {status}"));
    }
    let mut commit = false;
    let mut edited = false;
    let form = &mut workspace.candidate_form;
    let error = |form: &CandidateForm, field: &str| form.errors.get(field).cloned();

    let e = error(form, "Initials");
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            let r = text_field(ui, "Initials", &mut form.initials, "e.g. AB", e.as_deref());
            if std::mem::take(&mut workspace.focus_initials) && !workspace.stored {
                r.request_focus();
            }
            commit |= committed(&r);
            edited |= r.changed();
            edited |= r.changed();
        });
    });
    carried_badge(ui, &workspace.carried_over, "initials");

    let form = &mut workspace.candidate_form;
    let e = error(form, "Date of birth");
    let r = text_field(
        ui,
        "Date of birth",
        &mut form.date_of_birth,
        "1981-02-14 or 14/02/1981",
        e.as_deref(),
    );
    commit |= committed(&r);
    edited |= r.changed();
    if let (Ok(Some(birth)), Ok(Some(on))) = (
        parse_date(&form.date_of_birth),
        parse_date(&form.prescreening_date),
    ) && let Some(age) = age_in_years(birth, on)
    {
        ui.label(format!(
            "{} — age {age} on the pre-screening date",
            crate::partial_date::human_date(birth)
        ));
    }
    carried_badge(ui, &workspace.carried_over, "date of birth");

    let form = &mut workspace.candidate_form;
    ui.label("Sex");
    // Each choice group has its own id scope: lines appearing above it never change its ids,
    // so keyboard focus stays where it is.
    stable_scope(ui, "candidate-sex", |ui| {
        ui.horizontal(|ui| {
            for (value, text) in [
                (Some(Sex::Female), "Female"),
                (Some(Sex::Male), "Male"),
                (None, "Not recorded"),
            ] {
                let selected = form.sex == value;
                let r = ui
                    .radio_value(&mut form.sex, value, text)
                    .on_hover_text("Sex");
                // A screen reader hears the question with the choice ("Sex: Female").
                r.widget_info(|| {
                    egui::WidgetInfo::selected(
                        egui::Role::RadioButton,
                        true,
                        selected,
                        format!("Sex: {text}"),
                    )
                });

                commit |= r.clicked();
            }
        });
    });
    carried_badge(ui, &workspace.carried_over, "sex");

    if workspace.candidate_form.sex != Some(Sex::Male) {
        let facts: [YesNoFact; 3] = [
            (
                "childbearing potential",
                "Fertile from menarche until post-menopausal (12 months without menses with no other medical cause) unless permanently sterile (CTFG 2020).",
                |form| &mut form.childbearing_potential,
            ),
            (
                "pregnant",
                "Shared by every trial: settles pregnancy criteria when yes.",
                |form| &mut form.pregnant,
            ),
            (
                "breastfeeding",
                "Shared by every trial: settles breastfeeding criteria when yes (and \"Are breastfeeding\" when no).",
                |form| &mut form.breastfeeding,
            ),
        ];
        for (name, help, value_of) in facts {
            let mut title = name.to_owned();
            title[..1].make_ascii_uppercase();
            ui.label(&title).on_hover_text(help);
            let value = value_of(&mut workspace.candidate_form);
            stable_scope(ui, ("candidate-fact", name), |ui| {
                ui.horizontal(|ui| {
                    for (choice, text) in [
                        (Some(true), "Yes"),
                        (Some(false), "No"),
                        (None, "Not recorded"),
                    ] {
                        let selected = *value == choice;
                        let r = ui
                            .radio_value(value, choice, text)
                            .on_hover_text(title.as_str());
                        r.widget_info(|| {
                            egui::WidgetInfo::selected(
                                egui::Role::RadioButton,
                                true,
                                selected,
                                format!("{title}: {text}"),
                            )
                        });
                        commit |= r.clicked();
                    }
                });
            });
            carried_badge(ui, &workspace.carried_over, name);
        }
    }

    let form = &mut workspace.candidate_form;
    let e = error(form, "Pre-screening date");
    let r = text_field(
        ui,
        "Pre-screening date",
        &mut form.prescreening_date,
        "1981-02-14 or 14/02/1981",
        e.as_deref(),
    );
    commit |= committed(&r);
    edited |= r.changed();
    if let Ok(Some(on)) = parse_date(&form.prescreening_date) {
        ui.label(egui::RichText::new(crate::partial_date::human_date(on)).weak());
    }
    carried_badge(ui, &workspace.carried_over, "pre-screening date");
    let form = &mut workspace.candidate_form;
    let e = error(form, "Planned visit");
    let visit_label = format!("Planned {}", trial.visit_name);
    let label_response = ui.label(&visit_label);
    let mut edit = egui::TextEdit::singleline(&mut form.planned_visit_date)
        .id_salt("candidate-planned-visit")
        .hint_text("optional: 2026-12-07 or 07/12/2026");
    if e.is_some() {
        edit = edit.text_color(ui.visuals().error_fg_color);
    }
    let r = ui.add(edit).labelled_by(label_response.id);
    if let Some(e) = e {
        ui.label(
            egui::RichText::new(e)
                .color(ui.visuals().error_fg_color)
                .strong(),
        );
    }
    commit |= committed(&r);
    edited |= r.changed();

    if edited && !commit && !workspace.stored {
        // Before the screening starts, the checklist follows what is typed (IN01 uses the
        // pre-screening date as it now reads), without error lines while typing.
        commands.push(Command::PreviewCandidate);
    }
    if commit {
        // Validate now so messages show under the fields at once.
        let _ = workspace.candidate_form.validated(today);
        commands.push(Command::CommitCandidate);
    }
    ui.add_space(6.0);
    if !workspace.stored {
        if stable_scope(ui, "candidate-start", |ui| ui.button("Start screening")).clicked() {
            commands.push(Command::CommitCandidate);
            commands.push(Command::StartScreening);
        }
    } else {
        let sign = stable_scope(ui, "candidate-sign-export", |ui| {
            ui.button("Sign & export…")
                .on_hover_text("Write the PDF screening summary, signed or as a draft")
        });
        // When the dialog closes, the focus comes back to the button that opened it.
        if std::mem::take(&mut workspace.focus_sign_button) {
            sign.request_focus();
        }
        if sign.clicked() {
            commands.push(Command::OpenSignDialog);
        }
        if ui.button("New candidate").on_hover_text("Clear this trial's checklist for another candidate; the current screening stays saved.").clicked() {
            commands.push(Command::NewCandidate);
        }
    }
}
