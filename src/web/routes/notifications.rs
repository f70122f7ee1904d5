//! The user's notifications page and the unread count the badge asks for.

use actix_session::Session;
use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::error::AppResult;
use crate::notify::{list_notifications, live, mark_all_read, unread_status, Notification};
use crate::web::pages::{render, Layout};
use crate::web::{AppState, CurrentUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(notifications).service(unread_count);
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    notifications: Vec<Notification>,
}

/// Lists the newest notifications, then marks them all read: seeing the
/// list is reading it.
#[get("/notifications")]
async fn notifications(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let notifications = list_notifications(&state.db.pool, user.id()).await?;
    let changed = mark_all_read(&state.db.pool, user.id()).await?;
    if !changed.is_empty() {
        tracing::info!(user.id = user.id(), "notifications read");
        live::deliver_read(&state.db.pool, &state.push, user.id());
    }

    let layout = Layout::for_user(&state, &session, &user, "Notifications").await?;
    render(&NotificationsPage {
        layout,
        notifications,
    })
}

/// `{"unread": N, "seq": S}`; without a session, 401 with a JSON error, so
/// the page script never receives the login page instead of a count.
#[get("/notifications/unread_count")]
async fn unread_count(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
) -> AppResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(
            HttpResponse::Unauthorized().json(serde_json::json!({"error": "login required"}))
        );
    };
    let status = unread_status(&state.db.pool, user.id()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(status))
}
