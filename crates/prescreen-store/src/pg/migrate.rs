//! `prescreen migrate --to URL`: a workstation's SQLite store moved to the site server, ids,
//! answers, trial versions and the audit trail as they are (every event keeps its hash), and
//! checked against the source before the copy is committed. The SQLite file is only read.

use std::cell::RefCell;
use std::collections::HashMap;

use postgres::Client;
use tracing::info;

use super::schema::{OWNER_ROLE, SCHEMA};
use super::{PgTx, pg_error};
use crate::audit::ChainVerifier;
use crate::records::Records;
use crate::records::codec::load_state;
use crate::records::trail::{EVENT_COLUMNS, read_event};
use crate::sql::{Db, Row, Value, vals};
use crate::{SqliteStore, Store, StoreError};

/// What was moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The one site the store held.
    pub site_code: String,
    /// Screenings copied.
    pub screenings: usize,
    /// Answers copied.
    pub answers: usize,
    /// Audit events copied (the whole chain).
    pub events: usize,
    /// The chain head, the same on both sides.
    pub head: String,
}

/// Each table moved, with its columns as both schemas name them (audit events, signers and
/// settings gain the site on the server).
const TABLES: [(&str, &str); 6] = [
    (
        "trial_definition",
        "trial_id, version, sha256, acronym, text, recorded_utc",
    ),
    ("id_sequence", "prefix, site_code, year, last_number"),
    (
        "screening",
        "id, trial_id, definition_version, definition_sha256, site_code, created_by, initials, \
         date_of_birth, sex, childbearing_potential, prescreening_date, planned_visit_date, \
         status, status_reason, was_approached, was_consented, verdict, verdict_failing, \
         created_utc, updated_utc, pregnant, breastfeeding, verdict_time_limited, \
         rescreen_from, rescreen_after_event, visit_date, version",
    ),
    ("answer", "screening_id, criterion_id, entry, updated_utc"),
    (
        "trusted_signer",
        "fingerprint, kind, name, role, certificate, added_utc, added_by, revoked_utc, \
         revoke_reason",
    ),
    ("audit_event", EVENT_COLUMNS),
];

fn refused(label: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Server {
        store: label.to_owned(),
        detail: format!("{}; nothing was copied", detail.into()),
    }
}

/// Copies `source` into the server database `client` is connected to (set up by `site init`;
/// the client's login must be a member of the owner role, as the administrator who ran
/// `site init` is). One transaction: refused as a whole when the source holds several sites
/// or does not verify, when the server already holds records of that site, or when the copy
/// read back differs from the source in any event or any screening's state.
pub fn migrate_from_sqlite(
    source: &SqliteStore,
    client: &mut Client,
    label: &str,
) -> Result<MigrationReport, StoreError> {
    let from = source.db();
    let sites: Vec<String> = from.query_vec(
        "SELECT site_code FROM screening UNION SELECT site_code FROM coordinator \
         ORDER BY 1",
        vals![],
        |row| row.get(0),
    )?;
    let site_code = match sites.as_slice() {
        [one] => one.clone(),
        [] => return Err(refused(label, "the store holds nobody and nothing to move")),
        several => {
            return Err(refused(
                label,
                format!(
                    "the store holds sites {}: it keeps one audit chain for all of them, the \
                     server one per site",
                    several.join(", ")
                ),
            ));
        }
    };
    let report = source.verify_audit_chain()?;
    if !report.is_intact() || !report.records.is_empty() {
        return Err(refused(
            label,
            format!(
                "{} does not pass `audit verify`; restore it from a backup first",
                Store::location(source)
            ),
        ));
    }

    let err = |e: postgres::Error| pg_error(label, &e);
    let mut tx = client.transaction().map_err(err)?;
    tx.batch_execute(&format!(
        "SET LOCAL ROLE {OWNER_ROLE}; SET LOCAL search_path TO {SCHEMA};"
    ))
    .map_err(err)?;
    let statements = RefCell::new(HashMap::new());
    let lost = std::cell::Cell::new(false);
    let server = PgTx {
        tx: RefCell::new(tx),
        statements: &statements,
        label,
        lost: &lost,
    };
    let to: &dyn Db = &server;
    let taken = to.query_opt(
        "SELECT 1 FROM audit_event WHERE site_code = ?1 UNION ALL \
         SELECT 1 FROM screening WHERE site_code = ?1 LIMIT 1",
        vals![site_code],
        |_| Ok(()),
    )?;
    if taken.is_some() {
        return Err(refused(
            label,
            format!("the server already holds records of site {site_code}"),
        ));
    }

    // People first (the trail names them by id), as names that cannot log in.
    from.for_each_row(
        "SELECT id, name, role, site_code, created_utc FROM coordinator ORDER BY id",
        vals![],
        &mut |row| {
            to.execute(
                "INSERT INTO coordinator (id, name, role, site_code, created_utc, can_login) \
                 OVERRIDING SYSTEM VALUE VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                &row.values,
            )?;
            Ok(())
        },
    )?;
    let mut counts = HashMap::new();
    for (table, columns) in TABLES {
        let with_site = matches!(table, "trusted_signer" | "audit_event");
        let order = match table {
            "audit_event" => " ORDER BY seq",
            _ => "",
        };
        let width = columns.split(',').count() + usize::from(with_site);
        let placeholders: Vec<String> = (1..=width).map(|i| format!("?{i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({columns}{}) VALUES ({}){}",
            if with_site { ", site_code" } else { "" },
            placeholders.join(", "),
            if table == "trial_definition" {
                " ON CONFLICT DO NOTHING"
            } else {
                ""
            }
        );
        let mut copied = 0_usize;
        from.for_each_row(
            &format!("SELECT {columns} FROM {table}{order}"),
            vals![],
            &mut |row| {
                let mut values = row.values.clone();
                if with_site {
                    values.push(Value::Text(site_code.clone()));
                }
                to.execute(&insert, &values)?;
                copied += 1;
                Ok(())
            },
        )?;
        counts.insert(table, copied);
    }
    // Re-screening links, once both screenings are there.
    from.for_each_row(
        "SELECT id, rescreen_of FROM screening WHERE rescreen_of IS NOT NULL",
        vals![],
        &mut |row| {
            to.execute(
                "UPDATE screening SET rescreen_of = ?2 WHERE id = ?1",
                &row.values,
            )?;
            Ok(())
        },
    )?;
    let head: Option<String> = from.query_opt(
        "SELECT value FROM setting WHERE key = 'audit_head'",
        vals![],
        |row| row.get(0),
    )?;
    if let Some(head) = &head {
        to.execute(
            "INSERT INTO setting (site_code, key, value) VALUES (?1, 'audit_head', ?2)",
            vals![site_code, head],
        )?;
    }

    // Read back before committing: every event identical, the chain intact, every
    // screening's state the same on both sides.
    let events_from = from.query_vec(
        &format!("SELECT {EVENT_COLUMNS} FROM audit_event ORDER BY seq"),
        vals![],
        read_event,
    )?;
    let events_to = to.query_vec(
        &format!("SELECT {EVENT_COLUMNS} FROM audit_event WHERE site_code = ?1 ORDER BY seq"),
        vals![site_code],
        read_event,
    )?;
    if events_from != events_to {
        return Err(refused(
            label,
            "the copied audit trail differs from the source",
        ));
    }
    let mut verifier = ChainVerifier::default();
    for event in &events_to {
        verifier.push(event);
    }
    let chain = verifier.finish();
    if !chain.is_intact() {
        return Err(refused(label, "the copied audit chain does not verify"));
    }
    let ids: Vec<String> = from.query_vec(
        "SELECT id FROM screening ORDER BY id",
        vals![],
        |row: &Row| row.get(0),
    )?;
    for id in &ids {
        if load_state(from, id)?.hash() != load_state(to, id)?.hash() {
            return Err(refused(
                label,
                format!("{id} differs from the source once copied"),
            ));
        }
    }
    server.tx.into_inner().commit().map_err(err)?;
    let moved = MigrationReport {
        site_code,
        screenings: ids.len(),
        answers: counts.get("answer").copied().unwrap_or(0),
        events: events_to.len(),
        head: chain.head,
    };
    info!(
        site = %moved.site_code,
        screenings = moved.screenings,
        events = moved.events,
        "store moved to the site server"
    );
    Ok(moved)
}
