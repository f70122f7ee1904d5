use serde_json::json;

use crate::channels_support::{test_config, TestServer};

#[tokio::test]
async fn a_client_event_reaches_the_other_members_but_not_the_sender() {
    let server = TestServer::start(test_config()).await;
    let mut sender = server.client().await;
    let mut receiver = server.client().await;
    sender.subscribe_private("private-room").await;
    receiver.subscribe_private("private-room").await;

    sender
        .send(
            json!({ "event": "client-typing", "channel": "private-room", "data": { "who": "me" } }),
        )
        .await;

    let relayed = receiver.expect("client-typing").await;
    assert_eq!(relayed["data"]["who"], "me");
    assert_eq!(relayed["channel"], "private-room");
    sender.assert_nothing_pending().await;
}

#[tokio::test]
async fn a_client_event_on_a_presence_channel_carries_the_user_id() {
    let server = TestServer::start(test_config()).await;
    let mut sender = server.client().await;
    let mut receiver = server.client().await;
    sender.subscribe_presence("presence-room", "5", "Sam").await;
    receiver
        .subscribe_presence("presence-room", "6", "Ria")
        .await;

    sender
        .send(json!({ "event": "client-wave", "channel": "presence-room", "data": {} }))
        .await;

    assert_eq!(receiver.expect("client-wave").await["user_id"], "5");
}

#[tokio::test]
async fn client_events_are_refused_on_public_encrypted_and_unjoined_channels() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    let mut listener = server.client().await;
    client.subscribe("news").await;
    client.subscribe_private("private-encrypted-x").await;
    listener.subscribe("news").await;

    for channel in ["news", "private-encrypted-x", "private-elsewhere"] {
        client
            .send(json!({ "event": "client-x", "channel": channel, "data": {} }))
            .await;
        let error = client.expect("pusher:error").await;
        assert!(error["data"]["message"].as_str().unwrap().contains(channel));
    }

    listener.assert_nothing_pending().await;
    client.assert_alive().await;
}

#[tokio::test]
async fn client_events_are_refused_when_the_app_disables_them() {
    let mut config = test_config();
    config.client_events_enabled = false;
    let server = TestServer::start(config).await;
    let mut client = server.client().await;
    client.subscribe_private("private-room").await;

    client
        .send(json!({ "event": "client-x", "channel": "private-room", "data": {} }))
        .await;

    let error = client.expect("pusher:error").await;
    assert!(error["data"]["message"]
        .as_str()
        .unwrap()
        .contains("disabled"));
}

#[tokio::test]
async fn client_events_beyond_the_rate_limit_are_refused_with_4301() {
    let mut config = test_config();
    config.client_event_rate_per_sec = 3;
    let server = TestServer::start(config).await;
    let mut sender = server.client().await;
    sender.subscribe_private("private-room").await;

    for _ in 0..4 {
        sender
            .send(json!({ "event": "client-x", "channel": "private-room", "data": {} }))
            .await;
    }

    let error = sender.expect("pusher:error").await;
    assert_eq!(error["data"]["code"], 4301);
    sender.assert_alive().await;
}
