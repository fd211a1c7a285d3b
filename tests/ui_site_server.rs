//! The window on a site server: opened with `--database`, it needs no profile (the login is
//! who acts), screens a candidate through the real panels, and every save lands on the server
//! attributed to the login, in a chain that verifies. Synthetic candidates only.
#![cfg(test)]

#[path = "../crates/prescreen-store/tests/support/pg_cluster.rs"]
mod pg_cluster;
mod ui_support;

use egui_kittest::kittest::Queryable;
use jiff::civil::date;
use pg_cluster::cluster;
use prescreen::app::{AppConfig, PrescreenApp};
use prescreen::storage::pg::{DatabaseUrl, site};
use prescreen::storage::{DataDir, PgStore, Store};
use ui_support::{answer_a_muse_to_eligible, settle, start_candidate, switch_to, verdict};

const PASSWORD: &str = "synthetic-window-password";

#[test]
fn the_window_screens_on_the_server_as_the_login() {
    let database = cluster().fresh_database();
    let mut admin = cluster().superuser_client(&database);
    site::site_init(&mut admin, "test cluster").unwrap();
    let login = format!("window_{database}");
    site::add_user(
        &mut admin,
        "test cluster",
        &login,
        site::SiteRole::Coordinator,
        "TLS",
        PASSWORD,
    )
    .unwrap();
    let url = format!(
        "postgresql://{login}:{PASSWORD}@localhost:{}/{database}?sslmode=verify-full&sslrootcert={}",
        cluster().port(),
        cluster().root_cert_path().display()
    );

    let data = tempfile::tempdir().unwrap();
    let config = AppConfig {
        data_dir: DataDir::at(data.path()),
        trial_dirs: Vec::new(),
        today: date(2026, 11, 23),
        database: Some(url.clone()),
    };
    let mut harness = egui_kittest::Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 1000.0))
        .build_eframe(move |cc| PrescreenApp::new(config, &cc.egui_ctx, None));
    harness.run_steps(2);
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
