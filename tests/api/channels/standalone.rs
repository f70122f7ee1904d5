//! `caretaker channels`, the built binary, as a standalone push service:
//! the real pusher-js client and the official server library work against
//! it, and SIGTERM tells clients to reconnect at once.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use serde_json::json;

use super::node_clients::{node_missing, spawn_auth_endpoint, NodeScript};
use crate::channels_support::{Client, Ending, APP_ID, KEY, SECRET};

/// The binary with its HTTP API on `port` and its sockets on `ws_port`.
struct StandaloneServer {
    process: Child,
    port: u16,
    ws_port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl StandaloneServer {
    async fn start() -> StandaloneServer {
        let (port, ws_port) = (free_port(), free_port());
        let process = Command::new(env!("CARGO_BIN_EXE_caretaker"))
            .arg("channels")
            .env("CARETAKER_ADDR", format!("127.0.0.1:{port}"))
            .env("CARETAKER_PUSH_ADDR", format!("127.0.0.1:{ws_port}"))
            .env("PUSHER_APP_ID", APP_ID)
            .env("PUSHER_APP_KEY", KEY)
            .env("PUSHER_APP_SECRET", SECRET)
            .env_remove("REDIS_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        crate::browser::wait_until("caretaker channels to listen", || async move {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", ws_port)).is_ok()
        })
        .await;
        StandaloneServer {
            process,
            port,
            ws_port,
        }
    }

    async fn client(&self) -> Client {
        let url = format!(
            "ws://127.0.0.1:{}/app/{KEY}?protocol=7&client=rust-test&version=1.0",
            self.ws_port
        );
        Client::connect(&url).await
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.process.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for StandaloneServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test]
async fn the_standalone_server_serves_pusher_js_and_the_official_server_library() {
    if node_missing() {
        return;
    }
    let server = StandaloneServer::start().await;
    let auth_port = spawn_auth_endpoint();
    let mut browser_side = NodeScript::spawn(
        "pusher_js_client.mjs",
        &[
            ("WS_PORT", server.ws_port.to_string()),
            ("APP_KEY", KEY.to_string()),
            (
                "AUTH_URL",
                format!("http://127.0.0.1:{auth_port}/pusher_auth"),
            ),
            ("EXPECTED_EVENTS", "3".to_string()),
        ],
    );
    assert!(browser_side.next_line().await["ready"].is_string());

    let mut server_side = NodeScript::spawn(
        "pusher_server_lib.mjs",
        &[
            ("API_PORT", server.port.to_string()),
            ("APP_ID", APP_ID.to_string()),
            ("APP_KEY", KEY.to_string()),
            ("APP_SECRET", SECRET.to_string()),
        ],
    );
    let answers = server_side.next_line().await;
    let received = [
        browser_side.next_line().await,
        browser_side.next_line().await,
        browser_side.next_line().await,
    ];

    assert_eq!(answers["trigger"]["status"], 200, "answers: {answers}");
    assert_eq!(answers["batch"]["status"], 200);
    assert_eq!(
        received[0],
        json!({ "event": "from-node", "channel": "news", "data": { "hello": "world" } })
    );
    assert_eq!(received[1]["event"], "batch-1");
    assert_eq!(received[2]["event"], "batch-2");
}

#[tokio::test]
async fn sigterm_closes_every_socket_with_the_reconnect_code() {
    let server = StandaloneServer::start().await;
    let mut client = server.client().await;
    client.subscribe("news").await;

    server.terminate();

    assert_eq!(client.ending().await, Ending::Closed(4200));
}
