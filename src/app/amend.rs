//! A screening opened from the log that was answered against an older version of its trial's
//! definition, when a newer one is loaded: the window offers to move it across (the store
//! decides what carries over and records one event), or leaves it where it is. A signed one
//! is not offered (the store refuses it too): it stays under its own version.

use eframe::egui;

use super::PrescreenApp;
use super::command::Command;
use super::tasks::Job;
use crate::storage::{MoveReport, ScreeningStatus, StoreError, StoredScreening};

/// The move the window offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveOffer {
    /// The screening.
    pub screening_id: String,
    /// Its trial.
    pub trial_id: String,
    /// The version it was answered against.
    pub from: String,
    /// The newer version loaded.
    pub to: String,
}

impl PrescreenApp {
    /// Offers the move when `stored` is on an older version of a loaded trial and still in
    /// progress; `false` when there is nothing to offer.
    pub(super) fn offer_move(&mut self, stored: &StoredScreening) -> bool {
        let trial = &stored.screening.trial;
        let Some(newer) = self
            .trials
            .iter()
            .find(|t| t.definition.id == trial.id)
            .map(|t| t.definition.version().to_owned())
        else {
            return false;
        };
        let in_progress = matches!(
            stored.status,
            ScreeningStatus::Draft
                | ScreeningStatus::PreScreened
                | ScreeningStatus::Approached
                | ScreeningStatus::Consented
        );
        if !in_progress || newer == trial.version {
            return false;
        }
        self.message = Some(format!(
            "{} was screened against {} {}; version {newer} is loaded.",
            stored.screening.screening_id, trial.id, trial.version
        ));
        self.move_offer = Some(MoveOffer {
            screening_id: stored.screening.screening_id.clone(),
            trial_id: trial.id.clone(),
            from: trial.version.clone(),
            to: newer,
        });
        true
    }

    /// Asks the worker to move the offered screening.
    pub(super) fn accept_move(&mut self) {
        let Some(offer) = self.move_offer.take() else {
            return;
        };
        let Some(by) = self.coordinator_id() else {
            return;
        };
        let Some(to) = self
            .trials
            .iter()
            .find(|t| t.definition.id == offer.trial_id && t.definition.version() == offer.to)
            .cloned()
        else {
            return;
        };
        let reason = format!(
            "moved from {} to {} (protocol amendment)",
            offer.from, offer.to
        );
        self.submit(Job::MoveScreening {
            screening_id: offer.screening_id,
            to: Box::new(to),
            by,
            reason,
        });
    }

    /// What the move did, said once; the moved screening opens.
    pub(super) fn apply_moved(
        &mut self,
        result: Result<(MoveReport, StoredScreening), StoreError>,
    ) {
        match result {
            Ok((report, stored)) => {
                let list = |ids: &[String]| {
                    if ids.is_empty() {
                        "none".to_owned()
                    } else {
                        ids.join(", ")
                    }
                };
                let said = format!(
                    "{} moved from {} to {}: answers kept for {}; open again: {}; removed: {}.",
                    stored.screening.screening_id,
                    report.from_version,
                    report.to_version,
                    list(&report.carried),
                    list(&report.reopened),
                    list(&report.removed)
                );
                self.open_stored(stored);
                self.message = Some(said);
            }
            Err(error) => self.message = Some(format!("Not moved: {error}")),
        }
    }
}

/// Draws the offer, when there is one.
pub fn ui(ui: &mut egui::Ui, offer: Option<&MoveOffer>, commands: &mut Vec<Command>) {
    let Some(offer) = offer else {
        return;
    };
    egui::Panel::top("move-offer").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} was answered against {} {}; version {} is loaded. Moving it keeps the \
                 answers to unchanged criteria and opens changed and new ones again (one audit \
                 event names both versions).",
                offer.screening_id, offer.trial_id, offer.from, offer.to
            ));
            if ui.button(format!("Move to {}", offer.to)).clicked() {
                commands.push(Command::MoveAcross);
            }
            if ui.button("Not now").clicked() {
                commands.push(Command::DismissMove);
            }
        });
    });
}
