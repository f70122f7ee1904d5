//! Signs channel subscriptions for the page script (pusher-js's
//! `channelAuthorization` endpoint). A user may join their own private
//! channel and the staff presence channel, nothing else.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::channels::SocketId;
use crate::signing::{channel_auth, user_auth};
use crate::web::{csrf, AppState, CurrentUser};

/// Everyone logged in joins it; managers see who is online.
pub const PRESENCE_CHANNEL: &str = "presence-staff";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pusher_auth).service(pusher_user_auth);
}

#[derive(Deserialize)]
struct AuthRequest {
    #[serde(default)]
    socket_id: String,
    #[serde(default)]
    channel_name: String,
}

#[derive(Serialize)]
struct AuthAnswer {
    auth: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_data: Option<String>,
}

#[post("/pusher_auth")]
async fn pusher_auth(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    form: web::Form<AuthRequest>,
) -> HttpResponse {
    let Some(user) = user else {
        return refuse("Log in to subscribe.");
    };
    if csrf::verify_header(&req).is_err() {
        return refuse("The request did not come from this site.");
    }
    if SocketId::parse(&form.socket_id).is_none() {
        return HttpResponse::BadRequest().json(json!({ "error": "socket_id is malformed" }));
    }

    match channel_data_for(&user, &form.channel_name) {
        Some(channel_data) => HttpResponse::Ok().json(sign(&state, &form, channel_data)),
        None => refuse("You may not subscribe to that channel."),
    }
}

/// `Some(None)` for the user's own private channel, `Some(Some(data))` for
/// the presence channel, `None` for anything else.
fn channel_data_for(user: &CurrentUser, channel: &str) -> Option<Option<String>> {
    if channel == format!("private-{}", user.id()) {
        return Some(None);
    }
    if channel == PRESENCE_CHANNEL {
        let data = json!({
            "user_id": user.id().to_string(),
            "user_info": { "name": user.0.name, "role": user.role().as_str() },
        });
        return Some(Some(data.to_string()));
    }
    None
}

fn sign(state: &AppState, form: &AuthRequest, channel_data: Option<String>) -> AuthAnswer {
    let credentials = state.push.credentials();
    let auth = channel_auth(
        &credentials.key,
        &credentials.secret,
        &form.socket_id,
        &form.channel_name,
        channel_data.as_deref(),
    );
    AuthAnswer { auth, channel_data }
}

#[derive(Deserialize)]
struct SigninRequest {
    #[serde(default)]
    socket_id: String,
}

/// Signs `pusher:signin` for the session's user, so that the push server
/// knows which sockets to close when the account is deactivated.
#[post("/pusher_user_auth")]
async fn pusher_user_auth(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    form: web::Form<SigninRequest>,
) -> HttpResponse {
    let Some(user) = user else {
        return refuse("Log in to sign in.");
    };
    if csrf::verify_header(&req).is_err() {
        return refuse("The request did not come from this site.");
    }
    if SocketId::parse(&form.socket_id).is_none() {
        return HttpResponse::BadRequest().json(json!({ "error": "socket_id is malformed" }));
    }

    let user_data = json!({
        "id": user.id().to_string(),
        "user_info": { "name": user.0.name, "role": user.role().as_str() },
    })
    .to_string();
    let credentials = state.push.credentials();
    let auth = user_auth(
        &credentials.key,
        &credentials.secret,
        &form.socket_id,
        &user_data,
    );
    HttpResponse::Ok().json(json!({ "auth": auth, "user_data": user_data }))
}

fn refuse(reason: &str) -> HttpResponse {
    HttpResponse::Forbidden().json(json!({ "error": reason }))
}
