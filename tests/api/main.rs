//! Caretaker's integration tests, linked into one binary.
#![allow(clippy::unwrap_used)]

mod account;
mod browser;
mod frontend;
mod helpers;
mod task_list;
