//! Reading a user's notifications and marking them read.

use sqlx::{AnyPool, FromRow};

use super::bump_seq;
use crate::db::now;

/// How many notifications the list shows; older ones are not listed.
pub const NOTIFICATION_PAGE_SIZE: i64 = 100;

#[derive(Clone, Debug, FromRow)]
pub struct Notification {
    pub id: i64,
    pub task_id: Option<i64>,
    pub message: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl Notification {
    pub fn is_unread(&self) -> bool {
        self.read_at.is_none()
    }

    pub fn when(&self) -> String {
        chrono::DateTime::from_timestamp(self.created_at, 0)
            .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    }
}

/// The user's newest notifications, newest first, at most
/// [`NOTIFICATION_PAGE_SIZE`].
pub async fn list_notifications(
    pool: &AnyPool,
    user_id: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, task_id, message, created_at, read_at FROM notifications
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(NOTIFICATION_PAGE_SIZE)
    .fetch_all(pool)
    .await
}

/// Marks every unread notification of the user read; returns the users whose
/// unread count changed (this user, or nobody when nothing was unread).
pub async fn mark_all_read(pool: &AnyPool, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let marked =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if marked == 0 {
        return Ok(vec![]);
    }

    bump_seq(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(vec![user_id])
}
