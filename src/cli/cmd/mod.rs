//! One file per command: each takes its parsed arguments and the [`super::context::Context`],
//! calls the library, and prints through [`super::output`].

pub mod amend;
pub mod answer;
pub mod audit;
pub mod backup;
pub mod coordinator;
pub mod countersign;
pub mod evaluate;
pub mod export;
pub mod identity;
pub mod import;
pub mod log;
pub mod new;
pub mod settings;
pub mod show;
pub mod signers;
pub mod site;
pub mod status;
pub mod trials;
pub mod validate;
pub mod verify;
pub mod visit;
