//! The settings of one Pusher app served by the hub.

use std::time::Duration;

use secrecy::SecretString;

/// One app's credentials and limits.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub app_id: String,
    pub key: String,
    pub secret: SecretString,
    /// Sockets beyond this many are refused with close code 4100.
    pub max_connections: usize,
    /// Largest accepted WebSocket message, and largest event `data` the HTTP
    /// API accepts, in bytes.
    pub max_message_bytes: usize,
    /// Channels one HTTP API trigger may name (Pusher allows 100).
    pub max_channels_per_trigger: usize,
    /// Events one `batch_events` request may carry (Pusher allows 10).
    pub max_batch_events: usize,
    /// Channels one socket may be subscribed to at once.
    pub max_channels_per_socket: usize,
    /// Seconds of client silence after which the server sends `pusher:ping`;
    /// also announced to clients in `pusher:connection_established`.
    pub activity_timeout: Duration,
    /// How long the server waits for any message after its ping before
    /// closing the socket with 4201.
    pub pong_timeout: Duration,
    pub client_events_enabled: bool,
    /// Client events one socket may send per second; more are refused with
    /// a `pusher:error` of code 4301.
    pub client_event_rate_per_sec: u32,
    /// Where batched webhooks are POSTed, if anywhere.
    pub webhook_url: Option<String>,
}

impl AppConfig {
    /// An app with the given credentials and the default limits.
    pub fn new(app_id: impl Into<String>, key: impl Into<String>, secret: SecretString) -> Self {
        Self {
            app_id: app_id.into(),
            key: key.into(),
            secret,
            max_connections: 20_000,
            max_message_bytes: 10 * 1024,
            max_channels_per_trigger: 100,
            max_batch_events: 10,
            max_channels_per_socket: 100,
            activity_timeout: Duration::from_secs(120),
            pong_timeout: Duration::from_secs(30),
            client_events_enabled: true,
            client_event_rate_per_sec: 10,
            webhook_url: None,
        }
    }
}
