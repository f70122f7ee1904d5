//! The home page: what needs the user's attention.

use actix_session::Session;
use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::error::AppResult;
use crate::locations::{list_with_paths, LocationPath};
use crate::tasks::list::{
    active_filter, active_per_assignee, list_first, my_active_counts, AssigneeFilter, AssigneeLoad,
    SortOrder, TaskFilter, TaskRow, Viewer,
};
use crate::tasks::Status;
use crate::web::pages::{render, Layout};
use crate::web::{AppState, CurrentUser};

/// How many work orders each short list shows.
const SHORT_LIST: i64 = 10;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard);
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    my_counts: Vec<(Status, i64)>,
    my_open: Vec<TaskRow>,
    my_overdue: Vec<TaskRow>,
    team: Option<TeamSummary>,
}

/// What managers and admins see besides their own work.
struct TeamSummary {
    per_assignee: Vec<AssigneeLoad>,
    unassigned: Vec<TaskRow>,
}

impl DashboardPage {
    fn my_total(&self) -> i64 {
        self.my_counts.iter().map(|(_, count)| count).sum()
    }
}

fn mine(user: &CurrentUser, sort: SortOrder) -> (Viewer, TaskFilter) {
    let viewer = Viewer {
        user_id: user.id(),
        sees_all: false,
    };
    let filter = TaskFilter {
        sort,
        ..active_filter()
    };
    (viewer, filter)
}

async fn team_summary(
    state: &AppState,
    user: &CurrentUser,
    locations: &[LocationPath],
) -> AppResult<TeamSummary> {
    let pool = &state.db.pool;
    let viewer = Viewer {
        user_id: user.id(),
        sees_all: true,
    };
    let unassigned = TaskFilter {
        assignee: AssigneeFilter::Unassigned,
        sort: SortOrder::Priority,
        ..active_filter()
    };

    Ok(TeamSummary {
        per_assignee: active_per_assignee(pool).await?,
        unassigned: list_first(pool, viewer, &unassigned, SHORT_LIST, locations).await?,
    })
}

#[get("/")]
async fn dashboard(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let pool = &state.db.pool;
    let (viewer, open) = mine(&user, SortOrder::Due);
    let overdue = TaskFilter {
        overdue: true,
        ..open.clone()
    };

    let locations = list_with_paths(pool).await?;

    let my_open = list_first(pool, viewer, &open, SHORT_LIST, &locations).await?;
    let my_overdue = list_first(pool, viewer, &overdue, SHORT_LIST, &locations).await?;
    let team = if user.role().manages_tasks() {
        Some(team_summary(&state, &user, &locations).await?)
    } else {
        None
    };
    render(&DashboardPage {
        layout: Layout::for_user(&state, &session, &user, "Dashboard").await?,
        my_counts: my_active_counts(pool, user.id()).await?,
        my_open,
        my_overdue,
        team,
    })
}
