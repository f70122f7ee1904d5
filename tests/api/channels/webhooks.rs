//! Webhooks POSTed to a receiver the test runs.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use caretaker::signing;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::channels_support::{secret, test_config, TestServer, KEY, PATIENCE};

struct Receiver {
    deliveries: mpsc::UnboundedSender<Value>,
    failures_left: AtomicUsize,
}

/// Starts a webhook receiver that fails its first `failures` requests with
/// 500 and reports every accepted, correctly signed body.
fn spawn_receiver(failures: usize) -> (String, mpsc::UnboundedReceiver<Value>) {
    let (deliveries, accepted) = mpsc::unbounded_channel();
    let receiver = web::Data::new(Receiver {
        deliveries,
        failures_left: AtomicUsize::new(failures),
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(receiver.clone())
            .route("/webhooks", web::post().to(receive))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (url, accepted)
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    receiver: web::Data<Receiver>,
) -> HttpResponse {
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let signed = signing::verify_webhook(&secret(), &body, header("X-Pusher-Signature"));
    if header("X-Pusher-Key") != KEY || !signed {
        return HttpResponse::Unauthorized().finish();
    }
    let fail = receiver
        .failures_left
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if fail {
        return HttpResponse::InternalServerError().finish();
    }
    receiver
        .deliveries
        .send(serde_json::from_slice(&body).unwrap())
        .unwrap();
    HttpResponse::Ok().finish()
}

/// Collects webhook events until `count` have arrived.
async fn collect(accepted: &mut mpsc::UnboundedReceiver<Value>, count: usize) -> Vec<Value> {
    let mut events = Vec::new();
    while events.len() < count {
        let body = tokio::time::timeout(PATIENCE, accepted.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(body["time_ms"].as_i64().unwrap() > 0);
        events.extend(body["events"].as_array().unwrap().iter().cloned());
    }
    events
}

async fn server_with_webhooks(url: String) -> TestServer {
    let mut config = test_config();
    config.webhook_url = Some(url);
    TestServer::start(config).await
}

#[tokio::test]
async fn channel_and_member_changes_are_reported_signed() {
    let (url, mut accepted) = spawn_receiver(0);
    let server = server_with_webhooks(url).await;
    let mut client = server.client().await;

    client.subscribe_presence("presence-site", "3", "Kim").await;
    let arrivals = collect(&mut accepted, 2).await;
    drop(client);
    let departures = collect(&mut accepted, 2).await;

    assert_eq!(
        arrivals,
        [
            json!({ "name": "channel_occupied", "channel": "presence-site" }),
            json!({ "name": "member_added", "channel": "presence-site", "user_id": "3" }),
        ]
    );
    assert_eq!(
        departures,
        [
            json!({ "name": "member_removed", "channel": "presence-site", "user_id": "3" }),
            json!({ "name": "channel_vacated", "channel": "presence-site" }),
        ]
    );
}

#[tokio::test]
async fn client_events_are_reported() {
    let (url, mut accepted) = spawn_receiver(0);
    let server = server_with_webhooks(url).await;
    let mut client = server.client().await;
    client.subscribe_private("private-room").await;
    collect(&mut accepted, 1).await;

    client
        .send(json!({ "event": "client-typing", "channel": "private-room", "data": { "n": 1 } }))
        .await;

    let events = collect(&mut accepted, 1).await;
    assert_eq!(
        events[0],
        json!({
            "name": "client_event",
            "channel": "private-room",
            "event": "client-typing",
            "data": "{\"n\":1}",
            "socket_id": client.socket_id,
        })
    );
}

#[tokio::test]
async fn a_failed_delivery_is_retried() {
    let (url, mut accepted) = spawn_receiver(2);
    let server = server_with_webhooks(url).await;
    let mut client = server.client().await;

    client.subscribe("news").await;

    let events = collect(&mut accepted, 1).await;
    assert_eq!(
        events,
        [json!({ "name": "channel_occupied", "channel": "news" })]
    );
}
