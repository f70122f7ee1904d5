//! Every route of the app, grouped by what it serves.

mod account;
mod admin_locations;
mod admin_system;
mod admin_users;
mod dashboard;
mod health;
mod notifications;
mod pusher_auth;
mod task_list;
mod tasks;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::assets::configure(cfg);
    account::configure(cfg);
    admin_locations::configure(cfg);
    admin_system::configure(cfg);
    admin_users::configure(cfg);
    dashboard::configure(cfg);
    health::configure(cfg);
    notifications::configure(cfg);
    pusher_auth::configure(cfg);
    task_list::configure(cfg);
    tasks::configure(cfg);
}
