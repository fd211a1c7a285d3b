//! The window on a site server: a fresh database in the test binary's throw-away cluster set
//! up with `site init`, logins added as `site add-user` adds them (their names made unique in
//! the cluster), and the app opened on one of them with verify-full TLS.

use std::path::Path;

use egui_kittest::Harness;
use jiff::civil::date;
use prescreen::app::{AppConfig, PrescreenApp};
use prescreen::storage::DataDir;
use prescreen::storage::pg::site::{self, SiteRole};

use super::pg_cluster::cluster;

/// Every test login's password (synthetic).
pub const PASSWORD: &str = "synthetic-window-password";

/// A database set up for prescreen.
pub struct TestSite {
    /// Its name.
    pub database: String,
}

/// A fresh database, set up by the superuser.
pub fn new_site() -> TestSite {
    let database = cluster().fresh_database();
    site::site_init(&mut cluster().superuser_client(&database), "test cluster").unwrap();
    TestSite { database }
}

impl TestSite {
    /// Adds a coordinator login of `site_code`; returns its name and its URL (password in it,
    /// as a workstation's saved `.pgpass` would give it).
    pub fn coordinator(&self, base: &str, site_code: &str) -> (String, String) {
        let login = format!("{base}_{}", self.database);
        site::add_user(
            &mut cluster().superuser_client(&self.database),
            "test cluster",
            &login,
            SiteRole::Coordinator,
            site_code,
            PASSWORD,
        )
        .unwrap();
        let url = format!(
            "postgresql://{login}:{PASSWORD}@localhost:{}/{}?sslmode=verify-full&sslrootcert={}",
            cluster().port(),
            self.database,
            cluster().root_cert_path().display()
        );
        (login, url)
    }
}

/// The app on the server at `url`, its data folder at `data`, on 2026-11-23.
pub fn window_on(url: &str, data: &Path) -> Harness<'static, PrescreenApp> {
    let config = AppConfig {
        data_dir: DataDir::at(data),
        trial_dirs: Vec::new(),
        today: date(2026, 11, 23),
        database: Some(url.to_owned()),
    };
    let mut harness = Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 1000.0))
        .build_eframe(move |cc| PrescreenApp::new(config, &cc.egui_ctx, None));
    harness.run_steps(2);
    harness
}
