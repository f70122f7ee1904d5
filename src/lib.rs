//! Caretaker: facilities-management work orders with live notification badges.

pub mod channels;
pub mod push;
pub mod signing;
