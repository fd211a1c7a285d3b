//! Labelled inputs with a message under the field: every input is tied to its label so
//! AccessKit and egui_kittest find it by name.

use eframe::egui;

/// A single-line text field with a label above and an error message below. Returns the
/// response so callers can react to `lost_focus`/`changed`.
pub fn text_field(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    hint: &str,
    error: Option<&str>,
) -> egui::Response {
    let label_response = ui.label(label);
    let mut edit = egui::TextEdit::singleline(text)
        .hint_text(hint)
        .desired_width(f32::INFINITY);
    if error.is_some() {
        edit = edit.text_color(ui.visuals().error_fg_color);
    }
    let response = ui.add(edit).labelled_by(label_response.id);
    if let Some(error) = error {
        ui.label(
            egui::RichText::new(error)
                .color(ui.visuals().error_fg_color)
                .small(),
        );
    }
    response
}

/// Whether a text field's edit is finished (focus left it, or Enter was pressed).
pub fn committed(response: &egui::Response) -> bool {
    response.lost_focus()
}
