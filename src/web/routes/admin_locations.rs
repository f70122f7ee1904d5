//! The admin page for the location tree: add, rename and delete locations.

use actix_session::Session;
use actix_web::{get, post, web, HttpResponse, ResponseError};
use askama::Template;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::locations::{
    create_location, delete_location, list_with_paths, rename_location, LocationKind, LocationPath,
};
use crate::web::csrf::CsrfForm;
use crate::web::pages::{flash, redirect, render, render_with_status, Layout};
use crate::web::{AppState, CurrentUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(locations_page)
        .service(create)
        .service(rename)
        .service(delete);
}

#[derive(Template)]
#[template(path = "admin/locations.html")]
struct LocationsPage {
    layout: Layout,
    locations: Vec<LocationPath>,
    kinds: [LocationKind; 4],
    form: NewLocationForm,
    error: Option<String>,
}

impl LocationsPage {
    fn indent(&self, location: &LocationPath) -> String {
        "— ".repeat(location.depth)
    }

    fn is_kind(&self, kind: &LocationKind) -> bool {
        self.form.kind == kind.as_str()
    }

    fn is_parent(&self, id: &i64) -> bool {
        self.form.parent_id == id.to_string()
    }
}

#[derive(Deserialize, Default)]
struct NewLocationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct RenameForm {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct Empty {}

async fn show(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    form: NewLocationForm,
    error: Option<AppError>,
) -> AppResult<HttpResponse> {
    let page = LocationsPage {
        layout: Layout::for_user(state, session, user, "Locations").await?,
        locations: list_with_paths(&state.db.pool).await?,
        kinds: LocationKind::ALL,
        form,
        error: error.as_ref().map(ToString::to_string),
    };
    match error {
        Some(error) => render_with_status(error.status_code(), &page),
        None => render(&page),
    }
}

/// A user's mistake is shown on the page; anything else is an error page.
fn shown_on_page(error: AppError) -> AppResult<AppError> {
    match error {
        AppError::Invalid(_) | AppError::Conflict(_) => Ok(error),
        other => Err(other),
    }
}

#[get("/admin/locations")]
async fn locations_page(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    show(&state, &session, &user, NewLocationForm::default(), None).await
}

fn parse_new(form: &NewLocationForm) -> AppResult<(LocationKind, Option<i64>)> {
    let kind = LocationKind::parse(&form.kind).map_err(AppError::Invalid)?;
    let parent_id =
        match form.parent_id.trim() {
            "" => None,
            id => Some(id.parse::<i64>().map_err(|_| {
                AppError::Invalid("The chosen parent location does not exist.".into())
            })?),
        };
    Ok((kind, parent_id))
}

#[post("/admin/locations")]
async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<NewLocationForm>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;

    let created = match parse_new(&form) {
        Ok((kind, parent_id)) => create_location(&state.db.pool, kind, parent_id, &form.name).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(_) => {
            flash(&session, format!("Added {}.", form.name.trim()));
            Ok(redirect("/admin/locations"))
        }
        Err(error) => show(&state, &session, &user, form, Some(shown_on_page(error)?)).await,
    }
}

#[post("/admin/locations/{id}/rename")]
async fn rename(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<RenameForm>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;

    let outcome = rename_location(&state.db.pool, id.into_inner(), &form.name).await;
    after_change(&state, &session, &user, outcome, "Renamed.").await
}

#[post("/admin/locations/{id}/delete")]
async fn delete(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;

    let outcome = delete_location(&state.db.pool, id.into_inner()).await;
    after_change(&state, &session, &user, outcome, "Deleted.").await
}

/// Back to the tree with `done` flashed, or the tree again with the reason a
/// change was refused.
async fn after_change(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    outcome: AppResult<()>,
    done: &str,
) -> AppResult<HttpResponse> {
    match outcome {
        Ok(()) => {
            flash(session, done);
            Ok(redirect("/admin/locations"))
        }
        Err(error) => {
            let error = shown_on_page(error)?;
            show(
                state,
                session,
                user,
                NewLocationForm::default(),
                Some(error),
            )
            .await
        }
    }
}
