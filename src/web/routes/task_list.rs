//! The list of work orders with its filters, and its CSV export.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::accounts::{list_assignable, User};
use crate::error::{AppError, AppResult};
use crate::locations::{list_with_paths, LocationPath};
use crate::tasks::list::{
    list_all, list_page, to_csv, BadFilter, SortOrder, TaskFilter, TaskPage, Viewer,
};
use crate::tasks::{Priority, Status};
use crate::web::pages::{render, Layout};
use crate::web::{AppState, CurrentUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(task_list).service(task_csv);
}

#[derive(Template)]
#[template(path = "tasks/list.html")]
struct TaskListPage {
    layout: Layout,
    filter: TaskFilter,
    list: TaskPage,
    locations: Vec<LocationPath>,
    people: Vec<User>,
    statuses: [Status; 5],
    priorities: [Priority; 4],
    sorts: [SortOrder; 5],
    csv_query: String,
}

impl TaskListPage {
    fn page_link(&self, page: i64) -> String {
        format!("/tasks?{}", self.filter.query_for_page(page))
    }

    fn is_sort(&self, sort: &SortOrder) -> bool {
        self.filter.sort == *sort
    }

    fn is_location(&self, id: &i64) -> bool {
        self.filter.location == Some(*id)
    }
}

fn viewer(user: &CurrentUser) -> Viewer {
    Viewer {
        user_id: user.id(),
        sees_all: user.role().manages_tasks(),
    }
}

/// The filter in the query string, checked against the known locations; a
/// bad value is a 400 that names it.
fn read_filter(req: &HttpRequest, locations: &[LocationPath]) -> AppResult<TaskFilter> {
    let filter = TaskFilter::parse(req.query_string()).map_err(bad_request)?;
    if let Some(id) = filter.location {
        if !locations.iter().any(|location| location.id == id) {
            let message = format!("There is no location with id {id}.");
            return Err(AppError::BadRequest(message));
        }
    }
    Ok(filter)
}

fn bad_request(error: BadFilter) -> AppError {
    AppError::BadRequest(error.to_string())
}

#[get("/tasks")]
async fn task_list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let pool = &state.db.pool;
    let locations = list_with_paths(pool).await?;
    let filter = read_filter(&req, &locations)?;

    let list = list_page(pool, viewer(&user), &filter, &locations).await?;
    let people = if user.role().manages_tasks() {
        list_assignable(pool).await?
    } else {
        Vec::new()
    };
    let layout = Layout::for_user(&state, &session, &user, "Work orders").await?;
    render(&TaskListPage {
        layout,
        csv_query: req.query_string().to_owned(),
        filter,
        list,
        locations,
        people,
        statuses: Status::ALL,
        priorities: Priority::ALL,
        sorts: SortOrder::ALL,
    })
}

#[get("/tasks.csv")]
async fn task_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let pool = &state.db.pool;
    let locations = list_with_paths(pool).await?;
    let filter = read_filter(&req, &locations)?;

    let rows = list_all(pool, viewer(&user), &filter, &locations).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            r#"attachment; filename="work-orders.csv""#,
        ))
        .body(to_csv(&rows)?))
}
