//! What every page shares: the layout data the base template needs, flash
//! messages, and rendering a template into a response.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use super::{csrf, AppState, CurrentUser};
use crate::accounts::User;
use crate::error::{AppError, AppResult};
use crate::notify::{unread_status, UnreadStatus};

const FLASH_KEY: &str = "flash";

/// Where the page script finds the push server.
#[derive(Clone, Debug)]
pub struct PushClientConfig {
    pub key: String,
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

pub struct Layout {
    pub title: String,
    pub user: Option<User>,
    pub csrf: String,
    pub badge: UnreadStatus,
    pub flash: Option<String>,
    pub push: PushClientConfig,
}

impl Layout {
    /// The layout of a page seen by a logged-in user.
    pub async fn for_user(
        state: &AppState,
        session: &Session,
        user: &CurrentUser,
        title: impl Into<String>,
    ) -> AppResult<Layout> {
        let badge = unread_status(&state.db.pool, user.id()).await?;
        Ok(Layout {
            title: title.into(),
            user: Some(user.0.clone()),
            csrf: csrf::token(session),
            badge,
            flash: take_flash(session),
            push: state.push_client.clone(),
        })
    }

    /// The layout of a page seen before logging in.
    pub fn anonymous(state: &AppState, session: &Session, title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            user: None,
            csrf: csrf::token(session),
            badge: UnreadStatus::default(),
            flash: take_flash(session),
            push: state.push_client.clone(),
        }
    }

    pub fn is_manager(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|user| user.role.manages_tasks())
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|user| user.role.is_admin())
    }

    pub fn user_id(&self) -> i64 {
        self.user.as_ref().map_or(0, |user| user.id)
    }

    pub fn user_role(&self) -> &'static str {
        self.user.as_ref().map_or("", |user| user.role.as_str())
    }

    /// The badge text: the count, or `99+` above 99.
    pub fn badge_text(&self) -> String {
        match self.badge.unread {
            count if count > 99 => "99+".into(),
            count => count.to_string(),
        }
    }

    /// The cache-busting URL of a static file, e.g. `asset("js/app.js")`.
    pub fn asset(&self, logical: &str) -> &'static str {
        crate::assets::url(logical)
    }

    pub fn page_title(&self) -> String {
        match self.badge.unread {
            0 => format!("{} · Caretaker", self.title),
            count => format!("({count}) {} · Caretaker", self.title),
        }
    }
}

/// Shows `message` once, on the next page the user sees.
pub fn flash(session: &Session, message: impl Into<String>) {
    let _ = session.insert(FLASH_KEY, message.into());
}

fn take_flash(session: &Session) -> Option<String> {
    session.remove_as::<String>(FLASH_KEY).and_then(Result::ok)
}

pub fn render(page: &impl Template) -> AppResult<HttpResponse> {
    render_with_status(StatusCode::OK, page)
}

pub fn render_with_status(status: StatusCode, page: &impl Template) -> AppResult<HttpResponse> {
    let html = page
        .render()
        .map_err(|error| AppError::Internal(anyhow::anyhow!("template failed: {error}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    stylesheet: &'static str,
    status: u16,
    reason: &'a str,
    message: &'a str,
}

/// A plain page for an error, needing nothing from the request.
pub fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let page = ErrorPage {
        stylesheet: crate::assets::url("css/app.css"),
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("Error"),
        message,
    };
    let body = page.render().unwrap_or_else(|_| message.to_owned());
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}
