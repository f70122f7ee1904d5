//! Admins manage users and see the state of the system.

use caretaker::accounts::Role;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_adds_a_user_who_can_then_log_in() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;

    let added = admin
        .post_form(
            "/admin/users",
            &[
                ("name", "Sam Staff"),
                ("email", "sam@example.com"),
                ("role", "staff"),
                ("password", "sam's long password"),
            ],
        )
        .await;
    let list = admin.get("/admin/users").await;
    let sam = app.client();
    let login = sam
        .post_form(
            "/login",
            &[
                ("email", "sam@example.com"),
                ("password", "sam's long password"),
            ],
        )
        .await;

    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert!(list.contains("Added Sam Staff."));
    assert!(list.contains("sam@example.com"));
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn adding_a_user_with_bad_input_explains_and_keeps_the_input() {
    let app = spawn_app().await;
    let (admin_user, admin) = app.logged_in(Role::Admin).await;

    let bad = admin
        .post_form(
            "/admin/users",
            &[
                ("name", "Sam Staff"),
                ("email", "sam"),
                ("role", "janitor"),
                ("password", "x"),
            ],
        )
        .await;
    let duplicate = admin
        .post_form(
            "/admin/users",
            &[
                ("name", "Copy"),
                ("email", &admin_user.email),
                ("role", "staff"),
                ("password", "a long password"),
            ],
        )
        .await;

    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("is not a valid email address"));
    assert!(bad.contains("is not a role"));
    assert!(bad.contains(r#"value="Sam Staff""#));
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(duplicate.contains("already exists"));
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_and_blocks_login() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    let (staff_user, staff) = app.logged_in(Role::Staff).await;
    assert_eq!(staff.get("/").await.status, StatusCode::OK);

    let done = admin
        .post_form(
            &format!("/admin/users/{}/active", staff_user.id),
            &[("active", "false")],
        )
        .await;
    let after = staff.get("/").await;
    let again = app
        .client()
        .post_form(
            "/login",
            &[
                ("email", &staff_user.email),
                ("password", &staff_user.password),
            ],
        )
        .await;

    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location.as_deref(), Some("/login"));
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn resetting_a_password_ends_sessions_and_the_new_password_works() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    let (mut staff_user, staff) = app.logged_in(Role::Staff).await;

    admin
        .post_form(
            &format!("/admin/users/{}/password", staff_user.id),
            &[("password", "a brand new password")],
        )
        .await;
    let after = staff.get("/").await;
    staff_user.password = "a brand new password".into();
    let fresh = app.client();
    fresh.login(&staff_user).await;

    assert_eq!(after.location.as_deref(), Some("/login"));
    assert_eq!(fresh.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    let (staff_user, staff) = app.logged_in(Role::Staff).await;
    assert_eq!(
        staff.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );

    admin
        .post_form(
            &format!("/admin/users/{}/role", staff_user.id),
            &[("role", "admin")],
        )
        .await;

    assert_eq!(staff.get("/admin/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let (admin_user, admin) = app.logged_in(Role::Admin).await;

    let demote = admin
        .post_form(
            &format!("/admin/users/{}/role", admin_user.id),
            &[("role", "staff")],
        )
        .await;
    let deactivate = admin
        .post_form(
            &format!("/admin/users/{}/active", admin_user.id),
            &[("active", "false")],
        )
        .await;

    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(deactivate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(admin.get("/admin/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn managers_and_staff_cannot_manage_users() {
    let app = spawn_app().await;
    let target = app.add_user(Role::Staff).await;

    for role in [Role::Staff, Role::Manager] {
        let (_, client) = app.logged_in(role).await;
        let page = client.get("/admin/users").await;
        let change = client
            .post_form(
                &format!("/admin/users/{}/role", target.id),
                &[("role", "admin")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(change.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_unknown_user_id_is_not_found() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;

    let page = admin
        .post_form("/admin/users/999999/role", &[("role", "staff")])
        .await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_system_page_shows_the_database_migrations_and_counts() {
    let app = spawn_app().await;
    let (_, admin) = app.logged_in(Role::Admin).await;
    app.add_user(Role::Staff).await;

    let page = admin.get("/admin/system").await;

    let database = if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(&format!(r#"<td id="system-database">{database}</td>"#)));
    assert!(page.contains(r#"<td id="system-users">2</td>"#));
    assert!(page.contains(r#"<td id="system-tasks">0</td>"#));
    assert!(page.contains(env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_text() {
    let app = spawn_app().await;
    app.add_user(Role::Staff).await;

    let page = app.client().get("/metrics").await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("caretaker_users 1"));
    assert!(page.contains("# TYPE caretaker_unread_notifications gauge"));
}
