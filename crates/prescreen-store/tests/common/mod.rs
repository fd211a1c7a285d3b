//! Helpers the store's integration tests share: a store on a stepping clock in a temporary
//! folder, the built-in trials, the repository's synthetic fixtures.
#![cfg(test)]
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::Offset;
use prescreen_core::screening::Screening;
use prescreen_core::screening_file::screening_from_str;
use prescreen_core::trial::load::{LoadedTrial, TrialSet};
use prescreen_store::clock::SteppingClock;
use prescreen_store::sqlite::Durability;
use prescreen_store::{NewCoordinator, SqliteStore, Store, StoreError};

#[path = "../support/amendment.rs"]
pub mod amendment;
pub mod harness;
pub mod pg;
#[path = "../support/pg_cluster.rs"]
pub mod pg_cluster;

pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
    open_at(path, "2026-11-23T09:00:00Z")
}

/// The store on a clock that starts at `start` (a later day: the candidate's visit).
pub fn open_at(path: &Path, start: &str) -> Result<SqliteStore, StoreError> {
    let start: Timestamp = start.parse().unwrap();
    SqliteStore::open_with(
        path,
        Box::new(SteppingClock::new(start, 1, Offset::constant(1))),
        Durability::PowerLoss,
    )
}

pub fn trial(id: &str) -> LoadedTrial {
    TrialSet::built_in().latest(id).cloned().unwrap()
}

pub fn fixture(name: &str) -> Screening {
    let path = format!(
        "{}/../../tests/fixtures/{name}.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    screening_from_str(&std::fs::read_to_string(&path).unwrap(), &path).unwrap()
}

pub struct Setup {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub store: SqliteStore,
    pub by: i64,
}

pub fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prescreen.sqlite3");
    let mut store = open(&path).unwrap();
    let by = store
        .save_coordinator(&NewCoordinator {
            name: "Synthetic Coordinator".to_owned(),
            role: "study nurse".to_owned(),
            site_code: "cph".to_owned(),
        })
        .unwrap()
        .id;
    store.set_current_coordinator(by).unwrap();
    Setup {
        _dir: dir,
        path,
        store,
        by,
    }
}

/// A synthetic candidate on 2026-11-23 (the crash and load tests' writers start one after
/// another).
pub fn synthetic_candidate() -> prescreen_store::NewScreening {
    prescreen_store::NewScreening {
        site_code: None,
        candidate: prescreen_core::screening::Candidate {
            initials: "ZZ".to_owned(),
            date_of_birth: Some(jiff::civil::Date::constant(1970, 1, 1)),
            sex: Some(prescreen_core::screening::Sex::Female),
            childbearing_potential: Some(false),
            pregnant: Some(false),
            breastfeeding: Some(false),
        },
        prescreening_date: jiff::civil::Date::constant(2026, 11, 23),
        planned_visit_date: None,
        rescreen_of: None,
    }
}
