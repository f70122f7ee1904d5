//! Creating a work order.

use sqlx::AnyPool;

use super::activity::record_created;
use super::watchers::{notify_assignee, Happened};
use super::{Status, TaskDraft};
use crate::accounts::User;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::notify::Notified;

#[derive(Clone, Debug)]
pub struct CreatedTask {
    pub id: i64,
    pub notified: Vec<Notified>,
}

/// Saves a new, open work order with its "created" activity entry and, when
/// it is assigned to someone else, their notification; managers only.
pub async fn create_task(
    pool: &AnyPool,
    actor: &User,
    draft: &TaskDraft,
) -> AppResult<CreatedTask> {
    if !actor.role.manages_tasks() {
        return Err(AppError::Forbidden);
    }
    let mut tx = pool.begin().await?;

    let id = insert_task(&mut tx, actor.id, draft).await?;
    record_created(&mut tx, id, actor.id).await?;
    let assignee = draft.assignee.as_ref().map(|assignee| assignee.id);
    let task = (id, draft.title.as_str(), assignee);
    let notified = notify_assignee(&mut tx, actor, task, None, Happened::Changed).await?;

    tx.commit().await?;
    Ok(CreatedTask { id, notified })
}

async fn insert_task(
    conn: &mut sqlx::AnyConnection,
    actor_id: i64,
    draft: &TaskDraft,
) -> AppResult<i64> {
    let now = now();
    Ok(sqlx::query_scalar(
        "INSERT INTO tasks (title, description, priority, status, location_id, due_on,
                            assignee_id, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&draft.title)
    .bind(&draft.description)
    .bind(draft.priority.as_str())
    .bind(Status::Open.as_str())
    .bind(draft.location.as_ref().map(|location| location.id))
    .bind(draft.due_on.as_deref())
    .bind(draft.assignee.as_ref().map(|assignee| assignee.id))
    .bind(actor_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}
