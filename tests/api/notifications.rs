//! Notifications: who is told what, the list, reading them, and the count.

use caretaker::accounts::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, TestClient, TestUser};

async fn assign(manager: &TestClient, title: &str, assignee: &TestUser) -> i64 {
    let assignee_id = assignee.id.to_string();
    let page = manager
        .post_form("/tasks", &[("title", title), ("assignee_id", &assignee_id)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.unwrap();
    location.strip_prefix("/tasks/").unwrap().parse().unwrap()
}

async fn unread_count(client: &TestClient) -> (i64, i64) {
    let page = client.get("/notifications/unread_count").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("application/json"));
    let json: Value = serde_json::from_str(&page.body).unwrap();
    (
        json["unread"].as_i64().unwrap(),
        json["seq"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn the_list_shows_the_newest_first_marks_unread_ones_and_reading_it_clears_the_count() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    let first = assign(&manager, "Replace the filter", &worker).await;
    let second = assign(&manager, "Test the alarm", &worker).await;

    let before = unread_count(&staff).await;
    let list = staff.get("/notifications").await;
    let after = unread_count(&staff).await;
    let again = staff.get("/notifications").await;

    assert_eq!(before, (2, 2));
    assert_eq!(list.status, StatusCode::OK);
    let newer = list.body.find("New work order: Test the alarm").unwrap();
    let older = list
        .body
        .find("New work order: Replace the filter")
        .unwrap();
    assert!(newer < older, "newest first");
    assert!(list.contains(&format!(r#"href="/tasks/{first}""#)));
    assert!(list.contains(&format!(r#"href="/tasks/{second}""#)));
    assert_eq!(list.body.matches("notification is-unread").count(), 2);
    assert_eq!(after, (0, 3), "reading bumps the sequence once");
    assert_eq!(again.body.matches("is-unread").count(), 0);
    assert_eq!(unread_count(&staff).await, (0, 3), "nothing left to read");
}

#[tokio::test]
async fn the_assignee_hears_of_changes_and_comments_by_others_but_nobody_of_their_own() {
    let app = spawn_app().await;
    let (boss, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    let task_id = assign(&manager, "Fix the gate", &worker).await;
    let base = format!("/tasks/{task_id}");

    staff
        .post_form(&format!("{base}/status"), &[("status", "in_progress")])
        .await;
    staff
        .post_form(&format!("{base}/comments"), &[("body", "On it")])
        .await;
    let after_own = unread_count(&staff).await;
    manager
        .post_form(&format!("{base}/comments"), &[("body", "Thanks")])
        .await;
    manager
        .post_form(&format!("{base}/status"), &[("status", "on_hold")])
        .await;
    let list = staff.get("/notifications").await;
    let manager_count = unread_count(&manager).await;

    assert_eq!(after_own, (1, 1), "only the assignment");
    assert!(list.contains(&format!("{} commented on Fix the gate", boss.name)));
    assert!(list.contains(&format!("{} updated Fix the gate", boss.name)));
    assert_eq!(list.body.matches("is-unread").count(), 3);
    assert_eq!(manager_count, (0, 0));
}

#[tokio::test]
async fn a_manager_assigning_to_themselves_is_not_notified() {
    let app = spawn_app().await;
    let (boss, manager) = app.logged_in(Role::Manager).await;

    assign(&manager, "Order new keys", &boss).await;

    assert_eq!(unread_count(&manager).await, (0, 0));
}

#[tokio::test]
async fn the_badge_in_the_navigation_shows_the_unread_count() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    assign(&manager, "Check the lights", &worker).await;

    let dashboard = staff.get("/").await;

    assert!(dashboard.contains(r#"data-badger-count="1""#));
    assert!(dashboard.contains(r#"data-unread="1" data-seq="1""#));
}

#[tokio::test]
async fn the_unread_count_without_a_session_is_a_json_401() {
    let app = spawn_app().await;

    let page = app.client().get("/notifications/unread_count").await;

    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.content_type.starts_with("application/json"));
    let json: Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(json["error"], "login required");
}
