//! Benchmarks of the core: loading both trials, evaluating a full screening.
fn main() {}
