//! `/pusher_auth` signs only the channels a user may join.

use caretaker::accounts::Role;
use caretaker::signing::channel_auth;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp, TestClient};

const SOCKET_ID: &str = "1234.5678";

async fn ask(client: &TestClient, channel: &str, with_token: bool) -> (StatusCode, Value) {
    let mut request = client
        .http
        .post(format!("{}/pusher_auth", client.base))
        .form(&[("socket_id", SOCKET_ID), ("channel_name", channel)]);
    if with_token {
        request = request.header("X-CSRF-Token", client.csrf_token().await);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn push_secret(app: &TestApp) -> (String, SecretString) {
    let read = |name: &'static str| {
        sqlx::query_scalar::<_, String>("SELECT value FROM app_settings WHERE name = $1")
            .bind(name)
            .fetch_one(&app.db.pool)
    };
    let key = read("pusher_app_key").await.unwrap();
    let secret = read("pusher_app_secret").await.unwrap();
    (key, SecretString::from(secret))
}

#[tokio::test]
async fn a_user_may_join_their_own_private_channel() {
    let app = spawn_app().await;
    let (user, client) = app.logged_in(Role::Staff).await;
    let channel = format!("private-{}", user.id);

    let (status, answer) = ask(&client, &channel, true).await;

    let (key, secret) = push_secret(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["auth"],
        channel_auth(&key, &secret, SOCKET_ID, &channel, None)
    );
}

#[tokio::test]
async fn another_users_private_channel_is_refused() {
    let app = spawn_app().await;
    let other = app.add_user(Role::Staff).await;
    let (_, client) = app.logged_in(Role::Manager).await;

    let (status, answer) = ask(&client, &format!("private-{}", other.id), true).await;

    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(answer.get("auth").is_none());
}

#[tokio::test]
async fn no_session_or_no_csrf_token_is_refused() {
    let app = spawn_app().await;
    let (user, client) = app.logged_in(Role::Staff).await;
    let channel = format!("private-{}", user.id);

    let (anonymous, _) = ask(&app.client(), &channel, false).await;
    let (without_token, _) = ask(&client, &channel, false).await;

    assert_eq!(anonymous, StatusCode::FORBIDDEN);
    assert_eq!(without_token, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_staff_presence_channel_carries_name_and_role() {
    let app = spawn_app().await;
    let (user, client) = app.logged_in(Role::Manager).await;

    let (status, answer) = ask(&client, "presence-staff", true).await;

    assert_eq!(status, StatusCode::OK);
    let data: Value = serde_json::from_str(answer["channel_data"].as_str().unwrap()).unwrap();
    assert_eq!(data["user_id"], user.id.to_string());
    assert_eq!(data["user_info"]["name"], user.name);
    assert_eq!(data["user_info"]["role"], "manager");
    let (key, secret) = push_secret(&app).await;
    let expected = channel_auth(
        &key,
        &secret,
        SOCKET_ID,
        "presence-staff",
        answer["channel_data"].as_str(),
    );
    assert_eq!(answer["auth"], expected);
}

#[tokio::test]
async fn a_malformed_socket_id_is_a_bad_request() {
    let app = spawn_app().await;
    let (user, client) = app.logged_in(Role::Staff).await;

    let response = client
        .http
        .post(format!("{}/pusher_auth", client.base))
        .header("X-CSRF-Token", client.csrf_token().await)
        .form(&[
            ("socket_id", "1234.5678:evil"),
            ("channel_name", &format!("private-{}", user.id)),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
