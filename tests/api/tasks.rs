//! Work orders as each role uses them: creating, assigning, moving through
//! the workflow, commenting, and the activity log that records it all.

use caretaker::accounts::Role;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, TestApp, TestClient, TestUser};

/// Posts the new-work-order form and returns the new id.
async fn create_work_order(manager: &TestClient, fields: &[(&str, &str)]) -> i64 {
    let page = manager.post_form("/tasks", fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.unwrap();
    location.strip_prefix("/tasks/").unwrap().parse().unwrap()
}

async fn assigned_work_order(manager: &TestClient, title: &str, assignee: &TestUser) -> i64 {
    let assignee_id = assignee.id.to_string();
    create_work_order(manager, &[("title", title), ("assignee_id", &assignee_id)]).await
}

async fn add_location(app: &TestApp, parent: Option<i64>, kind: &str, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO locations (parent_id, kind, name, created_at) VALUES ($1, $2, $3, 0)
         RETURNING id",
    )
    .bind(parent)
    .bind(kind)
    .bind(name)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn status_of(app: &TestApp, task_id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(task_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn unread_of(app: &TestApp, user: &TestUser) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Asserts that `texts` appear in `body` in this order.
fn assert_in_order(body: &str, texts: &[&str]) {
    let mut from = 0;
    for text in texts {
        let found = body[from..].find(text);
        assert!(found.is_some(), "{text:?} missing after byte {from}");
        from += found.unwrap() + text.len();
    }
}

#[tokio::test]
async fn a_manager_creates_and_assigns_a_work_order_that_the_assignee_then_sees() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    let site = add_location(&app, None, "site", "HQ").await;
    let building = add_location(&app, Some(site), "building", "Building A").await;
    let floor = add_location(&app, Some(building), "floor", "Floor 2").await;
    let room = add_location(&app, Some(floor), "room", "Room 201").await;

    let form = manager.get("/tasks/new").await;
    let task_id = create_work_order(
        &manager,
        &[
            ("title", "Replace the ceiling light"),
            ("description", "Flickers since Monday"),
            ("priority", "high"),
            ("location_id", &room.to_string()),
            ("due_on", "2027-03-01"),
            ("assignee_id", &worker.id.to_string()),
        ],
    )
    .await;
    let page = staff.get(&format!("/tasks/{task_id}")).await;

    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains("HQ › Building A › Floor 2 › Room 201"));
    assert!(form.contains(&format!(r#"data-presence-user="{}""#, worker.id)));
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "Replace the ceiling light",
        "Flickers since Monday",
        "High",
        "HQ › Building A › Floor 2 › Room 201",
        "2027-03-01",
        &worker.name,
        "created the work order",
    ] {
        assert!(page.contains(shown), "{shown:?} is not on the page");
    }
    assert_eq!(unread_of(&app, &worker).await, 1);
}

#[tokio::test]
async fn creating_redirects_with_a_flash_message() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Admin).await;

    let task_id = create_work_order(&manager, &[("title", "Check the boiler")]).await;
    let first_visit = manager.get(&format!("/tasks/{task_id}")).await;
    let second_visit = manager.get(&format!("/tasks/{task_id}")).await;

    assert!(first_visit.contains("Work order created."));
    assert!(!second_visit.contains("Work order created."));
    assert!(
        second_visit.contains("Normal"),
        "priority defaults to normal"
    );
}

#[tokio::test]
async fn staff_move_their_work_order_through_the_workflow_and_the_log_shows_each_step_in_order() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    let task_id = assigned_work_order(&manager, "Fix the leaking tap", &worker).await;
    let base = format!("/tasks/{task_id}");

    let mut answers = vec![];
    for status in ["in_progress", "on_hold", "in_progress"] {
        answers.push(
            staff
                .post_form(&format!("{base}/status"), &[("status", status)])
                .await,
        );
    }
    let comment = staff
        .post_form(&format!("{base}/comments"), &[("body", "Washer replaced")])
        .await;
    answers.push(
        staff
            .post_form(&format!("{base}/status"), &[("status", "done")])
            .await,
    );
    let page = staff.get(&base).await;

    assert!(answers
        .iter()
        .all(|page| page.status == StatusCode::SEE_OTHER));
    assert_eq!(comment.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, task_id).await, "done");
    assert_in_order(
        &page.body,
        &[
            "created the work order",
            "changed Status: Open → In progress",
            "changed Status: In progress → On hold",
            "changed Status: On hold → In progress",
            "Washer replaced",
            "changed Status: In progress → Done",
        ],
    );
    assert!(page.contains(&worker.name));
}

#[tokio::test]
async fn staff_cannot_open_change_or_comment_on_someone_elses_work_order() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let colleague = app.add_user(Role::Staff).await;
    let (_, staff) = app.logged_in(Role::Staff).await;
    let task_id = assigned_work_order(&manager, "Secret repair", &colleague).await;
    let base = format!("/tasks/{task_id}");

    let page = staff.get(&base).await;
    let status = staff
        .post_form(&format!("{base}/status"), &[("status", "done")])
        .await;
    let comment = staff
        .post_form(&format!("{base}/comments"), &[("body", "Mine now")])
        .await;
    let unknown = staff.get("/tasks/987654").await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.contains("Secret repair"));
    assert_eq!(
        page.body, unknown.body,
        "indistinguishable from an unknown id"
    );
    assert_eq!(status.status, StatusCode::NOT_FOUND);
    assert_eq!(comment.status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, task_id).await, "open");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM activity WHERE kind <> 'created'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn staff_can_neither_create_edit_nor_assign_work_orders() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    let task_id = assigned_work_order(&manager, "Paint the hall", &worker).await;
    let own = worker.id.to_string();

    let form = staff.get("/tasks/new").await;
    let create = staff.post_form("/tasks", &[("title", "Day off")]).await;
    let edit = staff
        .post_form(&format!("/tasks/{task_id}"), &[("title", "Paint nothing")])
        .await;
    let assign = staff
        .post_form(
            &format!("/tasks/{task_id}/assign"),
            &[("assignee_id", &own)],
        )
        .await;
    let page = staff.get(&format!("/tasks/{task_id}")).await;

    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    assert_eq!(assign.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, 1);
    assert!(page.contains("Paint the hall"));
    assert!(!page.contains("Save changes"), "staff get no edit form");
}

#[tokio::test]
async fn staff_cannot_cancel_nor_reopen_but_managers_can() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    let task_id = assigned_work_order(&manager, "Mend the fence", &worker).await;
    let status_path = format!("/tasks/{task_id}/status");

    let staff_page = staff.get(&format!("/tasks/{task_id}")).await;
    let cancel = staff
        .post_form(&status_path, &[("status", "cancelled")])
        .await;
    staff.post_form(&status_path, &[("status", "done")]).await;
    let reopen = staff.post_form(&status_path, &[("status", "open")]).await;
    let manager_reopen = manager.post_form(&status_path, &[("status", "open")]).await;
    let manager_cancel = manager
        .post_form(&status_path, &[("status", "cancelled")])
        .await;

    assert!(!staff_page.contains(r#"<option value="cancelled">"#));
    assert_eq!(cancel.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cancel.contains("You cannot move a work order from Open to Cancelled."));
    assert_eq!(reopen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reopen.contains("You cannot move a work order from Done to Open."));
    assert_eq!(manager_reopen.status, StatusCode::SEE_OTHER);
    assert_eq!(manager_cancel.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, task_id).await, "cancelled");
}

#[tokio::test]
async fn a_manager_edits_fields_and_the_log_records_only_what_changed() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let worker = app.add_user(Role::Staff).await;
    let task_id = create_work_order(&manager, &[("title", "Clean the gutters")]).await;
    let worker_id = worker.id.to_string();

    let saved = manager
        .post_form(
            &format!("/tasks/{task_id}"),
            &[
                ("title", "Clean all gutters"),
                ("priority", "urgent"),
                ("due_on", "2027-04-30"),
                ("assignee_id", &worker_id),
            ],
        )
        .await;
    let page = manager.get(&format!("/tasks/{task_id}")).await;

    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_in_order(
        &page.body,
        &[
            "changed Title: Clean the gutters → Clean all gutters",
            "changed Priority: Normal → Urgent",
            "changed Due date: none → 2027-04-30",
            &format!("changed Assignee: none → {}", worker.name),
        ],
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activity WHERE kind = 'changed'").await,
        4
    );
    assert_eq!(unread_of(&app, &worker).await, 1);
}

#[tokio::test]
async fn reassigning_notifies_the_new_assignee_and_not_the_old_one() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let first = app.add_user(Role::Staff).await;
    let second = app.add_user(Role::Staff).await;
    let task_id = assigned_work_order(&manager, "Service the lift", &first).await;
    let second_id = second.id.to_string();

    let assigned = manager
        .post_form(
            &format!("/tasks/{task_id}/assign"),
            &[("assignee_id", &second_id)],
        )
        .await;
    let page = manager.get(&format!("/tasks/{task_id}")).await;

    assert_eq!(assigned.status, StatusCode::SEE_OTHER);
    assert_eq!(
        unread_of(&app, &first).await,
        1,
        "only the first assignment"
    );
    assert_eq!(unread_of(&app, &second).await, 1);
    assert!(page.contains(&format!(
        "changed Assignee: {} → {}",
        first.name, second.name
    )));
}

#[tokio::test]
async fn bad_input_shows_the_form_again_with_messages_and_saves_nothing() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let long_title = "x".repeat(201);

    let page = manager
        .post_form(
            "/tasks",
            &[
                ("title", ""),
                ("description", "Water on the floor"),
                ("priority", "asap"),
                ("due_on", "2027-02-30"),
                ("location_id", "424242"),
                ("assignee_id", "424242"),
            ],
        )
        .await;
    let too_long = manager.post_form("/tasks", &[("title", &long_title)]).await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "A title is required.",
        "Choose a priority from the list.",
        "is not a date: write it as YYYY-MM-DD.",
        "Choose a location from the list.",
        "Choose an active user from the list.",
    ] {
        assert!(page.contains(message), "{message:?} is not shown");
    }
    assert!(page.contains(">Water on the floor</textarea>"));
    assert!(page.contains(r#"value="2027-02-30""#));
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.contains("at most 200 characters"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, 0);
}

#[tokio::test]
async fn a_bad_edit_shows_the_work_order_again_with_the_input_kept() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let task_id = create_work_order(&manager, &[("title", "Oil the hinges")]).await;

    let page = manager
        .post_form(
            &format!("/tasks/{task_id}"),
            &[("title", "Oil every hinge"), ("due_on", "someday")],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"value="Oil every hinge""#));
    assert!(page.contains("is not a date"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activity WHERE kind = 'changed'").await,
        0
    );
}

#[tokio::test]
async fn an_empty_or_too_long_comment_is_refused_with_the_text_kept() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let task_id = create_work_order(&manager, &[("title", "Sweep the yard")]).await;
    let path = format!("/tasks/{task_id}/comments");
    let long = "y".repeat(5001);

    let empty = manager.post_form(&path, &[("body", "   ")]).await;
    let too_long = manager.post_form(&path, &[("body", &long)]).await;

    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("Write a comment first."));
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.contains(&long));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activity WHERE kind = 'comment'").await,
        0
    );
}

#[tokio::test]
async fn an_unknown_work_order_is_not_found() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Admin).await;

    let page = manager.get("/tasks/424242").await;
    let status = manager
        .post_form("/tasks/424242/status", &[("status", "done")])
        .await;
    let comment = manager
        .post_form("/tasks/424242/comments", &[("body", "Hello")])
        .await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(status.status, StatusCode::NOT_FOUND);
    assert_eq!(comment.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_change_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let (worker, staff) = app.logged_in(Role::Staff).await;
    let task_id = assigned_work_order(&manager, "Unblock the drain", &worker).await;
    let base = format!("/tasks/{task_id}");

    let status = staff
        .post_raw(&format!("{base}/status"), &[("status", "done")])
        .await;
    let comment = staff
        .post_raw(&format!("{base}/comments"), &[("body", "Hi")])
        .await;
    let edit = manager.post_raw(&base, &[("title", "Forged")]).await;
    let create = manager.post_raw("/tasks", &[("title", "Forged")]).await;

    for page in [&status, &comment, &edit, &create] {
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(status_of(&app, task_id).await, "open");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM activity").await, 1);
}

#[tokio::test]
async fn comments_keep_their_line_breaks_and_show_markup_as_text() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let task_id = create_work_order(&manager, &[("title", "Label the fuses")]).await;

    manager
        .post_form(
            &format!("/tasks/{task_id}/comments"),
            &[("body", "Fuse 3 is <b>dead</b>\nOrdered a new one")],
        )
        .await;
    let page = manager.get(&format!("/tasks/{task_id}")).await;

    assert!(page.contains("Fuse 3 is &#60;b&#62;dead&#60;/b&#62;<br/>Ordered a new one"));
}

#[tokio::test]
async fn editing_a_work_order_keeps_an_assignee_deactivated_since() {
    let app = spawn_app().await;
    let (_, manager) = app.logged_in(Role::Manager).await;
    let worker = app.add_user(Role::Staff).await;
    let task_id = assigned_work_order(&manager, "Tidy the store", &worker).await;
    caretaker::accounts::set_active(&app.db.pool, worker.id, false)
        .await
        .unwrap();
    let worker_id = worker.id.to_string();

    let page = manager.get(&format!("/tasks/{task_id}")).await;
    let saved = manager
        .post_form(
            &format!("/tasks/{task_id}"),
            &[("title", "Tidy the big store"), ("assignee_id", &worker_id)],
        )
        .await;
    let assignee: Option<i64> = sqlx::query_scalar("SELECT assignee_id FROM tasks WHERE id = $1")
        .bind(task_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    assert!(page.contains(&format!("{} (deactivated)", worker.name)));
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(assignee, Some(worker.id));
}
