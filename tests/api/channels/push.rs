use caretaker::push::{EmbeddedPush, HttpEndpoint, HttpPush, Push, PushError, PusherCredentials};
use serde_json::json;

use crate::channels_support::{data_of, secret, test_config, TestServer, APP_ID, KEY};

fn http_push(server: &TestServer, secret: secrecy::SecretString) -> HttpPush {
    let credentials = PusherCredentials {
        app_id: APP_ID.to_string(),
        key: KEY.to_string(),
        secret,
    };
    let endpoint = HttpEndpoint::Host {
        scheme: "http".into(),
        host: "127.0.0.1".into(),
        port: Some(server.port),
    };
    HttpPush::new(credentials, &endpoint)
}

#[tokio::test]
async fn http_push_triggers_through_the_http_api() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe_private("private-12").await;
    let push: Box<dyn Push> = Box::new(http_push(&server, secret()));

    push.trigger(
        &["private-12".to_string()],
        "notification",
        &json!({ "message": "+1", "unread": 4 }),
    )
    .await
    .unwrap();

    let event = client.expect("notification").await;
    assert_eq!(data_of(&event), json!({ "message": "+1", "unread": 4 }));
}

#[tokio::test]
async fn http_push_reads_channel_info() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client
        .subscribe_presence("presence-site", "1", "Alice")
        .await;
    let push = http_push(&server, secret());

    let info = push.channel_info("presence-site").await.unwrap();
    let vacant = push.channel_info("private-nobody").await.unwrap();

    assert!(info.occupied);
    assert_eq!(info.subscription_count, 1);
    assert_eq!(info.user_count, Some(1));
    assert!(!vacant.occupied);
}

#[tokio::test]
async fn http_push_with_the_wrong_secret_is_refused() {
    let server = TestServer::start(test_config()).await;
    let push = http_push(&server, secrecy::SecretString::from("wrong"));

    let result = push.trigger(&["news".to_string()], "e", &json!({})).await;

    assert!(matches!(result, Err(PushError::Status { status: 401, .. })));
}

#[tokio::test]
async fn http_push_terminates_user_connections() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.sign_in("8").await;
    let push = http_push(&server, secret());

    push.terminate_user_connections("8").await.unwrap();

    assert_eq!(
        client.ending().await,
        crate::channels_support::Ending::Closed(4009)
    );
}

#[tokio::test]
async fn embedded_push_delivers_without_http_and_shares_the_credentials() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe_private("private-12").await;
    let push: Box<dyn Push> = Box::new(EmbeddedPush::new(server.hub.clone()));

    push.trigger(
        &["private-12".to_string()],
        "notification",
        &json!({ "unread": 1 }),
    )
    .await
    .unwrap();
    let info = push.channel_info("private-12").await.unwrap();

    assert_eq!(data_of(&client.expect("notification").await)["unread"], 1);
    assert_eq!(info.subscription_count, 1);
    assert_eq!(push.credentials().key, KEY);
}

#[tokio::test]
async fn embedded_push_refuses_an_invalid_channel() {
    let server = TestServer::start(test_config()).await;
    let push = EmbeddedPush::new(server.hub.clone());

    let result = push
        .trigger(&["bad name".to_string()], "e", &json!({}))
        .await;

    assert!(matches!(result, Err(PushError::Refused(_))));
}
