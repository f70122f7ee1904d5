//! Caretaker's integration tests, linked into one binary.
#![allow(clippy::unwrap_used)]

mod account;
mod browser;
mod dashboard;
mod demo;
mod frontend;
mod helpers;
mod locations;
mod task_list;
