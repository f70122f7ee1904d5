//! The push server's own socket listener at the WebSocket level: what it
//! says to requests that are not upgrades, and how it treats frames that a
//! well-behaved client library never sends. The Pusher protocol itself is
//! covered by the other channel tests, which connect to this listener.

use caretaker::channels::TriggerEvent;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::channels_support::{data_of, test_config, Client, Ending, TestServer, KEY, PATIENCE};

/// A raw TCP client that has completed the upgrade and read the
/// `connection_established` frame.
async fn raw_socket(server: &TestServer) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", server.ws_port))
        .await
        .unwrap();
    let request = format!(
        "GET /app/{KEY}?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();

    let mut frames = ServerFrames::default();
    let head = frames.read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let (opcode, payload) = frames.next(&mut stream).await.unwrap();
    assert_eq!(opcode, 0x1);
    assert!(String::from_utf8(payload)
        .unwrap()
        .contains("connection_established"));
    stream
}

/// Reads the unmasked frames a server sends.
#[derive(Default)]
struct ServerFrames {
    bytes: Vec<u8>,
}

impl ServerFrames {
    async fn fill(&mut self, stream: &mut TcpStream) -> bool {
        let mut chunk = [0u8; 4096];
        let read = tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
            .await
            .expect("the server answered within the patience limit")
            .unwrap_or(0);
        self.bytes.extend_from_slice(&chunk[..read]);
        read > 0
    }

    async fn read_head(&mut self, stream: &mut TcpStream) -> String {
        loop {
            if let Some(end) = self.bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.bytes.drain(..end + 4).collect();
                return String::from_utf8(head).unwrap();
            }
            assert!(self.fill(stream).await, "connection closed during the head");
        }
    }

    /// The next frame's opcode and payload, or `None` once the server closed.
    async fn next(&mut self, stream: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
        loop {
            if self.bytes.len() >= 2 {
                let length = usize::from(self.bytes[1] & 0x7F);
                assert!(length < 126, "tests only expect short frames");
                if self.bytes.len() >= 2 + length {
                    let frame: Vec<u8> = self.bytes.drain(..2 + length).collect();
                    return Some((frame[0] & 0x0F, frame[2..].to_vec()));
                }
            }
            if !self.fill(stream).await {
                return None;
            }
        }
    }

    async fn close_code(&mut self, stream: &mut TcpStream) -> u16 {
        while let Some((opcode, payload)) = self.next(stream).await {
            if opcode == 0x8 {
                return u16::from_be_bytes([payload[0], payload[1]]);
            }
        }
        panic!("the server dropped the connection without a close frame");
    }
}

/// A masked client frame; `fin` false marks a fragment.
fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x11, 0x22, 0x33, 0x44];
    assert!(payload.len() < 126);
    let mut frame = vec![
        if fin { 0x80 } else { 0 } | opcode,
        0x80 | payload.len() as u8,
    ];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    frame
}

#[tokio::test]
async fn plain_http_requests_to_the_socket_port_get_a_clear_refusal() {
    let server = TestServer::start(test_config()).await;
    let base = format!("http://127.0.0.1:{}", server.ws_port);
    let http = reqwest::Client::new();

    let elsewhere = http
        .get(format!("{base}/apps/1/channels"))
        .send()
        .await
        .unwrap();
    let not_upgraded = http.get(format!("{base}/app/{KEY}")).send().await.unwrap();

    assert_eq!(elsewhere.status(), 404);
    assert_eq!(not_upgraded.status(), 400);
    assert_eq!(
        not_upgraded.text().await.unwrap(),
        "expected a WebSocket upgrade\n"
    );
    server.client().await.assert_alive().await;
}

#[tokio::test]
async fn websocket_pings_are_answered_and_a_client_close_is_returned() {
    let server = TestServer::start(test_config()).await;
    let url = server.ws_url(KEY, "protocol=7");
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();

    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    let mut pong = None;
    while pong.is_none() {
        if let Message::Pong(payload) = ws.next().await.unwrap().unwrap() {
            pong = Some(payload);
        }
    }
    ws.close(None).await.unwrap();
    let mut echoed_close = false;
    while let Some(Ok(message)) = ws.next().await {
        echoed_close |= message.is_close();
    }

    assert_eq!(pong.unwrap().as_ref(), b"are you there");
    assert!(echoed_close, "the server answers a close with a close");
    assert_eq!(server.hub.connection_count(), 0);
}

#[tokio::test]
async fn a_message_sent_in_fragments_is_handled_as_one() {
    let server = TestServer::start(test_config()).await;
    let mut socket = raw_socket(&server).await;
    let subscribe = br#"{"event":"pusher:subscribe","data":{"channel":"news"}}"#;

    socket
        .write_all(&client_frame(false, 0x1, &subscribe[..20]))
        .await
        .unwrap();
    socket
        .write_all(&client_frame(true, 0x9, b"mid-message ping"))
        .await
        .unwrap();
    socket
        .write_all(&client_frame(true, 0x0, &subscribe[20..]))
        .await
        .unwrap();
    let mut frames = ServerFrames::default();
    let pong = frames.next(&mut socket).await.unwrap();
    let subscribed = frames.next(&mut socket).await.unwrap();

    assert_eq!(pong, (0xA, b"mid-message ping".to_vec()));
    let subscribed = String::from_utf8(subscribed.1).unwrap();
    assert!(
        subscribed.contains("subscription_succeeded"),
        "{subscribed}"
    );
    assert!(subscribed.contains("\"news\""), "{subscribed}");
}

#[tokio::test]
async fn a_client_breaking_the_framing_rules_is_closed_with_1002() {
    let server = TestServer::start(test_config()).await;
    let mut socket = raw_socket(&server).await;
    let unmasked = [0x81, 0x02, b'h', b'i'];

    socket.write_all(&unmasked).await.unwrap();

    assert_eq!(ServerFrames::default().close_code(&mut socket).await, 1002);
}

#[tokio::test]
async fn a_message_far_above_the_limit_closes_the_socket_with_1009() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;

    client.send_text("x".repeat(200 * 1024)).await;

    assert_eq!(client.ending().await, Ending::Closed(1009));
}

#[tokio::test]
async fn the_route_mounted_in_the_web_server_speaks_the_same_protocol() {
    let server = TestServer::start(test_config()).await;
    let url = server.mounted_ws_url(KEY, "protocol=7&client=rust-test&version=1.0");
    let mut client = Client::connect(&url).await;
    let mut refused = Client::open(&server.mounted_ws_url("wrong-key", "protocol=7")).await;

    client.subscribe("news").await;
    server
        .hub
        .trigger(TriggerEvent {
            channels: vec!["news".into()],
            name: "notice".into(),
            data: "{\"text\":\"boiler serviced\"}".into(),
            socket_id: None,
        })
        .unwrap();

    let event = client.expect("notice").await;
    assert_eq!(data_of(&event)["text"], "boiler serviced");
    assert_eq!(refused.ending().await, Ending::Closed(4001));
}
