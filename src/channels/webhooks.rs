//! Webhooks: channel and member changes and client events, batched, signed
//! and POSTed to the app's webhook URL.

use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{timeout_at, Instant};

use crate::signing;

/// Events waiting to be sent; beyond this many, new ones are dropped.
const QUEUE_CAPACITY: usize = 10_000;
/// How long the first event of a batch waits for company.
const BATCH_WINDOW: Duration = Duration::from_millis(50);
const MAX_BATCH: usize = 100;
/// A batch is tried this many times, with growing pauses, then dropped.
const ATTEMPTS: u32 = 4;
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One entry of a webhook's `events` list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WebhookEvent {
    pub name: &'static str,
    pub channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socket_id: Option<String>,
}

impl WebhookEvent {
    fn about(name: &'static str, channel: &str) -> Self {
        Self {
            name,
            channel: channel.to_string(),
            user_id: None,
            event: None,
            data: None,
            socket_id: None,
        }
    }

    pub fn channel_occupied(channel: &str) -> Self {
        Self::about("channel_occupied", channel)
    }

    pub fn channel_vacated(channel: &str) -> Self {
        Self::about("channel_vacated", channel)
    }

    pub fn member_added(channel: &str, user_id: &str) -> Self {
        Self {
            user_id: Some(user_id.to_string()),
            ..Self::about("member_added", channel)
        }
    }

    pub fn member_removed(channel: &str, user_id: &str) -> Self {
        Self {
            user_id: Some(user_id.to_string()),
            ..Self::about("member_removed", channel)
        }
    }

    /// A client event; `data` is passed on as a string, as Pusher does.
    pub fn client_event(
        channel: &str,
        event: &str,
        data: &Value,
        socket_id: &str,
        user_id: Option<&str>,
    ) -> Self {
        let data = match data {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        Self {
            event: Some(event.to_string()),
            data: Some(data),
            socket_id: Some(socket_id.to_string()),
            user_id: user_id.map(str::to_string),
            ..Self::about("client_event", channel)
        }
    }
}

#[derive(Serialize)]
struct WebhookBody<'a> {
    time_ms: i64,
    events: &'a [WebhookEvent],
}

pub(crate) struct WebhookQueue {
    queue: mpsc::Sender<WebhookEvent>,
}

impl WebhookQueue {
    pub fn start(url: String, key: String, secret: SecretString) -> Self {
        let (queue, pending) = mpsc::channel(QUEUE_CAPACITY);
        let sender = WebhookSender {
            client: reqwest::Client::new(),
            url,
            key,
            secret,
        };
        tokio::spawn(sender.run(pending));
        Self { queue }
    }

    pub fn push(&self, event: WebhookEvent) {
        if self.queue.try_send(event).is_err() {
            tracing::warn!("webhook queue full, event dropped");
        }
    }
}

struct WebhookSender {
    client: reqwest::Client,
    url: String,
    key: String,
    secret: SecretString,
}

impl WebhookSender {
    async fn run(self, mut pending: mpsc::Receiver<WebhookEvent>) {
        while let Some(first) = pending.recv().await {
            let batch = collect_batch(first, &mut pending).await;
            self.send_with_retries(&batch).await;
        }
    }

    async fn send_with_retries(&self, events: &[WebhookEvent]) {
        let body = WebhookBody {
            time_ms: chrono::Utc::now().timestamp_millis(),
            events,
        };
        let Ok(body) = serde_json::to_vec(&body) else {
            return;
        };

        let mut delay = FIRST_RETRY_DELAY;
        for attempt in 1..=ATTEMPTS {
            match self.send(body.clone()).await {
                Ok(()) => return,
                Err(error) => tracing::warn!(attempt, %error, "webhook delivery failed"),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(delay).await;
                delay *= 4;
            }
        }
    }

    async fn send(&self, body: Vec<u8>) -> Result<(), reqwest::Error> {
        let signature = signing::webhook_signature(&self.secret, &body);
        self.client
            .post(&self.url)
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .header("X-Pusher-Key", &self.key)
            .header("X-Pusher-Signature", signature)
            .body(body)
            .send()
            .await?
            .error_for_status()
            .map(drop)
    }
}

async fn collect_batch(
    first: WebhookEvent,
    pending: &mut mpsc::Receiver<WebhookEvent>,
) -> Vec<WebhookEvent> {
    let deadline = Instant::now() + BATCH_WINDOW;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match timeout_at(deadline, pending.recv()).await {
            Ok(Some(event)) => batch.push(event),
            _ => break,
        }
    }
    batch
}
