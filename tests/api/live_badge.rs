//! The assignment path end to end, without a browser: a manager assigns a
//! work order over HTTP and the assignee's real pusher-js client, authorized
//! by the app's own `/pusher_auth` with the assignee's session cookie,
//! receives the badge event.

use caretaker::accounts::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::channels::node_clients::{node_missing, NodeScript};
use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestClient, TestUser};

async fn app_key(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT value FROM app_settings WHERE name = 'pusher_app_key'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Starts the assignee's pusher-js client and waits until it is subscribed
/// to its own channel, signed in, and refused `forbidden_channel`.
async fn connect_badge_client(
    app: &TestApp,
    user: &TestUser,
    client: &TestClient,
    forbidden_channel: &str,
) -> NodeScript {
    let cookie = format!(
        "caretaker_session={}",
        client.cookie("caretaker_session").unwrap()
    );
    let ws_port = app.push_port.unwrap_or(app.port);
    let env = [
        ("APP_PORT", app.port.to_string()),
        ("WS_PORT", ws_port.to_string()),
        ("APP_KEY", app_key(app).await),
        ("COOKIE", cookie),
        ("CSRF_TOKEN", client.csrf_token().await),
        ("USER_ID", user.id.to_string()),
        ("FORBIDDEN_CHANNEL", forbidden_channel.to_owned()),
    ];
    let mut script = NodeScript::spawn("app_badge_client.mjs", &env);

    let (mut ready, mut denied, mut refused) = (false, false, false);
    while !(ready && denied && refused) {
        let line = script.next_line().await;
        assert!(
            line.get("wrongly_joined").is_none(),
            "joined another user's channel: {line}"
        );
        ready |= line.get("ready").is_some();
        refused |= line["refused"] == forbidden_channel;
        if line["denied"] == forbidden_channel {
            assert_eq!(line["status"], 403, "{line}");
            denied = true;
        }
    }
    script
}

async fn next_notification(script: &mut NodeScript) -> Value {
    loop {
        let line = script.next_line().await;
        if line["event"] == "notification" {
            return line["data"].clone();
        }
    }
}

async fn assign_new_work_order(manager: &TestClient, title: &str, assignee: &TestUser) -> i64 {
    let page = manager
        .post_form(
            "/tasks",
            &[
                ("title", title),
                ("priority", "high"),
                ("assignee_id", &assignee.id.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location
        .unwrap()
        .trim_start_matches("/tasks/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_assignees_pusher_js_client_counts_up_on_each_assignment_and_clears_on_reading() {
    if node_missing() {
        return;
    }
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (staff_user, staff) = app.logged_in(Role::Staff).await;
    let other = app.add_user(Role::Staff).await;
    let mut badge =
        connect_badge_client(&app, &staff_user, &staff, &format!("private-{}", other.id)).await;

    let first_id = assign_new_work_order(&manager, "Replace the lobby light", &staff_user).await;
    let first = next_notification(&mut badge).await;
    assign_new_work_order(&manager, "Unblock the drain in room 12", &staff_user).await;
    let second = next_notification(&mut badge).await;
    staff.get("/notifications").await;
    let read = next_notification(&mut badge).await;

    assert_eq!(first["message"], "+1");
    assert_eq!(first["unread"], 1);
    assert_eq!(first["task"]["id"], first_id);
    assert_eq!(first["task"]["title"], "Replace the lobby light");
    assert_eq!(second["unread"], 2);
    assert!(second["seq"].as_i64() > first["seq"].as_i64());
    assert_eq!(read["message"], "0");
    assert_eq!(read["unread"], 0);
}

#[tokio::test]
async fn deactivating_a_user_closes_their_live_connection() {
    if node_missing() {
        return;
    }
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    let (staff_user, staff) = app.logged_in(Role::Staff).await;
    let mut badge = connect_badge_client(&app, &staff_user, &staff, "private-0").await;

    admin
        .post_form(
            &format!("/admin/users/{}/active", staff_user.id),
            &[("active", "false")],
        )
        .await;

    loop {
        let line = badge.next_line().await;
        if line.get("error").is_some() {
            assert_eq!(line["error"], 4009);
            break;
        }
    }
}

#[tokio::test]
async fn pages_name_the_socket_port_of_their_own_and_the_badge_arrives_through_it() {
    if node_missing() {
        return;
    }
    let app = spawn_app_with(|settings| {
        settings.push_server.socket_addr = Some("127.0.0.1:0".into());
    })
    .await;
    let push_port = app.push_port.expect("a socket listener was asked for");
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (staff_user, staff) = app.logged_in(Role::Staff).await;
    let mut badge = connect_badge_client(&app, &staff_user, &staff, "private-0").await;

    let dashboard = staff.get("/").await;
    assign_new_work_order(&manager, "Check the boiler pressure", &staff_user).await;
    let notification = next_notification(&mut badge).await;

    assert_ne!(push_port, app.port);
    assert!(
        dashboard.contains(&format!("data-pusher-port=\"{push_port}\"")),
        "{}",
        dashboard.body
    );
    assert_eq!(notification["message"], "+1");
    assert_eq!(notification["unread"], 1);
}
