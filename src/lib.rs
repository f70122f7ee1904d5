//! Caretaker: facilities-management work orders with live notification badges.

pub mod accounts;
pub mod assets;
pub mod channels;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod locations;
pub mod notify;
pub mod push;
pub mod secrets;
pub mod signing;
pub mod startup;
pub mod tasks;
pub mod telemetry;
pub mod web;
