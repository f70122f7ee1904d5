//! Who is asking: the logged-in user, loaded fresh on every request so that
//! a deactivated account or a changed role takes effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::session_store::USER_ID_KEY;
use super::AppState;
use crate::accounts::{find_user, Role, User};
use crate::error::{AppError, AppResult};

/// The logged-in, active user. Extracting it from a request without one
/// redirects to the login page.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.0.id
    }

    pub fn role(&self) -> Role {
        self.0.role
    }

    pub fn require_manager(&self) -> AppResult<()> {
        if self.0.role.manages_tasks() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.0.role.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<CurrentUser>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            load_current_user(&session, &state).await
        })
    }
}

async fn load_current_user(session: &Session, state: &AppState) -> AppResult<CurrentUser> {
    let user_id = session
        .get::<i64>(USER_ID_KEY)
        .map_err(|_| AppError::LoginRequired)?
        .ok_or(AppError::LoginRequired)?;

    match find_user(&state.db.pool, user_id).await? {
        Some(user) if user.active => Ok(CurrentUser(user)),
        _ => {
            session.purge();
            Err(AppError::LoginRequired)
        }
    }
}

/// Starts a fresh session for `user_id`: a new session id, so a session id
/// planted before login is worthless afterwards.
pub fn log_in(session: &Session, user_id: i64) -> AppResult<()> {
    session.renew();
    session.clear();
    session
        .insert(USER_ID_KEY, user_id)
        .map_err(|error| AppError::Internal(anyhow::anyhow!("cannot store the session: {error}")))
}
