//! The detail pane of the selected criterion: the verbatim registry text, the interpretation
//! note, the input its rule needs (with calculator sub-forms), a note and an evidence source.

use std::collections::BTreeMap;

use eframe::egui;

use super::fields::{committed, text_field, text_field_focused};
use crate::app::Workspace;
use crate::app::command::Command;
use crate::calculators::{alcohol_units, mhiss, pss_2016, ssc_2013, ufr};
use crate::decimal_text::parse_decimal_input;
use crate::screening::{Answer, CriterionEntry, EventAnswer};
use crate::trial::model::{
    ClassificationCalculator, Criterion, CriterionKind, MeasurementCalculator, PlausibleRange,
    Rule, Stage, TrialDefinition,
};

/// How many frames a field keeps asking for the focus before it gives up.
const FOCUS_ATTEMPTS: u8 = 3;

/// Text buffers of every criterion's inputs, by criterion id, so nothing typed is lost when
/// the selection or the trial changes.
pub type CriterionInputs = BTreeMap<String, InputBuffers>;

/// What the inputs of one criterion hold while they are being typed.
#[derive(Debug, Clone, Default)]
pub struct InputBuffers {
    loaded: bool,
    value: String,
    value_error: Option<String>,
    event_date: String,
    event_error: Option<String>,
    mhiss_items: Vec<String>,
    mhiss_error: Option<String>,
    ufr_collected: String,
    ufr_grams: bool,
    ufr_minutes: String,
    ufr_error: Option<String>,
    drinks: Vec<[String; 3]>,
    drinks_error: Option<String>,
    items: BTreeMap<String, Option<bool>>,
    documented_source: String,
    note: String,
    evidence: String,
    /// The judging investigator's name, for an investigator judgement.
    pub investigator: String,
    /// Why the core refused the last answer given here (the field and the reason).
    pub answer_error: Option<String>,
    /// The typed value's (or date's) field asks for the keyboard focus for this many more
    /// frames, until it has it (a dialog closing in the same frame can refuse it once).
    focus_typed: u8,
}

impl InputBuffers {
    /// A digit typed while no field had focus starts the criterion's value or date: it goes
    /// into that field, which takes the focus (so a number needs no mouse).
    pub fn start_typing(
        &mut self,
        criterion: &Criterion,
        entry: Option<&CriterionEntry>,
        text: &str,
    ) {
        if !self.loaded {
            self.load(entry);
        }
        match criterion.rule {
            Rule::TimeWindow(_) => self.event_date = text.to_owned(),
            _ => self.value = text.to_owned(),
        }
        self.focus_typed = FOCUS_ATTEMPTS;
    }

    /// One more frame of asking for the focus, if any is left.
    fn take_focus_attempt(&mut self) -> bool {
        let asking = self.focus_typed > 0;
        self.focus_typed = self.focus_typed.saturating_sub(1);
        asking
    }

    /// The field has the focus: stop asking.
    fn focus_taken(&mut self, response: &egui::Response) {
        if response.has_focus() {
            self.focus_typed = 0;
        }
    }

    /// The typed value's (or date's) field takes the focus when next drawn.
    pub fn request_focus(&mut self) {
        self.focus_typed = FOCUS_ATTEMPTS;
    }

    /// Whether the typed value or date was refused (its message shows under its field).
    pub fn typed_value_refused(&self) -> bool {
        self.value_error.is_some() || self.event_error.is_some()
    }

    /// Shows a message under the typed value's field.
    pub fn set_value_error(&mut self, message: String) {
        self.value_error = Some(message);
    }

    fn load(&mut self, entry: Option<&CriterionEntry>) {
        self.loaded = true;
        self.mhiss_items = vec![String::new(); mhiss::ITEM_COUNT];
        self.drinks = vec![[String::new(), String::new(), String::new()]];
        let Some(entry) = entry else { return };
        self.note = entry.note.clone().unwrap_or_default();
        self.evidence = entry.evidence.clone().unwrap_or_default();
        if let Some(judgement) = &entry.judged_by {
            self.investigator = judgement.investigator.clone();
        }
        match &entry.answer {
            Answer::Value(v) => self.value = v.to_string(),
            Answer::Event(EventAnswer::LastOn(d)) => self.event_date = d.to_string(),
            Answer::DocumentedClassification { source }
            | Answer::DocumentedDiagnosis { source } => self.documented_source = source.clone(),
            Answer::Mhiss(input) => {
                self.value = mhiss_total_text(input);
                self.mhiss_items = input
                    .items
                    .iter()
                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default())
                    .collect();
            }
            Answer::SalivaFlow(input) => {
                self.ufr_collected = input.collected.to_string();
                self.ufr_minutes = input.minutes.to_string();
                self.ufr_grams = input.collected_unit == ufr::CollectedUnit::Grams;
            }
            Answer::Alcohol(input) => {
                self.drinks = input
                    .drinks
                    .iter()
                    .map(|d| {
                        [
                            d.per_week.to_string(),
                            d.volume_ml.to_string(),
                            d.abv_percent.to_string(),
                        ]
                    })
                    .collect();
            }
            Answer::Pss2016(input) => self.items = bool_fields(input),
            Answer::Ssc2013(input) => self.items = bool_fields(input),
            Answer::Unknown | Answer::Yes | Answer::No | Answer::Event(_) => {}
        }
    }
}

/// The MHISS total when every item is scored, else empty.
fn mhiss_total_text(input: &mhiss::MhissInput) -> String {
    match mhiss::total(input) {
        Ok(range) if range.known == range.highest_possible => range.known.to_string(),
        _ => String::new(),
    }
}

fn bool_fields<T: serde::Serialize>(input: &T) -> BTreeMap<String, Option<bool>> {
    match serde_json::to_value(input) {
        Ok(serde_json::Value::Object(map)) => {
            map.into_iter().map(|(k, v)| (k, v.as_bool())).collect()
        }
        _ => BTreeMap::new(),
    }
}

fn from_bool_fields<T: serde::de::DeserializeOwned>(
    items: &BTreeMap<String, Option<bool>>,
) -> Option<T> {
    let map: serde_json::Map<String, serde_json::Value> = items
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.map_or(serde_json::Value::Null, serde_json::Value::Bool),
            )
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).ok()
}

/// Whether the criterion is answered with yes / no / unknown (and so by the Y/N/U keys).
/// Whether the criterion's answer starts with a typed number (a value, a score, a date).
pub fn starts_with_a_number(criterion: &Criterion) -> bool {
    matches!(
        criterion.rule,
        Rule::Measurement(_) | Rule::SexDependentLimit(_) | Rule::TimeWindow(_)
    )
}

pub fn answers_yes_no(criterion: &Criterion) -> bool {
    matches!(
        criterion.rule,
        Rule::Confirmation | Rule::InvestigatorJudgement
    )
}

/// Button captions: on an exclusion "yes" means "present".
fn yes_no_labels(kind: CriterionKind) -> [&'static str; 3] {
    match kind {
        CriterionKind::Inclusion => ["Met (Y)", "Not met (N)", "Unknown (U)"],
        CriterionKind::Exclusion => ["Present (Y)", "Absent (N)", "Unknown (U)"],
    }
}

/// Draws the detail pane for the selected criterion.
pub fn ui(
    ui: &mut egui::Ui,
    trial: &TrialDefinition,
    workspace: &mut Workspace,
    commands: &mut Vec<Command>,
) {
    let Some(criterion) = trial.criteria.get(workspace.selected) else {
        return;
    };
    let Some(finding) = workspace.evaluation.criteria.get(workspace.selected) else {
        return;
    };
    let entry = workspace.screening.answers.get(&criterion.id).cloned();
    let focus_first_input = std::mem::take(&mut workspace.focus_first_input);
    let buffers = workspace.inputs.entry(criterion.id.clone()).or_default();
    if !buffers.loaded {
        buffers.load(entry.as_ref());
    }
    let kind = match criterion.kind {
        CriterionKind::Inclusion => "Inclusion",
        CriterionKind::Exclusion => "Exclusion",
    };
    let stage = match criterion.stage {
        Stage::PreScreen => "settled at pre-screening (records, interview)".to_owned(),
        Stage::ScreeningVisit => format!("settled at the {}", trial.visit_name),
    };
    ui.heading(format!("{} · {kind}", criterion.id));
    ui.label(egui::RichText::new(stage).weak());
    super::conflict::ui(
        ui,
        trial,
        workspace.conflict.as_ref(),
        entry.as_ref(),
        &criterion.id,
        commands,
    );
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(
            egui::RichText::new("Registry text (verbatim)")
                .small()
                .weak(),
        );
        ui.label(egui::RichText::new(&criterion.text).size(15.0));
    });
    if let Some(note) = &criterion.note {
        ui.label(egui::RichText::new(format!("Interpretation: {note}")).italics());
    }
    if let Some(reference) = &finding.reference {
        let counted = match &criterion.rule {
            Rule::MinimumAge(rule) => format!(
                "Age taken on the {} {} (at least {} years).",
                reference.name, reference.date, rule.years
            ),
            Rule::TimeWindow(rule) => format!(
                "Window: {}{} counted back from the {} {}.",
                match rule.start {
                    crate::trial::model::WindowStart::Inclusive => "",
                    crate::trial::model::WindowStart::Exclusive => "less than ",
                },
                rule.length,
                reference.name,
                reference.date
            ),
            _ => String::new(),
        };
        if !counted.is_empty() {
            ui.label(egui::RichText::new(counted).strong());
        }
    }
    if matches!(criterion.rule, Rule::InvestigatorJudgement) {
        ui.label(
            egui::RichText::new("Investigator judgement: record the investigator's decision.")
                .strong(),
        );
    }
    ui.add_space(4.0);
    let (icon, colour) = super::checklist::status_icon(finding, ui.visuals());
    ui.horizontal_wrapped(|ui| {
        ui.label(
            egui::RichText::new(format!("{icon} {}", finding.status.label(criterion.kind)))
                .color(colour)
                .strong(),
        );
        ui.label(&finding.explanation);
    });
    if let Some(clear) = finding.clear_from {
        let until = clear.yesterday().map(|d| d.to_string()).unwrap_or_default();
        ui.label(
            egui::RichText::new(format!("Excluded until {until}; clear from {clear}."))
                .color(ui.visuals().warn_fg_color),
        );
    }
    ui.separator();
    if focus_first_input {
        // Tab with nothing focused enters the selected criterion: an invisible anchor takes
        // the focus and hands it on at once to the first input drawn after it.
        let anchor = ui.make_persistent_id("criterion-inputs-anchor");
        ui.memory_mut(|m| {
            m.request_focus(anchor);
            m.move_focus(egui::FocusDirection::Next);
        });
        let _ = ui.interact(
            egui::Rect::from_min_size(ui.cursor().min, egui::Vec2::ZERO),
            anchor,
            egui::Sense::focusable_noninteractive(),
        );
    }
    let answer = |answer: Answer| Command::Answer {
        criterion: criterion.id.clone(),
        answer,
    };
    match &criterion.rule {
        Rule::Confirmation => {
            yes_no_buttons(ui, criterion, entry.as_ref().map(|e| &e.answer), commands);
        }
        Rule::InvestigatorJudgement => {
            // Recorded with the judging investigator's name and the day, not as a bare
            // Yes/No by whoever is logged in.
            if let Some(judged) = entry.as_ref().and_then(|e| e.judged_by.as_ref()) {
                ui.label(format!(
                    "Judged by {} on {}",
                    judged.investigator, judged.on
                ));
            }
            let name = text_field(
                ui,
                "Judging investigator (name as on the delegation log)",
                &mut buffers.investigator,
                "e.g. Dr A. Investigator",
                None,
            );
            // Enter: back to the criterion's row, where Y / N record the judgement.
            if committed(&name) && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                commands.push(Command::FocusSelectedRow);
            }
            yes_no_buttons(ui, criterion, entry.as_ref().map(|e| &e.answer), commands);
        }
        Rule::MinimumAge(_) => {
            ui.label(
                "Computed from the date of birth in the candidate panel; nothing to answer here.",
            );
        }
        Rule::Measurement(rule) => {
            quantity_inputs(
                ui,
                buffers,
                criterion,
                &rule.quantity,
                &rule.unit,
                rule.plausible,
                rule.calculator,
                commands,
            );
        }
        Rule::SexDependentLimit(rule) => {
            ui.label(format!(
                "Limit: {} {unit} for women, {} {unit} for men (uses the candidate's sex).",
                rule.female_max.value,
                rule.male_max.value,
                unit = rule.unit
            ));
            quantity_inputs(
                ui,
                buffers,
                criterion,
                &rule.quantity,
                &rule.unit,
                rule.plausible,
                rule.calculator,
                commands,
            );
        }
        Rule::TimeWindow(rule) => {
            ui.label(format!(
                "{}: when did it last happen? A month (YYYY-MM) or a year (YYYY) is fine when that is all the candidate remembers; \"Ongoing\" clears {} after it has ended.",
                rule.event, rule.length
            ));
            ui.horizontal(|ui| {
                if ui.button("Never (N)").clicked() {
                    commands.push(answer(Answer::Event(EventAnswer::Never)));
                }
                if ui.button("Ongoing now (O)").clicked() {
                    commands.push(answer(Answer::Event(EventAnswer::Ongoing)));
                }
                if ui.button("Unknown (U)").clicked() {
                    commands.push(answer(Answer::Unknown));
                }
            });
            let focus_now = buffers.take_focus_attempt();
            let response = text_field_focused(
                ui,
                "Last happened on",
                &mut buffers.event_date,
                "a date (type its first digit), 2026-02 or 2026",
                buffers.event_error.clone().as_deref(),
                focus_now,
            );
            buffers.focus_taken(&response);
            if committed(&response) && !buffers.event_date.trim().is_empty() {
                match crate::partial_date::parse_typed(&buffers.event_date) {
                    Ok(date) => {
                        buffers.event_error = None;
                        commands.push(answer(Answer::Event(EventAnswer::LastOn(date))));
                        after_enter(ui, &response, true, commands);
                    }
                    Err(e) => {
                        buffers.event_error = Some(e.to_string());
                        after_enter(ui, &response, false, commands);
                    }
                }
            }
        }
        Rule::Classification(rule) => {
            classification_form(ui, buffers, rule.calculator, &criterion.id, commands);
            if rule.documented_diagnosis_allowed {
                ui.separator();
                ui.label(format!(
                    "Or: classification per the {} documented in the medical record (a clinical diagnosis alone is not enough)",
                    rule.calculator.label()
                ));
                let r = text_field(
                    ui,
                    "Classification documented in",
                    &mut buffers.documented_source,
                    "e.g. rheumatology letter 2024-03-02",
                    None,
                );
                let enter = committed(&r) && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Confirm documented classification").clicked() || enter)
                    && !buffers.documented_source.trim().is_empty()
                {
                    commands.push(answer(Answer::DocumentedClassification {
                        source: buffers.documented_source.trim().to_owned(),
                    }));
                    if enter {
                        commands.push(Command::FocusSelectedRow);
                    }
                }
            }
            ui.horizontal(|ui| {
                if ui.button("Not met").clicked() {
                    commands.push(answer(Answer::No));
                }
                if ui.button("Unknown").clicked() {
                    commands.push(answer(Answer::Unknown));
                }
            });
        }
    }
    if let Some(error) = &buffers.answer_error {
        ui.label(
            egui::RichText::new(format!("Not saved — {error}"))
                .color(ui.visuals().error_fg_color)
                .strong(),
        );
    }
    ui.separator();
    let note = text_field(ui, "Note", &mut buffers.note, "optional", None);
    let evidence = text_field(
        ui,
        "Evidence source",
        &mut buffers.evidence,
        "e.g. medical record, patient interview, lab report",
        None,
    );
    if committed(&note) || committed(&evidence) {
        // Walking through the fields is not an edit: only a note or evidence that differs
        // from what is stored is saved (an empty one on an unanswered criterion records
        // nothing, so no answer appears that nobody gave).
        let typed_note = Some(buffers.note.trim().to_owned()).filter(|n| !n.is_empty());
        let typed_evidence = Some(buffers.evidence.trim().to_owned()).filter(|n| !n.is_empty());
        let stored_note = entry.as_ref().and_then(|e| e.note.clone());
        let stored_evidence = entry.as_ref().and_then(|e| e.evidence.clone());
        if (&typed_note, &typed_evidence) != (&stored_note, &stored_evidence) {
            let mut updated = entry
                .clone()
                .unwrap_or_else(|| CriterionEntry::new(Answer::Unknown));
            updated.note = typed_note;
            updated.evidence = typed_evidence;
            commands.push(Command::SaveEntry {
                criterion: criterion.id.clone(),
                entry: updated,
            });
        }
    }
}

/// A value field, the rule's calculator (if any) and "Unknown": what a measured quantity needs.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of a rule the inputs draw from"
)]
fn quantity_inputs(
    ui: &mut egui::Ui,
    buffers: &mut InputBuffers,
    criterion: &Criterion,
    quantity: &str,
    unit: &str,
    plausible: PlausibleRange,
    calculator: Option<MeasurementCalculator>,
    commands: &mut Vec<Command>,
) {
    value_input(
        ui,
        buffers,
        quantity,
        unit,
        plausible,
        &criterion.id,
        commands,
    );
    if let Some(calculator) = calculator {
        calculator_form(ui, buffers, calculator, &criterion.id, commands);
    }
    unknown_button(ui, criterion, commands);
}

fn yes_no_buttons(
    ui: &mut egui::Ui,
    criterion: &Criterion,
    current: Option<&Answer>,
    commands: &mut Vec<Command>,
) {
    let [yes, no, unknown] = yes_no_labels(criterion.kind);
    ui.horizontal(|ui| {
        for (caption, answer) in [
            (yes, Answer::Yes),
            (no, Answer::No),
            (unknown, Answer::Unknown),
        ] {
            let selected = current == Some(&answer);
            if ui
                .add(egui::Button::selectable(selected, caption))
                .clicked()
            {
                commands.push(Command::Answer {
                    criterion: criterion.id.clone(),
                    answer,
                });
            }
        }
    });
}

fn unknown_button(ui: &mut egui::Ui, criterion: &Criterion, commands: &mut Vec<Command>) {
    if ui.button("Unknown").clicked() {
        commands.push(Command::Answer {
            criterion: criterion.id.clone(),
            answer: Answer::Unknown,
        });
    }
}

fn value_input(
    ui: &mut egui::Ui,
    buffers: &mut InputBuffers,
    quantity: &str,
    unit: &str,
    plausible: PlausibleRange,
    criterion_id: &str,
    commands: &mut Vec<Command>,
) {
    let label = format!("{quantity} ({unit})");
    let hint = format!("{}–{} {unit}", plausible.min, plausible.max);
    let error = buffers.value_error.clone();
    let focus_now = buffers.take_focus_attempt();
    let response = text_field_focused(
        ui,
        &label,
        &mut buffers.value,
        &hint,
        error.as_deref(),
        focus_now,
    );
    buffers.focus_taken(&response);
    if committed(&response) && !buffers.value.trim().is_empty() {
        // Range and whole-number checks are the core's (the app applies them to every
        // answer before saving); here only the typing is parsed.
        match parse_decimal_input(&buffers.value) {
            Ok(v) => {
                buffers.value_error = None;
                commands.push(Command::Answer {
                    criterion: criterion_id.to_owned(),
                    answer: Answer::Value(v),
                });
                after_enter(ui, &response, true, commands);
            }
            Err(e) => {
                buffers.value_error = Some(format!("{e}: not used"));
                after_enter(ui, &response, false, commands);
            }
        }
    }
}

/// Where the keyboard goes after Enter in a value or date field: to the criterion's row when
/// the value was taken, back into the field when it was refused (its message is the field's
/// description). Tab and clicks move the focus themselves and are left alone.
fn after_enter(ui: &egui::Ui, field: &egui::Response, taken: bool, commands: &mut Vec<Command>) {
    if !ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        return;
    }
    if taken {
        commands.push(Command::FocusSelectedRow);
    } else {
        field.request_focus();
    }
}

fn calculator_form(
    ui: &mut egui::Ui,
    buffers: &mut InputBuffers,
    calculator: MeasurementCalculator,
    criterion_id: &str,
    commands: &mut Vec<Command>,
) {
    let answer = |answer: Answer| Command::Answer {
        criterion: criterion_id.to_owned(),
        answer,
    };
    ui.collapsing("Calculator", |ui| match calculator {
        MeasurementCalculator::Mhiss => {
            ui.label("MHISS item scores, 0–4 each (leave empty if not yet scored).");
            egui::Grid::new("mhiss-items")
                .num_columns(4)
                .show(ui, |ui| {
                    for (index, item) in buffers.mhiss_items.iter_mut().enumerate() {
                        let label =
                            ui.label(mhiss::ITEM_LABELS.get(index).copied().unwrap_or("Item"));
                        ui.add(egui::TextEdit::singleline(item).desired_width(32.0))
                            .labelled_by(label.id);
                        if index % 2 == 1 {
                            ui.end_row();
                        }
                    }
                });
            if let Some(error) = &buffers.mhiss_error {
                ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
            }
            if ui.button("Use item scores").clicked() {
                let items: Result<Vec<Option<u8>>, String> = buffers
                    .mhiss_items
                    .iter()
                    .enumerate()
                    .map(|(i, text)| {
                        let text = text.trim();
                        if text.is_empty() {
                            return Ok(None);
                        }
                        text.parse::<u8>()
                            .map(Some)
                            .map_err(|_| format!("Item {}: \"{text}\" is not a score 0–4", i + 1))
                    })
                    .collect();
                match items.and_then(|items| {
                    let input = mhiss::MhissInput { items };
                    mhiss::total(&input)
                        .map(|_| input)
                        .map_err(|e| e.to_string())
                }) {
                    Ok(input) => {
                        buffers.mhiss_error = None;
                        // The total shows in the score field at once (blank while items are
                        // missing: then only a range is known).
                        buffers.value = mhiss_total_text(&input);
                        commands.push(answer(Answer::Mhiss(input)));
                    }
                    Err(e) => buffers.mhiss_error = Some(e),
                }
            }
        }
        MeasurementCalculator::UnstimulatedSalivaFlow => {
            ui.horizontal(|ui| {
                ui.radio_value(&mut buffers.ufr_grams, false, "Volume (ml)");
                ui.radio_value(&mut buffers.ufr_grams, true, "Weight (g, 1 g ≈ 1 ml)");
            });
            text_field(
                ui,
                "Saliva collected",
                &mut buffers.ufr_collected,
                "e.g. 0,8",
                None,
            );
            text_field(
                ui,
                "Collection time (min)",
                &mut buffers.ufr_minutes,
                "required, e.g. 15",
                None,
            );
            if let Some(error) = &buffers.ufr_error {
                ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
            }
            if ui.button("Use collection").clicked() {
                let parsed = parse_decimal_input(&buffers.ufr_collected)
                    .map_err(|e| format!("Saliva collected: {e}"))
                    .and_then(|collected| {
                        parse_decimal_input(&buffers.ufr_minutes)
                            .map(|m| (collected, m))
                            .map_err(|e| format!("Collection time (min): {e}"))
                    })
                    .and_then(|(collected, minutes)| {
                        let unit = if buffers.ufr_grams {
                            ufr::CollectedUnit::Grams
                        } else {
                            ufr::CollectedUnit::Millilitres
                        };
                        let input = ufr::UfrInput {
                            collected,
                            collected_unit: unit,
                            minutes,
                        };
                        ufr::flow_ml_per_min(&input)
                            .map(|_| input)
                            .map_err(|e| e.to_string())
                    });
                match parsed {
                    Ok(input) => {
                        buffers.ufr_error = None;
                        commands.push(answer(Answer::SalivaFlow(input)));
                    }
                    Err(e) => buffers.ufr_error = Some(e),
                }
            }
        }
        MeasurementCalculator::DanishAlcoholUnits => {
            ui.label("Drinks per week (a Danish unit is 12 g of alcohol).");
            let mut remove = None;
            egui::Grid::new("drinks").num_columns(4).show(ui, |ui| {
                ui.label("Per week");
                ui.label("Volume (ml)");
                ui.label("ABV %");
                ui.end_row();
                for (index, drink) in buffers.drinks.iter_mut().enumerate() {
                    for (field, name) in drink.iter_mut().zip(["per week", "volume ml", "ABV %"]) {
                        ui.add(egui::TextEdit::singleline(field).desired_width(60.0))
                            .on_hover_text(format!("drink {}: {name}", index + 1));
                    }
                    if ui.small_button("Remove").clicked() {
                        remove = Some(index);
                    }
                    ui.end_row();
                }
            });
            if let Some(index) = remove {
                buffers.drinks.remove(index);
            }
            if ui.button("Add drink").clicked() {
                buffers
                    .drinks
                    .push([String::new(), String::new(), String::new()]);
            }
            if let Some(error) = &buffers.drinks_error {
                ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
            }
            if ui.button("Use drinks").clicked() {
                let drinks: Result<Vec<alcohol_units::Drink>, String> = buffers
                    .drinks
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.iter().any(|f| !f.trim().is_empty()))
                    .map(|(i, [per_week, volume, abv])| {
                        let field = |text: &str, name: &str| {
                            parse_decimal_input(text)
                                .map_err(|e| format!("drink {}: {name}: {e}", i + 1))
                        };
                        Ok(alcohol_units::Drink {
                            per_week: field(per_week, "per week")?,
                            volume_ml: field(volume, "volume ml")?,
                            abv_percent: field(abv, "ABV %")?,
                        })
                    })
                    .collect();
                match drinks.and_then(|drinks| {
                    let input = alcohol_units::AlcoholInput { drinks };
                    alcohol_units::units_per_week(&input)
                        .map(|_| input)
                        .map_err(|e| e.to_string())
                }) {
                    Ok(input) => {
                        buffers.drinks_error = None;
                        commands.push(answer(Answer::Alcohol(input)));
                    }
                    Err(e) => buffers.drinks_error = Some(e),
                }
            }
        }
    });
}

/// Rows of a classification form: (field, label, weight or 0 for a gate question).
fn classification_rows(
    calculator: ClassificationCalculator,
) -> Vec<(&'static str, &'static str, u8)> {
    match calculator {
        ClassificationCalculator::AcrEular2016PrimarySjogren => {
            let mut rows: Vec<_> = pss_2016::ENTRY_QUESTIONS
                .iter()
                .map(|(f, l)| (*f, *l, 0))
                .collect();
            rows.extend(pss_2016::ITEMS.iter().copied());
            rows.push((
                "exclusion_present",
                "Prior diagnosis of any exclusion: head and neck radiation, active hepatitis C (PCR), AIDS, sarcoidosis, amyloidosis, graft-versus-host disease, IgG4-related disease",
                0,
            ));
            rows
        }
        ClassificationCalculator::AcrEular2013SystemicSclerosis => {
            let mut rows: Vec<_> = ssc_2013::ITEMS.to_vec();
            rows.push((
                "better_explained_by_other_disorder",
                "Skin thickening sparing the fingers, or a scleroderma-like disorder better explains the findings",
                0,
            ));
            rows
        }
    }
}

fn classification_form(
    ui: &mut egui::Ui,
    buffers: &mut InputBuffers,
    calculator: ClassificationCalculator,
    criterion_id: &str,
    commands: &mut Vec<Command>,
) {
    ui.collapsing(format!("{} calculator", calculator.label()), |ui| {
        for (field, label, weight) in classification_rows(calculator) {
            let value = buffers.items.entry(field.to_owned()).or_insert(None);
            ui.horizontal_wrapped(|ui| {
                let caption = if weight > 0 {
                    format!("{label} (+{weight})")
                } else {
                    label.to_owned()
                };
                ui.label(caption);
                let mut focused = false;
                for (choice, text) in [(Some(true), "Yes"), (Some(false), "No"), (None, "Unknown")]
                {
                    let selected = *value == choice;
                    let r = ui.radio_value(value, choice, text).on_hover_text(field);
                    // Named by the item's text, not only "Yes" / "No".
                    r.widget_info(|| {
                        egui::WidgetInfo::selected(
                            egui::Role::RadioButton,
                            true,
                            selected,
                            format!("{label}: {text}"),
                        )
                    });
                    focused |= r.has_focus();
                }
                // The focused item takes Y / N / U (then Tab moves on).
                if focused {
                    for (key, choice) in [
                        (egui::Key::Y, Some(true)),
                        (egui::Key::N, Some(false)),
                        (egui::Key::U, None),
                    ] {
                        if ui.input(|i| i.key_pressed(key) && i.modifiers.is_none()) {
                            *value = choice;
                        }
                    }
                }
            });
        }
        if ui.button("Use these items").clicked() {
            let answer = match calculator {
                ClassificationCalculator::AcrEular2016PrimarySjogren => {
                    from_bool_fields(&buffers.items).map(Answer::Pss2016)
                }
                ClassificationCalculator::AcrEular2013SystemicSclerosis => {
                    from_bool_fields(&buffers.items).map(Answer::Ssc2013)
                }
            };
            if let Some(answer) = answer {
                commands.push(Command::Answer {
                    criterion: criterion_id.to_owned(),
                    answer,
                });
            }
        }
    });
}
