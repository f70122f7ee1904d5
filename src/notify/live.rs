//! Live delivery: once a change has committed, every browser tab of each
//! notified user hears its new unread count. A push that fails is logged and
//! loses nothing: the rows are in the database, and pages read the count
//! from there whenever they load or reconnect.

use std::sync::Arc;

use serde_json::{json, Value};
use sqlx::AnyPool;

use super::{unread_status, Notified, UnreadStatus};
use crate::push::Push;

/// The event every badge listens for.
pub const EVENT: &str = "notification";

/// The channel only `user_id`'s own sessions may join.
pub fn private_channel(user_id: i64) -> String {
    format!("private-{user_id}")
}

/// Announces new notifications in the background, so that a slow push
/// service never holds up the request that caused them.
pub fn deliver_new(pool: &AnyPool, push: &Arc<dyn Push>, notified: Vec<Notified>) {
    if notified.is_empty() {
        return;
    }
    let (pool, push) = (pool.clone(), push.clone());
    tokio::spawn(async move {
        for note in &notified {
            let task = json!({ "id": note.task_id, "title": note.title });
            announce(&pool, push.as_ref(), note.user_id, |status| {
                json!({ "message": "+1", "unread": status.unread, "seq": status.seq, "task": task })
            })
            .await;
        }
    });
}

/// Tells every tab of `user_id` the count after they read notifications.
pub fn deliver_read(pool: &AnyPool, push: &Arc<dyn Push>, user_id: i64) {
    let (pool, push) = (pool.clone(), push.clone());
    tokio::spawn(async move {
        announce(&pool, push.as_ref(), user_id, |status| {
            json!({ "message": status.unread.to_string(), "unread": status.unread, "seq": status.seq })
        })
        .await;
    });
}

async fn announce(
    pool: &AnyPool,
    push: &dyn Push,
    user_id: i64,
    payload: impl FnOnce(UnreadStatus) -> Value,
) {
    let status = match unread_status(pool, user_id).await {
        Ok(status) => status,
        Err(error) => {
            tracing::warn!(user.id = user_id, %error, "cannot read the unread count to push");
            return;
        }
    };
    let channels = [private_channel(user_id)];
    if let Err(error) = push.trigger(&channels, EVENT, &payload(status)).await {
        tracing::warn!(user.id = user_id, %error, "live notification not delivered");
    }
}
