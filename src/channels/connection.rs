//! The protocol engine for one socket, independent of any transport: it is
//! fed the client's text messages and answers through the socket's outbox.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use tokio::time::{Duration, Instant};

use super::frames::{self, codes};
use super::hub::{Hub, PresenceMember, SERVER_TO_USER_PREFIX};
use super::names::{is_valid_channel_name, ChannelKind};
use super::socket::{Outbox, SocketId};
use super::webhooks::WebhookEvent;
use crate::signing;

/// The protocol versions this server speaks.
pub const SUPPORTED_PROTOCOLS: std::ops::RangeInclusive<u32> = 5..=7;

/// Checks the WebSocket URL's app key and `protocol` query parameter;
/// `Err` carries the close code that refuses the connection.
pub fn check_handshake(hub: &Hub, key: &str, protocol: Option<&str>) -> Result<(), (u16, String)> {
    if key != hub.config().key {
        return Err((
            codes::APP_NOT_FOUND,
            format!("App key {key} does not exist"),
        ));
    }
    let Some(protocol) = protocol else {
        return Err((codes::NO_PROTOCOL, "No protocol version supplied".into()));
    };
    match protocol.parse::<u32>() {
        Ok(version) if SUPPORTED_PROTOCOLS.contains(&version) => Ok(()),
        _ => Err((
            codes::UNSUPPORTED_PROTOCOL,
            format!("Unsupported protocol version {protocol}"),
        )),
    }
}

/// One socket's protocol state. Dropping it leaves every channel it joined.
pub struct Connection {
    hub: Hub,
    outbox: Arc<Outbox>,
    /// Joined channels, with the presence user id where there is one.
    subscriptions: HashMap<Box<str>, Option<Box<str>>>,
    client_events: RateWindow,
}

#[derive(Deserialize)]
struct Incoming {
    event: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct SubscribeData {
    channel: String,
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    channel_data: Option<String>,
}

#[derive(Deserialize)]
struct SigninData {
    auth: String,
    user_data: String,
}

impl Connection {
    /// Registers a socket with the hub and queues `connection_established`
    /// in its outbox, which the transport drains; `Err` is the close code
    /// that refuses the socket.
    pub fn open(hub: &Hub) -> Result<Self, u16> {
        let outbox = hub.register()?;
        let timeout = hub.config().activity_timeout.as_secs().max(1);
        outbox.send(frames::connection_established(
            &outbox.id().to_string(),
            timeout,
        ));

        let connection = Self {
            hub: hub.clone(),
            outbox,
            subscriptions: HashMap::new(),
            client_events: RateWindow::new(hub.config().client_event_rate_per_sec, Instant::now()),
        };
        Ok(connection)
    }

    pub fn socket_id(&self) -> SocketId {
        self.outbox.id()
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Acts on a passed liveness deadline: queues a ping after the client's
    /// silence, or gives the close code once it stayed silent after one.
    pub fn check_liveness(&self, liveness: &mut Liveness, now: Instant) -> Option<u16> {
        match liveness.on_deadline(now)? {
            LivenessAction::SendPing => {
                self.outbox.send(frames::ping());
                None
            }
            LivenessAction::Close => Some(codes::PONG_NOT_RECEIVED),
        }
    }

    /// Handles one text message from the client.
    pub fn handle_text(&mut self, text: &str) {
        let limit = self.hub.config().max_message_bytes;
        if text.len() > limit {
            return self.error(None, &format!("Message exceeds {limit} bytes"));
        }
        let Ok(message) = serde_json::from_str::<Incoming>(text) else {
            return self.error(None, "Message is not a JSON object with an event");
        };

        match message.event.as_str() {
            "pusher:ping" => self.outbox.send(frames::pong()),
            "pusher:pong" => {}
            "pusher:subscribe" => self.on_subscribe(message.data),
            "pusher:unsubscribe" => self.on_unsubscribe(message.data),
            "pusher:signin" => self.on_signin(message.data),
            name if name.starts_with("client-") => {
                self.on_client_event(&message.event, message.channel, &message.data)
            }
            other => self.error(None, &format!("Unsupported event {other}")),
        }
    }

    fn error(&self, code: Option<u16>, message: &str) {
        self.outbox.send(frames::error(code, message));
    }

    fn on_subscribe(&mut self, data: Value) {
        let Some(request) = parse_data::<SubscribeData>(data) else {
            return self.error(None, "pusher:subscribe needs data with a channel");
        };
        let channel = request.channel.as_str();
        if !is_valid_channel_name(channel) {
            return self.refuse(channel, "InvalidChannel", "Invalid channel name", 400);
        }
        if self.subscriptions.contains_key(channel) {
            self.leave(channel);
        }
        if self.subscriptions.len() >= self.hub.config().max_channels_per_socket {
            return self.refuse(channel, "LimitReached", "Too many channels", 429);
        }

        match self.authorize(&request) {
            Ok(member) => self.join(channel, member),
            Err((message, status)) => self.refuse(channel, "AuthError", message, status),
        }
    }

    fn refuse(&self, channel: &str, kind: &str, message: &str, status: u16) {
        self.outbox
            .send(frames::subscription_error(channel, kind, message, status));
    }

    /// Checks the subscription's signature; presence channels also yield
    /// their member.
    fn authorize(
        &self,
        request: &SubscribeData,
    ) -> Result<Option<PresenceMember>, (&'static str, u16)> {
        let kind = ChannelKind::of(&request.channel);
        if !kind.needs_auth() {
            return Ok(None);
        }
        let config = self.hub.config();
        let auth = request.auth.as_deref().ok_or(("Missing auth", 401))?;
        let channel_data = match kind {
            ChannelKind::Presence => Some(
                request
                    .channel_data
                    .as_deref()
                    .ok_or(("Missing channel_data", 400))?,
            ),
            _ => None,
        };
        let socket_id = self.socket_id().to_string();
        let valid = signing::verify_channel_auth(
            &config.key,
            &config.secret,
            &socket_id,
            &request.channel,
            channel_data,
            auth,
        );
        if !valid {
            return Err(("Invalid signature", 401));
        }
        channel_data
            .map(|data| parse_member(data).ok_or(("Invalid channel_data", 400)))
            .transpose()
    }

    fn join(&mut self, channel: &str, member: Option<PresenceMember>) {
        let user_id = member.as_ref().map(|m| m.user_id.as_str().into());
        self.hub.subscribe(channel, &self.outbox, member, true);
        self.subscriptions.insert(channel.into(), user_id);
    }

    fn on_unsubscribe(&mut self, data: Value) {
        let channel = data_object(data)
            .get("channel")
            .and_then(Value::as_str)
            .map(str::to_string);
        match channel {
            Some(channel) => self.leave(&channel),
            None => self.error(None, "pusher:unsubscribe needs data with a channel"),
        }
    }

    fn leave(&mut self, channel: &str) {
        if let Some(user_id) = self.subscriptions.remove(channel) {
            self.hub
                .unsubscribe(channel, self.socket_id(), user_id.as_deref());
        }
    }

    fn on_signin(&mut self, data: Value) {
        let Some(request) = parse_data::<SigninData>(data) else {
            return self.error(None, "pusher:signin needs auth and user_data");
        };
        let config = self.hub.config();
        let socket_id = self.socket_id().to_string();
        let valid = signing::verify_user_auth(
            &config.key,
            &config.secret,
            &socket_id,
            &request.user_data,
            &request.auth,
        );
        let user_id = user_id_of(&request.user_data);
        match user_id {
            Some(user_id) if valid => self.sign_in(&user_id, &request.user_data),
            _ => self.error(
                Some(4009),
                "Sign-in refused: invalid signature or user_data",
            ),
        }
    }

    fn sign_in(&mut self, user_id: &str, user_data: &str) {
        self.outbox.set_signed_in_user(user_id);
        let channel = format!("{SERVER_TO_USER_PREFIX}{user_id}");
        if !self.subscriptions.contains_key(channel.as_str()) {
            self.hub.subscribe(&channel, &self.outbox, None, false);
            self.subscriptions.insert(channel.into(), None);
        }
        self.outbox.send(frames::signin_success(user_data));
    }

    fn on_client_event(&mut self, event: &str, channel: Option<String>, data: &Value) {
        let Some(channel) = channel else {
            return self.error(None, "Client event needs a channel");
        };
        if let Err(message) = self.check_client_event(&channel) {
            return self.error(None, &message);
        }
        if !self.client_events.allow(Instant::now()) {
            let message = "Client event rejected: rate limit exceeded";
            return self.error(Some(codes::CLIENT_EVENT_RATE_LIMIT), message);
        }

        let user_id = self.subscriptions.get(channel.as_str()).cloned().flatten();
        let frame = frames::client_event(event, &channel, data, user_id.as_deref());
        self.hub
            .relay_client_event(&channel, &frame, self.socket_id());
        let socket_id = self.socket_id().to_string();
        self.hub.notify(WebhookEvent::client_event(
            &channel,
            event,
            data,
            &socket_id,
            user_id.as_deref(),
        ));
    }

    fn check_client_event(&self, channel: &str) -> Result<(), String> {
        if !self.hub.config().client_events_enabled {
            return Err("Client events are disabled for this app".into());
        }
        if !ChannelKind::of(channel).allows_client_events() {
            return Err(format!("Client events are not allowed on {channel}"));
        }
        if !self.subscriptions.contains_key(channel) {
            return Err(format!("Not subscribed to {channel}"));
        }
        Ok(())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let id = self.socket_id();
        for (channel, user_id) in self.subscriptions.drain() {
            self.hub.unsubscribe(&channel, id, user_id.as_deref());
        }
        self.hub.deregister(id);
    }
}

/// Event data may arrive as an object or as a JSON string holding one.
fn data_object(data: Value) -> Value {
    match data {
        Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        other => other,
    }
}

fn parse_data<T: serde::de::DeserializeOwned>(data: Value) -> Option<T> {
    serde_json::from_value(data_object(data)).ok()
}

/// Presence `channel_data`: `user_id` (string or number) and optional `user_info`.
fn parse_member(channel_data: &str) -> Option<PresenceMember> {
    let data: Value = serde_json::from_str(channel_data).ok()?;
    let user_id = id_string(data.get("user_id")?)?;
    let user_info = data.get("user_info").cloned().unwrap_or(Value::Null);
    Some(PresenceMember { user_id, user_info })
}

fn user_id_of(user_data: &str) -> Option<String> {
    let data: Value = serde_json::from_str(user_data).ok()?;
    id_string(data.get("id")?)
}

fn id_string(value: &Value) -> Option<String> {
    let id = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    (!id.is_empty()).then_some(id)
}

/// Counts events in one-second windows.
struct RateWindow {
    per_second: u32,
    window_start: Instant,
    count: u32,
}

impl RateWindow {
    fn new(per_second: u32, now: Instant) -> Self {
        Self {
            per_second,
            window_start: now,
            count: 0,
        }
    }

    fn allow(&mut self, now: Instant) -> bool {
        if now.duration_since(self.window_start) >= Duration::from_secs(1) {
            self.window_start = now;
            self.count = 0;
        }
        self.count += 1;
        self.count <= self.per_second
    }
}

/// Why a socket was refused after the upgrade, for its close frame.
pub fn refusal_reason(code: u16) -> String {
    match code {
        codes::OVER_CAPACITY => "Over connection capacity".into(),
        _ => "Server is restarting, reconnect".into(),
    }
}

/// What the transport should do when the liveness deadline passes.
#[derive(Debug, PartialEq, Eq)]
pub enum LivenessAction {
    SendPing,
    Close,
}

/// Tracks client silence: after `activity_timeout` the server pings; after
/// a further `pong_timeout` without any message it gives up.
pub struct Liveness {
    activity_timeout: Duration,
    pong_timeout: Duration,
    last_heard: Instant,
    ping_sent: bool,
}

impl Liveness {
    pub fn new(activity_timeout: Duration, pong_timeout: Duration, now: Instant) -> Self {
        Self {
            activity_timeout,
            pong_timeout,
            last_heard: now,
            ping_sent: false,
        }
    }

    pub fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.ping_sent = false;
    }

    pub fn deadline(&self) -> Instant {
        let silence = self.last_heard + self.activity_timeout;
        if self.ping_sent {
            silence + self.pong_timeout
        } else {
            silence
        }
    }

    pub fn on_deadline(&mut self, now: Instant) -> Option<LivenessAction> {
        if now < self.deadline() {
            return None;
        }
        if self.ping_sent {
            return Some(LivenessAction::Close);
        }
        self.ping_sent = true;
        Some(LivenessAction::SendPing)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use serde_json::json;

    use super::*;
    use crate::channels::{AppConfig, Fanout, TriggerEvent};

    fn hub() -> Hub {
        let config = AppConfig::new("1", "key", SecretString::from("secret"));
        Hub::new(config, Fanout::Local)
    }

    fn next(connection: &Connection) -> Value {
        let frame = connection.outbox().try_next().expect("a frame was queued");
        serde_json::from_str(&frame).expect("frames are JSON")
    }

    fn open(hub: &Hub) -> Connection {
        let connection = Connection::open(hub).expect("capacity left");
        assert_eq!(next(&connection)["event"], "pusher:connection_established");
        connection
    }

    #[test]
    fn the_engine_subscribes_and_delivers_without_a_network() {
        let hub = hub();
        let mut connection = open(&hub);

        connection.handle_text(r#"{"event":"pusher:subscribe","data":{"channel":"news"}}"#);
        let event = TriggerEvent {
            channels: vec!["news".into()],
            name: "headline".into(),
            data: "{}".into(),
            socket_id: None,
        };
        hub.trigger(event).expect("valid event");

        assert_eq!(
            next(&connection)["event"],
            "pusher_internal:subscription_succeeded"
        );
        assert_eq!(next(&connection)["event"], "headline");
    }

    #[test]
    fn subscribe_data_sent_as_a_json_string_is_understood() {
        let hub = hub();
        let mut connection = open(&hub);
        let message = json!({ "event": "pusher:subscribe", "data": "{\"channel\":\"news\"}" });

        connection.handle_text(&message.to_string());

        assert_eq!(next(&connection)["channel"], "news");
    }

    #[test]
    fn dropping_the_engine_leaves_its_channels_and_the_count() {
        let hub = hub();
        let mut connection = open(&hub);
        connection.handle_text(r#"{"event":"pusher:subscribe","data":{"channel":"news"}}"#);

        drop(connection);

        assert!(!hub.channel_info("news").occupied);
        assert_eq!(hub.connection_count(), 0);
    }

    #[test]
    fn unknown_events_get_an_error_and_nothing_else() {
        let hub = hub();
        let mut connection = open(&hub);

        connection.handle_text(r#"{"event":"pusher:teleport","data":{}}"#);
        connection.handle_text(r#"[1,2,3]"#);

        assert_eq!(next(&connection)["event"], "pusher:error");
        assert_eq!(next(&connection)["event"], "pusher:error");
        assert!(connection.outbox().try_next().is_none());
    }

    #[test]
    fn handshake_checks_key_then_protocol() {
        let hub = hub();

        assert_eq!(check_handshake(&hub, "key", Some("7")), Ok(()));
        assert_eq!(
            check_handshake(&hub, "nope", Some("7")).map_err(|e| e.0),
            Err(4001)
        );
        assert_eq!(
            check_handshake(&hub, "key", None).map_err(|e| e.0),
            Err(4008)
        );
        assert_eq!(
            check_handshake(&hub, "key", Some("x")).map_err(|e| e.0),
            Err(4007)
        );
        assert_eq!(
            check_handshake(&hub, "key", Some("8")).map_err(|e| e.0),
            Err(4007)
        );
    }

    #[test]
    fn liveness_pings_after_silence_then_gives_up() {
        let start = Instant::now();
        let mut liveness = Liveness::new(Duration::from_secs(120), Duration::from_secs(30), start);

        assert_eq!(liveness.on_deadline(start + Duration::from_secs(119)), None);
        assert_eq!(
            liveness.on_deadline(start + Duration::from_secs(120)),
            Some(LivenessAction::SendPing)
        );
        assert_eq!(liveness.on_deadline(start + Duration::from_secs(149)), None);
        assert_eq!(
            liveness.on_deadline(start + Duration::from_secs(150)),
            Some(LivenessAction::Close)
        );
    }

    #[test]
    fn hearing_from_the_client_resets_liveness() {
        let start = Instant::now();
        let mut liveness = Liveness::new(Duration::from_secs(120), Duration::from_secs(30), start);
        liveness.on_deadline(start + Duration::from_secs(120));

        liveness.heard(start + Duration::from_secs(125));

        assert_eq!(liveness.deadline(), start + Duration::from_secs(245));
    }

    #[test]
    fn the_rate_window_allows_a_burst_per_second() {
        let start = Instant::now();
        let mut window = RateWindow::new(2, start);

        let burst: Vec<bool> = (0..3).map(|_| window.allow(start)).collect();

        assert_eq!(burst, [true, true, false]);
        assert!(window.allow(start + Duration::from_secs(1)));
    }
}
