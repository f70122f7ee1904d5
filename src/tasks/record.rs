//! Reading one work order, and who may see it.

use sqlx::{AnyConnection, AnyPool, FromRow};

use super::locations::location_path;
use super::{Choice, Priority, Status};
use crate::accounts::User;
use crate::db::now;
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub status: Status,
    pub location: Option<Choice>,
    pub due_on: Option<String>,
    pub assignee: Option<Choice>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Task {
    pub fn assignee_id(&self) -> Option<i64> {
        self.assignee.as_ref().map(|assignee| assignee.id)
    }

    pub fn is_assigned_to(&self, user_id: &i64) -> bool {
        self.assignee_id() == Some(*user_id)
    }

    pub fn created_when(&self) -> String {
        chrono::DateTime::from_timestamp(self.created_at, 0)
            .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    }

    /// Managers and admins see every work order; staff only their own.
    pub fn is_visible_to(&self, user: &User) -> bool {
        user.role.manages_tasks() || self.assignee_id() == Some(user.id)
    }
}

#[derive(FromRow)]
struct TaskRow {
    id: i64,
    title: String,
    description: String,
    priority: String,
    status: String,
    location_id: Option<i64>,
    due_on: Option<String>,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    creator_name: String,
    created_at: i64,
    updated_at: i64,
}

const SELECT_TASK: &str = "SELECT t.id, t.title, t.description, t.priority, t.status,
        t.location_id, t.due_on, t.assignee_id, a.name AS assignee_name,
        c.name AS creator_name, t.created_at, t.updated_at
    FROM tasks t
    LEFT JOIN users a ON a.id = t.assignee_id
    JOIN users c ON c.id = t.created_by
    WHERE t.id = $1";

async fn fetch_task(conn: &mut AnyConnection, id: i64) -> AppResult<Option<Task>> {
    let row: Option<TaskRow> = sqlx::query_as(SELECT_TASK)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };

    let location = match row.location_id {
        Some(id) => location_path(conn, id)
            .await?
            .map(|label| Choice { id, label }),
        None => None,
    };
    Ok(Some(task_from_row(row, location)?))
}

fn task_from_row(row: TaskRow, location: Option<Choice>) -> AppResult<Task> {
    let corrupt = |message: String| AppError::Internal(anyhow::anyhow!(message));
    let assignee = row
        .assignee_id
        .zip(row.assignee_name)
        .map(|(id, label)| Choice { id, label });
    Ok(Task {
        id: row.id,
        title: row.title,
        description: row.description,
        priority: Priority::parse(&row.priority).map_err(corrupt)?,
        status: Status::parse(&row.status).map_err(corrupt)?,
        location,
        due_on: row.due_on,
        assignee,
        created_by: row.creator_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The work order if `user` may see it; `NotFound` otherwise, so that staff
/// cannot tell someone else's work order from a missing one.
pub async fn find_visible_task(pool: &AnyPool, user: &User, id: i64) -> AppResult<Task> {
    let mut conn = pool.acquire().await?;
    visible(fetch_task(&mut conn, id).await?, user)
}

/// Like [`find_visible_task`], inside a transaction that is about to change
/// the work order: touching the row first holds its write lock until commit
/// (a row lock on PostgreSQL, the write lock on SQLite), so concurrent
/// changes apply one after the other and each logs the values it replaced.
pub(super) async fn lock_visible_task(
    conn: &mut AnyConnection,
    user: &User,
    id: i64,
) -> AppResult<Task> {
    sqlx::query("UPDATE tasks SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    visible(fetch_task(conn, id).await?, user)
}

fn visible(task: Option<Task>, user: &User) -> AppResult<Task> {
    task.filter(|task| task.is_visible_to(user))
        .ok_or(AppError::NotFound)
}
