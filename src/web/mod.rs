//! The web front: routes, forms, sessions, CSRF, pages.

mod auth;
pub mod csrf;
mod middleware;
pub mod pages;
mod routes;
pub mod session_store;

use std::sync::Arc;

use actix_web::web;

pub use auth::CurrentUser;
pub use middleware::{access_log, security_headers};

use crate::db::Db;
use crate::push::Push;
use pages::PushClientConfig;

/// What every handler may need, shared across workers.
pub struct AppState {
    pub db: Db,
    pub push: Arc<dyn Push>,
    pub push_client: PushClientConfig,
}

impl AppState {
    /// Closes the live connections of a user whose account was just
    /// deactivated. A failure is logged: their sessions are already gone.
    pub async fn on_user_deactivated(&self, user_id: i64) {
        let user_id = user_id.to_string();
        if let Err(error) = self.push.terminate_user_connections(&user_id).await {
            tracing::warn!(%error, "cannot close a deactivated user's connections");
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::configure(cfg);
    cfg.default_service(web::to(not_found));
}

async fn not_found() -> crate::error::AppResult<actix_web::HttpResponse> {
    Err(crate::error::AppError::NotFound)
}
