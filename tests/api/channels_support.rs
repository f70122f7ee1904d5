//! A push server on a free port, and a raw protocol client for it.

use std::net::TcpListener;
use std::time::Duration;

use caretaker::channels::{self, AppConfig, Fanout, Hub};
use caretaker::signing;
use futures_util::{SinkExt, StreamExt};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const APP_ID: &str = "4242";
pub const KEY: &str = "test-key";
pub const SECRET: &str = "test-secret-of-some-length";

/// Generous upper bound for anything a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub fn test_config() -> AppConfig {
    AppConfig::new(APP_ID, KEY, SecretString::from(SECRET))
}

pub fn secret() -> SecretString {
    SecretString::from(SECRET)
}

/// A push server as `caretaker channels` runs it: the HTTP API (and the
/// mounted socket route) on `port`, its own socket listener on `ws_port`.
pub struct TestServer {
    pub hub: Hub,
    pub port: u16,
    pub ws_port: u16,
}

impl TestServer {
    pub async fn start(config: AppConfig) -> Self {
        Self::start_with(config, Fanout::Local).await
    }

    pub async fn start_with(config: AppConfig, fanout: Fanout) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hub = Hub::new(config, fanout);
        let server = channels::serve_standalone(listener, hub.clone()).unwrap();
        tokio::spawn(server);

        let socket_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_port = socket_listener.local_addr().unwrap().port();
        tokio::spawn(channels::serve_sockets(socket_listener, hub.clone()));
        Self { hub, port, ws_port }
    }

    /// A socket URL on the push server's own listener.
    pub fn ws_url(&self, key: &str, query: &str) -> String {
        format!("ws://127.0.0.1:{}/app/{key}?{query}", self.ws_port)
    }

    /// A socket URL on the route mounted in the web server.
    pub fn mounted_ws_url(&self, key: &str, query: &str) -> String {
        format!("ws://127.0.0.1:{}/app/{key}?{query}", self.port)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub async fn client(&self) -> Client {
        let url = self.ws_url(KEY, "protocol=7&client=rust-test&version=1.0");
        Client::connect(&url).await
    }
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub socket_id: String,
}

/// How a socket ended, as the client saw it.
#[derive(Debug, PartialEq)]
pub enum Ending {
    Closed(u16),
    Dropped,
}

impl Client {
    /// Connects and waits for `pusher:connection_established`.
    pub async fn connect(url: &str) -> Self {
        let mut client = Self::open(url).await;
        let established = client.expect("pusher:connection_established").await;
        let data: Value = serde_json::from_str(established["data"].as_str().unwrap()).unwrap();
        client.socket_id = data["socket_id"].as_str().unwrap().to_string();
        client
    }

    /// Connects without waiting for anything.
    pub async fn open(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Self {
            ws,
            socket_id: String::new(),
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next event, or `None` if the socket ended first.
    pub async fn next_event(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("no message within the patience limit")?;
            match message.ok()? {
                Message::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Waits for the named event, skipping others.
    pub async fn expect(&mut self, name: &str) -> Value {
        loop {
            let event = self
                .next_event()
                .await
                .unwrap_or_else(|| panic!("socket ended while waiting for {name}"));
            if event["event"] == name {
                return event;
            }
        }
    }

    /// The close code the server ends the socket with, skipping events.
    pub async fn ending(&mut self) -> Ending {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("socket still open after the patience limit");
            match message {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Ending::Closed(u16::from(frame.code))
                }
                Some(Ok(Message::Close(None))) => {
                    return Ending::Closed(u16::from(CloseCode::Status))
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Ending::Dropped,
            }
        }
    }

    /// Checks the socket still answers: a ping gets a pong.
    pub async fn assert_alive(&mut self) {
        self.send(json!({ "event": "pusher:ping", "data": {} }))
            .await;
        self.expect("pusher:pong").await;
    }

    pub async fn subscribe(&mut self, channel: &str) -> Value {
        self.send(subscribe_message(channel, None, None)).await;
        self.subscription_outcome(channel).await
    }

    pub async fn subscribe_private(&mut self, channel: &str) -> Value {
        let auth = signing::channel_auth(KEY, &secret(), &self.socket_id, channel, None);
        self.send(subscribe_message(channel, Some(&auth), None))
            .await;
        self.subscription_outcome(channel).await
    }

    pub async fn subscribe_presence(&mut self, channel: &str, user_id: &str, name: &str) -> Value {
        let data = json!({ "user_id": user_id, "user_info": { "name": name } }).to_string();
        let auth = signing::channel_auth(KEY, &secret(), &self.socket_id, channel, Some(&data));
        self.send(subscribe_message(channel, Some(&auth), Some(&data)))
            .await;
        self.subscription_outcome(channel).await
    }

    /// The `subscription_succeeded` or `subscription_error` for `channel`.
    pub async fn subscription_outcome(&mut self, channel: &str) -> Value {
        loop {
            let event = self
                .next_event()
                .await
                .expect("socket ended while subscribing");
            let name = event["event"].as_str().unwrap_or_default();
            let outcome = name == "pusher_internal:subscription_succeeded"
                || name == "pusher:subscription_error";
            if outcome && event["channel"] == channel {
                return event;
            }
        }
    }

    pub async fn sign_in(&mut self, user_id: &str) -> Value {
        let user_data = json!({ "id": user_id }).to_string();
        let auth = signing::user_auth(KEY, &secret(), &self.socket_id, &user_data);
        self.send(
            json!({ "event": "pusher:signin", "data": { "auth": auth, "user_data": user_data } }),
        )
        .await;
        self.next_event()
            .await
            .expect("socket ended while signing in")
    }

    /// Asserts nothing but pongs arrives before a ping round trip completes,
    /// so an event that should not come would have come before the pong.
    pub async fn assert_nothing_pending(&mut self) {
        self.send(json!({ "event": "pusher:ping", "data": {} }))
            .await;
        let next = self.next_event().await.expect("socket ended");
        assert_eq!(next["event"], "pusher:pong", "unexpected event: {next}");
    }
}

pub fn subscribe_message(channel: &str, auth: Option<&str>, channel_data: Option<&str>) -> Value {
    let mut data = json!({ "channel": channel });
    if let Some(auth) = auth {
        data["auth"] = json!(auth);
    }
    if let Some(channel_data) = channel_data {
        data["channel_data"] = json!(channel_data);
    }
    json!({ "event": "pusher:subscribe", "data": data })
}

/// The parsed JSON inside an event's string `data`.
pub fn data_of(event: &Value) -> Value {
    serde_json::from_str(event["data"].as_str().unwrap()).unwrap()
}

/// Whether an external service or tool may be skipped here: it may unless
/// `CI=true`, where its absence fails the test.
pub fn skip_missing(what: &str) -> bool {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{what} is required when CI=true");
    }
    eprintln!("SKIPPED: {what} is not available");
    true
}
