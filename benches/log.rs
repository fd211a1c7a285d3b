//! Benchmarks of the screening log and summary over 100 000 stored screenings.
fn main() {}
