//! The home page: what needs the user's attention.

use actix_session::Session;
use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::error::AppResult;
use crate::web::pages::{render, Layout};
use crate::web::{AppState, CurrentUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard);
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
}

#[get("/")]
async fn dashboard(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let layout = Layout::for_user(&state, &session, &user, "Dashboard").await?;
    render(&DashboardPage { layout })
}
