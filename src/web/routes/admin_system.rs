//! What an admin needs to know about this installation, and the
//! Prometheus metrics endpoint.

use actix_session::Session;
use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::accounts::count_users;
use crate::db::MigrationStatus;
use crate::error::AppResult;
use crate::web::pages::{render, Layout};
use crate::web::{AppState, CurrentUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(system).service(metrics);
}

#[derive(Template)]
#[template(path = "admin/system.html")]
struct SystemPage {
    layout: Layout,
    version: &'static str,
    database: &'static str,
    migrations: Vec<MigrationStatus>,
    users: i64,
    tasks: i64,
    push: &'static str,
}

impl SystemPage {
    fn applied(&self) -> usize {
        self.migrations
            .iter()
            .filter(|migration| migration.applied)
            .count()
    }
}

#[get("/admin/system")]
async fn system(
    state: web::Data<AppState>,
    session: Session,
    admin: CurrentUser,
) -> AppResult<HttpResponse> {
    admin.require_admin()?;
    let page = SystemPage {
        layout: Layout::for_user(&state, &session, &admin, "System").await?,
        version: env!("CARGO_PKG_VERSION"),
        database: state.db.backend.name(),
        migrations: state.db.migration_status().await?,
        users: count_users(&state.db.pool).await?,
        tasks: count_tasks(&state).await?,
        push: if state.push_client.host.is_empty() {
            "embedded"
        } else {
            "external"
        },
    };
    render(&page)
}

async fn count_tasks(state: &AppState) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tasks")
        .fetch_one(&state.db.pool)
        .await?)
}

/// Prometheus text format: users, work orders by status, unread
/// notifications.
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let pool = &state.db.pool;
    let users = count_users(pool).await?;
    let by_status: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM tasks GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?;
    let unread: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE read_at IS NULL")
            .fetch_one(pool)
            .await?;

    let mut text = String::new();
    text.push_str(
        "# HELP caretaker_users Accounts, active or not.\n# TYPE caretaker_users gauge\n",
    );
    text.push_str(&format!("caretaker_users {users}\n"));
    text.push_str(
        "# HELP caretaker_work_orders Work orders by status.\n# TYPE caretaker_work_orders gauge\n",
    );
    for (status, count) in by_status {
        text.push_str(&format!(
            "caretaker_work_orders{{status=\"{status}\"}} {count}\n"
        ));
    }
    text.push_str("# HELP caretaker_unread_notifications Notifications nobody has read yet.\n");
    text.push_str("# TYPE caretaker_unread_notifications gauge\n");
    text.push_str(&format!("caretaker_unread_notifications {unread}\n"));
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text))
}
