//! Every route of the app, grouped by what it serves.

mod account;
mod dashboard;
mod health;
mod notifications;
mod tasks;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::assets::configure(cfg);
    account::configure(cfg);
    dashboard::configure(cfg);
    health::configure(cfg);
    notifications::configure(cfg);
    tasks::configure(cfg);
}
