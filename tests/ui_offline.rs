//! The site server goes away in the middle of a session: the window says so in a banner,
//! keeps what was entered, retries, and saves everything — in order, exactly once — when the
//! server is back; the chain verifies. The cluster is stopped for real (its own test binary:
//! stopping it would break any other test sharing it). Synthetic candidates only.
#![cfg(test)]

mod ui_support;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use prescreen::app::PrescreenApp;
use prescreen::screening::Answer;
use prescreen::storage::pg::DatabaseUrl;
use prescreen::storage::{PgStore, Store};
use ui_support::pg_cluster::cluster;
use ui_support::site::{new_site, window_on};
use ui_support::{select, settle, start_candidate, switch_to};

/// Draws frames until `done` holds (the worker reports in the background), at most `limit`.
fn frames_until(
    harness: &mut egui_kittest::Harness<'_, PrescreenApp>,
    limit: Duration,
    done: impl Fn(&PrescreenApp) -> bool,
) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        harness.run_steps(1);
        if done(harness.state()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn edits_made_while_the_server_is_down_are_saved_once_when_it_is_back() {
    let (_, url) = new_site().coordinator("offline", "TLS");
    let data = tempfile::tempdir().unwrap();
    let mut harness = window_on(&url, data.path());
    switch_to(&mut harness, "A-MUSE");
    start_candidate(&mut harness);
    let id = harness
        .state()
        .workspace()
        .unwrap()
        .screening
        .screening_id
        .clone();

    cluster().stop();
    // Two answers given while the server is down: the window stays live and says why.
    for index in [5, 7] {
        select(&mut harness, index);
        harness.key_press(eframe::egui::Key::Y);
        harness.run_steps(2);
    }
    assert!(
        frames_until(&mut harness, Duration::from_secs(20), |app| app
            .offline()
            .is_some()),
        "no offline banner; message {:?}",
        harness.state().message()
    );
    assert!(
        harness
            .query_by_label_contains("The site server cannot be reached")
            .is_some()
    );
    assert!(harness.state().is_busy(), "the two saves are waiting");

    cluster().start();
    assert!(
        frames_until(&mut harness, Duration::from_secs(30), |app| app
            .offline()
            .is_none()),
        "the banner stayed after the server came back"
    );
    settle(&mut harness);
    assert!(!harness.state().is_busy());
    let answers = &harness.state().workspace().unwrap().screening.answers;
    assert_eq!(answers.get("IN06").map(|e| &e.answer), Some(&Answer::Yes));
    assert_eq!(answers.get("IN08").map(|e| &e.answer), Some(&Answer::Yes));

    // On the server: each answer exactly once, nothing else, and the chain verifies.
    let store = PgStore::connect(&DatabaseUrl::parse(&url).unwrap(), &mut |_| Ok(None)).unwrap();
    let stored = store.load_screening(&id).unwrap();
    assert_eq!(stored.screening.answers["IN06"].answer, Answer::Yes);
    assert_eq!(stored.screening.answers["IN08"].answer, Answer::Yes);
    let history = store.screening_history(&id).unwrap();
    for criterion in ["IN06", "IN08"] {
        let saves = history
            .iter()
            .filter(|e| e.target.as_deref() == Some(criterion))
            .count();
        assert_eq!(saves, 1, "{criterion} saved {saves} times");
    }
    let report = store.verify_audit_chain().unwrap();
    assert!(
        report.is_intact() && report.records.is_empty(),
        "{report:?}"
    );
}
