//! Two nodes sharing a Redis server.

use std::time::Duration;

use caretaker::channels::{AppConfig, Fanout, TriggerEvent};
use serde_json::json;

use crate::channels_support::{skip_missing, test_config, Client, TestServer};

/// The Redis to use: `TEST_REDIS_URL`, or the local default under CI.
fn redis_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_REDIS_URL") {
        return Some(url);
    }
    if skip_missing("Redis (TEST_REDIS_URL)") {
        return None;
    }
    Some("redis://127.0.0.1:6379".to_string())
}

async fn redis_reachable(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let connected = tokio::time::timeout(
        Duration::from_secs(5),
        client.get_multiplexed_async_connection(),
    )
    .await;
    matches!(connected, Ok(Ok(_))) || !skip_missing("a reachable Redis")
}

/// A config whose app id no other test run shares, so their events do not mix.
fn unique_config() -> AppConfig {
    let mut config = test_config();
    config.app_id = format!("fanout-{}", rand::random::<u64>());
    config
}

async fn two_nodes(url: &str) -> (TestServer, TestServer) {
    let config = unique_config();
    let first = TestServer::start_with(config.clone(), Fanout::redis(url).unwrap()).await;
    let second = TestServer::start_with(config, Fanout::redis(url).unwrap()).await;
    (first, second)
}

fn event(name: &str) -> TriggerEvent {
    TriggerEvent {
        channels: vec!["news".to_string()],
        name: name.to_string(),
        data: "{}".to_string(),
        socket_id: None,
    }
}

/// Triggers on `node` until `client` (on another node) hears it: the
/// subscription to Redis is set up in the background after start.
async fn wait_until_linked(node: &TestServer, client: &mut Client) {
    for _ in 0..100 {
        node.hub.trigger(event("probe")).unwrap();
        let heard = tokio::time::timeout(Duration::from_millis(200), client.expect("probe")).await;
        if heard.is_ok() {
            return;
        }
    }
    panic!("the nodes never linked through Redis");
}

#[tokio::test]
async fn an_event_triggered_on_one_node_reaches_sockets_on_another() {
    let Some(url) = redis_url() else { return };
    if !redis_reachable(&url).await {
        return;
    }
    let (first, second) = two_nodes(&url).await;
    let mut local = first.client().await;
    let mut remote = second.client().await;
    local.subscribe("news").await;
    remote.subscribe("news").await;
    wait_until_linked(&first, &mut remote).await;
    local.assert_alive().await;
    while tokio::time::timeout(Duration::from_millis(300), local.expect("probe"))
        .await
        .is_ok()
    {}

    first.hub.trigger(event("headline")).unwrap();

    assert_eq!(remote.expect("headline").await["channel"], "news");
    assert_eq!(local.expect("headline").await["channel"], "news");
    local.assert_nothing_pending().await;
}

#[tokio::test]
async fn a_client_event_crosses_nodes() {
    let Some(url) = redis_url() else { return };
    if !redis_reachable(&url).await {
        return;
    }
    let (first, second) = two_nodes(&url).await;
    let mut sender = first.client().await;
    let mut receiver = second.client().await;
    sender.subscribe_private("private-room").await;
    receiver.subscribe("news").await;
    receiver.subscribe_private("private-room").await;
    wait_until_linked(&first, &mut receiver).await;

    sender
        .send(json!({ "event": "client-typing", "channel": "private-room", "data": { "n": 1 } }))
        .await;

    assert_eq!(receiver.expect("client-typing").await["data"]["n"], 1);
}
