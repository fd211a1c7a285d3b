//! An amendment in the window: a screening answered against A-MUSE 1.2.0, opened from the log
//! once 1.3.0 is loaded, is offered to move across; moving keeps the unchanged answers, opens
//! the changed ones, and the trail records one event. Synthetic candidates only.
#![cfg(test)]

mod common;
mod ui_support;

use egui_kittest::kittest::Queryable;
use prescreen::screening::{Answer, CriterionEntry};
use prescreen::storage::{SqliteStore, Store};
use ui_support::{click, click_log_row, harness_with_trials, save_profile, settle};

#[test]
fn a_screening_on_the_old_version_is_offered_the_move_and_moves() {
    let data = tempfile::tempdir().unwrap();
    let trials = tempfile::tempdir().unwrap();
    // A screening on 1.2.0, made before 1.3.0 is loaded.
    let id = {
        let mut harness = ui_support::harness(data.path());
        save_profile(&mut harness);
        drop(harness);
        let mut store = SqliteStore::open(&data.path().join("prescreen.sqlite3")).unwrap();
        let by = store.current_coordinator().unwrap().unwrap().id;
        let fixture = common::fixture("a-muse-incomplete.ron");
        let text = std::fs::read_to_string(&fixture).unwrap();
        let mut screening =
            prescreen::screening_file::screening_from_str(&text, "fixture").unwrap();
        screening.screening_id.clear();
        let current = prescreen::trial::TrialSet::built_in()
            .latest("a-muse")
            .cloned()
            .unwrap();
        let id = store.import_screening(&current, &screening, by).unwrap();
        store
            .set_answer(
                &id,
                "IN08",
                Some(&CriterionEntry::new(Answer::Yes)),
                by,
                None,
            )
            .unwrap();
        id
    };
    common::amended_a_muse(trials.path());
    let mut harness = harness_with_trials(data.path(), vec![trials.path().to_path_buf()]);
    harness.run_steps(2);
    settle(&mut harness);
    click(&mut harness, "Screening log");
    click_log_row(&mut harness, &id);
    click(&mut harness, "Open");
    let offer = harness
        .state()
        .move_offer()
        .cloned()
        .expect("the move is offered");
    assert_eq!((offer.from.as_str(), offer.to.as_str()), ("1.2.0", "1.3.0"));
    click(&mut harness, "Move to 1.3.0");
    settle(&mut harness);
    let said = harness.state().message().unwrap_or_default().to_owned();
    assert!(said.contains("moved from 1.2.0 to 1.3.0"), "{said}");
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(workspace.screening.screening_id, id);
    assert_eq!(workspace.screening.trial.version, "1.3.0");
    assert!(workspace.screening.answers.contains_key("IN08"));
    assert!(harness.query_by_label("Move to 1.3.0").is_none());
    drop(harness);
    let store = SqliteStore::open(&data.path().join("prescreen.sqlite3")).unwrap();
    let history = store.screening_history(&id).unwrap();
    assert_eq!(history.last().unwrap().action, "definition_moved");
    assert!(store.verify_audit_chain().unwrap().is_intact());
}
