//! Two workstations on one site server: a screening open in one window changes in the other;
//! within the poll interval the first window shows the change and says who made it — no
//! restart, no reload by hand. Synthetic candidates only.
#![cfg(test)]

#[path = "../crates/prescreen-store/tests/support/pg_cluster.rs"]
mod pg_cluster;
mod ui_support;

use std::time::{Duration, Instant};

use jiff::civil::date;
use pg_cluster::cluster;
use prescreen::app::{AppConfig, PrescreenApp};
use prescreen::screening::Answer;
use prescreen::storage::DataDir;
use prescreen::storage::pg::site;
use ui_support::{click, click_log_row, key, select, start_candidate, switch_to};

const PASSWORD: &str = "synthetic-two-windows-password";

fn window(url: &str, data: &std::path::Path) -> egui_kittest::Harness<'static, PrescreenApp> {
    let config = AppConfig {
        data_dir: DataDir::at(data),
        trial_dirs: Vec::new(),
        today: date(2026, 11, 23),
        database: Some(url.to_owned()),
    };
    let mut harness = egui_kittest::Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 1000.0))
        .build_eframe(move |cc| PrescreenApp::new(config, &cc.egui_ctx, None));
    harness.run_steps(2);
    harness
}

#[test]
fn a_change_made_in_one_window_shows_in_the_other_with_who_made_it() {
    let database = cluster().fresh_database();
    let mut admin = cluster().superuser_client(&database);
    site::site_init(&mut admin, "test cluster").unwrap();
    let url_of = |login: &str| {
        site::add_user(
            &mut cluster().superuser_client(&database),
            "test cluster",
            login,
            site::SiteRole::Coordinator,
            "TLS",
            PASSWORD,
        )
        .unwrap();
        format!(
            "postgresql://{login}:{PASSWORD}@localhost:{}/{database}?sslmode=verify-full&sslrootcert={}",
            cluster().port(),
            cluster().root_cert_path().display()
        )
    };
    let anna = format!("anna_{database}");
    let ben = format!("ben_{database}");
    let (anna_url, ben_url) = (url_of(&anna), url_of(&ben));
    let (anna_data, ben_data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let mut first = window(&anna_url, anna_data.path());
    switch_to(&mut first, "A-MUSE");
    start_candidate(&mut first);
    let id = first
        .state()
        .workspace()
        .unwrap()
        .screening
        .screening_id
        .clone();

    // Ben opens the same screening from the shared log.
    let mut second = window(&ben_url, ben_data.path());
    click(&mut second, "Screening log");
    click_log_row(&mut second, &id);
    click(&mut second, "Open");
    assert_eq!(
        second.state().workspace().unwrap().screening.screening_id,
        id
    );

    // Anna answers IN06; Ben's window shows it within the poll interval, saying who.
    select(&mut first, 5);
    key(&mut first, eframe::egui::Key::Y);
    let started = Instant::now();
    let mut said = String::new();
    while started.elapsed() < Duration::from_secs(15) {
        second.run_steps(1);
        said = second.state().message().unwrap_or_default().to_owned();
        if said.contains("was changed by") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(said.contains(&anna) && said.contains(&id), "{said:?}");
    let shown = &second.state().workspace().unwrap().screening.answers;
    assert_eq!(shown.get("IN06").map(|e| &e.answer), Some(&Answer::Yes));
    // And Ben's next change is based on it: no conflict.
    select(&mut second, 7);
    key(&mut second, eframe::egui::Key::Y);
    let said = second.state().message().unwrap_or_default().to_owned();
    assert!(said.starts_with("Saved: IN08"), "{said}");
}
