//! The one error type the web layer answers with, and how each kind maps to
//! an HTTP status. `Display` is the message a user may read; the cause chain
//! goes to the log only.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("That page does not exist.")]
    NotFound,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Please log in.")]
    LoginRequired,
    #[error("The form expired or did not come from this site. Reload the page and try again.")]
    Csrf,
    /// A malformed request, such as an unknown filter value in a query string.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("The service is busy. Try again in a moment.")]
    Unavailable(#[source] sqlx::Error),
    #[error("Something went wrong on our side. It has been logged.")]
    Internal(#[source] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut => AppError::Unavailable(error),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::Internal(error)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::LoginRequired => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/login"))
                .finish();
        }
        log_cause(self);
        crate::web::pages::error_page(self.status_code(), &self.to_string())
    }
}

fn log_cause(error: &AppError) {
    match error {
        AppError::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
        AppError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
        _ => {}
    }
}

pub type AppResult<T> = Result<T, AppError>;
