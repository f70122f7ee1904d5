//! The page script in Chromium: the real pusher-js client object, the real tab channel
//! between two tabs, the title, toasts. Events are emitted on the client's own channel
//! object, as pusher-js does when a message arrives, so no push server is needed here.

use actix_web::{web, HttpRequest, HttpResponse};
use caretaker::assets;
use serde_json::{json, Value as Json};

use super::{spawn_site, wait_until, Browser, Driver};

pub(super) const USER_ID: &str = "7";
pub(super) const CSRF_TOKEN: &str = "csrf-test-token";

/// What `/notifications/unread_count` answers here: older than any event the tests send.
const STALE_COUNT: &str = r#"{"unread": 1, "seq": 10}"#;

/// A signed-in Caretaker page as `templates/base.html` renders it: server-rendered unread
/// count 1 at seq 10, the push server on this same host and port.
pub(super) fn page_html(port: u16, role: &str, main: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="csrf-token" content="{CSRF_TOKEN}">
  <title>Tasks - Caretaker</title>
  <link rel="stylesheet" href="{app_css}">
  <link rel="stylesheet" href="{badger_css}">
  <script src="{jquery}" defer></script>
  <script src="{badger}" defer></script>
  <script src="{pusher}" defer></script>
  <script src="{app}" defer></script>
</head>
<body data-user-id="{USER_ID}" data-user-role="{role}" data-pusher-key="test-key"
      data-pusher-host="127.0.0.1" data-pusher-port="{port}" data-pusher-tls="false"
      data-unread="1" data-seq="10">
  <nav class="nav">
    <a class="nav-brand" href="/">Caretaker</a>
    <ul class="nav-links">
      <li><a class="nav-link" id="nav_main" href="/notifications">Notifications<span
        class="badger-outer"><span class="badger-badge" data-badger-count="1">1</span></span></a>
      </li>
    </ul>
  </nav>
  <main class="page">{main}</main>
</body>
</html>"#,
        app_css = assets::url("css/app.css"),
        badger_css = assets::url("css/badger.css"),
        jquery = assets::url("vendor/jquery.js"),
        badger = assets::url("js/badger.js"),
        pusher = assets::url("vendor/pusher.js"),
        app = assets::url("js/app.js"),
    )
}

pub(super) fn html_response(html: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", super::CSP))
        .body(html)
}

async fn signed_in_page(request: HttpRequest) -> HttpResponse {
    let port = request.app_config().local_addr().port();
    html_response(page_html(port, "staff", "<h1>Tasks</h1>"))
}

async fn unread_count() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(STALE_COUNT)
}

fn page_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(signed_in_page))
        .route("/notifications/unread_count", web::get().to(unread_count));
}

/// Opens the page in the current tab and waits until the page script has started.
pub(super) async fn open_signed_in_page(browser: &Browser, base: &str) {
    browser.goto(&format!("{base}/")).await;
    wait_until("the page script to start", || async move {
        let started = "return Boolean(window.Caretaker && Caretaker.live);";
        browser.run(started, vec![]).await == json!(true)
    })
    .await;
}

/// Delivers a `notification` event the way pusher-js does when one arrives.
async fn deliver(browser: &Browser, data: Json) {
    browser
        .run(
            "Caretaker.live.pusher.channel('private-7').emit('notification', arguments[0]);",
            vec![data],
        )
        .await;
}

pub(super) async fn title(browser: &Browser) -> String {
    browser.client().title().await.unwrap()
}

#[tokio::test]
async fn the_server_rendered_count_shows_in_the_title_and_badge() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let base = spawn_site(page_routes);
    let browser = driver.open_browser().await;

    open_signed_in_page(&browser, &base).await;

    assert_eq!(title(&browser).await, "(1) Tasks - Caretaker");
    let badges = browser
        .run(
            "return document.querySelectorAll('#nav_main .badger-badge').length;",
            vec![],
        )
        .await;
    assert_eq!(badges, json!(1));
    assert_eq!(
        browser.text("#nav_main .badger-badge").await.as_deref(),
        Some("1")
    );
    browser.close().await;
}

#[tokio::test]
async fn an_event_in_one_tab_updates_every_open_tab_and_shows_a_toast() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let base = spawn_site(page_routes);
    let browser = driver.open_browser().await;
    open_signed_in_page(&browser, &base).await;
    let first = browser.current_tab().await;
    browser.new_tab(&format!("{base}/")).await;
    open_signed_in_page(&browser, &base).await;
    let second = browser.current_tab().await;
    browser.switch_to(&first).await;

    deliver(
        &browser,
        json!({"message": "+1", "unread": 5, "seq": 11,
               "task": {"id": 42, "title": "<b>Leaking</b> tap in room 4"}}),
    )
    .await;

    browser.wait_for_text("#nav_main .badger-badge", "5").await;
    browser
        .wait_for_text(".toast .toast-link", "<b>Leaking</b> tap in room 4")
        .await;
    let link = browser.attribute(".toast .toast-link", "href").await;
    assert!(link.unwrap().ends_with("/tasks/42"));
    browser.screenshot("page_script_toast").await;

    browser.switch_to(&second).await;
    browser.wait_for_text("#nav_main .badger-badge", "5").await;
    assert_eq!(title(&browser).await, "(5) Tasks - Caretaker");
    browser.close().await;
}

#[tokio::test]
async fn a_stale_count_fetched_on_return_does_not_undo_a_newer_event() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let base = spawn_site(page_routes);
    let browser = driver.open_browser().await;
    open_signed_in_page(&browser, &base).await;
    deliver(&browser, json!({"message": "+1", "unread": 3, "seq": 12})).await;

    let answer = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             Caretaker.live.refresh().then(done, () => done('failed'));",
            vec![],
        )
        .await
        .unwrap();

    assert_eq!(answer, serde_json::from_str::<Json>(STALE_COUNT).unwrap());
    assert_eq!(
        browser.text("#nav_main .badger-badge").await.as_deref(),
        Some("3")
    );
    assert_eq!(title(&browser).await, "(3) Tasks - Caretaker");
    browser.close().await;
}
