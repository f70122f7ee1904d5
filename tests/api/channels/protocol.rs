use std::time::Duration;

use caretaker::channels::TriggerEvent;
use serde_json::json;

use crate::channels_support::{
    data_of, subscribe_message, test_config, Client, Ending, TestServer, KEY,
};

fn event_on(channel: &str, name: &str, data: &str) -> TriggerEvent {
    TriggerEvent {
        channels: vec![channel.to_string()],
        name: name.to_string(),
        data: data.to_string(),
        socket_id: None,
    }
}

#[tokio::test]
async fn connection_established_carries_a_socket_id_and_the_activity_timeout() {
    let server = TestServer::start(test_config()).await;

    let mut client = Client::open(&server.ws_url(KEY, "protocol=7&client=js&version=8.6.0")).await;
    let established = client.expect("pusher:connection_established").await;

    let data = data_of(&established);
    let socket_id = data["socket_id"].as_str().unwrap();
    let (high, low) = socket_id.split_once('.').unwrap();
    assert!(high.bytes().all(|b| b.is_ascii_digit()) && !high.is_empty());
    assert!(low.bytes().all(|b| b.is_ascii_digit()) && !low.is_empty());
    assert_eq!(data["activity_timeout"], 120);
    assert_eq!(server.hub.connection_count(), 1);
}

#[tokio::test]
async fn an_unknown_app_key_is_closed_with_4001() {
    let server = TestServer::start(test_config()).await;

    let mut client = Client::open(&server.ws_url("wrong-key", "protocol=7")).await;
    let error = client.expect("pusher:error").await;

    assert_eq!(error["data"]["code"], 4001);
    assert_eq!(client.ending().await, Ending::Closed(4001));
    server.client().await.assert_alive().await;
}

#[tokio::test]
async fn a_missing_protocol_is_closed_with_4008_and_an_old_one_with_4007() {
    let server = TestServer::start(test_config()).await;

    let mut missing = Client::open(&server.ws_url(KEY, "client=js")).await;
    let mut old = Client::open(&server.ws_url(KEY, "protocol=3")).await;

    assert_eq!(missing.ending().await, Ending::Closed(4008));
    assert_eq!(old.ending().await, Ending::Closed(4007));
    server.client().await.assert_alive().await;
}

#[tokio::test]
async fn connections_beyond_capacity_are_closed_with_4100() {
    let mut config = test_config();
    config.max_connections = 1;
    let server = TestServer::start(config).await;
    let mut first = server.client().await;

    let mut second = Client::open(&server.ws_url(KEY, "protocol=7")).await;

    assert_eq!(second.ending().await, Ending::Closed(4100));
    first.assert_alive().await;
}

#[tokio::test]
async fn a_ping_is_answered_with_a_pong() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;

    client
        .send(json!({ "event": "pusher:ping", "data": {} }))
        .await;

    assert_eq!(client.expect("pusher:pong").await["event"], "pusher:pong");
}

#[tokio::test]
async fn a_public_channel_receives_triggered_events() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    let subscribed = client.subscribe("news").await;

    server
        .hub
        .trigger(event_on("news", "headline", r#"{"title":"Boiler fixed"}"#))
        .unwrap();

    assert_eq!(
        subscribed["event"],
        "pusher_internal:subscription_succeeded"
    );
    let event = client.expect("headline").await;
    assert_eq!(event["channel"], "news");
    assert_eq!(data_of(&event)["title"], "Boiler fixed");
}

#[tokio::test]
async fn an_unsubscribed_socket_no_longer_receives_the_channel() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe("news").await;

    client
        .send(json!({ "event": "pusher:unsubscribe", "data": { "channel": "news" } }))
        .await;
    client.assert_nothing_pending().await;
    server
        .hub
        .trigger(event_on("news", "headline", "{}"))
        .unwrap();

    client.assert_nothing_pending().await;
    assert!(!server.hub.channel_info("news").occupied);
}

#[tokio::test]
async fn a_trigger_skips_the_excluded_socket() {
    let server = TestServer::start(test_config()).await;
    let mut sender = server.client().await;
    let mut other = server.client().await;
    sender.subscribe("news").await;
    other.subscribe("news").await;

    let mut event = event_on("news", "headline", "{}");
    event.socket_id = Some(sender.socket_id.clone());
    server.hub.trigger(event).unwrap();

    other.expect("headline").await;
    sender.assert_nothing_pending().await;
}

#[tokio::test]
async fn a_private_channel_accepts_a_valid_signature() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;

    let outcome = client.subscribe_private("private-7").await;
    server
        .hub
        .trigger(event_on("private-7", "notification", r#"{"unread":3}"#))
        .unwrap();

    assert_eq!(outcome["event"], "pusher_internal:subscription_succeeded");
    assert_eq!(data_of(&client.expect("notification").await)["unread"], 3);
}

#[tokio::test]
async fn a_private_channel_refuses_a_forged_signature_and_keeps_the_socket_open() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    let forged = format!("{KEY}:{}", "ab".repeat(32));

    client
        .send(subscribe_message("private-7", Some(&forged), None))
        .await;
    let outcome = client.subscription_outcome("private-7").await;

    assert_eq!(outcome["event"], "pusher:subscription_error");
    assert_eq!(outcome["data"]["type"], "AuthError");
    assert_eq!(outcome["data"]["status"], 401);
    assert_eq!(server.hub.channel_info("private-7").subscription_count, 0);
    client.assert_alive().await;
}

#[tokio::test]
async fn a_signature_made_for_another_socket_is_refused() {
    let server = TestServer::start(test_config()).await;
    let mut victim = server.client().await;
    let mut thief = server.client().await;
    victim.subscribe_private("private-7").await;
    let stolen = caretaker::signing::channel_auth(
        KEY,
        &crate::channels_support::secret(),
        &victim.socket_id,
        "private-7",
        None,
    );

    thief
        .send(subscribe_message("private-7", Some(&stolen), None))
        .await;

    let outcome = thief.subscription_outcome("private-7").await;
    assert_eq!(outcome["event"], "pusher:subscription_error");
}

#[tokio::test]
async fn an_encrypted_channel_is_authorized_like_a_private_one() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    let mut unsigned = server.client().await;

    let signed = client.subscribe_private("private-encrypted-7").await;
    unsigned
        .send(subscribe_message("private-encrypted-7", None, None))
        .await;
    let refused = unsigned.subscription_outcome("private-encrypted-7").await;
    let ciphertext = r#"{"nonce":"bm9uY2U=","ciphertext":"c2VjcmV0"}"#;
    server
        .hub
        .trigger(event_on("private-encrypted-7", "sealed", ciphertext))
        .unwrap();

    assert_eq!(signed["event"], "pusher_internal:subscription_succeeded");
    assert_eq!(refused["event"], "pusher:subscription_error");
    assert_eq!(client.expect("sealed").await["data"], ciphertext);
}

#[tokio::test]
async fn invalid_channel_names_are_refused() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    let too_long = "a".repeat(165);

    let spaced = client.subscribe("two words").await;
    let long = client.subscribe(&too_long).await;

    assert_eq!(spaced["event"], "pusher:subscription_error");
    assert_eq!(long["event"], "pusher:subscription_error");
    client.assert_alive().await;
}

#[tokio::test]
async fn malformed_json_gets_a_pusher_error_and_the_socket_stays_open() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;

    client.send_text("{not json".to_string()).await;

    let error = client.expect("pusher:error").await;
    assert!(error["data"]["message"].as_str().unwrap().contains("JSON"));
    client.assert_alive().await;
}

#[tokio::test]
async fn a_message_over_the_size_limit_gets_a_pusher_error() {
    let mut config = test_config();
    config.max_message_bytes = 1024;
    let server = TestServer::start(config).await;
    let mut client = server.client().await;
    let padding = "x".repeat(2048);

    client
        .send(json!({ "event": "pusher:ping", "data": { "padding": padding } }))
        .await;

    let error = client.expect("pusher:error").await;
    assert!(error["data"]["message"].as_str().unwrap().contains("1024"));
    client.assert_alive().await;
}

#[tokio::test]
async fn an_idle_client_is_pinged_then_closed_with_4201() {
    let mut config = test_config();
    config.activity_timeout = Duration::from_millis(300);
    config.pong_timeout = Duration::from_millis(300);
    let server = TestServer::start(config).await;
    let mut client = server.client().await;

    let ping = client.expect("pusher:ping").await;

    assert_eq!(ping["event"], "pusher:ping");
    assert_eq!(client.ending().await, Ending::Closed(4201));
}

#[tokio::test]
async fn a_client_answering_pings_stays_connected() {
    let mut config = test_config();
    config.activity_timeout = Duration::from_millis(300);
    config.pong_timeout = Duration::from_millis(300);
    let server = TestServer::start(config).await;
    let mut client = server.client().await;

    for _ in 0..3 {
        client.expect("pusher:ping").await;
        client
            .send(json!({ "event": "pusher:pong", "data": {} }))
            .await;
    }

    client.assert_alive().await;
    assert_eq!(server.hub.connection_count(), 1);
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_4200() {
    let server = TestServer::start(test_config()).await;
    let mut first = server.client().await;
    let mut second = server.client().await;

    server.hub.shutdown();

    assert_eq!(first.ending().await, Ending::Closed(4200));
    assert_eq!(second.ending().await, Ending::Closed(4200));
}

#[tokio::test]
async fn a_closed_socket_leaves_its_channels_and_the_count() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe("news").await;

    drop(client);

    let deadline = tokio::time::Instant::now() + crate::channels_support::PATIENCE;
    while server.hub.connection_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.hub.connection_count(), 0);
    assert!(!server.hub.channel_info("news").occupied);
}

#[tokio::test]
async fn signin_succeeds_with_a_valid_signature_and_fails_without() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    let mut forger = server.client().await;

    let success = client.sign_in("42").await;
    forger
        .send(json!({ "event": "pusher:signin", "data": { "auth": format!("{KEY}:00"), "user_data": "{\"id\":\"42\"}" } }))
        .await;
    let refusal = forger.expect("pusher:error").await;

    assert_eq!(success["event"], "pusher:signin_success");
    assert_eq!(data_of(&success)["user_data"], "{\"id\":\"42\"}");
    assert_eq!(refusal["data"]["code"], 4009);
    forger.assert_alive().await;
}

#[tokio::test]
async fn terminating_a_user_closes_only_that_users_sockets() {
    let server = TestServer::start(test_config()).await;
    let mut target = server.client().await;
    let mut bystander = server.client().await;
    target.sign_in("42").await;
    bystander.sign_in("43").await;

    let closed = server.hub.terminate_user_connections("42");

    assert_eq!(closed, 1);
    assert_eq!(target.ending().await, Ending::Closed(4009));
    bystander.assert_alive().await;
}

#[tokio::test]
async fn events_sent_to_a_user_reach_their_signed_in_sockets() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.sign_in("42").await;

    server
        .hub
        .trigger(event_on("#server-to-user-42", "hello", "{}"))
        .unwrap();

    assert_eq!(
        client.expect("hello").await["channel"],
        "#server-to-user-42"
    );
}

#[tokio::test]
async fn a_socket_cannot_join_more_channels_than_the_limit() {
    let mut config = test_config();
    config.max_channels_per_socket = 2;
    let server = TestServer::start(config).await;
    let mut client = server.client().await;
    client.subscribe("one").await;
    client.subscribe("two").await;

    let third = client.subscribe("three").await;

    assert_eq!(third["event"], "pusher:subscription_error");
    assert_eq!(third["data"]["type"], "LimitReached");
    assert!(!server.hub.channel_info("three").occupied);
    client.assert_alive().await;
}
