//! Work orders: what must be done, where, by whom, and how far along it is.
//!
//! Every change runs in one transaction that also appends the activity log
//! and the notifications it causes; the writers return what they notified.

mod activity;
mod comments;
mod create;
mod draft;
mod edit;
mod locations;
mod record;
mod status;
mod watchers;

pub use activity::{list_activity, ActivityEntry};
pub use comments::{add_comment, COMMENT_MAX_CHARS};
pub use create::{create_task, CreatedTask};
pub use draft::{
    assignee_choices, check_task_edit, check_task_input, Choice, FieldErrors, TaskDraft, TaskInput,
    TITLE_MAX_CHARS,
};
pub use edit::{assign_task, update_task};
pub use locations::location_choices;
pub use record::{find_visible_task, Task};
pub use status::{allowed_transitions, change_status};

pub mod list;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    InProgress,
    OnHold,
    Done,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::InProgress,
        Status::OnHold,
        Status::Done,
        Status::Cancelled,
    ];

    pub fn parse(value: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| format!("{value:?} is not a status."))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::OnHold => "on_hold",
            Status::Done => "done",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::InProgress => "In progress",
            Status::OnHold => "On hold",
            Status::Done => "Done",
            Status::Cancelled => "Cancelled",
        }
    }

    /// The style of the status label (`.pill-*` in app.css).
    pub fn pill_class(self) -> &'static str {
        match self {
            Status::Open => "pill-open",
            Status::InProgress | Status::OnHold => "pill-progress",
            Status::Done => "pill-done",
            Status::Cancelled => "pill-muted",
        }
    }

    /// Still needs work: counted on dashboards and checked for being overdue.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Open | Status::InProgress | Status::OnHold)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn parse(value: &str) -> Result<Priority, String> {
        Priority::ALL
            .into_iter()
            .find(|priority| priority.as_str() == value)
            .ok_or_else(|| format!("{value:?} is not a priority."))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }

    /// Orders priorities for sorting: urgent first.
    pub fn rank(self) -> i64 {
        match self {
            Priority::Urgent => 0,
            Priority::High => 1,
            Priority::Normal => 2,
            Priority::Low => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_priorities_round_trip_through_their_names() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Ok(status));
        }
        for priority in Priority::ALL {
            assert_eq!(Priority::parse(priority.as_str()), Ok(priority));
        }
        assert!(Status::parse("finished").is_err());
        assert!(Priority::parse("asap").is_err());
    }
}
