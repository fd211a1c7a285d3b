//! First run: the coordinator's profile (name, role, site code), kept in the store.

use eframe::egui;

use super::fields::text_field;
use crate::app::command::Command;
use crate::storage::NewCoordinator;

/// The profile form's text.
#[derive(Debug, Default)]
pub struct ProfileForm {
    /// Full name, as printed under a signature.
    pub name: String,
    /// Role at the site.
    pub role: String,
    /// Site code (part of every screening id).
    pub site_code: String,
    /// Why the last save failed.
    pub error: Option<String>,
}

impl ProfileForm {
    /// The form as a new coordinator, or the first problem.
    pub fn validated(&self) -> Result<NewCoordinator, String> {
        let name = self.name.trim();
        let role = self.role.trim();
        let site = self.site_code.trim();
        if name.is_empty() {
            return Err("Name: required".to_owned());
        }
        if role.is_empty() {
            return Err("Role: required".to_owned());
        }
        if site.len() < 2 || site.len() > 8 || !site.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("Site code: 2 to 8 letters or digits (e.g. TLS, CPH)".to_owned());
        }
        Ok(NewCoordinator {
            name: name.to_owned(),
            role: role.to_owned(),
            site_code: site.to_ascii_uppercase(),
        })
    }
}

/// Draws the first-run profile form.
pub fn ui(form: &mut ProfileForm, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    let ProfileForm {
        name,
        role,
        site_code,
        error,
    } = form;
    ui.vertical_centered(|ui| {
        ui.set_max_width(420.0);
        ui.heading("Welcome to prescreen");
        ui.label("Your profile attributes every answer you record (audit trail) and appears under your signature.");
        ui.add_space(8.0);
        text_field(ui, "Name", name, "e.g. Camille Martin", None);
        text_field(ui, "Role", role, "e.g. study coordinator", None);
        let site = text_field(ui, "Site code", site_code, "e.g. TLS", None);
        if let Some(error) = error {
            ui.label(egui::RichText::new(error.as_str()).color(ui.visuals().error_fg_color));
        }
        let enter = site.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Save profile").clicked() || enter {
            commands.push(Command::SaveProfile);
        }
    });
}
