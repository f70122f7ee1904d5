//! Caretaker's integration tests, linked into one binary.
// Tests state their expectations with unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod account;
mod browser;
mod channels;
mod frontend;
mod helpers;
