//! "Sign & export…": the signature pad, the meaning of the signature, the statement to
//! confirm, the passphrase, where to save — then an atomic write through `export`.
//!
//! rfd's save dialog is offered, but a machine without a dialog service returns nothing (as
//! if cancelled), so the path can always be typed too. Tests never call rfd.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use eframe::egui;
use zeroize::Zeroizing;

use crate::app::command::Command;
use crate::report::SignatureMeaning;

/// Where the dialog is in its work.
#[derive(Debug, Clone, Default)]
pub enum ExportPhase {
    /// Filling the form.
    #[default]
    Editing,
    /// The export (signing, rendering, writing) runs on the worker.
    Exporting,
    /// The key pair is being generated on the worker; setting the flag cancels it.
    CreatingIdentity(Arc<AtomicBool>),
}

impl PartialEq for ExportPhase {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// The dialog's state; `None` in the app when closed. Passphrases are wiped when dropped and
/// never shown by `Debug`.
#[derive(Clone, Default)]
pub struct SignDialog {
    /// The screening being exported.
    pub screening_id: String,
    /// Whether the verdict can be signed (not INCOMPLETE).
    pub verdict_settled: bool,
    /// Sign (`true`) or export an unsigned draft.
    pub sign: bool,
    /// Strokes drawn on the pad, points in 0..1 (x right, y down).
    pub strokes: Vec<Vec<(f32, f32)>>,
    /// The meaning chosen.
    pub meaning: Option<SignatureMeaning>,
    /// The signer's role, which binds the meanings offered.
    pub role: crate::roles::SignerRole,
    /// An investigator countersigns this coordinator-signed summary (its path as typed).
    pub countersign_from: String,
    /// The path last sent to be checked, and what the check found.
    pub source_check: (String, Option<String>),
    /// The summary's pages as the investigator reviews them (requested once, on the worker).
    pub pages: Option<Result<Vec<Vec<crate::report::layout::Draw>>, String>>,
    /// The pages were asked for.
    pub pages_requested: bool,
    /// The RFC 3161 timestamp authority (an http:// URL; empty: none), as the data folder
    /// keeps it; a change is kept for the next signatures.
    pub tsa: String,
    /// The signer confirmed the statement.
    pub confirmed: bool,
    /// The passphrase of the signing key (moved into the export job, then wiped).
    pub passphrase: Zeroizing<String>,
    /// A new identity's passphrase, twice (when there is no identity yet).
    pub new_passphrase: [Zeroizing<String>; 2],
    /// Whether a signing identity exists in the data folder.
    pub has_identity: bool,
    /// The target file.
    pub path: String,
    /// The path is the default (not typed or chosen), so it follows the meaning.
    pub path_is_default: bool,
    /// Where default paths go.
    pub exports_dir: std::path::PathBuf,
    /// The user confirmed replacing the existing file at `path`.
    pub replace_confirmed: bool,
    /// The meaning the statement was confirmed for; a new meaning unticks the statement.
    pub confirmed_meaning: Option<SignatureMeaning>,
    /// The signer adopts their printed name as a typed signature instead of drawing (the
    /// keyboard path; the PDF says "typed signature").
    pub typed_signature: bool,
    /// The dialog has given the focus to its first control (done once, when it opens).
    pub focus_placed: bool,
    /// Why the last attempt failed, or what was written.
    pub message: Option<String>,
    /// Progress.
    pub phase: ExportPhase,
}

impl std::fmt::Debug for SignDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignDialog")
            .field("screening_id", &self.screening_id)
            .field("sign", &self.sign)
            .field("meaning", &self.meaning)
            .field("path", &self.path)
            .field("phase", &self.phase)
            .field("passphrase", &"(hidden)")
            .finish_non_exhaustive()
    }
}

impl SignDialog {
    /// Cancels a key pair being generated: it will not be saved.
    pub fn cancel_identity(&self) {
        if let ExportPhase::CreatingIdentity(cancel) = &self.phase {
            cancel.store(true, Ordering::SeqCst);
        }
    }

    /// Whether signing means countersigning the coordinator's summary (an investigator
    /// confirming eligibility).
    pub fn countersigns(&self) -> bool {
        self.sign && self.meaning == Some(SignatureMeaning::EligibilityConfirmedByInvestigator)
    }

    /// The default file name: the screening id, the meaning (or "draft") and the first free
    /// sequence number, so a second signature never lands on the first one's file.
    pub fn default_path(&self) -> std::path::PathBuf {
        let kind = match (self.sign, self.meaning) {
            (false, _) => "draft",
            (true, Some(SignatureMeaning::PreScreenedBy)) => "prescreened",
            (true, Some(SignatureMeaning::ScreenedBy)) => "screened",
            (true, Some(SignatureMeaning::EligibilityConfirmedByInvestigator)) => {
                "eligibility-confirmed"
            }
            (true, Some(SignatureMeaning::ReviewedByInvestigator)) => "reviewed",
            (true, None) => "signed",
        };
        (1..)
            .map(|n| {
                self.exports_dir
                    .join(format!("{}-{kind}-{n}.pdf", self.screening_id))
            })
            .find(|path| !path.exists())
            .unwrap_or_else(|| self.exports_dir.join(format!("{}.pdf", self.screening_id)))
    }

    /// Follows the meaning and the files already written, while the path is the default.
    pub fn refresh_default_path(&mut self) {
        if self.path_is_default {
            self.path = self.default_path().display().to_string();
            self.replace_confirmed = false;
        }
    }

    /// Whether the target file exists (then replacing it needs a confirmation naming it).
    pub fn target_exists(&self) -> bool {
        let path = self.path.trim();
        !path.is_empty() && std::path::Path::new(path).exists()
    }

    /// What is still missing before "Sign and export" can run, if anything.
    pub fn missing(&self) -> Option<&'static str> {
        if self.path.trim().is_empty() {
            return Some("choose where to save the PDF");
        }
        if self.target_exists() && !self.replace_confirmed {
            return Some("confirm replacing the existing file, or choose another name");
        }
        if !self.sign {
            return None;
        }
        if !self.has_identity {
            return Some("create your signing identity first");
        }
        if self.meaning.is_none() {
            return Some("choose the meaning of your signature");
        }
        if self.countersigns() {
            // The countersignature's appearance is printed text: no handwriting to draw.
            if !std::path::Path::new(self.countersign_from.trim()).is_file() {
                return Some("choose the coordinator-signed summary to countersign");
            }
        } else if !self.typed_signature && self.strokes.iter().all(|s| s.len() < 2) {
            return Some("draw your signature, or adopt a typed one");
        }
        if !self.confirmed {
            return Some("confirm the statement");
        }
        if self.passphrase.is_empty() {
            return Some("enter your passphrase");
        }
        None
    }
}

/// Draws the dialog.
pub fn ui(ctx: &egui::Context, dialog: &mut SignDialog, signer: &str, commands: &mut Vec<Command>) {
    let id = egui::Id::unique("prescreen-sign-dialog");
    let title = format!("Sign & export {}", dialog.screening_id);
    let modal = super::fields::named_modal(id, &title).show(ctx, |ui| {
        super::fields::mark_modal(ui);
        ui.set_width(560.0);
        ui.heading(format!("Sign & export {}", dialog.screening_id));
        match &dialog.phase {
            ExportPhase::Exporting => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(if dialog.sign {
                        "Signing and writing the PDF…"
                    } else {
                        "Writing the PDF…"
                    });
                });
                return;
            }
            ExportPhase::CreatingIdentity(cancel) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(if cancel.load(Ordering::SeqCst) {
                        "Cancelling…"
                    } else {
                        "Creating your signing identity (key pair and certificate)…"
                    });
                    if ui.button("Cancel").clicked() {
                        commands.push(Command::CancelIdentity);
                    }
                });
                return;
            }
            ExportPhase::Editing => {}
        }
        let (sign_before, meaning_before) = (dialog.sign, dialog.meaning);
        ui.horizontal(|ui| {
            let sign = ui
                .add_enabled_ui(dialog.verdict_settled, |ui| {
                    ui.radio_value(&mut dialog.sign, true, "Sign (settled verdict)")
                })
                .inner;
            let draft = ui.radio_value(&mut dialog.sign, false, "Unsigned draft");
            // Opening the dialog moves the focus into it, on the choice that is set.
            if !std::mem::replace(&mut dialog.focus_placed, true) {
                if dialog.sign { sign } else { draft }.request_focus();
            }
        });
        if !dialog.verdict_settled {
            ui.label(
                "INCOMPLETE cannot be signed: the draft says \"DRAFT — NOT SIGNED\" on every page.",
            );
        }
        if dialog.sign {
            ui.label(format!("Signer: {signer}"));
            if !dialog.has_identity {
                identity_form(ui, dialog, commands);
            }
            // Only the meanings the signer's role may sign are offered.
            ui.label(format!(
                "Meaning of the signature (as {})",
                dialog.role.label()
            ));
            let meanings = dialog.role.meanings();
            if meanings.is_empty() {
                ui.label("A monitor reads and signs nothing: export an unsigned draft.");
            }
            for meaning in meanings {
                ui.radio_value(&mut dialog.meaning, Some(meaning), meaning.statement());
            }
            if dialog.countersigns() {
                // The investigator countersigns the coordinator's signed file, as a new file.
                let label = ui.label("Coordinator-signed summary to countersign");
                ui.add(
                    egui::TextEdit::singleline(&mut dialog.countersign_from)
                        .hint_text("/path/to/AM-TLS-2026-0001-screened-1.pdf")
                        .desired_width(400.0),
                )
                .labelled_by(label.id);
                // The coordinator's signature is checked (on the worker) before anything else.
                let typed = dialog.countersign_from.trim().to_owned();
                if dialog.source_check.0 != typed && !typed.is_empty() {
                    dialog.source_check = (typed.clone(), None);
                    commands.push(Command::CheckCountersignSource(typed.into()));
                }
                ui.label(
                    dialog
                        .source_check
                        .1
                        .as_deref()
                        .unwrap_or("Checking the coordinator's signature…"),
                );
                // The pages being confirmed, as the store holds the screening (a change since
                // the coordinator signed refuses the countersignature).
                if !std::mem::replace(&mut dialog.pages_requested, true) {
                    commands.push(Command::PreviewPages);
                }
                egui::CollapsingHeader::new("Review the summary's pages")
                    .default_open(true)
                    .show(ui, |ui| match &dialog.pages {
                        None => {
                            ui.label("Laying out the pages…");
                        }
                        Some(Err(why)) => {
                            ui.label(format!("The pages could not be laid out: {why}"));
                        }
                        Some(Ok(pages)) => {
                            ui.label(
                                egui::RichText::new(
                                    "Laid out from the record as the store holds it (the same \
                                     layout as the PDF; its draft mark is this preview's, not \
                                     the signed file's).",
                                )
                                .small()
                                .weak(),
                            );
                            egui::ScrollArea::vertical()
                                .max_height(320.0)
                                .show(ui, |ui| {
                                    let total = pages.len();
                                    for (n, draws) in pages.iter().enumerate() {
                                        super::page_preview::page(
                                            ui,
                                            draws,
                                            &format!("Page {} of {total} (preview)", n + 1),
                                        );
                                        ui.add_space(6.0);
                                    }
                                });
                        }
                    });
            } else {
                ui.checkbox(
                    &mut dialog.typed_signature,
                    "Adopt a typed signature (my printed name) instead of drawing",
                );
            }
            if dialog.countersigns() || dialog.typed_signature {
                dialog.strokes.clear();
            } else {
                ui.label("Signature (draw with the mouse)");
                signature_pad(ui, &mut dialog.strokes);
                if ui.button("Clear signature").clicked() {
                    dialog.strokes.clear();
                }
            }
            let label = ui.label("Timestamp authority (RFC 3161, http://; empty: none)");
            ui.add(
                egui::TextEdit::singleline(&mut dialog.tsa)
                    .hint_text("http://tsa.example/tsr — without one the time is your own claim")
                    .desired_width(400.0),
            )
            .labelled_by(label.id);
            let statement = dialog
                .meaning
                .map(|m| m.statement())
                .unwrap_or("the meaning chosen above");
            // The statement is confirmed for one meaning: choosing another unticks it.
            if dialog.meaning != meaning_before {
                dialog.confirmed = false;
            }
            ui.checkbox(
                &mut dialog.confirmed,
                format!("I sign this screening summary electronically: {statement}."),
            );
            let label = ui.label("Passphrase");
            let passphrase = ui
                .add(egui::TextEdit::singleline(&mut *dialog.passphrase).password(true))
                .labelled_by(label.id);
            // Enter in the passphrase signs, when nothing else is missing.
            if passphrase.lost_focus()
                && ui.input(|i| i.key_pressed(egui::Key::Enter))
                && dialog.missing().is_none()
            {
                commands.push(Command::RunExport);
            }
        }
        ui.separator();
        let label = ui.label("Save to");
        if (dialog.sign, dialog.meaning) != (sign_before, meaning_before) {
            dialog.refresh_default_path();
        }
        ui.horizontal(|ui| {
            let edited = ui
                .add(
                    egui::TextEdit::singleline(&mut dialog.path)
                        .hint_text("/path/to/summary.pdf")
                        .desired_width(400.0),
                )
                .labelled_by(label.id)
                .changed();
            if edited {
                dialog.path_is_default = false;
                dialog.replace_confirmed = false;
            }
            if ui.button("Choose…").clicked() {
                commands.push(Command::ChooseExportPath);
            }
        });
        if dialog.target_exists() {
            let name = std::path::Path::new(dialog.path.trim())
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            ui.label(
                egui::RichText::new(format!(
                    "{name} already exists — it may be a signed summary."
                ))
                .color(ui.visuals().warn_fg_color),
            );
            ui.checkbox(&mut dialog.replace_confirmed, format!("Replace {name}"));
        }
        if let Some(message) = &dialog.message {
            ui.label(egui::RichText::new(message.as_str()).strong());
        }
        let missing = dialog.missing();
        ui.horizontal(|ui| {
            let caption = if dialog.sign {
                "Sign and export"
            } else {
                "Export draft"
            };
            let button = ui.add_enabled(missing.is_none(), egui::Button::new(caption));
            if let Some(missing) = missing {
                ui.label(egui::RichText::new(format!("To do: {missing}")).weak());
            }
            if button.clicked() {
                commands.push(Command::RunExport);
            }
            if ui.button("Close").clicked() {
                commands.push(Command::CloseSignDialog);
            }
        });
    });
    // Escape closes the dialog while the form is being filled (a click outside does not: it
    // would lose a drawn signature).
    let _ = modal;
    if ctx.input(|i| i.key_pressed(egui::Key::Escape)) && dialog.phase == ExportPhase::Editing {
        commands.push(Command::CloseSignDialog);
    }
}

fn identity_form(ui: &mut egui::Ui, dialog: &mut SignDialog, commands: &mut Vec<Command>) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label("You have no signing identity yet. Create one: a key pair and a certificate with your name, role and site. Its private key is kept encrypted with a passphrase only you know.");
        let label = ui.label("New passphrase");
        ui.add(egui::TextEdit::singleline(&mut *dialog.new_passphrase[0]).password(true)).labelled_by(label.id);
        let label = ui.label("Repeat passphrase");
        ui.add(egui::TextEdit::singleline(&mut *dialog.new_passphrase[1]).password(true)).labelled_by(label.id);
        if ui.button("Create signing identity").clicked() {
            commands.push(Command::CreateIdentity);
        }
    });
}

/// The pad: drag to draw; strokes are kept normalised so the PDF scales them.
fn signature_pad(ui: &mut egui::Ui, strokes: &mut Vec<Vec<(f32, f32)>>) {
    let size = egui::vec2(ui.available_width().min(520.0), 130.0);
    let (response, painter) = ui.allocate_painter(size, egui::Sense::drag());
    let rect = response.rect;
    painter.rect_filled(rect, 4.0, egui::Color32::WHITE);
    painter.rect_stroke(
        rect,
        4.0,
        egui::Stroke::new(1.0, egui::Color32::GRAY),
        egui::StrokeKind::Inside,
    );
    painter.line_segment(
        [
            egui::pos2(rect.left() + 12.0, rect.bottom() - 28.0),
            egui::pos2(rect.right() - 12.0, rect.bottom() - 28.0),
        ],
        egui::Stroke::new(0.5, egui::Color32::LIGHT_GRAY),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Signature pad"));
    let response = response.on_hover_text("Signature pad: draw with the mouse");
    if response.drag_started() {
        strokes.push(Vec::new());
    }
    if response.dragged()
        && let Some(pos) = response.interact_pointer_pos()
        && let Some(stroke) = strokes.last_mut()
    {
        let x = ((pos.x - rect.left()) / rect.width()).clamp(0.0, 1.0);
        let y = ((pos.y - rect.top()) / rect.height()).clamp(0.0, 1.0);
        if stroke.last() != Some(&(x, y)) {
            stroke.push((x, y));
        }
    }
    let ink = egui::Stroke::new(2.0, egui::Color32::from_rgb(0x10, 0x20, 0x60));
    for stroke in strokes.iter() {
        let points: Vec<egui::Pos2> = stroke
            .iter()
            .map(|(x, y)| {
                egui::pos2(
                    rect.left() + x * rect.width(),
                    rect.top() + y * rect.height(),
                )
            })
            .collect();
        painter.add(egui::Shape::line(points, ink));
    }
}
