//! The window on a site server: opened with `--database`, it needs no profile (the login is
//! who acts), screens a candidate through the real panels, and every save lands on the server
//! attributed to the login, in a chain that verifies. Synthetic candidates only.
#![cfg(test)]

mod ui_support;

use egui_kittest::kittest::Queryable;
use prescreen::storage::pg::DatabaseUrl;
use prescreen::storage::{PgStore, Store};
use ui_support::site::{new_site, window_on};
use ui_support::{answer_a_muse_to_eligible, settle, start_candidate, switch_to, verdict};

#[test]
fn the_window_screens_on_the_server_as_the_login() {
    let (login, url) = new_site().coordinator("window", "TLS");
    let data = tempfile::tempdir().unwrap();
    let mut harness = window_on(&url, data.path());
    settle(&mut harness);
    // No profile to fill in: the login is the coordinator.
    assert!(harness.query_by_label("Save profile").is_none());
    switch_to(&mut harness, "A-MUSE");
    start_candidate(&mut harness);
    answer_a_muse_to_eligible(&mut harness);
    assert!(
        verdict(&harness).contains("ELIGIBLE"),
        "{}",
        verdict(&harness)
    );
    let id = harness
        .state()
        .workspace()
        .unwrap()
        .screening
        .screening_id
        .clone();
    drop(harness);

    let store = PgStore::connect(&DatabaseUrl::parse(&url).unwrap(), &mut |_| Ok(None)).unwrap();
    let stored = store.load_screening(&id).unwrap();
    assert!(
        stored.screening.answers.len() >= 10,
        "{:?}",
        stored.screening.answers.keys()
    );
    let history = store.screening_history(&id).unwrap();
    assert!(history.iter().all(|event| event.coordinator_name == login));
    let report = store.verify_audit_chain().unwrap();
    assert!(
        report.is_intact() && report.records.is_empty(),
        "{report:?}"
    );
    // Nothing was written to the data folder's own database.
    assert!(!data.path().join("prescreen.sqlite3").exists());
}
