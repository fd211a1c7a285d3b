//! A site server for a test: a fresh database in the test process's throw-away cluster, set
//! up with `site init`, and logins added as `site add-user` adds them. Role names are
//! cluster-wide, so every login carries its database's name.

use jiff::Timestamp;
use jiff::tz::Offset;
use prescreen_store::PgStore;
use prescreen_store::clock::SteppingClock;
use prescreen_store::pg::connect::{self, DatabaseUrl};
use prescreen_store::pg::site::{self, SiteRole};

use super::pg_cluster::cluster;

/// Every test login's password (synthetic).
pub const PASSWORD: &str = "synthetic-login-password";

/// One database set up for prescreen.
pub struct Site {
    /// The database's name.
    pub database: String,
}

/// A fresh database, set up by the superuser with `site init`.
pub fn new_site() -> Site {
    let database = cluster().fresh_database();
    let mut client = cluster().superuser_client(&database);
    site::site_init(&mut client, "test cluster").unwrap();
    Site { database }
}

impl Site {
    /// Adds a login (its name made unique in the cluster) and returns the name.
    pub fn add_user(&self, base: &str, role: SiteRole, site_code: &str) -> String {
        let name = format!("{base}_{}", self.database);
        let mut client = cluster().superuser_client(&self.database);
        site::add_user(
            &mut client,
            "test cluster",
            &name,
            role,
            site_code,
            PASSWORD,
        )
        .unwrap();
        name
    }

    /// The URL a workstation uses: TLS with the cluster's certificate checked (verify-full).
    pub fn url(&self, login: &str, password: &str) -> DatabaseUrl {
        DatabaseUrl::parse(&format!(
            "postgresql://{login}:{password}@localhost:{}/{}?sslmode=verify-full&sslrootcert={}",
            cluster().port(),
            self.database,
            cluster().root_cert_path().display()
        ))
        .unwrap()
    }

    /// The login's store, on a stepping clock as the embedded tests use.
    pub fn open(&self, login: &str) -> PgStore {
        let url = self.url(login, PASSWORD);
        let client = connect::connect(&url, &mut |_| Ok(None)).unwrap();
        let start: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        PgStore::open(
            client,
            url.to_string(),
            Box::new(SteppingClock::new(start, 1, Offset::constant(1))),
        )
        .unwrap()
    }

    /// The superuser, for what no login may do (the tamper tests).
    pub fn superuser(&self) -> postgres::Client {
        cluster().superuser_client(&self.database)
    }

    /// A plain connection as a login, for SQL the store never sends.
    pub fn raw_login(&self, login: &str) -> postgres::Client {
        connect::connect(&self.url(login, PASSWORD), &mut |_| Ok(None)).unwrap()
    }
}
