//! The product's promise in real Chromium against the real app: a manager
//! assigns work, and the staff member's badge counts up live in every open
//! tab, clears everywhere on reading, and recovers after a lost connection.

use caretaker::accounts::Role;
use fantoccini::Locator;
use serde_json::json;

use super::{wait_until, Browser, Driver};
use crate::helpers::{spawn_app, spawn_app_with, TestUser};

async fn log_in(browser: &Browser, base: &str, user: &TestUser) {
    browser.goto(&format!("{base}/login")).await;
    let client = browser.client();
    client
        .find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(&user.email)
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(&user.password)
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until("the dashboard after logging in", || async {
        browser.text("h1").await.as_deref() == Some("Dashboard")
    })
    .await;
}

/// Fills in and submits the new-work-order form, as a manager would.
async fn assign_through_the_form(manager: &Browser, base: &str, title: &str, assignee: &TestUser) {
    manager.goto(&format!("{base}/tasks/new")).await;
    let client = manager.client();
    client
        .find(Locator::Css("input[name=title]"))
        .await
        .unwrap()
        .send_keys(title)
        .await
        .unwrap();
    let picker = client
        .find(Locator::Css("select[name=assignee_id]"))
        .await
        .unwrap();
    picker
        .select_by_value(&assignee.id.to_string())
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/tasks'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until("the new work order's page", || async {
        manager.text("h1").await.as_deref() == Some(title)
    })
    .await;
}

async fn badge(browser: &Browser) -> Option<String> {
    browser
        .text("#nav_main .badger-badge")
        .await
        .filter(|text| !text.is_empty())
}

async fn title(browser: &Browser) -> String {
    browser.client().title().await.unwrap()
}

/// Waits until the current tab's badge and title both show `count`.
async fn wait_for_count(browser: &Browser, count: usize) {
    let expected_badge = (count > 0).then(|| count.to_string());
    let what = format!("the badge to show {count}");
    wait_until(&what, || async {
        let title = title(browser).await;
        let title_ok = match count {
            0 => !title.starts_with('('),
            n => title.starts_with(&format!("({n}) ")),
        };
        badge(browser).await == expected_badge && title_ok
    })
    .await;
}

async fn wait_until_connected(browser: &Browser) {
    wait_until("the page's push connection", || async {
        let state = browser
            .run("return window.Caretaker && Caretaker.live && Caretaker.live.pusher.connection.state;", vec![])
            .await;
        state == json!("connected")
    })
    .await;
}

#[tokio::test]
async fn a_staff_members_badge_counts_up_live_in_every_tab_and_survives_a_lost_connection() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = spawn_app().await;
    let staff_user = app.add_named_user(Role::Staff, "Sam Porter").await;
    let manager_user = app.add_named_user(Role::Manager, "Maria Lopez").await;

    let staff = driver.open_browser().await;
    log_in(&staff, &app.address, &staff_user).await;
    let first_tab = staff.current_tab().await;
    wait_until_connected(&staff).await;
    let second_tab = staff.new_tab(&format!("{}/tasks", app.address)).await;
    wait_until_connected(&staff).await;
    let manager = driver.open_browser().await;
    log_in(&manager, &app.address, &manager_user).await;

    assign_through_the_form(
        &manager,
        &app.address,
        "Replace the lobby light",
        &staff_user,
    )
    .await;
    assign_through_the_form(
        &manager,
        &app.address,
        "Unblock the drain in room 12",
        &staff_user,
    )
    .await;

    for tab in [&first_tab, &second_tab] {
        staff.switch_to(tab).await;
        wait_for_count(&staff, 2).await;
    }
    staff.switch_to(&first_tab).await;
    staff.goto(&format!("{}/", app.address)).await;
    wait_for_count(&staff, 2).await;
    staff.screenshot("staff-dashboard").await;

    staff.goto(&format!("{}/notifications", app.address)).await;
    assert!(staff
        .text(".notification-list")
        .await
        .unwrap()
        .contains("Unblock the drain in room 12"));
    for tab in [&first_tab, &second_tab] {
        staff.switch_to(tab).await;
        wait_for_count(&staff, 0).await;
    }

    for tab in [&first_tab, &second_tab] {
        staff.switch_to(tab).await;
        staff
            .run("Caretaker.live.pusher.disconnect();", vec![])
            .await;
    }
    assign_through_the_form(&manager, &app.address, "Reset the boiler", &staff_user).await;
    for tab in [&first_tab, &second_tab] {
        staff.switch_to(tab).await;
        staff.run("Caretaker.live.pusher.connect();", vec![]).await;
        wait_for_count(&staff, 1).await;
    }

    staff.client().refresh().await.unwrap();
    wait_for_count(&staff, 1).await;
    assert_eq!(
        staff.attribute("body", "data-unread").await.as_deref(),
        Some("1")
    );
    staff.close().await;
    manager.close().await;
}

#[tokio::test]
async fn managers_see_which_assignees_are_online() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    // Through the push server's own socket port, which the pages name.
    let app = spawn_app_with(|settings| {
        settings.push_server.socket_addr = Some("127.0.0.1:0".into());
    })
    .await;
    let staff_user = app.add_user(Role::Staff).await;
    let idle_user = app.add_user(Role::Staff).await;
    let manager_user = app.add_user(Role::Manager).await;
    let staff = driver.open_browser().await;
    log_in(&staff, &app.address, &staff_user).await;
    wait_until_connected(&staff).await;

    let manager = driver.open_browser().await;
    log_in(&manager, &app.address, &manager_user).await;
    manager.goto(&format!("{}/tasks/new", app.address)).await;

    let online = format!("option[data-presence-user='{}']", staff_user.id);
    wait_until("the connected staff member to show online", || async {
        manager
            .attribute(&online, "class")
            .await
            .is_some_and(|class| class.contains("is-online"))
    })
    .await;
    let idle = format!("option[data-presence-user='{}']", idle_user.id);
    let idle_class = manager.attribute(&idle, "class").await.unwrap_or_default();
    assert!(!idle_class.contains("is-online"));
    assert!(manager.text(&online).await.unwrap().ends_with("(online)"));

    staff.close().await;
    wait_until("the departed staff member to show offline", || async {
        !manager
            .attribute(&online, "class")
            .await
            .unwrap_or_default()
            .contains("is-online")
    })
    .await;
    manager.close().await;
}
