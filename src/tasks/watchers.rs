//! Who hears about a change: the work order's assignee, unless they made it.

use sqlx::AnyConnection;

use crate::accounts::User;
use crate::error::AppResult;
use crate::notify::{notify, Notified, NotifiedKind};

/// What happened, for the assignee's notification when the work order was
/// theirs already.
pub(super) enum Happened {
    Changed,
    Commented,
}

/// Notifies the assignee after `actor` changed the work order: "assigned"
/// when it just became theirs, "updated" when it already was. Nobody is
/// notified of their own action.
pub(super) async fn notify_assignee(
    conn: &mut AnyConnection,
    actor: &User,
    task: (i64, &str, Option<i64>),
    previous_assignee: Option<i64>,
    happened: Happened,
) -> AppResult<Vec<Notified>> {
    let (task_id, title, assignee) = task;
    let Some(user_id) = assignee.filter(|&id| id != actor.id) else {
        return Ok(vec![]);
    };

    let (kind, message) = if previous_assignee != Some(user_id) {
        (NotifiedKind::Assigned, format!("New work order: {title}"))
    } else {
        let verb = match happened {
            Happened::Changed => "updated",
            Happened::Commented => "commented on",
        };
        (
            NotifiedKind::Updated,
            format!("{} {verb} {title}", actor.name),
        )
    };
    let note = Notified {
        user_id,
        task_id,
        title: title.to_owned(),
        kind,
    };
    notify(conn, &note, &message).await?;
    Ok(vec![note])
}
