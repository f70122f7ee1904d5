//! The web front: routes, forms, sessions, CSRF, pages.

mod auth;
pub mod csrf;
mod middleware;
pub mod pages;
mod routes;
pub mod session_store;

use actix_web::web;

pub use auth::CurrentUser;
pub use middleware::{access_log, security_headers};

use crate::db::Db;
use pages::PushClientConfig;

/// What every handler may need, shared across workers.
pub struct AppState {
    pub db: Db,
    pub push_client: PushClientConfig,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::configure(cfg);
}
