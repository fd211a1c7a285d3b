//! The screening log (streamed, filtered) and the SEAR summary (tallied by the core).

use std::collections::HashMap;

use prescreen_core::sear::{SearRow, SearTally};
use tracing::debug;

use super::Records;
use super::codec::*;
use crate::sql::{Db, Dialect, Value, vals};
use crate::{LogFilter, LogRow, ReasonCriterion, StoreError, StoredVerdict, TrialSummary};

/// Builds the WHERE clause and its parameters for a log filter.
pub(crate) fn filter_clause(filter: &LogFilter, use_statuses: bool) -> (String, Vec<Value>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    if let Some(trial) = &filter.trial {
        values.push(Value::Text(trial.clone()));
        conditions.push(format!("s.trial_id = ?{}", values.len()));
    }
    if let Some(version) = &filter.definition_version {
        values.push(Value::Text(version.clone()));
        conditions.push(format!("s.definition_version = ?{}", values.len()));
    }
    if let Some(from) = filter.from {
        values.push(Value::Text(from.to_string()));
        conditions.push(format!("s.prescreening_date >= ?{}", values.len()));
    }
    if let Some(to) = filter.to {
        values.push(Value::Text(to.to_string()));
        conditions.push(format!("s.prescreening_date <= ?{}", values.len()));
    }
    if use_statuses && let Some(day) = filter.rescreen_due_on {
        values.push(Value::Text(day.to_string()));
        conditions.push(format!(
            "s.status != 'voided' AND s.rescreen_from IS NOT NULL AND s.rescreen_from <= ?{} \
             AND NOT EXISTS (SELECT 1 FROM screening r WHERE r.rescreen_of = s.id)",
            values.len()
        ));
    }
    if use_statuses && let Some((date, id)) = &filter.after {
        values.push(Value::Text(date.to_string()));
        values.push(Value::Text(id.clone()));
        let (date_at, id_at) = (values.len() - 1, values.len());
        let direction = if filter.newest_first { "<" } else { ">" };
        conditions.push(format!(
            "(s.prescreening_date {direction} ?{date_at} OR (s.prescreening_date = ?{date_at} \
             AND s.id {direction} ?{id_at}))"
        ));
    }
    if use_statuses && !filter.statuses.is_empty() {
        let mut placeholders = Vec::new();
        for status in &filter.statuses {
            values.push(Value::Text(status.as_str().to_owned()));
            placeholders.push(format!("?{}", values.len()));
        }
        conditions.push(format!("s.status IN ({})", placeholders.join(", ")));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (clause, values)
}

/// Short criterion texts per definition hash, parsed once per query.
#[derive(Default)]
pub(crate) struct CriterionTexts {
    by_definition: HashMap<String, HashMap<String, String>>,
}

impl CriterionTexts {
    fn load(
        &mut self,
        conn: &dyn Db,
        trial_id: &str,
        version: &str,
        sha256: &str,
    ) -> &HashMap<String, String> {
        self.by_definition
            .entry(sha256.to_owned())
            .or_insert_with(|| {
                stored_definition(conn, trial_id, version, sha256)
                    .map(|definition| {
                        definition
                            .criteria
                            .iter()
                            .map(|c| (c.id.clone(), c.short_text()))
                            .collect()
                    })
                    .unwrap_or_default()
            })
    }
}

pub(crate) fn log(
    store: &impl Records,
    filter: &LogFilter,
    sink: &mut dyn FnMut(&LogRow) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let (clause, values) = filter_clause(filter, true);
    let sql = format!(
        "SELECT s.id, s.trial_id, s.definition_version, s.definition_sha256, \
         s.prescreening_date, c.name, s.site_code, s.status, s.status_reason, s.verdict, \
         s.verdict_failing, s.verdict_time_limited, s.rescreen_from, s.rescreen_after_event, \
         (SELECT min(r.id) FROM screening r WHERE r.rescreen_of = s.id) \
         FROM screening s JOIN coordinator c ON c.id = s.created_by \
         {clause} ORDER BY s.prescreening_date{order}, s.id{order}{limit}",
        order = if filter.newest_first { " DESC" } else { "" },
        limit = filter
            .limit
            .map(|n| format!(" LIMIT {n}"))
            .unwrap_or_default()
    );
    let mut texts = CriterionTexts::default();
    let mut count = 0;
    store.db().for_each_row(&sql, &values, &mut |row| {
        let get = |i| row.get::<_, String>(i);
        let read = || -> Result<_, StoreError> {
            Ok((
                get(0)?,
                get(1)?,
                get(2)?,
                get(3)?,
                get(4)?,
                get(5)?,
                get(6)?,
                get(7)?,
                row.get::<_, Option<String>>(8)?,
                get(9)?,
                get(10)?,
                get(11)?,
                row.get::<_, Option<String>>(12)?,
                row.get::<_, bool>(13)?,
                row.get::<_, Option<String>>(14)?,
            ))
        };
        let (
            id,
            trial_id,
            version,
            sha,
            date,
            coordinator,
            site,
            status,
            reason,
            verdict,
            failing,
            time_limited,
            rescreen_from,
            rescreen_after_event,
            rescreened_as,
        ) = read()?;
        let stored = StoredVerdict {
            kind: parse_verdict(&verdict)?,
            failing: split_failing(&failing),
            time_limited: split_failing(&time_limited),
            rescreen_from: parse_optional_date(rescreen_from, "rescreen_from")?,
            rescreen_after_event,
        };
        let failing = stored.failing.clone();
        let reasons = if failing.is_empty() {
            Vec::new()
        } else {
            let known = texts.load(store.db(), &trial_id, &version, &sha);
            failing
                .into_iter()
                .map(|criterion_id| ReasonCriterion {
                    text: known.get(&criterion_id).cloned().unwrap_or_default(),
                    criterion_id,
                })
                .collect()
        };
        let log_row = LogRow {
            screening_id: id,
            trial_id,
            definition_version: version,
            prescreening_date: parse_date(&date, "prescreening_date")?,
            coordinator,
            site_code: site,
            status: parse_status(&status)?,
            status_reason: reason,
            verdict_line: stored.line(),
            rescreen_from: stored.rescreen_from,
            verdict: stored.name().to_owned(),
            reasons,
            rescreened_as,
        };
        sink(&log_row)?;
        count += 1;
        Ok(())
    })?;
    debug!(rows = count, "screening log streamed");
    Ok(count)
}

pub(crate) fn summary(
    store: &impl Records,
    filter: &LogFilter,
) -> Result<Vec<TrialSummary>, StoreError> {
    // One pass over the covering index `screening_summary`: the core tallies rows as they
    // stream, so memory depends on the number of trials and distinct reasons only.
    let (clause, values) = filter_clause(filter, false);
    // On the server, grouped where the rows are kept: it sends one row per distinct
    // combination (dozens) instead of one per screening over the network, and the core
    // tallies each with its count. SQLite streams its covering index instead: grouping there
    // needs a sort and was measured slower (site-server bench).
    let sql = match store.db().dialect() {
        Dialect::Postgres => format!(
            "SELECT s.trial_id, s.status, s.verdict, s.was_approached, s.was_consented, \
             s.verdict_failing, s.status_reason, s.verdict_time_limited, count(*) \
             FROM screening s {clause} GROUP BY s.trial_id, s.status, s.verdict, \
             s.was_approached, s.was_consented, s.verdict_failing, s.status_reason, \
             s.verdict_time_limited"
        ),
        Dialect::Sqlite => format!(
            "SELECT s.trial_id, s.status, s.verdict, s.was_approached, s.was_consented, \
             s.verdict_failing, s.status_reason, s.verdict_time_limited, 1 \
             FROM screening s {clause}"
        ),
    };
    let mut tally = SearTally::default();
    store.db().for_each_row(&sql, &values, &mut |row| {
        let flag = |i: usize| row.get::<_, bool>(i);
        let count: i64 = row.get(8)?;
        tally.add_many(
            &SearRow {
                trial_id: row.text(0)?,
                status: parse_status(row.text(1)?)?,
                verdict: parse_verdict(row.text(2)?)?,
                was_approached: flag(3)?,
                was_consented: flag(4)?,
                failing: row.text(5)?,
                time_limited: row.text(7)?,
                status_reason: row.text_or_null(6)?,
            },
            u64::try_from(count).unwrap_or(0),
        );
        Ok(())
    })?;
    let mut texts = HashMap::new();
    for trial_id in tally.trials_with_failures() {
        let known = latest_criterion_texts(store, &trial_id)?;
        texts.insert(trial_id, known);
    }
    let summaries = tally.finish(&texts);
    debug!(trials = summaries.len(), "screening summary computed");
    Ok(summaries)
}

/// Criterion short texts of the most recently recorded definition of a trial (earlier
/// versions fill in criteria the latest no longer has).
fn latest_criterion_texts(
    store: &impl Records,
    trial_id: &str,
) -> Result<HashMap<String, String>, StoreError> {
    let versions: Vec<(String, String)> = store.db().query_vec(
        "SELECT version, sha256 FROM trial_definition WHERE trial_id = ?1 ORDER BY recorded_utc",
        vals![trial_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let mut texts = HashMap::new();
    let mut cache = CriterionTexts::default();
    for (version, sha) in versions {
        for (id, text) in cache.load(store.db(), trial_id, &version, &sha) {
            texts.insert(id.clone(), text.clone());
        }
    }
    Ok(texts)
}
