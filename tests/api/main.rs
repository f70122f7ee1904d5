#![allow(clippy::unwrap_used)]

mod account;
mod helpers;
