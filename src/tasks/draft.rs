//! A work order's fields as typed into the form, and their validation into a
//! draft whose location and assignee are known to exist.

use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::AnyPool;

use super::locations::location_path;
use super::{find_visible_task, Priority, Task};
use crate::accounts::{list_assignable, User};
use crate::error::AppResult;

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;

/// Something picked from a list: its id and what people read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub id: i64,
    pub label: String,
}

/// The form fields exactly as submitted, so a refused form can be shown
/// again with everything the user typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TaskInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub location_id: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub assignee_id: String,
}

impl TaskInput {
    /// A blank form for a new work order.
    pub fn blank() -> TaskInput {
        TaskInput {
            priority: Priority::Normal.as_str().into(),
            ..TaskInput::default()
        }
    }

    /// The form prefilled with a work order's current values.
    pub fn from_task(task: &Task) -> TaskInput {
        let id_text = |choice: &Option<Choice>| {
            choice
                .as_ref()
                .map_or(String::new(), |choice| choice.id.to_string())
        };
        TaskInput {
            title: task.title.clone(),
            description: task.description.clone(),
            priority: task.priority.as_str().into(),
            location_id: id_text(&task.location),
            due_on: task.due_on.clone().unwrap_or_default(),
            assignee_id: id_text(&task.assignee),
        }
    }

    pub fn priority_is(&self, priority: &Priority) -> bool {
        self.priority == priority.as_str()
    }

    pub fn location_is(&self, id: &i64) -> bool {
        self.location_id == id.to_string()
    }

    pub fn assignee_is(&self, id: &i64) -> bool {
        self.assignee_id == id.to_string()
    }
}

/// A validated work order, ready to be saved.
#[derive(Clone, Debug)]
pub struct TaskDraft {
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub location: Option<Choice>,
    pub due_on: Option<String>,
    pub assignee: Option<Choice>,
}

/// Messages for the fields that were refused, keyed by field name.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    /// A single message for `field`.
    pub fn one(field: &'static str, message: String) -> FieldErrors {
        FieldErrors(vec![(field, message)])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn note<T>(&mut self, field: &'static str, checked: Result<T, String>) -> Option<T> {
        checked
            .map_err(|message| self.0.push((field, message)))
            .ok()
    }
}

/// Checks every field of a new work order, looking up the location and the
/// assignee; `Err` holds a message per refused field.
pub async fn check_task_input(
    pool: &AnyPool,
    input: &TaskInput,
) -> AppResult<Result<TaskDraft, FieldErrors>> {
    check_fields(pool, input, None).await
}

/// Checks an edit of a work order `user` may see (`NotFound` otherwise);
/// its current assignee stays acceptable even when since deactivated.
pub async fn check_task_edit(
    pool: &AnyPool,
    user: &User,
    task_id: i64,
    input: &TaskInput,
) -> AppResult<Result<TaskDraft, FieldErrors>> {
    let task = find_visible_task(pool, user, task_id).await?;
    check_fields(pool, input, task.assignee.as_ref()).await
}

async fn check_fields(
    pool: &AnyPool,
    input: &TaskInput,
    current_assignee: Option<&Choice>,
) -> AppResult<Result<TaskDraft, FieldErrors>> {
    let mut errors = FieldErrors::default();
    let title = errors.note("title", check_title(&input.title));
    let description = errors.note("description", check_description(&input.description));
    let priority = errors.note("priority", check_priority(&input.priority));
    let due_on = errors.note("due_on", check_due_on(&input.due_on));
    let location = errors.note(
        "location_id",
        check_location(pool, &input.location_id).await?,
    );
    let assignee = errors.note(
        "assignee_id",
        check_assignee(pool, &input.assignee_id, current_assignee).await?,
    );

    match (title, description, priority, due_on, location, assignee) {
        (
            Some(title),
            Some(description),
            Some(priority),
            Some(due_on),
            Some(location),
            Some(assignee),
        ) => Ok(Ok(TaskDraft {
            title,
            description,
            priority,
            location,
            due_on,
            assignee,
        })),
        _ => Ok(Err(errors)),
    }
}

fn check_title(value: &str) -> Result<String, String> {
    let title = value.trim();
    match title.chars().count() {
        0 => Err("A title is required.".into()),
        count if count > TITLE_MAX_CHARS => Err(format!(
            "A title must be at most {TITLE_MAX_CHARS} characters."
        )),
        _ => Ok(title.to_owned()),
    }
}

fn check_description(value: &str) -> Result<String, String> {
    let description = value.trim();
    if description.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(format!(
            "A description must be at most {DESCRIPTION_MAX_CHARS} characters."
        ));
    }
    Ok(description.to_owned())
}

fn check_priority(value: &str) -> Result<Priority, String> {
    match value.trim() {
        "" => Ok(Priority::Normal),
        other => Priority::parse(other).map_err(|_| "Choose a priority from the list.".into()),
    }
}

/// A real calendar date written `YYYY-MM-DD`, or nothing.
fn check_due_on(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let refused = || format!("{value:?} is not a date: write it as YYYY-MM-DD.");
    if value.len() != 10 {
        return Err(refused());
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| refused())?;
    Ok(Some(date.format("%Y-%m-%d").to_string()))
}

fn parse_id(value: &str) -> Result<Option<i64>, ()> {
    match value.trim() {
        "" => Ok(None),
        other => other.parse().map(Some).map_err(drop),
    }
}

async fn check_location(pool: &AnyPool, value: &str) -> AppResult<Result<Option<Choice>, String>> {
    let refused = Err("Choose a location from the list.".to_owned());
    let Ok(id) = parse_id(value) else {
        return Ok(refused);
    };
    let Some(id) = id else { return Ok(Ok(None)) };

    let mut conn = pool.acquire().await?;
    match location_path(&mut conn, id).await? {
        Some(label) => Ok(Ok(Some(Choice { id, label }))),
        None => Ok(refused),
    }
}

/// An active user, the unchanged `current` assignee, or nobody.
pub(super) async fn check_assignee(
    pool: &AnyPool,
    value: &str,
    current: Option<&Choice>,
) -> AppResult<Result<Option<Choice>, String>> {
    let refused = Err("Choose an active user from the list.".to_owned());
    let Ok(id) = parse_id(value) else {
        return Ok(refused);
    };
    let Some(id) = id else { return Ok(Ok(None)) };
    if let Some(current) = current.filter(|current| current.id == id) {
        return Ok(Ok(Some(current.clone())));
    }

    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM users WHERE id = $1 AND deactivated_at IS NULL")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(name.map_or(refused, |label| Ok(Some(Choice { id, label }))))
}

/// The people a work order can be given to: active users by name, plus its
/// `current` assignee when that account has been deactivated since.
pub async fn assignee_choices(pool: &AnyPool, current: Option<&Choice>) -> AppResult<Vec<Choice>> {
    let mut choices: Vec<Choice> = list_assignable(pool)
        .await?
        .into_iter()
        .map(|user| Choice {
            id: user.id,
            label: user.name,
        })
        .collect();

    if let Some(current) = current.filter(|current| !choices.iter().any(|c| c.id == current.id)) {
        choices.push(Choice {
            id: current.id,
            label: format!("{} (deactivated)", current.label),
        });
    }
    Ok(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_must_be_real_calendar_days() {
        assert_eq!(check_due_on(""), Ok(None));
        assert_eq!(check_due_on("2027-02-28"), Ok(Some("2027-02-28".into())));
        for bad in [
            "2027-02-30",
            "2027-2-3",
            "tomorrow",
            "2027-13-01",
            "27-02-2027",
        ] {
            assert!(check_due_on(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn titles_are_trimmed_required_and_limited() {
        assert_eq!(check_title("  Fix the door "), Ok("Fix the door".into()));
        assert!(check_title("   ").is_err());
        assert!(check_title(&"x".repeat(TITLE_MAX_CHARS)).is_ok());
        assert!(check_title(&"x".repeat(TITLE_MAX_CHARS + 1)).is_err());
    }
}
