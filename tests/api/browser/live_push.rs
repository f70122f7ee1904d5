//! The page script with the real pusher-js client talking the Pusher protocol over a real
//! WebSocket. The server side is a small stand-in that speaks just enough of protocol 7
//! (connection, subscribe, ping, events) and accepts every auth signature; the real push
//! server is tested on its own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Message, Session};
use serde::Deserialize;
use serde_json::{json, Value as Json};

use super::page_script::{html_response, open_signed_in_page, page_html, title, CSRF_TOKEN};
use super::{spawn_site, wait_until, Browser, Driver};

/// What the stand-in push server and app have seen and will answer.
#[derive(Default)]
struct PushStub {
    sockets: Mutex<Vec<Session>>,
    connections: AtomicUsize,
    subscriptions: Mutex<Vec<String>>,
    auth_requests: Mutex<Vec<AuthRequest>>,
    unread_answer: Mutex<Json>,
    presence_ids: Mutex<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq)]
struct AuthRequest {
    csrf_header: Option<String>,
    channel_name: String,
}

#[derive(Deserialize)]
struct AuthForm {
    socket_id: String,
    channel_name: String,
}

impl PushStub {
    fn new(presence_ids: &[&str]) -> Arc<PushStub> {
        let stub = PushStub::default();
        *stub.unread_answer.lock().unwrap() = json!({"unread": 1, "seq": 10});
        *stub.presence_ids.lock().unwrap() = presence_ids.iter().map(|id| id.to_string()).collect();
        Arc::new(stub)
    }

    fn subscribed(&self, channel: &str) -> usize {
        let subscriptions = self.subscriptions.lock().unwrap();
        subscriptions.iter().filter(|name| *name == channel).count()
    }

    /// Sends an event to every open socket, as the push server would.
    async fn trigger(&self, channel: &str, event: &str, data: Json) {
        let frame = json!({"event": event, "channel": channel, "data": data.to_string()});
        let sockets = self.sockets.lock().unwrap().clone();
        for mut socket in sockets {
            let _ = socket.text(frame.to_string()).await;
        }
    }

    /// Closes every socket with 4200, which asks clients to reconnect at once.
    async fn drop_connections(&self) {
        let sockets = std::mem::take(&mut *self.sockets.lock().unwrap());
        for socket in sockets {
            let reason = CloseReason {
                code: CloseCode::Other(4200),
                description: Some("reconnect".to_owned()),
            };
            let _ = socket.close(Some(reason)).await;
        }
    }

    fn subscription_data(&self, channel: &str) -> Json {
        if !channel.starts_with("presence-") {
            return json!({});
        }
        let ids = self.presence_ids.lock().unwrap().clone();
        let hash: serde_json::Map<String, Json> =
            ids.iter().map(|id| (id.clone(), json!({}))).collect();
        json!({"presence": {"ids": ids, "hash": hash, "count": ids.len()}})
    }

    async fn answer(&self, session: &mut Session, frame: &str) {
        let Ok(message) = serde_json::from_str::<Json>(frame) else {
            return;
        };
        match message["event"].as_str() {
            Some("pusher:ping") => {
                let pong = json!({"event": "pusher:pong", "data": "{}"});
                let _ = session.text(pong.to_string()).await;
            }
            Some("pusher:subscribe") => {
                let channel = message["data"]["channel"].as_str().unwrap_or("").to_owned();
                let data = self.subscription_data(&channel).to_string();
                self.subscriptions.lock().unwrap().push(channel.clone());
                let succeeded = json!({"event": "pusher_internal:subscription_succeeded",
                                       "channel": channel, "data": data});
                let _ = session.text(succeeded.to_string()).await;
            }
            _ => {}
        }
    }
}

async fn socket(
    request: HttpRequest,
    body: web::Payload,
    stub: web::Data<PushStub>,
) -> actix_web::Result<HttpResponse> {
    let (response, mut session, mut messages) = actix_ws::handle(&request, body)?;
    let n = stub.connections.fetch_add(1, Ordering::SeqCst);
    let established = json!({"socket_id": format!("{n}.1"), "activity_timeout": 120});
    let frame = json!({"event": "pusher:connection_established", "data": established.to_string()});
    let _ = session.text(frame.to_string()).await;
    stub.sockets.lock().unwrap().push(session.clone());

    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = messages.recv().await {
            match message {
                Message::Text(text) => stub.answer(&mut session, &text).await,
                Message::Close(_) => break,
                _ => {}
            }
        }
    });
    Ok(response)
}

async fn pusher_auth(
    request: HttpRequest,
    form: web::Form<AuthForm>,
    stub: web::Data<PushStub>,
) -> HttpResponse {
    let csrf_header = request
        .headers()
        .get("X-CSRF-Token")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    stub.auth_requests.lock().unwrap().push(AuthRequest {
        csrf_header,
        channel_name: form.channel_name.clone(),
    });

    let auth = format!("test-key:signature-for-{}", form.socket_id);
    let user = super::page_script::USER_ID;
    HttpResponse::Ok()
        .json(json!({"auth": auth, "channel_data": json!({"user_id": user}).to_string()}))
}

async fn unread_count(stub: web::Data<PushStub>) -> HttpResponse {
    HttpResponse::Ok().json(stub.unread_answer.lock().unwrap().clone())
}

const ASSIGN_FORM: &str = r#"<h1>New task</h1>
<form class="form"><div class="field"><label for="assignee">Assignee</label>
<select id="assignee" name="assignee">
  <option value="8" data-presence-user="8">Sam Staff</option>
  <option value="9" data-presence-user="9">Pat Porter</option>
</select></div></form>"#;

async fn staff_page(request: HttpRequest) -> HttpResponse {
    let port = request.app_config().local_addr().port();
    html_response(page_html(port, "staff", "<h1>Tasks</h1>"))
}

async fn manager_page(request: HttpRequest) -> HttpResponse {
    let port = request.app_config().local_addr().port();
    html_response(page_html(port, "manager", ASSIGN_FORM))
}

/// Starts the page, the stand-in push server and auth endpoint; returns the base URL.
fn spawn_push_site(stub: &Arc<PushStub>) -> String {
    let data = web::Data::from(stub.clone());
    spawn_site(move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(data.clone())
            .route("/", web::get().to(staff_page))
            .route("/tasks/new", web::get().to(manager_page))
            .route("/app/{key}", web::get().to(socket))
            .route("/pusher_auth", web::post().to(pusher_auth))
            .route("/notifications/unread_count", web::get().to(unread_count));
    })
}

async fn wait_for_subscription(stub: &PushStub, channel: &str, times: usize) {
    let what = format!("{channel} subscribed {times} time(s)");
    wait_until(&what, || async move { stub.subscribed(channel) >= times }).await;
}

async fn option_text(browser: &Browser, value: &str) -> Option<String> {
    let script = "return document.querySelector('option[value=\"' + arguments[0] + '\"]').text;";
    browser
        .run(script, vec![json!(value)])
        .await
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn a_pushed_notification_reaches_the_badge_through_pusher_js() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let stub = PushStub::new(&[]);
    let base = spawn_push_site(&stub);
    let browser = driver.open_browser().await;
    open_signed_in_page(&browser, &base).await;
    wait_for_subscription(&stub, "private-7", 1).await;

    stub.trigger(
        "private-7",
        "notification",
        json!({"message": "+1", "unread": 4, "seq": 11, "task": {"id": 9, "title": "Fix the lift"}}),
    )
    .await;

    browser.wait_for_text("#nav_main .badger-badge", "4").await;
    browser
        .wait_for_text(".toast .toast-link", "Fix the lift")
        .await;
    assert_eq!(title(&browser).await, "(4) Tasks - Caretaker");
    let auth = stub.auth_requests.lock().unwrap().clone();
    let expected = AuthRequest {
        csrf_header: Some(CSRF_TOKEN.to_owned()),
        channel_name: "private-7".to_owned(),
    };
    assert_eq!(auth, vec![expected]);
    browser.close().await;
}

#[tokio::test]
async fn a_plain_increment_from_any_trigger_counts_up() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let stub = PushStub::new(&[]);
    let base = spawn_push_site(&stub);
    let browser = driver.open_browser().await;
    open_signed_in_page(&browser, &base).await;
    wait_for_subscription(&stub, "private-7", 1).await;

    stub.trigger("private-7", "notification", json!({"message": "+1"}))
        .await;
    browser.wait_for_text("#nav_main .badger-badge", "2").await;
    stub.trigger("private-7", "notification", json!({"message": "+1"}))
        .await;

    browser.wait_for_text("#nav_main .badger-badge", "3").await;
    assert_eq!(title(&browser).await, "(3) Tasks - Caretaker");
    browser.close().await;
}

#[tokio::test]
async fn after_a_reconnect_the_page_fetches_the_count_it_missed() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let stub = PushStub::new(&[]);
    let base = spawn_push_site(&stub);
    let browser = driver.open_browser().await;
    open_signed_in_page(&browser, &base).await;
    wait_for_subscription(&stub, "private-7", 1).await;

    *stub.unread_answer.lock().unwrap() = json!({"unread": 6, "seq": 15});
    stub.drop_connections().await;

    wait_for_subscription(&stub, "private-7", 2).await;
    browser.wait_for_text("#nav_main .badger-badge", "6").await;
    assert_eq!(title(&browser).await, "(6) Tasks - Caretaker");
    assert!(stub.connections.load(Ordering::SeqCst) >= 2);
    browser.close().await;
}

/// The manager viewing the page is user 7; Sam (8) and Pat (9) are staff.
#[tokio::test]
async fn a_manager_sees_which_assignees_are_online() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let stub = PushStub::new(&["7", "8"]);
    let base = spawn_push_site(&stub);
    let browser = driver.open_browser().await;
    browser.goto(&format!("{base}/tasks/new")).await;
    wait_for_subscription(&stub, "presence-staff", 1).await;
    let page = &browser;
    wait_until("Sam to show online", || async move {
        option_text(page, "8").await.as_deref() == Some("Sam Staff (online)")
    })
    .await;

    stub.trigger(
        "presence-staff",
        "pusher_internal:member_added",
        json!({"user_id": "9", "user_info": {}}),
    )
    .await;
    stub.trigger(
        "presence-staff",
        "pusher_internal:member_removed",
        json!({"user_id": "8"}),
    )
    .await;

    wait_until("Pat online and Sam offline", || async move {
        option_text(page, "9").await.as_deref() == Some("Pat Porter (online)")
            && option_text(page, "8").await.as_deref() == Some("Sam Staff")
    })
    .await;
    let online = browser
        .run(
            "return document.querySelectorAll('.is-online').length;",
            vec![],
        )
        .await;
    assert_eq!(online, json!(1));
    browser.screenshot("manager_sees_online_assignee").await;
    browser.close().await;
}
