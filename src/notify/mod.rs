//! Notifications: rows in the database that tell a user something happened
//! to a work order of theirs, and the unread count the navigation badge shows.

use serde::Serialize;
use sqlx::AnyPool;

/// What the badge shows, with the user's sequence number so that a browser
/// can tell a stale answer from a newer event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UnreadStatus {
    pub unread: i64,
    pub seq: i64,
}

pub async fn unread_status(pool: &AnyPool, user_id: i64) -> Result<UnreadStatus, sqlx::Error> {
    let (unread, seq): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL),
                notification_seq
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(UnreadStatus { unread, seq })
}
