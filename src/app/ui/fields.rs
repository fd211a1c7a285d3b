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
    text_field_focused(ui, label, text, hint, error, false)
}

/// [`text_field`] that takes the keyboard focus before it is drawn when `focus_now` is set,
/// so the key that asked for it and the keys after it all land in the field.
pub fn text_field_focused(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    hint: &str,
    error: Option<&str>,
    focus_now: bool,
) -> egui::Response {
    if focus_now {
        let id = ui.make_persistent_id(egui::IdSalt::new(("text-field", label)));
        ui.memory_mut(|m| m.request_focus(id));
    }
    let label_response = ui.label(label);
    // A stable id from the label: a helper or error line appearing above the field must not
    // change its id, or the field loses focus and the rest of what is typed.
    let mut edit = egui::TextEdit::singleline(text)
        .id_salt(("text-field", label))
        .hint_text(hint)
        .desired_width(f32::INFINITY);
    if error.is_some() {
        edit = edit.text_color(ui.visuals().error_fg_color);
    }
    let response = ui.add(edit).labelled_by(label_response.id);
    if let Some(error) = error {
        // The field is marked invalid and the message is its description, so a screen
        // reader says both on the field itself.
        ui.ctx().accesskit_node_builder(response.id, |node| {
            node.set_invalid(egui::accesskit::Invalid::True);
            node.set_description(error);
        });
        ui.label(
            egui::RichText::new(error)
                .color(ui.visuals().error_fg_color)
                .strong(),
        );
    }
    response
}

/// Whether a text field's edit is finished (focus left it, or Enter was pressed).
pub fn committed(response: &egui::Response) -> bool {
    response.lost_focus()
}

/// Draws `add_contents` in a scope whose widget ids depend only on `name`, not on how many
/// widgets came before it: a helper or error line appearing above never changes them, so the
/// keyboard focus stays where it is. `name` must be unique in the window.
pub fn stable_scope<R>(
    ui: &mut egui::Ui,
    name: impl std::hash::Hash + std::fmt::Debug,
    add_contents: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    ui.scope_builder(
        egui::UiBuilder::new().scope_id(egui::Id::unique(("prescreen-stable-scope", name))),
        add_contents,
    )
    .inner
}

/// A heading a screen reader lists as one (role heading, `level`), not a plain label.
pub fn heading(ui: &mut egui::Ui, text: &str, level: usize) -> egui::Response {
    let response = ui.label(egui::RichText::new(text).heading());
    ui.ctx().accesskit_node_builder(response.id, |node| {
        node.set_role(egui::accesskit::Role::Heading);
        node.set_label(text);
        node.set_level(level);
    });
    response
}

/// A modal dialog a screen reader announces by `name` ("Reason for change"), not as an
/// unnamed dialog.
pub fn named_modal(id: egui::Id, name: &str) -> egui::Modal {
    egui::Modal::new(id).area(egui::Modal::default_area(id).accessible_name(name))
}

/// Inside a [`named_modal`]'s contents: marks its dialog node modal, so a screen reader keeps
/// its reading inside the dialog while it is open.
pub fn mark_modal(ui: &egui::Ui) {
    if let Some(dialog) = ui
        .stack()
        .iter()
        .find(|frame| frame.kind() == Some(egui::UiKind::Modal))
    {
        ui.ctx()
            .accesskit_node_builder(dialog.unique_id, |node| node.set_modal());
    }
}
