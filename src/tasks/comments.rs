//! Comments on a work order, kept in its activity log.

use sqlx::AnyPool;

use super::activity::record_comment;
use super::record::lock_visible_task;
use super::watchers::{notify_assignee, Happened};
use crate::accounts::User;
use crate::error::{AppError, AppResult};
use crate::notify::Notified;

pub const COMMENT_MAX_CHARS: usize = 5000;

/// Adds a comment by `actor` and notifies the assignee when it is someone
/// else. An empty or too long comment is `Invalid`.
pub async fn add_comment(
    pool: &AnyPool,
    actor: &User,
    task_id: i64,
    body: &str,
) -> AppResult<Vec<Notified>> {
    let body = check_comment(body).map_err(AppError::Invalid)?;
    let mut tx = pool.begin().await?;
    let task = lock_visible_task(&mut tx, actor, task_id).await?;

    record_comment(&mut tx, task_id, actor.id, body).await?;
    let assignee = task.assignee_id();
    let about = (task_id, task.title.as_str(), assignee);
    let notified = notify_assignee(&mut tx, actor, about, assignee, Happened::Commented).await?;

    tx.commit().await?;
    Ok(notified)
}

fn check_comment(body: &str) -> Result<&str, String> {
    let body = body.trim();
    match body.chars().count() {
        0 => Err("Write a comment first.".into()),
        count if count > COMMENT_MAX_CHARS => Err(format!(
            "A comment must be at most {COMMENT_MAX_CHARS} characters."
        )),
        _ => Ok(body),
    }
}
