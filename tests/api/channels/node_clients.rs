//! The real pusher-js client and the official `pusher` server library,
//! run under Node against our server.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::Stdio;

use actix_web::{web, App, HttpResponse, HttpServer};
use caretaker::channels::TriggerEvent;
use caretaker::signing;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::channels_support::{
    secret, skip_missing, test_config, TestServer, APP_ID, KEY, PATIENCE, SECRET,
};

pub fn node_missing() -> bool {
    let found = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    !found && skip_missing("node")
}

pub struct NodeScript {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl NodeScript {
    pub fn spawn(script: &str, env: &[(&str, String)]) -> Self {
        let mut command = Command::new("node");
        command
            .arg(format!("tests/node/{script}"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines }
    }

    pub async fn next_line(&mut self) -> Value {
        let line = tokio::time::timeout(PATIENCE * 2, self.lines.next_line())
            .await
            .expect("node script printed nothing in time")
            .unwrap()
            .expect("node script ended without output");
        serde_json::from_str(&line).unwrap()
    }

    async fn exit_code(mut self) -> Option<i32> {
        let status = tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .unwrap()
            .unwrap();
        status.code()
    }
}

/// An auth endpoint like the app's `/pusher_auth`: it signs `private-42`
/// and presence channels (for the `user_id` form field, standing in for the
/// session's user) and refuses every other channel.
pub fn spawn_auth_endpoint() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| App::new().route("/pusher_auth", web::post().to(authorize)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    port
}

async fn authorize(form: web::Form<HashMap<String, String>>) -> HttpResponse {
    let (Some(socket_id), Some(channel)) = (form.get("socket_id"), form.get("channel_name")) else {
        return HttpResponse::BadRequest().finish();
    };
    if channel == "private-42" {
        let auth = signing::channel_auth(KEY, &secret(), socket_id, channel, None);
        return HttpResponse::Ok().json(json!({ "auth": auth }));
    }
    match form.get("user_id") {
        Some(user_id) if channel.starts_with("presence-") => {
            let data = json!({ "user_id": user_id, "user_info": { "name": user_id } }).to_string();
            let auth = signing::channel_auth(KEY, &secret(), socket_id, channel, Some(&data));
            HttpResponse::Ok().json(json!({ "auth": auth, "channel_data": data }))
        }
        _ => HttpResponse::Forbidden().finish(),
    }
}

#[tokio::test]
async fn pusher_js_subscribes_to_public_and_private_channels_and_receives_events() {
    if node_missing() {
        return;
    }
    let server = TestServer::start(test_config()).await;
    let auth_port = spawn_auth_endpoint();
    let mut script = NodeScript::spawn(
        "pusher_js_client.mjs",
        &[
            ("WS_PORT", server.ws_port.to_string()),
            ("APP_KEY", KEY.to_string()),
            (
                "AUTH_URL",
                format!("http://127.0.0.1:{auth_port}/pusher_auth"),
            ),
        ],
    );

    let ready = script.next_line().await;
    assert!(
        ready["ready"].is_string(),
        "pusher-js did not subscribe: {ready}"
    );
    for (channel, name, data) in [
        ("news", "headline", r#"{"title":"Lift repaired"}"#),
        (
            "private-42",
            "notification",
            r#"{"message":"+1","unread":2}"#,
        ),
    ] {
        let event = TriggerEvent {
            channels: vec![channel.to_string()],
            name: name.to_string(),
            data: data.to_string(),
            socket_id: None,
        };
        server.hub.trigger(event).unwrap();
    }
    let first = script.next_line().await;
    let second = script.next_line().await;

    assert_eq!(
        first,
        json!({ "event": "headline", "channel": "news", "data": { "title": "Lift repaired" } })
    );
    assert_eq!(
        second,
        json!({ "event": "notification", "channel": "private-42", "data": { "message": "+1", "unread": 2 } })
    );
    assert_eq!(script.exit_code().await, Some(0));
}

#[tokio::test]
async fn the_official_server_library_triggers_and_reads_channels() {
    if node_missing() {
        return;
    }
    let server = TestServer::start(test_config()).await;
    let mut listener = server.client().await;
    listener.subscribe("news").await;
    listener
        .subscribe_presence("presence-site", "5", "Sam")
        .await;
    let mut script = NodeScript::spawn(
        "pusher_server_lib.mjs",
        &[
            ("API_PORT", server.port.to_string()),
            ("APP_ID", APP_ID.to_string()),
            ("APP_KEY", KEY.to_string()),
            ("APP_SECRET", SECRET.to_string()),
        ],
    );

    let answers = script.next_line().await;

    assert_eq!(answers["trigger"]["status"], 200, "answers: {answers}");
    assert_eq!(answers["batch"]["status"], 200);
    assert_eq!(
        answers["channel"]["body"],
        json!({ "occupied": true, "subscription_count": 1, "user_count": 1 })
    );
    assert_eq!(
        answers["channels"]["body"],
        json!({ "channels": { "news": {}, "presence-site": {} } })
    );
    assert_eq!(
        answers["users"]["body"],
        json!({ "users": [{ "id": "5" }] })
    );
    let event = listener.expect("from-node").await;
    assert_eq!(
        crate::channels_support::data_of(&event),
        json!({ "hello": "world" })
    );
    assert_eq!(listener.expect("batch-1").await["channel"], "news");
    assert_eq!(listener.expect("batch-2").await["channel"], "news");
    assert_eq!(script.exit_code().await, Some(0));
}

#[tokio::test]
async fn pusher_js_clients_meet_on_a_presence_channel_and_exchange_a_client_event() {
    if node_missing() {
        return;
    }
    let server = TestServer::start(test_config()).await;
    let auth_port = spawn_auth_endpoint();
    let mut script = NodeScript::spawn(
        "pusher_js_presence.mjs",
        &[
            ("WS_PORT", server.ws_port.to_string()),
            ("APP_KEY", KEY.to_string()),
            (
                "AUTH_URL",
                format!("http://127.0.0.1:{auth_port}/pusher_auth"),
            ),
        ],
    );

    let mut observations = Vec::new();
    for _ in 0..5 {
        observations.push(script.next_line().await);
    }

    assert_eq!(observations[0], json!({ "alice_joined": 1, "me": "alice" }));
    let rest = &observations[1..];
    assert!(
        rest.contains(&json!({ "bob_joined": 2 })),
        "{observations:?}"
    );
    assert!(rest.contains(&json!({ "alice_saw_arrival": "bob", "info": { "name": "bob" } })));
    assert!(rest.contains(&json!({ "bob_got": { "hello": "bob" }, "from": "alice" })));
    assert_eq!(observations[4], json!({ "alice_saw_departure": "bob" }));
    assert_eq!(script.exit_code().await, Some(0));
}
