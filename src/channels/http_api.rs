//! The Pusher HTTP API: signed requests to trigger events and query channels.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::hub::{ChannelInfo, Hub, HubError, TriggerEvent};
use super::names::{is_valid_channel_name, ChannelKind};
use crate::signing::{self, RequestToSign, SignatureError};

/// Mounts the HTTP API routes; the hub must be in the app data.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/apps/{app_id}/events", web::post().to(trigger_event))
        .route("/apps/{app_id}/batch_events", web::post().to(trigger_batch))
        .route("/apps/{app_id}/channels", web::get().to(list_channels))
        .route("/apps/{app_id}/channels/{name}", web::get().to(get_channel))
        .route(
            "/apps/{app_id}/channels/{name}/users",
            web::get().to(list_users),
        )
        .route(
            "/apps/{app_id}/users/{user_id}/terminate_connections",
            web::post().to(terminate_connections),
        );
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unknown app")]
    UnknownApp,
    #[error("{0}")]
    Unauthorized(#[from] SignatureError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    TooLarge(String),
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::UnknownApp => StatusCode::NOT_FOUND,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({ "error": self.to_string() }))
    }
}

impl From<HubError> for ApiError {
    fn from(error: HubError) -> Self {
        match error {
            HubError::DataTooLarge(_) => Self::TooLarge(error.to_string()),
            other => Self::BadRequest(other.to_string()),
        }
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest(message.into())
}

/// The request's decoded query, once its app and signature are checked.
struct Verified {
    params: Vec<(String, String)>,
}

impl Verified {
    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The attributes listed in a comma-separated `info` parameter.
    fn info(&self) -> Vec<String> {
        parse_info(self.get("info"))
    }
}

fn parse_info(info: Option<&str>) -> Vec<String> {
    info.map(|list| list.split(',').map(|a| a.trim().to_string()).collect())
        .unwrap_or_default()
}

fn verify(request: &HttpRequest, hub: &Hub, body: &[u8]) -> Result<Verified, ApiError> {
    let config = hub.config();
    if request.match_info().get("app_id") != Some(config.app_id.as_str()) {
        return Err(ApiError::UnknownApp);
    }
    let params: Vec<(String, String)> = serde_urlencoded::from_str(request.query_string())
        .map_err(|_| bad_request("malformed query string"))?;

    let to_verify = RequestToSign {
        method: request.method().as_str(),
        path: request.path(),
        params: &params,
        body: Some(body),
    };
    signing::verify_request(&config.key, &config.secret, &to_verify, signing::unix_now())?;
    Ok(Verified { params })
}

/// One event as the HTTP API accepts it.
#[derive(Deserialize)]
struct EventRequest {
    name: String,
    data: Value,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default)]
    socket_id: Option<String>,
    #[serde(default)]
    info: Option<String>,
}

impl EventRequest {
    fn into_trigger(self) -> Result<(TriggerEvent, Vec<String>), ApiError> {
        let channels = match (self.channels, self.channel) {
            (Some(channels), None) => channels,
            (None, Some(channel)) => vec![channel],
            _ => return Err(bad_request("give exactly one of channel and channels")),
        };
        let data = match self.data {
            Value::String(text) => text,
            other => other.to_string(),
        };
        let event = TriggerEvent {
            channels,
            name: self.name,
            data,
            socket_id: self.socket_id,
        };
        Ok((event, parse_info(self.info.as_deref())))
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| bad_request(format!("invalid body: {error}")))
}

async fn trigger_event(
    request: HttpRequest,
    body: web::Bytes,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    verify(&request, &hub, &body)?;
    let (event, info) = parse_json::<EventRequest>(&body)?.into_trigger()?;
    check_info(&info, &event.channels)?;

    hub.trigger(event.clone())?;

    if info.is_empty() {
        return Ok(HttpResponse::Ok().json(json!({})));
    }
    let channels: Map<String, Value> = event
        .channels
        .iter()
        .map(|name| (name.clone(), info_json(&hub.channel_info(name), &info)))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "channels": channels })))
}

#[derive(Deserialize)]
struct BatchRequest {
    batch: Vec<EventRequest>,
}

async fn trigger_batch(
    request: HttpRequest,
    body: web::Bytes,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    verify(&request, &hub, &body)?;
    let batch = parse_json::<BatchRequest>(&body)?.batch;
    let limit = hub.config().max_batch_events;
    if batch.is_empty() || batch.len() > limit {
        return Err(bad_request(format!("a batch holds 1 to {limit} events")));
    }
    let events = batch
        .into_iter()
        .map(EventRequest::into_trigger)
        .collect::<Result<Vec<_>, _>>()?;
    for (event, info) in &events {
        hub.validate(event)?;
        check_info(info, &event.channels)?;
    }

    for (event, _) in &events {
        hub.trigger(event.clone())?;
    }
    Ok(HttpResponse::Ok().json(batch_response(&hub, &events)))
}

fn batch_response(hub: &Hub, events: &[(TriggerEvent, Vec<String>)]) -> Value {
    if events.iter().all(|(_, info)| info.is_empty()) {
        return json!({});
    }
    let attributes: Vec<Value> = events
        .iter()
        .map(|(event, info)| match event.channels.first() {
            Some(name) if !info.is_empty() => info_json(&hub.channel_info(name), info),
            _ => json!({}),
        })
        .collect();
    json!({ "batch": attributes })
}

/// Refuses attributes the API does not know, and `user_count` outside
/// presence channels.
fn check_info(info: &[String], channels: &[String]) -> Result<(), ApiError> {
    for attribute in info {
        match attribute.as_str() {
            "subscription_count" => {}
            "user_count" if channels.iter().all(|c| is_presence(c)) => {}
            "user_count" => return Err(bad_request("user_count is for presence channels only")),
            other => return Err(bad_request(format!("unknown info attribute {other}"))),
        }
    }
    Ok(())
}

fn is_presence(channel: &str) -> bool {
    ChannelKind::of(channel) == ChannelKind::Presence
}

fn info_json(channel: &ChannelInfo, info: &[String]) -> Value {
    let mut attributes = Map::new();
    if info.iter().any(|a| a == "subscription_count") {
        attributes.insert(
            "subscription_count".into(),
            json!(channel.subscription_count),
        );
    }
    if let Some(users) = channel
        .user_count
        .filter(|_| info.iter().any(|a| a == "user_count"))
    {
        attributes.insert("user_count".into(), json!(users));
    }
    Value::Object(attributes)
}

async fn list_channels(
    request: HttpRequest,
    body: web::Bytes,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let query = verify(&request, &hub, &body)?;
    let prefix = query.get("filter_by_prefix");
    let info = query.info();
    let want_users = info.iter().any(|a| a == "user_count");
    if want_users && !prefix.is_some_and(|p| p.starts_with("presence-")) {
        return Err(bad_request(
            "info=user_count needs filter_by_prefix=presence-",
        ));
    }

    let channels: Map<String, Value> = hub
        .list_channels(prefix, want_users)
        .into_iter()
        .map(|(name, users)| {
            let attributes = users.map_or(json!({}), |n| json!({ "user_count": n }));
            (name, attributes)
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "channels": channels })))
}

fn channel_name(request: &HttpRequest) -> Result<String, ApiError> {
    let name = request.match_info().get("name").unwrap_or_default();
    if !is_valid_channel_name(name) {
        return Err(bad_request(format!("invalid channel name {name:?}")));
    }
    Ok(name.to_string())
}

async fn get_channel(
    request: HttpRequest,
    body: web::Bytes,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let query = verify(&request, &hub, &body)?;
    let name = channel_name(&request)?;
    let info = query.info();
    check_info(&info, std::slice::from_ref(&name))?;

    let channel = hub.channel_info(&name);
    let mut response = info_json(&channel, &info);
    response["occupied"] = json!(channel.occupied);
    Ok(HttpResponse::Ok().json(response))
}

async fn list_users(
    request: HttpRequest,
    body: web::Bytes,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    verify(&request, &hub, &body)?;
    let name = channel_name(&request)?;

    let users: Vec<Value> = hub
        .channel_users(&name)?
        .into_iter()
        .map(|id| json!({ "id": id }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "users": users })))
}

async fn terminate_connections(
    request: HttpRequest,
    body: web::Bytes,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    verify(&request, &hub, &body)?;
    let user_id = request.match_info().get("user_id").unwrap_or_default();

    hub.terminate_user_connections(user_id);
    Ok(HttpResponse::Ok().json(json!({})))
}
