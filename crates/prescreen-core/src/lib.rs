//! The rules of prescreen, with no storage, no cryptography and no user interface.
//!
//! Data flows one way: trial file → model ([`trial`]) → checks ([`validation`]) → evaluation
//! ([`eligibility`], pure and deterministic; [`calculators`]) → the screening's life
//! ([`lifecycle`]: statuses, what a change needs) → counts ([`sear`]). Stores, the PDF and
//! the two front doors (window, command line) build on this crate and decide nothing of their
//! own.

pub mod calculators;
pub mod decimal_text;
pub mod eligibility;
pub mod io_error;
pub mod lifecycle;
pub mod partial_date;
pub mod roles;
pub mod ron_path;
pub mod screening;
pub mod screening_file;
pub mod sear;
pub mod trial;
pub mod validation;
pub mod visit;
