//! Two workstations on one site server: a screening open in one window changes in the other;
//! within the poll interval the first window shows the change and says who made it — no
//! restart, no reload by hand. Synthetic candidates only.
#![cfg(test)]

mod ui_support;

use std::time::{Duration, Instant};

use prescreen::screening::Answer;
use ui_support::site::{new_site, window_on};
use ui_support::{click, click_log_row, key, select, start_candidate, switch_to};

#[test]
fn a_change_made_in_one_window_shows_in_the_other_with_who_made_it() {
    let site = new_site();
    let (anna, anna_url) = site.coordinator("anna", "TLS");
    let (_, ben_url) = site.coordinator("ben", "TLS");
    let (anna_data, ben_data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let mut first = window_on(&anna_url, anna_data.path());
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
    let mut second = window_on(&ben_url, ben_data.path());
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
