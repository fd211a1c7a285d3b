//! Trial definitions: the model, and loading RON text into it with errors a person can act on.

pub mod diff;
pub mod import;
pub mod load;
pub mod model;

pub use load::{LoadError, LoadedTrial, TrialSet, load_trial_file, load_trial_str};
pub use model::TrialDefinition;
