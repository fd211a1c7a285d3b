//! The screening summary as a PDF: [`report`] renders (input and clock in, bytes out, no I/O),
//! [`signing`] signs and verifies (bytes in, bytes out) and keeps the signing identity.

pub mod report;
pub mod signing;
