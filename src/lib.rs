//! prescreen: eligibility pre-screening for clinical trials.
//!
//! Data flows one way: trial file → model → evaluation → record → report. The library has no
//! UI dependency; the command line (and the desktop app) are thin front doors onto it.

pub mod app;
pub mod calculators;
pub mod cli;
pub mod cli_pdf;
pub mod cli_records;
pub mod decimal_text;
pub mod eligibility;
pub mod export;
pub mod partial_date;
pub mod report;
pub mod ron_path;
pub mod screening;
pub mod screening_file;
pub mod signing;
pub mod storage;
pub mod trial;
pub mod validation;
