use caretaker::signing::{self, RequestToSign};
use serde_json::{json, Value};

use crate::channels_support::{data_of, secret, test_config, TestServer, APP_ID, KEY};

/// A request signed like a Pusher server library, optionally with a
/// different timestamp.
async fn signed(
    server: &TestServer,
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    body: Option<&str>,
    timestamp: u64,
) -> (u16, Value) {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let request = RequestToSign {
        method,
        path,
        params: &params,
        body: body.map(str::as_bytes),
    };
    let query = signing::sign_request(KEY, &secret(), &request, timestamp);
    send(server, method, path, &query, body).await
}

async fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<&str>,
) -> (u16, Value) {
    let url = format!(
        "{}{path}?{}",
        server.base_url(),
        serde_urlencoded::to_string(query).unwrap()
    );
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn now() -> u64 {
    signing::unix_now()
}

fn events_path() -> String {
    format!("/apps/{APP_ID}/events")
}

#[tokio::test]
async fn a_signed_event_reaches_the_subscribers() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe_private("private-3").await;
    let body = json!({ "name": "notification", "channel": "private-3", "data": "{\"unread\":1}" })
        .to_string();

    let (status, answer) = signed(&server, "POST", &events_path(), &[], Some(&body), now()).await;

    assert_eq!((status, answer), (200, json!({})));
    assert_eq!(data_of(&client.expect("notification").await)["unread"], 1);
}

#[tokio::test]
async fn an_event_to_several_channels_reports_the_requested_info() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe("a").await;
    let body =
        json!({ "name": "e", "channels": ["a", "b"], "data": "x", "info": "subscription_count" })
            .to_string();

    let (status, answer) = signed(&server, "POST", &events_path(), &[], Some(&body), now()).await;

    assert_eq!(status, 200);
    assert_eq!(answer["channels"]["a"]["subscription_count"], 1);
    assert_eq!(answer["channels"]["b"]["subscription_count"], 0);
    assert_eq!(client.expect("e").await["data"], "x");
}

#[tokio::test]
async fn a_forged_signature_is_refused_with_401() {
    let server = TestServer::start(test_config()).await;
    let body = json!({ "name": "e", "channel": "a", "data": "x" }).to_string();
    let params: Vec<(String, String)> = vec![];
    let request = RequestToSign {
        method: "POST",
        path: &events_path(),
        params: &params,
        body: Some(body.as_bytes()),
    };
    let mut query = signing::sign_request(KEY, &secret(), &request, now());
    query.last_mut().unwrap().1 = "f".repeat(64);

    let (status, answer) = send(&server, "POST", &events_path(), &query, Some(&body)).await;

    assert_eq!(status, 401);
    assert!(answer["error"].is_string());
}

#[tokio::test]
async fn a_request_signed_with_another_secret_is_refused_with_401() {
    let server = TestServer::start(test_config()).await;
    let body = json!({ "name": "e", "channel": "a", "data": "x" }).to_string();
    let params: Vec<(String, String)> = vec![];
    let request = RequestToSign {
        method: "POST",
        path: &events_path(),
        params: &params,
        body: Some(body.as_bytes()),
    };
    let other = secrecy::SecretString::from("not-the-secret");
    let query = signing::sign_request(KEY, &other, &request, now());

    let (status, _) = send(&server, "POST", &events_path(), &query, Some(&body)).await;

    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_stale_timestamp_is_refused_with_401() {
    let server = TestServer::start(test_config()).await;
    let body = json!({ "name": "e", "channel": "a", "data": "x" }).to_string();

    let (status, answer) = signed(
        &server,
        "POST",
        &events_path(),
        &[],
        Some(&body),
        now() - 3600,
    )
    .await;

    assert_eq!(status, 401);
    assert!(answer["error"].as_str().unwrap().contains("auth_timestamp"));
}

#[tokio::test]
async fn a_body_changed_after_signing_is_refused_with_401() {
    let server = TestServer::start(test_config()).await;
    let body = json!({ "name": "e", "channel": "a", "data": "x" }).to_string();
    let params: Vec<(String, String)> = vec![];
    let request = RequestToSign {
        method: "POST",
        path: &events_path(),
        params: &params,
        body: Some(body.as_bytes()),
    };
    let query = signing::sign_request(KEY, &secret(), &request, now());
    let tampered = body.replace("\"x\"", "\"y\"");

    let (status, _) = send(&server, "POST", &events_path(), &query, Some(&tampered)).await;

    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_malformed_body_is_refused_with_400() {
    let server = TestServer::start(test_config()).await;

    let (status, answer) = signed(
        &server,
        "POST",
        &events_path(),
        &[],
        Some("{\"name\":"),
        now(),
    )
    .await;
    let (no_channel, _) = signed(
        &server,
        "POST",
        &events_path(),
        &[],
        Some(r#"{"name":"e","data":"x"}"#),
        now(),
    )
    .await;
    let bad_name = json!({ "name": "e", "channel": "bad name", "data": "x" }).to_string();
    let (bad_channel, _) =
        signed(&server, "POST", &events_path(), &[], Some(&bad_name), now()).await;

    assert_eq!(status, 400);
    assert!(answer["error"].is_string());
    assert_eq!(no_channel, 400);
    assert_eq!(bad_channel, 400);
}

#[tokio::test]
async fn too_many_channels_or_too_much_data_are_refused() {
    let server = TestServer::start(test_config()).await;
    let channels: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let many = json!({ "name": "e", "channels": channels, "data": "x" }).to_string();
    let large = json!({ "name": "e", "channel": "a", "data": "x".repeat(11 * 1024) }).to_string();

    let (many_status, _) = signed(&server, "POST", &events_path(), &[], Some(&many), now()).await;
    let (large_status, _) = signed(&server, "POST", &events_path(), &[], Some(&large), now()).await;

    assert_eq!(many_status, 400);
    assert_eq!(large_status, 413);
}

#[tokio::test]
async fn an_unknown_app_id_is_not_found() {
    let server = TestServer::start(test_config()).await;
    let body = json!({ "name": "e", "channel": "a", "data": "x" }).to_string();

    let (status, _) = signed(&server, "POST", "/apps/999/events", &[], Some(&body), now()).await;

    assert_eq!(status, 404);
}

#[tokio::test]
async fn batch_events_are_all_delivered() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe("a").await;
    let batch = json!({ "batch": [
        { "name": "first", "channel": "a", "data": "1" },
        { "name": "second", "channel": "a", "data": "2" },
    ] })
    .to_string();
    let path = format!("/apps/{APP_ID}/batch_events");

    let (status, _) = signed(&server, "POST", &path, &[], Some(&batch), now()).await;

    assert_eq!(status, 200);
    assert_eq!(client.expect("first").await["data"], "1");
    assert_eq!(client.expect("second").await["data"], "2");
}

#[tokio::test]
async fn a_batch_over_ten_events_is_refused_whole() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.subscribe("a").await;
    let events: Vec<Value> = (0..11)
        .map(|i| json!({ "name": "e", "channel": "a", "data": i.to_string() }))
        .collect();
    let path = format!("/apps/{APP_ID}/batch_events");

    let (status, _) = signed(
        &server,
        "POST",
        &path,
        &[],
        Some(&json!({ "batch": events }).to_string()),
        now(),
    )
    .await;

    assert_eq!(status, 400);
    client.assert_nothing_pending().await;
}

#[tokio::test]
async fn channels_are_listed_by_prefix_with_user_counts() {
    let server = TestServer::start(test_config()).await;
    let mut alice = server.client().await;
    alice.subscribe("news").await;
    alice
        .subscribe_presence("presence-site", "1", "Alice")
        .await;
    let path = format!("/apps/{APP_ID}/channels");

    let (all_status, all) = signed(&server, "GET", &path, &[], None, now()).await;
    let (status, presence) = signed(
        &server,
        "GET",
        &path,
        &[("filter_by_prefix", "presence-"), ("info", "user_count")],
        None,
        now(),
    )
    .await;
    let (refused, _) = signed(
        &server,
        "GET",
        &path,
        &[("info", "user_count")],
        None,
        now(),
    )
    .await;

    assert_eq!(all_status, 200);
    assert_eq!(
        all,
        json!({ "channels": { "news": {}, "presence-site": {} } })
    );
    assert_eq!(status, 200);
    assert_eq!(
        presence,
        json!({ "channels": { "presence-site": { "user_count": 1 } } })
    );
    assert_eq!(refused, 400);
}

#[tokio::test]
async fn a_channel_reports_occupancy_and_counts() {
    let server = TestServer::start(test_config()).await;
    let mut alice = server.client().await;
    let mut bob = server.client().await;
    alice
        .subscribe_presence("presence-site", "1", "Alice")
        .await;
    bob.subscribe_presence("presence-site", "1", "Alice").await;
    let path = format!("/apps/{APP_ID}/channels/presence-site");
    let empty = format!("/apps/{APP_ID}/channels/empty");

    let (status, info) = signed(
        &server,
        "GET",
        &path,
        &[("info", "subscription_count,user_count")],
        None,
        now(),
    )
    .await;
    let (_, vacant) = signed(&server, "GET", &empty, &[], None, now()).await;

    assert_eq!(status, 200);
    assert_eq!(
        info,
        json!({ "occupied": true, "subscription_count": 2, "user_count": 1 })
    );
    assert_eq!(vacant, json!({ "occupied": false }));
}

#[tokio::test]
async fn presence_users_are_listed_and_other_channels_refused() {
    let server = TestServer::start(test_config()).await;
    let mut alice = server.client().await;
    alice
        .subscribe_presence("presence-site", "1", "Alice")
        .await;
    let users = format!("/apps/{APP_ID}/channels/presence-site/users");
    let public = format!("/apps/{APP_ID}/channels/news/users");

    let (status, answer) = signed(&server, "GET", &users, &[], None, now()).await;
    let (refused, _) = signed(&server, "GET", &public, &[], None, now()).await;

    assert_eq!(status, 200);
    assert_eq!(answer, json!({ "users": [{ "id": "1" }] }));
    assert_eq!(refused, 400);
}

#[tokio::test]
async fn terminate_connections_closes_the_users_sockets() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    client.sign_in("77").await;
    let path = format!("/apps/{APP_ID}/users/77/terminate_connections");

    let (status, _) = signed(&server, "POST", &path, &[], Some("{}"), now()).await;

    assert_eq!(status, 200);
    assert_eq!(
        client.ending().await,
        crate::channels_support::Ending::Closed(4009)
    );
}
