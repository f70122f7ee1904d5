//! The workflow: open → in progress → on hold → done, and who may move a
//! work order where.

use sqlx::AnyPool;

use super::activity::{record_change, FieldChange};
use super::record::lock_visible_task;
use super::watchers::{notify_assignee, Happened};
use super::Status;
use crate::accounts::{Role, User};
use crate::error::{AppError, AppResult};
use crate::notify::Notified;

/// The statuses a user with `role` may move a work order to from `from`.
/// Anyone who may see an active work order may move it among the active
/// statuses and to done; only managers cancel it, and only they reopen a
/// done or cancelled one.
pub fn allowed_transitions(role: Role, from: Status) -> Vec<Status> {
    let manager = role.manages_tasks();
    if !from.is_active() {
        return if manager { vec![Status::Open] } else { vec![] };
    }
    Status::ALL
        .into_iter()
        .filter(|&to| to != from && (to != Status::Cancelled || manager))
        .collect()
}

/// Moves the work order to the status named `to`, logs it and notifies the
/// assignee. A move the actor may not make is `Invalid`.
pub async fn change_status(
    pool: &AnyPool,
    actor: &User,
    task_id: i64,
    to: &str,
) -> AppResult<Vec<Notified>> {
    let to = Status::parse(to)
        .map_err(|_| AppError::Invalid("Choose a status from the list.".into()))?;
    let mut tx = pool.begin().await?;
    let task = lock_visible_task(&mut tx, actor, task_id).await?;
    if !allowed_transitions(actor.role, task.status).contains(&to) {
        return Err(AppError::Invalid(format!(
            "You cannot move a work order from {} to {}.",
            task.status.label(),
            to.label()
        )));
    }

    save_status(&mut tx, task_id, to).await?;
    let change = FieldChange {
        field: "Status",
        old: Some(task.status.label().into()),
        new: Some(to.label().into()),
    };
    record_change(&mut tx, task_id, actor.id, &change).await?;
    let assignee = task.assignee_id();
    let about = (task_id, task.title.as_str(), assignee);
    let notified = notify_assignee(&mut tx, actor, about, assignee, Happened::Changed).await?;

    tx.commit().await?;
    Ok(notified)
}

async fn save_status(conn: &mut sqlx::AnyConnection, task_id: i64, to: Status) -> AppResult<()> {
    sqlx::query("UPDATE tasks SET status = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(task_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_move_active_work_orders_but_neither_cancel_nor_reopen() {
        let from_open = allowed_transitions(Role::Staff, Status::Open);

        assert_eq!(
            from_open,
            [Status::InProgress, Status::OnHold, Status::Done]
        );
        assert!(allowed_transitions(Role::Staff, Status::Done).is_empty());
        assert!(allowed_transitions(Role::Staff, Status::Cancelled).is_empty());
    }

    #[test]
    fn managers_also_cancel_and_reopen() {
        assert!(allowed_transitions(Role::Manager, Status::OnHold).contains(&Status::Cancelled));
        assert_eq!(
            allowed_transitions(Role::Admin, Status::Done),
            [Status::Open]
        );
        assert_eq!(
            allowed_transitions(Role::Manager, Status::Cancelled),
            [Status::Open]
        );
    }
}
