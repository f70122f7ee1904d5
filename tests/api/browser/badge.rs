//! The embedded assets working in a real browser: a small page served by the asset routes
//! alone, under the same content security policy the app uses.

use actix_web::{web, HttpResponse};
use caretaker::assets;
use serde_json::json;

use super::{spawn_site, wait_until, Browser, Driver};

async fn badge_page() -> HttpResponse {
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Caretaker</title>
  <link rel="stylesheet" href="{app_css}">
  <link rel="stylesheet" href="{badger_css}">
  <script src="{jquery}" defer></script>
  <script src="{badger}" defer></script>
</head>
<body>
  <nav class="nav">
    <a class="nav-brand" href="/">Caretaker</a>
    <ul class="nav-links">
      <li><a class="nav-link" href="/tasks">Tasks</a></li>
      <li><a class="nav-link is-active" id="nav_main" href="/notifications">Notifications</a></li>
    </ul>
  </nav>
  <main class="page"><h1>Badge check</h1></main>
</body>
</html>"#,
        app_css = assets::url("css/app.css"),
        badger_css = assets::url("css/badger.css"),
        jquery = assets::url("vendor/jquery.js"),
        badger = assets::url("js/badger.js"),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", super::CSP))
        .body(html)
}

fn badge_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(badge_page));
}

/// Opens the page and waits until jQuery and the plugin have loaded.
async fn open_badge_page(browser: &Browser, base: &str) {
    browser.goto(&format!("{base}/")).await;
    wait_until("jQuery and the badge plugin to load", || async move {
        let loaded = "return Boolean(window.jQuery && jQuery.fn.badger);";
        browser.run(loaded, vec![]).await == json!(true)
    })
    .await;
}

#[tokio::test]
async fn chromium_shows_99_plus_on_the_nav_badge_using_assets_served_by_the_app() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let base = spawn_site(badge_routes);
    let browser = driver.open_browser().await;
    open_badge_page(&browser, &base).await;

    browser
        .run(
            "jQuery('#nav_main').badger(arguments[0]); jQuery('#nav_main').badger(arguments[1]);",
            vec![json!("+98"), json!("+3")],
        )
        .await;

    browser
        .wait_for_text("#nav_main .badger-badge", "99+")
        .await;
    let count = browser
        .attribute("#nav_main .badger-badge", "data-badger-count")
        .await;
    assert_eq!(count.as_deref(), Some("101"));
    let badge_colour = browser
        .run(
            "const badge = document.querySelector('#nav_main .badger-badge'); \
             return getComputedStyle(badge).backgroundColor;",
            vec![],
        )
        .await;
    assert_eq!(badge_colour, json!("rgb(224, 36, 94)"));
    browser.screenshot("badge_99_plus_in_nav").await;
    browser.close().await;
}

#[tokio::test]
async fn a_second_tab_has_its_own_badge_and_the_first_keeps_its_count() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let base = spawn_site(badge_routes);
    let browser = driver.open_browser().await;
    open_badge_page(&browser, &base).await;
    let first = browser.current_tab().await;
    browser
        .run("jQuery('#nav_main').badger('+2');", vec![])
        .await;

    browser.new_tab(&format!("{base}/")).await;
    browser.wait_for_text("h1", "Badge check").await;
    let badge_in_second_tab = browser.text("#nav_main .badger-badge").await;
    browser.switch_to(&first).await;

    assert_eq!(browser.client().windows().await.unwrap().len(), 2);
    assert_eq!(badge_in_second_tab, None);
    browser.wait_for_text("#nav_main .badger-badge", "2").await;
    browser.close().await;
}

#[tokio::test]
async fn assets_are_served_with_an_immutable_cache_header() {
    let base = spawn_site(badge_routes);

    let response = reqwest::get(format!("{base}{}", assets::url("js/badger.js")))
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(
        header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header("content-type"), "text/javascript; charset=utf-8");
    assert!(response.text().await.unwrap().contains("$.fn.badger"));
}
