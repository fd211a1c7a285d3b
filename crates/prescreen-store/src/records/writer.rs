//! One write transaction: the audit chain append, supersession of signed PDFs, and the
//! steps every change shares.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use tracing::debug;

use super::AUDIT_HEAD;
use super::codec::*;
use crate::audit::{AuditAction, AuditEvent, CURRENT_ENCODING, GENESIS_HASH};
use crate::clock::Stamp;
use crate::ids;
use crate::sql::{Db, Dialect, vals};
use crate::{Coordinator, CoordinatorId, ScreeningStatus, StoreError, StoredVerdict};
use prescreen_core::eligibility::VerdictKind;
use prescreen_core::lifecycle::{plan_field_change, signed_change_reason};
use prescreen_core::screening::{Candidate, CriterionEntry, Screening};
use prescreen_core::trial::load::LoadedTrial;
use prescreen_core::trial::model::TrialDefinition;

/// One write transaction and what its steps share. Events are collected as the steps run
/// and appended to the chain by [`Writer::finish`], just before the commit, so the last event
/// for each screening can carry the hash of its state after the whole write.
pub(crate) struct Writer<'a> {
    pub(crate) tx: &'a dyn Db,
    pub(crate) stamp: Stamp,
    pub(crate) definitions: &'a mut HashMap<String, TrialDefinition>,
    pub(crate) pending: Vec<PendingEvent>,
    /// On a server, the login's own coordinator row: nobody acts as someone else.
    pub(crate) acting_login: Option<CoordinatorId>,
    /// The version of each screening this handle's change is based on (what it last read or
    /// wrote); a screening changed since by anyone else refuses the write.
    pub(crate) seen: &'a mut HashMap<String, i64>,
    /// The versions this write leaves, for the handle to remember once it commits.
    pub(crate) written: Vec<(String, i64)>,
}

/// An event of this transaction, waiting for its place in the chain.
pub(crate) struct PendingEvent {
    by: Coordinator,
    screening_id: Option<String>,
    action: AuditAction,
    target: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
    reason: Option<String>,
}

/// What an event says, before it gets its place in the chain.
pub(crate) struct EventDraft<'a> {
    pub(crate) screening_id: Option<&'a str>,
    pub(crate) action: AuditAction,
    pub(crate) target: Option<&'a str>,
    pub(crate) old_value: Option<&'a str>,
    pub(crate) new_value: Option<&'a str>,
    pub(crate) reason: Option<&'a str>,
}

impl Writer<'_> {
    /// Appends one event per changed field (a field that had a value needs the reason) and,
    /// when anything changes on a signed screening, the supersession first.
    pub(crate) fn record_field_changes(
        &mut self,
        by: &Coordinator,
        id: &str,
        action: AuditAction,
        describe: &str,
        changes: &[FieldChange],
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        if changes.iter().any(|(_, old, new)| old != new) {
            self.supersede_signatures(by, id, reason)?;
        }
        for (field, old, new) in changes {
            if old == new {
                continue;
            }
            let reason = plan_field_change(describe, field, old.as_deref(), reason)
                .map_err(lifecycle_error(id))?;
            self.append(
                by,
                EventDraft {
                    screening_id: Some(id),
                    action,
                    target: Some(field),
                    old_value: old.as_deref(),
                    new_value: new.as_deref(),
                    reason,
                },
            )?;
        }
        Ok(())
    }

    /// The signed PDFs of a screening (their audit details) that no later change has
    /// superseded yet.
    pub(crate) fn live_signatures(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let mut live = Vec::new();
        self.tx.for_each_row(
            "SELECT action, new_value FROM audit_event \
             WHERE screening_id = ?1 AND action IN ('signed', 'superseded') ORDER BY seq",
            vals![id],
            &mut |row| {
                if row.text(0)? == AuditAction::Superseded.as_str() {
                    live.clear();
                } else {
                    live.push(row.get::<_, Option<String>>(1)?.unwrap_or_default());
                }
                Ok(())
            },
        )?;
        Ok(live)
    }

    /// Before a change to a signed screening: the change needs a reason, and the trail records
    /// that the earlier signed PDFs are superseded (in the same transaction as the change).
    pub(crate) fn supersede_signatures(
        &mut self,
        by: &Coordinator,
        id: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let live = self.live_signatures(id)?;
        if live.is_empty() {
            return Ok(());
        }
        let reason = signed_change_reason(reason).map_err(lifecycle_error(id))?;
        let detail = live.join(" and ");
        self.append(
            by,
            EventDraft {
                screening_id: Some(id),
                action: AuditAction::Superseded,
                target: None,
                old_value: Some(&detail),
                new_value: None,
                reason: Some(reason),
            },
        )
    }

    /// Appends one event to the global chain.
    /// Records an event of this write; it joins the chain at [`Writer::finish`].
    pub(crate) fn append(
        &mut self,
        by: &Coordinator,
        draft: EventDraft<'_>,
    ) -> Result<(), StoreError> {
        self.pending.push(PendingEvent {
            by: by.clone(),
            screening_id: draft.screening_id.map(str::to_owned),
            action: draft.action,
            target: draft.target.map(str::to_owned),
            old_value: draft.old_value.map(str::to_owned),
            new_value: draft.new_value.map(str::to_owned),
            reason: draft.reason.map(str::to_owned),
        });
        Ok(())
    }

    /// Appends this write's events to the chain, in order; the last event for each screening
    /// carries the SHA-256 of the screening's state as this transaction leaves it.
    pub(crate) fn finish(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.check_and_bump_versions()?;
        let last: Option<(i64, String)> = self.tx.query_opt(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1",
            vals![],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let (mut seq, mut prev_hash) = match last {
            Some((seq, hash)) => (seq, hash),
            None => (0, GENESIS_HASH.to_owned()),
        };
        let pending = std::mem::take(&mut self.pending);
        let last_for_screening: HashMap<&str, usize> = pending
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.screening_id.as_deref().map(|id| (id, i)))
            .collect();
        for (index, pending_event) in pending.iter().enumerate() {
            let state_hash = match pending_event.screening_id.as_deref() {
                Some(id) if last_for_screening.get(id) == Some(&index) => {
                    Some(load_state(self.tx, id)?.hash())
                }
                _ => None,
            };
            seq += 1;
            let mut event = AuditEvent {
                seq,
                at_utc: self.stamp.utc_text(),
                utc_offset: self.stamp.offset_text(),
                coordinator_id: pending_event.by.id,
                coordinator_name: pending_event.by.name.clone(),
                coordinator_role: pending_event.by.role.clone(),
                screening_id: pending_event.screening_id.clone(),
                action: pending_event.action.as_str().to_owned(),
                target: pending_event.target.clone(),
                old_value: pending_event.old_value.clone(),
                new_value: pending_event.new_value.clone(),
                reason: pending_event.reason.clone(),
                prev_hash: prev_hash.clone(),
                hash: String::new(),
                encoding: CURRENT_ENCODING,
                state_hash,
            };
            event.hash = event.computed_hash();
            self.tx.execute(
                "INSERT INTO audit_event (seq, at_utc, utc_offset, coordinator_id, \
                 coordinator_name, coordinator_role, screening_id, action, target, old_value, \
                 new_value, reason, prev_hash, hash, encoding, state_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                vals![
                    event.seq,
                    event.at_utc,
                    event.utc_offset,
                    event.coordinator_id,
                    event.coordinator_name,
                    event.coordinator_role,
                    event.screening_id,
                    event.action,
                    event.target,
                    event.old_value,
                    event.new_value,
                    event.reason,
                    event.prev_hash,
                    event.hash,
                    event.encoding,
                    event.state_hash,
                ],
            )?;
            debug!(
                seq = event.seq,
                action = %event.action,
                screening = event.screening_id.as_deref().unwrap_or("-"),
                target = event.target.as_deref().unwrap_or("-"),
                "audit event appended"
            );
            prev_hash = event.hash;
        }
        let head = match self.tx.dialect() {
            Dialect::Sqlite => {
                "INSERT INTO setting (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            }
            // One head per site: the row's site is the login's (a column default).
            Dialect::Postgres => {
                "INSERT INTO setting (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (site_code, key) DO UPDATE SET value = excluded.value"
            }
        };
        self.tx
            .execute(head, vals![AUDIT_HEAD, format!("{seq}:{prev_hash}")])?;
        Ok(())
    }

    /// Optimistic concurrency: each screening this write changes must still be at the version
    /// the handle based the change on (else [`StoreError::Conflict`] names who changed it and
    /// when, and nothing is written); then its version moves on by one. Writes to one store
    /// are serialised (SQLite's write lock, the server's per-site lock), so the check and the
    /// bump cannot interleave with another writer's.
    fn check_and_bump_versions(&mut self) -> Result<(), StoreError> {
        let mut ids: Vec<String> = self
            .pending
            .iter()
            .filter_map(|event| event.screening_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let Some(current) = self.tx.query_opt(
                "SELECT version FROM screening WHERE id = ?1",
                vals![id],
                |row| row.get::<_, i64>(0),
            )?
            else {
                continue;
            };
            if let Some(&based_on) = self.seen.get(&id)
                && based_on != current
            {
                return Err(self.conflict(&id, current)?);
            }
            self.tx.execute(
                "UPDATE screening SET version = version + 1 WHERE id = ?1",
                vals![id],
            )?;
            self.written.push((id, current + 1));
        }
        Ok(())
    }

    pub(crate) fn coordinator(&self, id: CoordinatorId) -> Result<Coordinator, StoreError> {
        if let Some(login) = self.acting_login
            && login != id
        {
            return Err(StoreError::NotPermitted(format!(
                "coordinator {id} is not the person logged in; every change is recorded as \
                 the login that makes it"
            )));
        }
        load_coordinator(self.tx, id)
    }

    pub(crate) fn definition(
        &mut self,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> Result<TrialDefinition, StoreError> {
        if let Some(definition) = self.definitions.get(sha256) {
            return Ok(definition.clone());
        }
        let definition = stored_definition(self.tx, trial_id, version, sha256)?;
        self.definitions
            .insert(sha256.to_owned(), definition.clone());
        Ok(definition)
    }

    pub(crate) fn record_definition(&mut self, trial: &LoadedTrial) -> Result<(), StoreError> {
        let definition = &trial.definition;
        self.tx.execute(
            "INSERT INTO trial_definition (trial_id, version, sha256, acronym, text, \
                 recorded_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            vals![
                definition.id,
                definition.version(),
                trial.sha256,
                definition.acronym,
                trial.text,
                self.stamp.utc_text()
            ],
        )?;
        self.definitions
            .entry(trial.sha256.clone())
            .or_insert_with(|| definition.clone());
        Ok(())
    }

    /// Loads a screening that may still change (refuses a voided one).
    pub(crate) fn changeable(&self, id: &str) -> Result<ScreeningRow, StoreError> {
        let row = load_screening_row(self.tx, id)?;
        self.refuse_stale(id)?;
        if row.status == ScreeningStatus::Voided {
            return Err(StoreError::Voided(row.id));
        }
        Ok(row)
    }

    /// A change based on an older version than the stored one is refused first, before any
    /// other check: what it would need (a reason, a visit) is judged against a state its
    /// author has not seen. [`Writer::finish`] checks again for every screening written.
    pub(crate) fn refuse_stale(&self, id: &str) -> Result<(), StoreError> {
        let Some(&based_on) = self.seen.get(id) else {
            return Ok(());
        };
        let current = self.tx.query_opt(
            "SELECT version FROM screening WHERE id = ?1",
            vals![id],
            |row| row.get::<_, i64>(0),
        )?;
        match current {
            Some(current) if current != based_on => Err(self.conflict(id, current)?),
            _ => Ok(()),
        }
    }

    /// The conflict error: who changed the screening last, and when.
    fn conflict(&self, id: &str, version: i64) -> Result<StoreError, StoreError> {
        let (changed_by, changed_at) = self
            .tx
            .query_opt(
                "SELECT coordinator_name, at_utc FROM audit_event \
                 WHERE screening_id = ?1 ORDER BY seq DESC LIMIT 1",
                vals![id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?
            .unwrap_or_default();
        Ok(StoreError::Conflict {
            screening: id.to_owned(),
            changed_by,
            changed_at,
            version,
        })
    }

    /// Re-evaluates a screening with its stored definition and stores the verdict.
    pub(crate) fn reevaluate(&mut self, id: &str) -> Result<StoredVerdict, StoreError> {
        let now = self.stamp.utc_text();
        store_derived(self.tx, self.definitions, id, Some(&now))
    }

    /// The screening as it stands in this transaction, with its definition.
    pub(crate) fn current_screening(
        &mut self,
        row: &ScreeningRow,
    ) -> Result<(Screening, TrialDefinition), StoreError> {
        let answers = load_answers(self.tx, &row.id)?;
        let definition = self.definition(
            &row.trial_id,
            &row.definition_version,
            &row.definition_sha256,
        )?;
        Ok((screening_of(row, answers), definition))
    }

    /// Links a new screening to the NOT ELIGIBLE one it repeats, with an event in each
    /// screening's trail. A screening is re-screened once.
    pub(crate) fn link_rescreening(
        &mut self,
        by: &Coordinator,
        earlier: &str,
        new: &str,
    ) -> Result<(), StoreError> {
        let row = load_screening_row(self.tx, earlier)?;
        if row.verdict.kind != VerdictKind::NotEligible {
            return Err(StoreError::DefinitionMismatch(format!(
                "{earlier} is {}, not NOT ELIGIBLE: there is nothing to re-screen",
                row.verdict.name()
            )));
        }
        let already: Option<String> = self.tx.query_opt(
            "SELECT id FROM screening WHERE rescreen_of = ?1",
            vals![earlier],
            |r| r.get(0),
        )?;
        if let Some(already) = already {
            return Err(StoreError::DefinitionMismatch(format!(
                "{earlier} was already re-screened as {already}"
            )));
        }
        self.tx.execute(
            "UPDATE screening SET rescreen_of = ?2 WHERE id = ?1",
            vals![new, earlier],
        )?;
        let as_new = format!("re-screened as {new}");
        let of_earlier = format!("re-screen of {earlier}");
        for (screening, text) in [(earlier, &as_new), (new, &of_earlier)] {
            self.append(
                by,
                EventDraft {
                    screening_id: Some(screening),
                    action: AuditAction::RescreenLinked,
                    target: None,
                    old_value: None,
                    new_value: Some(text),
                    reason: None,
                },
            )?;
        }
        Ok(())
    }

    /// Stores (or replaces) one criterion's entry, as its RON text.
    pub(crate) fn put_answer(
        &self,
        id: &str,
        criterion: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO answer (screening_id, criterion_id, entry, updated_utc) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (screening_id, criterion_id) \
             DO UPDATE SET entry = excluded.entry, updated_utc = excluded.updated_utc",
            vals![id, criterion, text, self.stamp.utc_text()],
        )?;
        Ok(())
    }

    /// Today on the writer's clock, for checks that refuse a future date.
    pub(crate) fn today(&self) -> Date {
        self.stamp.local_date()
    }

    /// The next id for prefix + site + year; the sequence only ever grows.
    pub(crate) fn next_id(
        &self,
        prefix: &str,
        site: &str,
        year: i16,
    ) -> Result<String, StoreError> {
        loop {
            let number: i64 = self.tx.query_one(
                "INSERT INTO id_sequence (prefix, site_code, year, last_number) \
                 VALUES (?1, ?2, ?3, 1) ON CONFLICT (prefix, site_code, year) \
                 DO UPDATE SET last_number = id_sequence.last_number + 1 RETURNING last_number",
                vals![prefix, site, year],
                |row| row.get(0),
            )?;
            let id = ids::format_id(prefix, site, year, number);
            if !self.screening_exists(&id)? {
                return Ok(id);
            }
        }
    }

    pub(crate) fn screening_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .query_opt("SELECT 1 FROM screening WHERE id = ?1", vals![id], |_| {
                Ok(())
            })?
            .is_some())
    }

    /// Makes sure a kept id of the generated shape is never generated again.
    pub(crate) fn reserve_id(&self, id: &str) -> Result<(), StoreError> {
        if let Some(parts) = ids::parse_id(id) {
            let greatest = match self.tx.dialect() {
                Dialect::Sqlite => "max",
                Dialect::Postgres => "greatest",
            };
            self.tx.execute(
                &format!(
                    "INSERT INTO id_sequence (prefix, site_code, year, last_number) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (prefix, site_code, year) \
                     DO UPDATE SET last_number = \
                     {greatest}(id_sequence.last_number, excluded.last_number)"
                ),
                vals![parts.prefix, parts.site, parts.year, parts.number],
            )?;
        }
        Ok(())
    }

    /// Inserts a new screening row and the events describing its first content.
    #[expect(
        clippy::too_many_arguments,
        reason = "a screening row's first facts, as stored"
    )]
    pub(crate) fn insert_screening(
        &mut self,
        id: &str,
        trial: &LoadedTrial,
        site_code: &str,
        by: &Coordinator,
        candidate: &Candidate,
        prescreening_date: Date,
        planned_visit_date: Option<Date>,
        answers: &BTreeMap<String, CriterionEntry>,
        action: AuditAction,
        original_coordinator: Option<&str>,
    ) -> Result<StoredVerdict, StoreError> {
        self.record_definition(trial)?;
        let definition = &trial.definition;
        for criterion in answers.keys() {
            if definition.criterion(criterion).is_none() {
                return Err(StoreError::UnknownCriterion {
                    trial: definition.id.clone(),
                    criterion: criterion.clone(),
                });
            }
        }
        let now = self.stamp.utc_text();
        self.tx.execute(
            "INSERT INTO screening (id, trial_id, definition_version, definition_sha256, \
                 site_code, created_by, initials, date_of_birth, sex, childbearing_potential, \
                 prescreening_date, planned_visit_date, status, status_reason, verdict, \
                 verdict_failing, created_utc, updated_utc, pregnant, breastfeeding, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL, \
                 'INCOMPLETE', '', ?14, ?14, ?15, ?16, 0)",
            vals![
                id,
                definition.id,
                definition.version(),
                trial.sha256,
                site_code,
                by.id,
                candidate.initials,
                candidate.date_of_birth.map(|d| d.to_string()),
                sex_text(candidate.sex),
                candidate.childbearing_potential,
                prescreening_date.to_string(),
                planned_visit_date.map(|d| d.to_string()),
                ScreeningStatus::Draft.as_str(),
                now,
                candidate.pregnant,
                candidate.breastfeeding,
            ],
        )?;
        let mut created = crate::state::created_text(
            &definition.id,
            definition.version(),
            &trial.sha256,
            site_code,
        );
        if let Some(original) = original_coordinator {
            created.push_str(&format!("; the file names coordinator {original}"));
        }
        self.append(
            by,
            EventDraft {
                screening_id: Some(id),
                action,
                target: None,
                old_value: None,
                new_value: Some(&created),
                reason: None,
            },
        )?;
        for (field, value) in candidate_fields(candidate) {
            if let Some(value) = value {
                self.append(
                    by,
                    EventDraft {
                        screening_id: Some(id),
                        action: AuditAction::CandidateFieldChanged,
                        target: Some(field),
                        old_value: None,
                        new_value: Some(&value),
                        reason: None,
                    },
                )?;
            }
        }
        let dates = [
            ("prescreening_date", Some(prescreening_date)),
            ("planned_visit_date", planned_visit_date),
        ];
        for (field, value) in dates {
            if let Some(value) = value {
                self.append(
                    by,
                    EventDraft {
                        screening_id: Some(id),
                        action: AuditAction::DateChanged,
                        target: Some(field),
                        old_value: None,
                        new_value: Some(&value.to_string()),
                        reason: None,
                    },
                )?;
            }
        }
        for (criterion, entry) in answers {
            let text = entry_text(entry)?;
            self.tx.execute(
                "INSERT INTO answer (screening_id, criterion_id, entry, updated_utc) \
                 VALUES (?1, ?2, ?3, ?4)",
                vals![id, criterion, text, now],
            )?;
            self.append(
                by,
                EventDraft {
                    screening_id: Some(id),
                    action: AuditAction::AnswerSet,
                    target: Some(criterion),
                    old_value: None,
                    new_value: Some(&text),
                    reason: None,
                },
            )?;
        }
        self.reevaluate(id)
    }
}
