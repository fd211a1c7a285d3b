//! What a screen reader gets from the window's AccessKit tree (issue: a screen-reader user can
//! screen a candidate): every focusable control has a name, no choice is named only "Yes",
//! "No" or "?" without its question, the log's filters are named. The counts are printed for
//! the record.
#![cfg(test)]

mod ui_support;
use ui_support::*;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use prescreen::app::PrescreenApp;

/// (nodes, focusable nodes without a name, radio buttons named only by their choice)
fn census(harness: &Harness<'_, PrescreenApp>) -> (usize, Vec<String>, Vec<String>) {
    use eframe::egui::accesskit::{Action, Role};
    let mut nodes = 0;
    let mut unnamed = Vec::new();
    let mut bare_choices = Vec::new();
    for node in harness.root().children_recursive() {
        nodes += 1;
        let ak = node.accesskit_node();
        let name = ak.label().or_else(|| ak.value()).unwrap_or_default();
        let focusable = ak.data().supports_action(Action::Focus);
        if focusable && name.trim().is_empty() {
            unnamed.push(format!("{:?}", ak.role()));
        }
        if ak.role() == Role::RadioButton
            && ["Yes", "No", "?", "Unknown", "Not recorded"].contains(&name.as_str())
        {
            bare_choices.push(name.clone());
        }
    }
    (nodes, unnamed, bare_choices)
}

#[test]
fn every_focusable_control_is_named_and_every_choice_names_its_question() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Initials", "QX");
    type_into(&mut harness, "Date of birth", "1968-03-14");
    click(&mut harness, "Sex: Female"); // the pregnancy and breastfeeding choices show
    click(&mut harness, "Start screening");
    select(&mut harness, 1); // IN02 with the SSc calculator open
    click(&mut harness, "2013 ACR/EULAR SSc criteria calculator");
    let (nodes, unnamed, bare) = census(&harness);
    eprintln!(
        "screening view with the SSc calculator: {nodes} nodes, {} focusable without a name {unnamed:?}, {} choices named only by their answer",
        unnamed.len(),
        bare.len()
    );
    // Tab stops in one cycle through the screening view (printed for the record).
    let mut seen = Vec::new();
    for _ in 0..400 {
        harness.key_press(eframe::egui::Key::Tab);
        harness.run_steps(1);
        let focused = harness
            .root()
            .children_recursive()
            .find(|n| n.is_focused())
            .map(|n| n.accesskit_node().id());
        match focused {
            Some(id) if seen.contains(&id) => break,
            Some(id) => seen.push(id),
            None => {}
        }
    }
    eprintln!("Tab stops in one cycle: {}", seen.len());
    click(&mut harness, "Screening log");
    let (log_nodes, log_unnamed, _) = census(&harness);
    eprintln!(
        "log: {log_nodes} nodes, {} focusable without a name {log_unnamed:?}",
        log_unnamed.len()
    );
    assert!(unnamed.is_empty(), "{unnamed:?}");
    assert!(bare.is_empty(), "{bare:?}");
    assert!(log_unnamed.is_empty(), "{log_unnamed:?}");
}

#[test]
fn a_log_row_is_reached_and_opened_from_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    click(&mut harness, "New candidate");
    click(&mut harness, "Screening log");
    let name = format!("{id} a-muse 2026-11-23 draft INCOMPLETE");
    harness
        .get_by_role_and_label(eframe::egui::accesskit::Role::Button, &name)
        .focus();
    harness.run_steps(2);
    assert_eq!(
        harness.state().log_selection(),
        Some(id.as_str()),
        "focus selects the row"
    );
    key(&mut harness, eframe::egui::Key::Enter);
    settle(&mut harness);
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(workspace.screening.screening_id, id, "Enter opened it");
}

#[test]
fn the_verdict_is_a_live_heading_the_sections_are_headings_and_the_window_names_the_screening() {
    use eframe::egui::accesskit::{Live, Role};
    let dir = tempfile::tempdir().unwrap();
    let harness = a_muse_screening_started(dir.path());
    let id = screening_id(&harness);
    assert_eq!(
        harness.state().title(),
        format!("{id} — A-MUSE — prescreen")
    );
    let live: Vec<String> = harness
        .root()
        .children_recursive()
        .filter(|n| {
            let node = n.accesskit_node();
            node.role() == Role::Heading && node.live() == Live::Polite
        })
        .map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value()).unwrap_or_default()
        })
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert!(live[0].starts_with("INCOMPLETE"), "{live:?}");
    let headings: Vec<String> = harness
        .root()
        .children_recursive()
        .filter(|n| n.accesskit_node().role() == Role::Heading)
        .map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value()).unwrap_or_default()
        })
        .collect();
    for heading in ["Candidate", "Criteria", "Inclusion", "Exclusion"] {
        assert!(
            headings.iter().any(|h| h == heading),
            "{heading}: {headings:?}"
        );
    }
}

#[test]
fn criteria_are_list_items_with_their_full_text_status_word_and_selection() {
    use eframe::egui::accesskit::Role;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 5); // IN06
    key(&mut harness, eframe::egui::Key::Y);
    let items: Vec<(String, Option<bool>)> = harness
        .root()
        .children_recursive()
        .filter(|n| n.accesskit_node().role() == Role::ListItem)
        .map(|n| {
            let node = n.accesskit_node();
            (node.label().unwrap_or_default(), node.is_selected())
        })
        .collect();
    let in06 = items
        .iter()
        .find(|(name, _)| name.starts_with("IN06"))
        .unwrap_or_else(|| panic!("{items:?}"));
    assert_eq!(
        in06.0,
        "IN06 met, at the visit: Patient must have provided written informed consent prior to enrolment,"
    );
    assert_eq!(in06.1, Some(true));
    assert!(
        items.iter().filter(|(_, s)| *s == Some(true)).count() == 1,
        "one selected: {items:?}"
    );
    assert!(
        items.iter().all(|(name, _)| !name.contains('…')),
        "names are never cut: {items:?}"
    );
}

#[test]
fn a_refused_field_is_invalid_and_its_message_is_its_description() {
    use eframe::egui::accesskit::{Invalid, Role};
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path());
    save_profile(&mut harness);
    switch_to(&mut harness, "A-MUSE");
    type_into(&mut harness, "Date of birth", "14/03/68");
    let field = harness.get_by_role_and_label(Role::TextInput, "Date of birth");
    let node = field.accesskit_node();
    assert_eq!(node.data().invalid(), Some(Invalid::True));
    assert_eq!(
        node.description().as_deref(),
        Some("\"14/03/68\": write the year in full (1968 or 2068?)")
    );
}

#[test]
fn focus_moves_into_a_dialog_and_back_to_what_opened_it() {
    use eframe::egui::Key;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    answer_a_muse_to_eligible(&mut harness);
    click(&mut harness, "Sign & export…");
    harness.run_steps(2);
    assert!(
        harness.get_by_label("Sign (settled verdict)").is_focused(),
        "the dialog takes the focus"
    );
    // The dialog is a named, modal dialog (not an unnamed container).
    let dialogs: Vec<_> = harness
        .root()
        .children_recursive()
        .filter(|n| n.accesskit_node().role() == eframe::egui::accesskit::Role::Dialog)
        .map(|n| {
            let node = n.accesskit_node();
            (node.label().unwrap_or_default(), node.is_modal())
        })
        .collect();
    assert_eq!(dialogs.len(), 1, "{dialogs:?}");
    assert!(dialogs[0].0.starts_with("Sign & export AM-"), "{dialogs:?}");
    assert!(dialogs[0].1, "the dialog is modal: {dialogs:?}");
    key(&mut harness, Key::Escape);
    harness.run_steps(2);
    assert!(harness.state().sign_dialog().is_none());
    assert!(
        harness.get_by_label("Sign & export…").is_focused(),
        "the focus returns to the button that opened it"
    );
    // Cancelling a reason puts the focus back in the field the change was typed into.
    key(&mut harness, Key::Escape); // the focus leaves the button
    select(&mut harness, 4);
    type_into(&mut harness, "Maximal mouth opening (mm)", "35");
    let reason_dialog = harness
        .root()
        .children_recursive()
        .find(|n| n.accesskit_node().role() == eframe::egui::accesskit::Role::Dialog)
        .map(|n| n.accesskit_node().label().unwrap_or_default());
    assert_eq!(reason_dialog.as_deref(), Some("Reason for change"));
    key(&mut harness, Key::Escape);
    harness.run_steps(2);
    assert!(field(&harness, "Maximal mouth opening (mm)").is_focused());
}

/// The focused node's name, if any node has the focus.
fn focused_name(harness: &Harness<'_, PrescreenApp>) -> Option<String> {
    harness
        .root()
        .children_recursive()
        .find(|n| n.is_focused())
        .map(|n| n.accesskit_node().label().unwrap_or_default())
}

#[test]
fn after_start_and_after_enter_in_a_value_the_focus_is_on_the_criterion_not_the_window() {
    use eframe::egui::Key;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    harness.run_steps(2);
    let focused = focused_name(&harness).unwrap_or_default();
    assert!(
        focused.starts_with("IN01 "),
        "after Start the first criterion has the focus, not the window: {focused:?}"
    );
    // A value taken with Enter: the keyboard is back on that criterion's row.
    select(&mut harness, 4); // IN05 mouth opening
    type_into(&mut harness, "Maximal mouth opening (mm)", "35");
    settle(&mut harness);
    let focused = focused_name(&harness).unwrap_or_default();
    assert!(
        focused.starts_with("IN05 met"),
        "after Enter the criterion's row has the focus: {focused:?}"
    );
    // A value refused with Enter keeps the focus in its field, the message its description.
    select(&mut harness, 3); // IN04: whole points only
    let label = "Rodnan skin score on the face (points)";
    type_into(&mut harness, label, "1.5");
    settle(&mut harness);
    assert!(
        field(&harness, label).is_focused(),
        "a refused value keeps the focus in its field"
    );
    // On a focused row, J moves the selection and the focus with it.
    key(&mut harness, Key::Escape);
    harness
        .get(
            egui_kittest::kittest::By::new()
                .role(eframe::egui::accesskit::Role::ListItem)
                .label_contains("IN04 "),
        )
        .focus();
    harness.run_steps(2);
    key(&mut harness, Key::J);
    harness.run_steps(2);
    let focused = focused_name(&harness).unwrap_or_default();
    assert!(focused.starts_with("IN05 "), "{focused:?}");
    assert_eq!(harness.state().workspace().unwrap().selected, 4);
}

#[test]
fn a_recorded_answer_is_announced_in_a_live_status_line() {
    use eframe::egui::accesskit::Live;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = a_muse_screening_started(dir.path());
    select(&mut harness, 5); // IN06 consent
    key(&mut harness, eframe::egui::Key::Y);
    let line = harness.get_by_label("Saved: IN06 met");
    assert_eq!(line.accesskit_node().live(), Live::Polite);
}
