//! The activity log of a work order: its creation, every changed field with
//! the old and new value as people read them, and every comment.

use sqlx::{AnyConnection, AnyPool, FromRow};

use crate::db::now;
use crate::error::AppResult;

#[derive(Clone, Debug, FromRow)]
pub struct ActivityEntry {
    pub id: i64,
    pub actor_name: String,
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub body: Option<String>,
    pub created_at: i64,
}

impl ActivityEntry {
    pub fn is_comment(&self) -> bool {
        self.kind == "comment"
    }

    pub fn is_created(&self) -> bool {
        self.kind == "created"
    }

    /// A changed value for display; "none" stands for an empty one.
    pub fn old_text(&self) -> &str {
        self.old_value.as_deref().unwrap_or("none")
    }

    pub fn new_text(&self) -> &str {
        self.new_value.as_deref().unwrap_or("none")
    }

    pub fn when(&self) -> String {
        chrono::DateTime::from_timestamp(self.created_at, 0)
            .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    }
}

/// One field's change, with values as people read them (names, labels).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The whole log of a work order, oldest first.
pub async fn list_activity(pool: &AnyPool, task_id: i64) -> AppResult<Vec<ActivityEntry>> {
    Ok(sqlx::query_as(
        "SELECT e.id, u.name AS actor_name, e.kind, e.field, e.old_value, e.new_value,
                e.body, e.created_at
         FROM activity e JOIN users u ON u.id = e.actor_id
         WHERE e.task_id = $1 ORDER BY e.id",
    )
    .bind(task_id)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn record_created(
    conn: &mut AnyConnection,
    task_id: i64,
    actor_id: i64,
) -> AppResult<()> {
    insert(conn, task_id, actor_id, "created", None, None).await
}

pub(super) async fn record_change(
    conn: &mut AnyConnection,
    task_id: i64,
    actor_id: i64,
    change: &FieldChange,
) -> AppResult<()> {
    insert(conn, task_id, actor_id, "changed", Some(change), None).await
}

pub(super) async fn record_comment(
    conn: &mut AnyConnection,
    task_id: i64,
    actor_id: i64,
    body: &str,
) -> AppResult<()> {
    insert(conn, task_id, actor_id, "comment", None, Some(body)).await
}

async fn insert(
    conn: &mut AnyConnection,
    task_id: i64,
    actor_id: i64,
    kind: &str,
    change: Option<&FieldChange>,
    body: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO activity
             (task_id, actor_id, kind, field, old_value, new_value, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(task_id)
    .bind(actor_id)
    .bind(kind)
    .bind(change.map(|change| change.field))
    .bind(change.and_then(|change| change.old.clone()))
    .bind(change.and_then(|change| change.new.clone()))
    .bind(body)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}
