//! The JSON frames the server sends, serialized once each.

use serde_json::{json, Value};

use super::socket::Frame;

/// Pusher protocol close and error codes used by this server.
pub mod codes {
    pub const APP_NOT_FOUND: u16 = 4001;
    pub const UNSUPPORTED_PROTOCOL: u16 = 4007;
    pub const NO_PROTOCOL: u16 = 4008;
    pub const OVER_CAPACITY: u16 = 4100;
    pub const RECONNECT_NOW: u16 = 4200;
    pub const PONG_NOT_RECEIVED: u16 = 4201;
    pub const CLIENT_EVENT_RATE_LIMIT: u16 = 4301;
}

fn to_frame(value: &Value) -> Frame {
    Frame::from(value.to_string())
}

/// An event whose `data` is a string, as the server sends its own events.
pub fn event(name: &str, channel: Option<&str>, data: &str) -> Frame {
    let mut frame = json!({ "event": name, "data": data });
    if let Some(channel) = channel {
        frame["channel"] = json!(channel);
    }
    to_frame(&frame)
}

pub fn connection_established(socket_id: &str, activity_timeout_secs: u64) -> Frame {
    let data = json!({ "socket_id": socket_id, "activity_timeout": activity_timeout_secs });
    event("pusher:connection_established", None, &data.to_string())
}

/// `pusher:error`; `code` is `None` for errors the protocol gives no code.
pub fn error(code: Option<u16>, message: &str) -> Frame {
    to_frame(&json!({ "event": "pusher:error", "data": { "code": code, "message": message } }))
}

pub fn subscription_error(channel: &str, kind: &str, message: &str, status: u16) -> Frame {
    to_frame(&json!({
        "event": "pusher:subscription_error",
        "channel": channel,
        "data": { "type": kind, "error": message, "status": status },
    }))
}

pub fn subscription_succeeded(channel: &str, presence: Option<Value>) -> Frame {
    let data = match presence {
        Some(presence) => json!({ "presence": presence }).to_string(),
        None => "{}".to_string(),
    };
    event(
        "pusher_internal:subscription_succeeded",
        Some(channel),
        &data,
    )
}

pub fn member_added(channel: &str, user_id: &str, user_info: &Value) -> Frame {
    let data = json!({ "user_id": user_id, "user_info": user_info }).to_string();
    event("pusher_internal:member_added", Some(channel), &data)
}

pub fn member_removed(channel: &str, user_id: &str) -> Frame {
    let data = json!({ "user_id": user_id }).to_string();
    event("pusher_internal:member_removed", Some(channel), &data)
}

pub fn pong() -> Frame {
    event("pusher:pong", None, "{}")
}

pub fn ping() -> Frame {
    event("pusher:ping", None, "{}")
}

pub fn signin_success(user_data: &str) -> Frame {
    let data = json!({ "user_data": user_data }).to_string();
    event("pusher:signin_success", None, &data)
}

/// A client event as relayed to the other members: its data passes through
/// untouched, and presence channels add the sender's `user_id`.
pub fn client_event(name: &str, channel: &str, data: &Value, user_id: Option<&str>) -> Frame {
    let mut frame = json!({ "event": name, "channel": channel, "data": data });
    if let Some(user_id) = user_id {
        frame["user_id"] = json!(user_id);
    }
    to_frame(&frame)
}
