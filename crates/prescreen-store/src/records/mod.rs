//! The records code both backends share: every change asks the core what it needs, writes
//! its rows and appends its audit events in one transaction, through [`Db`]. A backend
//! supplies the connection, the transaction, and who is acting ([`Records`]); [`Store`] is
//! implemented once, here, for every backend.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;

use crate::audit::{AuditEvent, ChainReport};
use crate::sql::Db;
use crate::{
    Coordinator, CoordinatorId, LogFilter, LogRow, NewCoordinator, NewScreening, NewTrustedSigner,
    ScreeningStatus, Store, StoreError, StoredScreening, StoredVerdict, TrialSummary,
    TrustedSigner,
};
use prescreen_core::screening::{Candidate, CriterionEntry, Screening};
use prescreen_core::trial::load::LoadedTrial;

pub(crate) mod amend;
pub(crate) mod codec;
pub(crate) mod log;
pub(crate) mod screenings;
pub(crate) mod signers;
pub(crate) mod trail;
pub(crate) mod visit;
pub(crate) mod writer;

pub(crate) use writer::Writer;

/// The setting that mirrors the chain head (`seq:hash`), so a cut-off tail is noticed.
pub(crate) const AUDIT_HEAD: &str = "audit_head";

/// What a backend gives the shared records code.
pub(crate) trait Records {
    /// The connection, for reads outside a write.
    fn db(&self) -> &dyn Db;
    /// Runs `work` in one write transaction, appends its events to the chain and commits.
    fn write<T>(
        &mut self,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError>;
    /// How the schema differs from what prescreen made (empty: as made).
    fn schema_problems(&self) -> Vec<String>;
    /// Saves a coordinator (an embedded store) or refuses (a server, where people are logins).
    fn save_coordinator(&mut self, new: &NewCoordinator) -> Result<Coordinator, StoreError>;
    /// Chooses who acts (an embedded store) or refuses (a server: the login acts).
    fn set_current_coordinator(&mut self, id: CoordinatorId) -> Result<(), StoreError>;
    /// Who acts.
    fn current_coordinator(&self) -> Result<Option<Coordinator>, StoreError>;
    /// See [`Store::set_form_draft`].
    fn set_form_draft(&mut self, trial_id: &str, text: Option<&str>) -> Result<(), StoreError>;
    /// See [`Store::form_draft`].
    fn form_draft(&self, trial_id: &str) -> Result<Option<String>, StoreError>;
    /// See [`Store::backup_to`].
    fn backup_to(&self, path: &Path) -> Result<(), StoreError>;
    /// See [`Store::location`].
    fn location(&self) -> String;
    /// See [`Store::check_integrity`].
    fn check_integrity(&self) -> Result<Result<(), Vec<String>>, StoreError>;
    /// The versions this handle's changes are based on, by screening id.
    fn seen(&self) -> &RefCell<HashMap<String, i64>>;
    /// See [`Store::connection_lost`].
    fn connection_lost(&self) -> bool {
        false
    }
    /// See [`Store::reconnect`].
    fn reconnect(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

impl<R: Records> Store for R {
    fn save_coordinator(&mut self, new: &NewCoordinator) -> Result<Coordinator, StoreError> {
        Records::save_coordinator(self, new)
    }

    fn set_current_coordinator(&mut self, id: CoordinatorId) -> Result<(), StoreError> {
        Records::set_current_coordinator(self, id)
    }

    fn current_coordinator(&self) -> Result<Option<Coordinator>, StoreError> {
        Records::current_coordinator(self)
    }

    fn coordinator(&self, id: CoordinatorId) -> Result<Coordinator, StoreError> {
        screenings::coordinator(self, id)
    }

    fn record_trial_definition(&mut self, trial: &LoadedTrial) -> Result<(), StoreError> {
        screenings::record_trial_definition(self, trial)
    }

    fn trial_text(
        &self,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> Result<Option<String>, StoreError> {
        screenings::trial_text(self, trial_id, version, sha256)
    }

    fn create_screening(
        &mut self,
        trial: &LoadedTrial,
        new: &NewScreening,
        by: CoordinatorId,
    ) -> Result<String, StoreError> {
        screenings::create_screening(self, trial, new, by)
    }

    fn import_screening(
        &mut self,
        trial: &LoadedTrial,
        screening: &Screening,
        by: CoordinatorId,
    ) -> Result<String, StoreError> {
        screenings::import_screening(self, trial, screening, by)
    }

    fn load_screening(&self, id: &str) -> Result<StoredScreening, StoreError> {
        screenings::load_screening(self, id)
    }

    fn set_answer(
        &mut self,
        id: &str,
        criterion_id: &str,
        entry: Option<&CriterionEntry>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        screenings::set_answer(self, id, criterion_id, entry, by, reason)
    }

    fn set_candidate(
        &mut self,
        id: &str,
        candidate: &Candidate,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        screenings::set_candidate(self, id, candidate, by, reason)
    }

    fn set_dates(
        &mut self,
        id: &str,
        prescreening_date: Date,
        planned_visit_date: Option<Date>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        screenings::set_dates(self, id, prescreening_date, planned_visit_date, by, reason)
    }

    fn set_status(
        &mut self,
        id: &str,
        status: ScreeningStatus,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        screenings::set_status(self, id, status, by, reason)
    }

    fn start_visit(
        &mut self,
        id: &str,
        visit_date: Date,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        visit::start_visit(self, id, visit_date, by, reason)
    }

    fn reconfirm(
        &mut self,
        id: &str,
        criterion_id: &str,
        changed: bool,
        on: Option<Date>,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        visit::reconfirm(self, id, criterion_id, changed, on, by, reason)
    }

    fn record_verdict(&mut self, id: &str, by: CoordinatorId) -> Result<StoredVerdict, StoreError> {
        screenings::record_verdict(self, id, by)
    }

    fn mark_signed(&mut self, id: &str, by: CoordinatorId, detail: &str) -> Result<(), StoreError> {
        screenings::mark_signed(self, id, by, detail)
    }

    fn mark_exported(
        &mut self,
        id: &str,
        by: CoordinatorId,
        detail: &str,
    ) -> Result<(), StoreError> {
        screenings::mark_exported(self, id, by, detail)
    }

    fn screening_history(&self, id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        trail::screening_history(self, id)
    }

    fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        trail::verify_audit_chain(self)
    }

    fn screening_record_problems(&self, id: &str) -> Result<Vec<String>, StoreError> {
        trail::screening_record_problems(self, id)
    }

    fn set_form_draft(&mut self, trial_id: &str, text: Option<&str>) -> Result<(), StoreError> {
        Records::set_form_draft(self, trial_id, text)
    }

    fn form_draft(&self, trial_id: &str) -> Result<Option<String>, StoreError> {
        Records::form_draft(self, trial_id)
    }

    fn audit_event_at(&self, seq: i64) -> Result<Option<AuditEvent>, StoreError> {
        trail::audit_event_where(self, Some(seq), None)
    }

    fn audit_event_with_hash(&self, hash: &str) -> Result<Option<AuditEvent>, StoreError> {
        trail::audit_event_where(self, None, Some(hash))
    }

    fn latest_chain_hash(&self) -> Result<String, StoreError> {
        trail::latest_chain_hash(self)
    }

    fn log(
        &self,
        filter: &LogFilter,
        sink: &mut dyn FnMut(&LogRow) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        log::log(self, filter, sink)
    }

    fn summary(&self, filter: &LogFilter) -> Result<Vec<TrialSummary>, StoreError> {
        log::summary(self, filter)
    }

    fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        Records::backup_to(self, path)
    }

    fn location(&self) -> String {
        Records::location(self)
    }

    fn check_integrity(&self) -> Result<Result<(), Vec<String>>, StoreError> {
        Records::check_integrity(self)
    }

    fn base_on(&mut self, id: &str, version: i64) {
        self.seen().borrow_mut().insert(id.to_owned(), version);
    }

    fn based_on(&self, id: &str) -> Option<i64> {
        self.seen().borrow().get(id).copied()
    }

    fn connection_lost(&self) -> bool {
        Records::connection_lost(self)
    }

    fn reconnect(&mut self) -> Result<(), StoreError> {
        Records::reconnect(self)
    }

    fn add_trusted_signer(
        &mut self,
        signer: &NewTrustedSigner,
        by: CoordinatorId,
    ) -> Result<(), StoreError> {
        signers::add(self, signer, by)
    }

    fn revoke_trusted_signer(
        &mut self,
        fingerprint: &str,
        reason: &str,
        by: CoordinatorId,
    ) -> Result<(), StoreError> {
        signers::revoke(self, fingerprint, reason, by)
    }

    fn trusted_signers(&self) -> Result<Vec<TrustedSigner>, StoreError> {
        signers::list(self)
    }

    fn mark_definition_verified(
        &mut self,
        trial: &LoadedTrial,
        by: CoordinatorId,
    ) -> Result<(), StoreError> {
        amend::mark_definition_verified(self, trial, by)
    }

    fn move_screening(
        &mut self,
        id: &str,
        to: &LoadedTrial,
        by: CoordinatorId,
        reason: Option<&str>,
    ) -> Result<amend::MoveReport, StoreError> {
        amend::move_screening(self, id, to, by, reason)
    }
}
