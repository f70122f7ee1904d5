//! Caretaker's integration tests, linked into one binary.
// Tests state their expectations with unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod account;
mod admin;
mod bench_smoke;
mod browser;
mod channels;
mod channels_support;
mod cli;
mod dashboard;
mod demo;
mod frontend;
mod helpers;
mod live_badge;
mod locations;
mod notifications;
mod push_auth;
mod task_list;
mod tasks;
