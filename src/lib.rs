//! prescreen's two front doors — the desktop window ([`app`]) and the command line ([`cli`]) —
//! and the one path from a stored screening to a written PDF ([`export`]).
//!
//! The rules live in `prescreen-core`, the records in `prescreen-store`, the PDF and its
//! signature in `prescreen-pdf`; they are re-exported here under their familiar names.

pub mod app;
pub mod cli;
pub mod export;
pub mod settings;
pub mod verification;

pub use prescreen_core::{
    calculators, decimal_text, eligibility, io_error, lifecycle, partial_date, roles, ron_path,
    screening, screening_file, sear, trial, validation, visit,
};
pub use prescreen_pdf::{report, signing};
pub use prescreen_store as storage;
