//! `caretaker demo`: the seeded site, people and work orders.

use caretaker::accounts::Role;
use caretaker::demo::seed;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, TempDir, TestUser};
use crate::task_list::{days_from_today, listed_titles};

async fn count(app: &crate::helpers::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_seeds_people_of_each_role_and_work_in_every_status() {
    let app = spawn_app().await;

    let logins = seed(&app.db).await.unwrap();

    let roles: Vec<Role> = logins.iter().map(|login| login.role).collect();
    assert_eq!(roles.iter().filter(|r| **r == Role::Admin).count(), 1);
    assert_eq!(roles.iter().filter(|r| **r == Role::Manager).count(), 2);
    assert_eq!(roles.iter().filter(|r| **r == Role::Staff).count(), 5);
    assert!(logins
        .iter()
        .all(|l| l.email.ends_with("@demo.caretaker.test")));
    let tasks = count(&app, "SELECT COUNT(*) FROM tasks").await;
    assert!((35..=45).contains(&tasks), "{tasks} work orders");
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT status) FROM tasks").await,
        5
    );
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT priority) FROM tasks").await,
        4
    );
    let created = "SELECT COUNT(*) FROM activity WHERE kind = 'created'";
    assert_eq!(count(&app, created).await, tasks);
    let unassigned = "SELECT COUNT(*) FROM tasks WHERE assignee_id IS NULL";
    assert!(count(&app, unassigned).await > 0);
    let overdue: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tasks WHERE due_on < $1
         AND status IN ('open', 'in_progress', 'on_hold')",
    )
    .bind(days_from_today(0))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(overdue > 0);
    let rooms = "SELECT COUNT(*) FROM locations WHERE kind = 'room'";
    assert!(count(&app, rooms).await >= 6);
}

#[tokio::test]
async fn every_demo_login_works_and_sees_its_work() {
    let app = spawn_app().await;
    let logins = seed(&app.db).await.unwrap();

    for login in &logins {
        let user = TestUser {
            id: 0,
            email: login.email.clone(),
            name: login.name.clone(),
            password: login.password.clone(),
        };
        let client = app.client();
        client.login(&user).await;
        let dashboard = client.get("/").await;
        let list = client.get("/tasks").await;

        assert_eq!(dashboard.status, StatusCode::OK);
        assert!(dashboard.contains(&format!("{} · {}", login.name, login.role.label())));
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            !listed_titles(&list.body).is_empty(),
            "{} sees no work",
            login.email
        );
    }
}

#[tokio::test]
async fn the_demo_refuses_a_database_that_already_has_users() {
    let app = spawn_app().await;
    app.add_user(Role::Admin).await;

    let refused = seed(&app.db).await;

    let message = refused.unwrap_err().to_string();
    assert!(message.contains("already has users"), "{message}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, 0);
}

#[tokio::test]
async fn the_demo_command_prints_the_logins_once_and_then_refuses() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}/demo.db", dir.path);
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_caretaker"))
            .arg("demo")
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap()
    };

    let first = run();
    let second = run();

    let printed = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{printed}");
    assert_eq!(printed.matches("@demo.caretaker.test").count(), 8);
    assert!(
        printed.contains("admin ") && printed.contains("manager ") && printed.contains("staff ")
    );
    assert!(!second.status.success());
    let complaint = String::from_utf8_lossy(&second.stderr);
    assert!(complaint.contains("already has users"), "{complaint}");
}
