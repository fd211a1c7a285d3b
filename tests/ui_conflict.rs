//! Two people on one screening: a save based on what this window showed, after someone else
//! changed the screening, is refused — the window shows the stored state, keeps the change
//! beside it, and re-applies it on request (asking for the reason a change needs). Never
//! last-write-wins, nothing typed lost. The other person is a second handle on the same
//! SQLite file, as a second process would be. Synthetic candidates only.
#![cfg(test)]

mod ui_support;

use egui_kittest::kittest::Queryable;
use prescreen::screening::{Answer, CriterionEntry};
use prescreen::storage::{SqliteStore, Store, StoreError};
use ui_support::{a_muse_screening_started, click, key, screening_id, select, type_into};

/// Another process (a second handle on the same file) answers `criterion` of `id` behind the
/// window's back; returns that handle and its coordinator.
fn someone_else_answers(
    dir: &std::path::Path,
    id: &str,
    criterion: &str,
    answer: Answer,
) -> (SqliteStore, i64) {
    let mut other = SqliteStore::open(&dir.join("prescreen.sqlite3")).unwrap();
    let them = other.current_coordinator().unwrap().unwrap().id;
    other.load_screening(id).unwrap();
    other
        .set_answer(
            id,
            criterion,
            Some(&CriterionEntry::new(answer)),
            them,
            None,
        )
        .unwrap();
    (other, them)
}

#[test]
fn a_stale_save_shows_their_state_and_keeps_mine_to_re_apply() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);

    // Someone else answers IN06 (the window has not seen it).
    let (mut other, them) = someone_else_answers(dir.path(), &id, "IN06", Answer::No);

    // This window answers IN06 Yes: refused, their No shown, my Yes kept beside it.
    select(&mut harness, 5);
    key(&mut harness, eframe::egui::Key::Y);
    let message = harness.state().message().unwrap_or_default().to_owned();
    assert!(
        message.contains("Not saved") && message.contains("changed"),
        "{message:?} shown {:?} stored {:?} v{}",
        harness
            .state()
            .workspace()
            .unwrap()
            .screening
            .answers
            .get("IN06")
            .map(|e| &e.answer),
        other
            .load_screening(&id)
            .unwrap()
            .screening
            .answers
            .get("IN06")
            .map(|e| e.answer.clone()),
        other.load_screening(&id).unwrap().version,
    );
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(workspace.screening.answers["IN06"].answer, Answer::No);
    let kept = workspace.conflict.clone().expect("the change is kept");
    assert_eq!(kept.entry.map(|e| e.answer), Some(Answer::Yes));
    assert!(harness.query_by_label("Re-apply my change").is_some());
    let stored = other.load_screening(&id).unwrap();
    assert_eq!(stored.screening.answers["IN06"].answer, Answer::No);

    let before = stored.version;
    // Re-applied on top of theirs: a change of an answered criterion asks for its reason.
    click(&mut harness, "Re-apply my change");
    type_into(&mut harness, "Reason", "patient confirmed the consent form");
    let stored = other.load_screening(&id).unwrap();
    assert_eq!(stored.screening.answers["IN06"].answer, Answer::Yes);
    assert!(harness.state().workspace().unwrap().conflict.is_none());
    let history = other.screening_history(&id).unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.reason.as_deref() == Some("patient confirmed the consent form"))
    );

    // A handle still based on the state before the re-applied change is now the stale one.
    other.base_on(&id, before);
    let stale = other.set_answer(
        &id,
        "IN08",
        Some(&CriterionEntry::new(Answer::Yes)),
        them,
        None,
    );
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    assert!(other.verify_audit_chain().unwrap().is_intact());
}

#[test]
fn letting_my_change_go_keeps_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    let (other, _) = someone_else_answers(dir.path(), &id, "IN08", Answer::Yes);
    select(&mut harness, 7);
    key(&mut harness, eframe::egui::Key::N);
    assert!(harness.state().workspace().unwrap().conflict.is_some());
    click(&mut harness, "Keep the stored answer");
    let workspace = harness.state().workspace().unwrap();
    assert!(workspace.conflict.is_none());
    assert_eq!(workspace.screening.answers["IN08"].answer, Answer::Yes);
    assert_eq!(
        other.load_screening(&id).unwrap().screening.answers["IN08"].answer,
        Answer::Yes
    );
}

#[test]
fn a_stale_candidate_edit_keeps_what_was_typed_and_saves_on_top() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    let (other, _) = someone_else_answers(dir.path(), &id, "IN08", Answer::Yes);

    // The initials typed here (a change: its reason asked first) are refused as stale, and
    // kept in the form.
    type_into(&mut harness, "Initials", "QY");
    type_into(&mut harness, "Reason", "typo in the initials");
    let said = harness.state().message().unwrap_or_default().to_owned();
    assert!(
        said.contains("Not saved") && said.contains("kept"),
        "{said}"
    );
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(workspace.candidate_form.initials, "QY");
    assert_eq!(
        workspace.screening.answers["IN08"].answer,
        Answer::Yes,
        "their change shown"
    );
    assert_eq!(
        other
            .load_screening(&id)
            .unwrap()
            .screening
            .candidate
            .initials,
        "QX"
    );
    // Saved again, on top of theirs (a changed field asks for its reason).
    type_into(&mut harness, "Initials", "QY");
    type_into(&mut harness, "Reason", "typo in the initials");
    assert_eq!(
        other
            .load_screening(&id)
            .unwrap()
            .screening
            .candidate
            .initials,
        "QY"
    );
}
