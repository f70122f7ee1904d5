//! Caretaker's integration tests, linked into one binary.
#![allow(clippy::unwrap_used)]

mod browser;
mod frontend;
