//! Cross-site request forgery protection: every state-changing form carries
//! a token tied to the session, and `CsrfForm` refuses a form without it.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::db::random_token;
use crate::error::{AppError, AppResult};

const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "X-CSRF-Token";
/// Forms larger than this are refused before parsing.
const FORM_LIMIT_BYTES: usize = 256 * 1024;

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(SESSION_KEY) {
        return token;
    }
    let token = random_token(43);
    // A session that cannot store the token renders a form that will be
    // refused on submit, which is the safe failure.
    let _ = session.insert(SESSION_KEY, &token);
    token
}

pub fn verify(session: &Session, submitted: &str) -> AppResult<()> {
    let expected = session.get::<String>(SESSION_KEY).ok().flatten();
    match expected {
        Some(expected) if bool::from(expected.as_bytes().ct_eq(submitted.as_bytes())) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

/// Checks the `X-CSRF-Token` header, for requests made by the page script.
pub fn verify_header(req: &HttpRequest) -> AppResult<()> {
    let submitted = req
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    verify(&req.get_session(), submitted)
}

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    csrf_token: String,
}

/// A url-encoded form whose CSRF token has been checked.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<CsrfForm<T>>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|_| AppError::Invalid("The form could not be read.".into()))?;
            if body.len() > FORM_LIMIT_BYTES {
                return Err(AppError::Invalid("The form is too large.".into()));
            }
            let token: TokenOnly =
                serde_urlencoded::from_bytes(&body).map_err(|_| AppError::Csrf)?;
            verify(&session, &token.csrf_token)?;

            serde_urlencoded::from_bytes(&body)
                .map(CsrfForm)
                .map_err(|error| AppError::Invalid(format!("The form is malformed: {error}.")))
        })
    }
}
