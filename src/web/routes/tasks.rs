//! One work order: creating it, its page, and every change made from there.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::notify::{live, Notified};
use crate::tasks::{
    add_comment, allowed_transitions, assign_task, assignee_choices, change_status,
    check_task_edit, check_task_input, create_task, find_visible_task, list_activity,
    location_choices, update_task, ActivityEntry, Choice, FieldErrors, Priority, Status, Task,
    TaskInput,
};
use crate::web::csrf::CsrfForm;
use crate::web::pages::{flash, redirect, render, render_with_status, Layout};
use crate::web::{AppState, CurrentUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(new_task_form)
        .service(create)
        .service(show)
        .service(update)
        .service(assign)
        .service(move_status)
        .service(comment);
}

#[derive(Template)]
#[template(path = "tasks/new.html")]
struct NewTaskPage {
    layout: Layout,
    form: TaskInput,
    errors: FieldErrors,
    priorities: [Priority; 4],
    locations: Vec<Choice>,
    assignees: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "tasks/show.html")]
struct TaskPage {
    layout: Layout,
    task: Task,
    activity: Vec<ActivityEntry>,
    transitions: Vec<Status>,
    status_error: Option<String>,
    comment: String,
    comment_error: Option<String>,
    form: TaskInput,
    errors: FieldErrors,
    priorities: [Priority; 4],
    locations: Vec<Choice>,
    assignees: Vec<Choice>,
}

/// What went wrong with a form on the work order's page, shown with it.
#[derive(Default)]
struct Refused {
    status_error: Option<String>,
    comment: String,
    comment_error: Option<String>,
    edit: Option<TaskInput>,
    errors: FieldErrors,
}

#[get("/tasks/new")]
async fn new_task_form(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require_manager()?;
    let page = new_task_page(
        &state,
        &session,
        &user,
        TaskInput::blank(),
        FieldErrors::default(),
    );
    render(&page.await?)
}

#[post("/tasks")]
async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    CsrfForm(input): CsrfForm<TaskInput>,
) -> AppResult<HttpResponse> {
    user.require_manager()?;
    let draft = match check_task_input(&state.db.pool, &input).await? {
        Ok(draft) => draft,
        Err(errors) => {
            let page = new_task_page(&state, &session, &user, input, errors).await?;
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };

    let created = create_task(&state.db.pool, &user.0, &draft).await?;
    announce(&state, created.notified);
    flash(&session, "Work order created.");
    Ok(redirect(&format!("/tasks/{}", created.id)))
}

#[get("/tasks/{id:\\d+}")]
async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let page = task_page(
        &state,
        &session,
        &user,
        path.into_inner(),
        Refused::default(),
    );
    render(&page.await?)
}

#[post("/tasks/{id:\\d+}")]
async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(input): CsrfForm<TaskInput>,
) -> AppResult<HttpResponse> {
    user.require_manager()?;
    let task_id = path.into_inner();
    let draft = match check_task_edit(&state.db.pool, &user.0, task_id, &input).await? {
        Ok(draft) => draft,
        Err(errors) => {
            let refused = Refused {
                edit: Some(input),
                errors,
                ..Refused::default()
            };
            return refuse(&state, &session, &user, task_id, refused).await;
        }
    };

    let notified = update_task(&state.db.pool, &user.0, task_id, &draft).await?;
    announce(&state, notified);
    flash(&session, "Work order saved.");
    Ok(redirect(&format!("/tasks/{task_id}")))
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    assignee_id: String,
}

#[post("/tasks/{id:\\d+}/assign")]
async fn assign(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> AppResult<HttpResponse> {
    user.require_manager()?;
    let task_id = path.into_inner();

    match assign_task(&state.db.pool, &user.0, task_id, &form.assignee_id).await {
        Ok(notified) => done(&state, &session, task_id, notified, "Assignee saved."),
        Err(AppError::Invalid(message)) => {
            let refused = Refused {
                errors: FieldErrors::one("assignee_id", message),
                ..Refused::default()
            };
            refuse(&state, &session, &user, task_id, refused).await
        }
        Err(error) => Err(error),
    }
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
}

#[post("/tasks/{id:\\d+}/status")]
async fn move_status(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> AppResult<HttpResponse> {
    let task_id = path.into_inner();

    match change_status(&state.db.pool, &user.0, task_id, &form.status).await {
        Ok(notified) => done(&state, &session, task_id, notified, "Status changed."),
        Err(AppError::Invalid(message)) => {
            let refused = Refused {
                status_error: Some(message),
                ..Refused::default()
            };
            refuse(&state, &session, &user, task_id, refused).await
        }
        Err(error) => Err(error),
    }
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

#[post("/tasks/{id:\\d+}/comments")]
async fn comment(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> AppResult<HttpResponse> {
    let task_id = path.into_inner();

    match add_comment(&state.db.pool, &user.0, task_id, &form.body).await {
        Ok(notified) => done(&state, &session, task_id, notified, "Comment added."),
        Err(AppError::Invalid(message)) => {
            let refused = Refused {
                comment: form.body,
                comment_error: Some(message),
                ..Refused::default()
            };
            refuse(&state, &session, &user, task_id, refused).await
        }
        Err(error) => Err(error),
    }
}

fn done(
    state: &AppState,
    session: &Session,
    task_id: i64,
    notified: Vec<Notified>,
    message: &str,
) -> AppResult<HttpResponse> {
    announce(state, notified);
    flash(session, message);
    Ok(redirect(&format!("/tasks/{task_id}")))
}

/// Logs who was notified and pushes the news to their open pages; the rows
/// are already committed.
fn announce(state: &AppState, notified: Vec<Notified>) {
    for note in &notified {
        let kind = note.kind.as_str();
        tracing::info!(
            user.id = note.user_id,
            task.id = note.task_id,
            kind,
            "notified"
        );
    }
    live::deliver_new(&state.db.pool, &state.push, notified);
}

async fn refuse(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    task_id: i64,
    refused: Refused,
) -> AppResult<HttpResponse> {
    let page = task_page(state, session, user, task_id, refused).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn new_task_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    form: TaskInput,
    errors: FieldErrors,
) -> AppResult<NewTaskPage> {
    Ok(NewTaskPage {
        layout: Layout::for_user(state, session, user, "New work order").await?,
        form,
        errors,
        priorities: Priority::ALL,
        locations: location_choices(&state.db.pool).await?,
        assignees: assignee_choices(&state.db.pool, None).await?,
    })
}

async fn task_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    task_id: i64,
    refused: Refused,
) -> AppResult<TaskPage> {
    let pool = &state.db.pool;
    let task = find_visible_task(pool, &user.0, task_id).await?;
    let (locations, assignees) = if user.role().manages_tasks() {
        let assignees = assignee_choices(pool, task.assignee.as_ref()).await?;
        (location_choices(pool).await?, assignees)
    } else {
        (vec![], vec![])
    };

    Ok(TaskPage {
        layout: Layout::for_user(state, session, user, task.title.clone()).await?,
        activity: list_activity(pool, task_id).await?,
        transitions: allowed_transitions(user.role(), task.status),
        status_error: refused.status_error,
        comment: refused.comment,
        comment_error: refused.comment_error,
        form: refused.edit.unwrap_or_else(|| TaskInput::from_task(&task)),
        errors: refused.errors,
        priorities: Priority::ALL,
        locations,
        assignees,
        task,
    })
}
