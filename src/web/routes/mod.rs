//! Every route of the app, grouped by what it serves.

mod account;
mod admin_system;
mod admin_users;
mod dashboard;
mod health;
mod notifications;
mod pusher_auth;
mod tasks;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::assets::configure(cfg);
    account::configure(cfg);
    admin_system::configure(cfg);
    admin_users::configure(cfg);
    dashboard::configure(cfg);
    health::configure(cfg);
    pusher_auth::configure(cfg);
    notifications::configure(cfg);
    tasks::configure(cfg);
}
