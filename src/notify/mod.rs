//! Notifications: rows in the database that tell a user something happened
//! to a work order of theirs, and the unread count the navigation badge shows.
//!
//! Writers insert notifications inside the transaction of the change they
//! report and hand back what they wrote as [`Notified`], so that live
//! delivery can follow once the transaction has committed.

mod inbox;
pub mod live;
mod outbox;

pub use inbox::{list_notifications, mark_all_read, Notification, NOTIFICATION_PAGE_SIZE};
pub use outbox::{notify, Notified, NotifiedKind};

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

/// Tells browsers that this user's unread count changed.
async fn bump_seq(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET notification_seq = notification_seq + 1 WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}
