//! One panel per file, each with a `ui` function that draws state and pushes
//! [`super::Command`]s; none writes to the store.

pub mod candidate;
pub mod checklist;
pub mod conflict;
pub mod criterion;
pub mod fields;
pub mod library;
pub mod page_preview;
pub mod profile;
pub mod review;
pub mod screenings;
pub mod sign_dialog;
pub mod trial_bar;
pub mod verdict;
pub mod visit;
