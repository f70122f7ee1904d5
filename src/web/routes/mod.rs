//! Every route of the app, grouped by what it serves.

mod account;
mod admin_locations;
mod dashboard;
mod health;
mod task_list;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::assets::configure(cfg);
    account::configure(cfg);
    dashboard::configure(cfg);
    health::configure(cfg);
    admin_locations::configure(cfg);
    task_list::configure(cfg);
}
