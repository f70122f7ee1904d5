//! Managers editing a work order: any field, including who it is assigned to.

use sqlx::{AnyConnection, AnyPool};

use super::activity::{record_change, FieldChange};
use super::draft::check_assignee;
use super::record::lock_visible_task;
use super::watchers::{notify_assignee, Happened};
use super::{Choice, Task, TaskDraft};
use crate::accounts::User;
use crate::error::{AppError, AppResult};
use crate::notify::Notified;

/// Saves every field of `draft` that differs from the work order, one
/// activity entry per changed field, and notifies the assignee (a new one
/// as "assigned"). Managers only; nothing changed writes nothing.
pub async fn update_task(
    pool: &AnyPool,
    actor: &User,
    task_id: i64,
    draft: &TaskDraft,
) -> AppResult<Vec<Notified>> {
    edit_locked(pool, actor, task_id, |_| draft.clone()).await
}

/// Gives the work order to the active user `assignee_id` (empty: nobody).
/// A refused assignee is `Invalid`; managers only.
pub async fn assign_task(
    pool: &AnyPool,
    actor: &User,
    task_id: i64,
    assignee_id: &str,
) -> AppResult<Vec<Notified>> {
    if !actor.role.manages_tasks() {
        return Err(AppError::Forbidden);
    }
    let current = super::find_visible_task(pool, actor, task_id).await?;
    let assignee = check_assignee(pool, assignee_id, current.assignee.as_ref())
        .await?
        .map_err(AppError::Invalid)?;

    let reassigned = |task: &Task| TaskDraft {
        assignee,
        ..draft_of(task)
    };
    edit_locked(pool, actor, task_id, reassigned).await
}

/// Applies the draft `edit` makes from the locked, current work order.
async fn edit_locked(
    pool: &AnyPool,
    actor: &User,
    task_id: i64,
    edit: impl FnOnce(&Task) -> TaskDraft,
) -> AppResult<Vec<Notified>> {
    if !actor.role.manages_tasks() {
        return Err(AppError::Forbidden);
    }
    let mut tx = pool.begin().await?;
    let task = lock_visible_task(&mut tx, actor, task_id).await?;
    let draft = edit(&task);

    let changes = changes_between(&task, &draft);
    if changes.is_empty() {
        return Ok(vec![]);
    }
    save_fields(&mut tx, task_id, &draft).await?;
    let notified = log_and_notify(&mut tx, actor, &task, &draft, &changes).await?;

    tx.commit().await?;
    Ok(notified)
}

fn draft_of(task: &Task) -> TaskDraft {
    TaskDraft {
        title: task.title.clone(),
        description: task.description.clone(),
        priority: task.priority,
        location: task.location.clone(),
        due_on: task.due_on.clone(),
        assignee: task.assignee.clone(),
    }
}

async fn log_and_notify(
    conn: &mut AnyConnection,
    actor: &User,
    task: &Task,
    draft: &TaskDraft,
    changes: &[FieldChange],
) -> AppResult<Vec<Notified>> {
    for change in changes {
        record_change(conn, task.id, actor.id, change).await?;
    }
    let assignee = draft.assignee.as_ref().map(|assignee| assignee.id);
    let after = (task.id, draft.title.as_str(), assignee);
    notify_assignee(conn, actor, after, task.assignee_id(), Happened::Changed).await
}

fn changes_between(task: &Task, draft: &TaskDraft) -> Vec<FieldChange> {
    let label = |choice: &Option<Choice>| choice.as_ref().map(|choice| choice.label.clone());
    let id = |choice: &Option<Choice>| choice.as_ref().map(|choice| choice.id);
    let candidates = [
        (
            "Title",
            task.title != draft.title,
            Some(task.title.clone()),
            Some(draft.title.clone()),
        ),
        (
            "Description",
            task.description != draft.description,
            non_empty(&task.description),
            non_empty(&draft.description),
        ),
        (
            "Priority",
            task.priority != draft.priority,
            Some(task.priority.label().into()),
            Some(draft.priority.label().into()),
        ),
        (
            "Location",
            id(&task.location) != id(&draft.location),
            label(&task.location),
            label(&draft.location),
        ),
        (
            "Due date",
            task.due_on != draft.due_on,
            task.due_on.clone(),
            draft.due_on.clone(),
        ),
        (
            "Assignee",
            id(&task.assignee) != id(&draft.assignee),
            label(&task.assignee),
            label(&draft.assignee),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, changed, _, _)| *changed)
        .map(|(field, _, old, new)| FieldChange { field, old, new })
        .collect()
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

async fn save_fields(conn: &mut AnyConnection, task_id: i64, draft: &TaskDraft) -> AppResult<()> {
    sqlx::query(
        "UPDATE tasks SET title = $1, description = $2, priority = $3, location_id = $4,
                          due_on = $5, assignee_id = $6
         WHERE id = $7",
    )
    .bind(&draft.title)
    .bind(&draft.description)
    .bind(draft.priority.as_str())
    .bind(draft.location.as_ref().map(|location| location.id))
    .bind(draft.due_on.as_deref())
    .bind(draft.assignee.as_ref().map(|assignee| assignee.id))
    .bind(task_id)
    .execute(conn)
    .await?;
    Ok(())
}
