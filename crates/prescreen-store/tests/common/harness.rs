//! One store for a conformance test, on either backend: the embedded file in a temporary
//! folder, or a login of a fresh site-server database. Both start on the same stepping clock
//! with one coordinator of site CPH, so a test body runs unchanged on both.

use std::path::PathBuf;

use jiff::Timestamp;
use jiff::tz::Offset;
use prescreen_core::screening::Screening;
use prescreen_store::clock::SteppingClock;
use prescreen_store::pg::connect;
use prescreen_store::pg::site::SiteRole;
use prescreen_store::{PgStore, Store};

use super::pg::{PASSWORD, Site, new_site};

/// Which backend a harness runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite,
    /// The PostgreSQL site server.
    Server,
}

/// A store under test and who acts in it.
pub struct Harness {
    /// The store.
    pub store: Box<dyn Store>,
    /// The coordinator acting.
    pub by: i64,
    /// Which backend.
    pub backend: Backend,
    file: Option<(tempfile::TempDir, PathBuf)>,
    site: Option<(Site, String)>,
}

impl Harness {
    /// A fresh harness on `backend`.
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let super::Setup {
                    _dir,
                    path,
                    store,
                    by,
                } = super::setup();
                Self {
                    store: Box::new(store),
                    by,
                    backend,
                    file: Some((_dir, path)),
                    site: None,
                }
            }
            Backend::Server => {
                let site = new_site();
                let login = site.add_user("nurse", SiteRole::Coordinator, "CPH");
                let store = site.open(&login);
                let by = store.login().id;
                Self {
                    store: Box::new(store),
                    by,
                    backend,
                    file: None,
                    site: Some((site, login)),
                }
            }
        }
    }

    /// The acting coordinator's name, as the trail and the log show it.
    pub fn coordinator_name(&self) -> String {
        self.store.coordinator(self.by).unwrap().name
    }

    /// Opens the store again on a clock that starts at `start` (a later day).
    pub fn reopen_at(&mut self, start: &str) {
        self.store = self.open_at(start);
    }

    /// A second handle on the same records (another process, another workstation).
    pub fn second_handle(&self) -> Box<dyn Store> {
        self.open_at("2026-11-23T09:00:00Z")
    }

    fn open_at(&self, start: &str) -> Box<dyn Store> {
        match (&self.file, &self.site) {
            (Some((_, path)), _) => Box::new(super::open_at(path, start).unwrap()),
            (None, Some((site, login))) => {
                let url = site.url(login, PASSWORD);
                let client = connect::connect(&url, &mut |_| Ok(None)).unwrap();
                let start: Timestamp = start.parse().unwrap();
                Box::new(
                    PgStore::open(
                        client,
                        url.to_string(),
                        Box::new(SteppingClock::new(start, 1, Offset::constant(1))),
                    )
                    .unwrap(),
                )
            }
            (None, None) => unreachable!("a harness has a file or a site"),
        }
    }

    /// Edits the records behind the store's back with plain SQL, as the file's owner or the
    /// server's superuser would (`{id}` is replaced by `id`), then reopens the store.
    pub fn tamper(&mut self, sql: &str) {
        match (&self.file, &self.site) {
            (Some((_, path)), _) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch(sql).unwrap();
            }
            (None, Some((site, _))) => {
                let mut admin = site.superuser();
                admin
                    .batch_execute(&format!("SET search_path TO prescreen; {sql}"))
                    .unwrap();
            }
            (None, None) => unreachable!("a harness has a file or a site"),
        }
        self.reopen_at("2026-11-23T09:00:00Z");
    }

    /// A repository fixture, its id moved to this harness's site when it names another (a
    /// server login writes its own site's records only).
    pub fn fixture(&self, name: &str) -> Screening {
        let mut screening = super::fixture(name);
        if self.backend == Backend::Server {
            screening.screening_id = screening.screening_id.replace("-TLS-", "-CPH-");
        }
        screening
    }
}
