//! The store conformance suite (`conformance/`) on the embedded SQLite file.
#![cfg(test)]

mod common;
mod conformance;

use common::harness::{Backend, Harness};

conformance_tests!(Backend::Sqlite);
