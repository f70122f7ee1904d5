//! Sending events to browsers: through the embedded push server, or through
//! any Pusher-compatible HTTP API.

mod embedded;
mod http;

use std::future::Future;
use std::pin::Pin;

use secrecy::SecretString;
use serde_json::Value;

use crate::channels::{ChannelInfo, HubError};

pub use embedded::EmbeddedPush;
pub use http::{HttpEndpoint, HttpPush};

/// The push app's credentials; the auth endpoint signs subscriptions with them.
#[derive(Debug, Clone)]
pub struct PusherCredentials {
    pub app_id: String,
    pub key: String,
    pub secret: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("event refused: {0}")]
    Refused(#[from] HubError),
    #[error("push service unreachable")]
    Unreachable(#[from] reqwest::Error),
    #[error("push service answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("request could not be encoded")]
    InvalidRequest,
    #[error("push service sent an unreadable answer")]
    InvalidAnswer,
}

/// A boxed future, so that [`Push`] stays object-safe.
pub type PushFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PushError>> + Send + 'a>>;

/// Where events go. `data` is sent as its JSON text (a JSON string is sent
/// as the string itself).
pub trait Push: Send + Sync {
    fn trigger<'a>(
        &'a self,
        channels: &'a [String],
        event: &'a str,
        data: &'a Value,
    ) -> PushFuture<'a, ()>;

    fn channel_info<'a>(&'a self, channel: &'a str) -> PushFuture<'a, ChannelInfo>;

    fn terminate_user_connections<'a>(&'a self, user_id: &'a str) -> PushFuture<'a, ()>;

    fn credentials(&self) -> &PusherCredentials;
}

/// The text sent to clients for an event's data.
fn data_text(data: &Value) -> String {
    match data {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
