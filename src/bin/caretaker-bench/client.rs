//! A Pusher protocol 7 client socket, opened from a chosen loopback source
//! address so that many connections do not exhaust one address's ports.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Socket = WebSocketStream<TcpStream>;

/// How long the handshake and each protocol step may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// A frame from the server. `data` is a JSON string for server events.
#[derive(Debug, Deserialize)]
pub struct Incoming {
    pub event: String,
    #[serde(default)]
    pub data: Value,
}

impl Incoming {
    pub fn parse(text: &str) -> Option<Incoming> {
        serde_json::from_str(text).ok()
    }

    /// `data` decoded once more when the server sent it as a JSON string.
    pub fn data_json(&self) -> Value {
        match &self.data {
            Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            other => other.clone(),
        }
    }
}

/// Opens a socket from `source` to `server` and waits for
/// `pusher:connection_established`; returns the socket and its socket id.
pub async fn connect(
    url: &str,
    server: SocketAddr,
    source: IpAddr,
) -> anyhow::Result<(Socket, String)> {
    let tcp = TcpSocket::new_v4()?;
    tcp.bind(SocketAddr::new(source, 0))
        .with_context(|| format!("cannot bind {source}"))?;
    let stream = tokio::time::timeout(STEP_TIMEOUT, tcp.connect(server))
        .await
        .context("TCP connect timed out")??;
    stream.set_nodelay(true)?;

    // Small buffers: the client side holds thousands of idle sockets.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let handshake = tokio_tungstenite::client_async_with_config(url, stream, Some(config));
    let (mut socket, _) = tokio::time::timeout(STEP_TIMEOUT, handshake)
        .await
        .context("WebSocket handshake timed out")??;

    let established = next_event(&mut socket).await?;
    if established.event != "pusher:connection_established" {
        bail!(
            "expected pusher:connection_established, got {}",
            established.event
        );
    }
    let socket_id = established.data_json()["socket_id"]
        .as_str()
        .context("connection_established has no socket_id")?
        .to_string();
    Ok((socket, socket_id))
}

/// Subscribes and waits for `pusher_internal:subscription_succeeded`.
/// `auth` is needed for private channels.
pub async fn subscribe(
    socket: &mut Socket,
    channel: &str,
    auth: Option<&str>,
) -> anyhow::Result<()> {
    let mut data = json!({ "channel": channel });
    if let Some(auth) = auth {
        data["auth"] = json!(auth);
    }
    send(socket, "pusher:subscribe", data).await?;

    loop {
        let frame = next_event(socket).await?;
        match frame.event.as_str() {
            "pusher_internal:subscription_succeeded" => return Ok(()),
            "pusher:subscription_error" | "pusher:error" => {
                bail!("subscribing to {channel} failed: {}", frame.data)
            }
            _ => {}
        }
    }
}

pub async fn send(socket: &mut Socket, event: &str, data: Value) -> anyhow::Result<()> {
    let frame = json!({ "event": event, "data": data }).to_string();
    socket.send(Message::text(frame)).await?;
    Ok(())
}

/// The next text frame as an event, within the step timeout.
pub async fn next_event(socket: &mut Socket) -> anyhow::Result<Incoming> {
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .context("no frame from the server in time")?;
        match message {
            Some(Ok(Message::Text(text))) => {
                return Incoming::parse(&text).context("the server sent a frame that is not JSON")
            }
            Some(Ok(Message::Close(frame))) => bail!("the server closed the socket: {frame:?}"),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
            None => bail!("the server closed the socket"),
        }
    }
}
