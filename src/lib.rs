//! Caretaker: facilities-management work orders with live notification badges.

pub mod signing;
