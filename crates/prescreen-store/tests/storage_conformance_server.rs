//! The store conformance suite (`conformance/`) on the PostgreSQL site server, a throw-away cluster the test starts.
#![cfg(test)]

mod common;
mod conformance;

use common::harness::{Backend, Harness};

conformance_tests!(Backend::Server);
