//! The visit in the window: pre-screen, the clock moves to the visit, start the visit, answer
//! its items, re-confirm with single keys, enrol; and a botulinum injection reported at the
//! visit turns ELIGIBLE-to-be into NOT ELIGIBLE with its re-screen date.
#![cfg(test)]

mod ui_support;
use ui_support::*;

use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use jiff::civil::date;
use prescreen::app::PrescreenApp;
use prescreen::storage::ScreeningStatus;

/// The A-MUSE pre-screen answers of the male candidate: PRE-SCREEN PASSED.
fn pre_screen(harness: &mut Harness<'_, PrescreenApp>) {
    select(harness, 1);
    type_into(
        harness,
        "Classification documented in",
        "rheumatology letter 2019",
    );
    click(harness, "Confirm documented classification");
    select(harness, 7); // IN08
    key(harness, Key::Y);
    for index in 8..=11 {
        select(harness, index); // EX01–EX04
        key(harness, Key::N);
    }
    for index in [13, 14, 17] {
        select(harness, index); // EX06, EX07, EX10
        key(harness, Key::N);
    }
    assert_eq!(verdict(harness), "PRE-SCREEN PASSED");
}

/// The visit items: MHISS, Rodnan, mouth opening, consent, and the two judgements, named.
fn answer_the_visit_items(harness: &mut Harness<'_, PrescreenApp>) {
    select(harness, 2);
    type_into(harness, "MHISS score (points)", "24");
    select(harness, 3);
    type_into(harness, "Rodnan skin score on the face (points)", "1");
    select(harness, 4);
    type_into(harness, "Maximal mouth opening (mm)", "32");
    select(harness, 5);
    key(harness, Key::Y);
    select(harness, 6);
    // A bare judgement is refused: the investigator is named.
    key(harness, Key::Y);
    assert!(
        harness
            .state()
            .message()
            .is_some_and(|m| m.contains("judging investigator")),
        "{:?}",
        harness.state().message()
    );
    name_the_investigator(harness);
    key(harness, Key::Y);
    select(harness, 12);
    name_the_investigator(harness);
    key(harness, Key::N);
}

fn toggle_visit_view(harness: &mut Harness<'_, PrescreenApp>) {
    harness.key_press_modifiers(Modifiers::COMMAND, Key::I);
    harness.run_steps(3);
}

fn open(harness: &Harness<'_, PrescreenApp>) -> Vec<String> {
    harness
        .state()
        .workspace()
        .unwrap()
        .evaluation
        .visit
        .open_items()
}

/// Moves the screening to `status` from the log's actions, and says what the app said.
fn move_to(harness: &mut Harness<'_, PrescreenApp>, id: &str, caption: &str) -> String {
    harness
        .get_by_role_and_label(eframe::egui::accesskit::Role::Button, "Screening log")
        .click();
    harness.run_steps(2);
    settle(harness);
    click_log_row(harness, id);
    click(harness, caption);
    settle(harness);
    harness.state().message().unwrap_or_default().to_owned()
}

#[test]
fn pre_screen_then_the_visit_reconfirmed_with_single_keys_then_enrolled() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    pre_screen(&mut harness);
    move_to(&mut harness, &id, "Record verdict (pre-screened)");
    move_to(&mut harness, &id, "Approached");
    move_to(&mut harness, &id, "Consented");
    switch_to(&mut harness, "A-MUSE");
    // A week later, the candidate comes for the inclusion visit.
    harness.state_mut().set_today(date(2026, 11, 30));
    toggle_visit_view(&mut harness);
    click(&mut harness, "Start the visit");
    settle(&mut harness);
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(
        workspace.screening.visit_date,
        Some(date(2026, 11, 30)),
        "{:?}",
        harness.state().message()
    );
    assert!(
        harness
            .query_by_label_contains("Held on 2026-11-30")
            .is_some()
    );
    toggle_visit_view(&mut harness);
    answer_the_visit_items(&mut harness);
    assert_eq!(verdict(&harness), "ELIGIBLE");
    // A man: IN08, EX01–EX04, EX07 and EX10 to re-confirm (EX08, EX09 do not concern him).
    assert_eq!(open(&harness).len(), 7, "{:?}", open(&harness));
    assert!(
        harness
            .query_by_label_contains("ELIGIBLE — 7 answers to re-confirm at the inclusion visit")
            .is_some(),
        "the visit check is beside the verdict"
    );
    let refused = move_to(&mut harness, &id, "Enrolled");
    assert!(
        refused.contains("not enrolled while the visit check is open")
            && refused.contains("IN08 to re-confirm"),
        "{refused}"
    );
    switch_to(&mut harness, "A-MUSE");
    toggle_visit_view(&mut harness);
    // Each choice names its criterion for a screen reader; the first open one takes T / C.
    assert!(harness.query_by_label("IN08 still true").is_some());
    assert!(harness.query_by_label("IN08 changed").is_some());
    for _ in 0..7 {
        key(&mut harness, Key::T);
    }
    assert!(open(&harness).is_empty(), "{:?}", open(&harness));
    assert_eq!(verdict(&harness), "ELIGIBLE");
    assert!(harness.query_by_label("Nothing to re-confirm.").is_some());
    let every = &harness.state().workspace().unwrap().screening.answers;
    let reconfirmed = every
        .values()
        .filter_map(|e| e.reconfirmed)
        .filter(|r| r.on == date(2026, 11, 30) && !r.changed)
        .count();
    assert_eq!(reconfirmed, 7);
    let said = move_to(&mut harness, &id, "Enrolled");
    assert!(said.ends_with(": enrolled"), "{said}");
    assert_eq!(
        harness.state().workspace().unwrap().status,
        Some(ScreeningStatus::Enrolled)
    );
}

#[test]
fn an_injection_reported_at_the_visit_is_changed_and_excludes_with_its_rescreen_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    pre_screen(&mut harness);
    harness.state_mut().set_today(date(2026, 11, 30));
    toggle_visit_view(&mut harness);
    click(&mut harness, "Start the visit");
    settle(&mut harness);
    // IN08 and EX01 still true; EX02 (botulinum toxin) changed.
    key(&mut harness, Key::T);
    key(&mut harness, Key::T);
    assert_eq!(
        open(&harness).first().map(String::as_str),
        Some("EX02 to re-confirm")
    );
    key(&mut harness, Key::C);
    settle(&mut harness);
    // The answer opens for editing in the checklist.
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(workspace.selected, 9, "EX02 is selected");
    assert!(open(&harness).contains(&"EX02 changed: new answer awaited".to_owned()));
    type_into(&mut harness, "Last happened on", "2026-11-16");
    // A change to a recorded answer asks for a reason.
    type_into(
        &mut harness,
        "Reason",
        "injection on 16 November, reported at the visit",
    );
    settle(&mut harness);
    let workspace = harness.state().workspace().unwrap();
    let ex02 = workspace.screening.answers.get("EX02").unwrap();
    assert!(
        ex02.reconfirmed
            .is_some_and(|r| r.changed && !r.new_answer_awaited),
        "{ex02:?}"
    );
    assert_eq!(verdict(&harness), "NOT ELIGIBLE");
    assert_eq!(
        workspace.evaluation.rescreen_from,
        Some(date(2026, 12, 15)),
        "4 weeks after 2026-11-16, counted from the visit"
    );
    assert!(
        harness
            .query_by_label_contains("NOT ELIGIBLE — re-screen from 2026-12-15")
            .is_some()
    );
    assert!(!open(&harness).iter().any(|item| item.starts_with("EX02")));
}
