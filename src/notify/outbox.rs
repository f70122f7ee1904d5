//! Writing notifications, inside the caller's transaction.

use serde::Serialize;
use sqlx::AnyConnection;

use super::bump_seq;
use crate::db::now;

/// Why a user was notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifiedKind {
    /// The work order was given to them (on creation or by reassignment).
    Assigned,
    /// Someone else commented on or changed their work order.
    Updated,
}

impl NotifiedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifiedKind::Assigned => "assigned",
            NotifiedKind::Updated => "updated",
        }
    }
}

/// One notification row that was written, for live delivery after commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notified {
    pub user_id: i64,
    pub task_id: i64,
    /// The work order's title.
    pub title: String,
    pub kind: NotifiedKind,
}

/// Inserts a notification for `note.user_id` with `message` and bumps that
/// user's sequence number; run it in the transaction of the change.
pub async fn notify(
    conn: &mut AnyConnection,
    note: &Notified,
    message: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (user_id, task_id, message, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(note.user_id)
    .bind(note.task_id)
    .bind(message)
    .bind(now())
    .execute(&mut *conn)
    .await?;

    bump_seq(conn, note.user_id).await
}
