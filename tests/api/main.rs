//! The integration tests, in one binary that links once.
// Tests state their expectations with unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod channels;
mod channels_support;
