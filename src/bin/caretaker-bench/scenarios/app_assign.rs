//! Scenario 5, end to end through the app: staff sockets authorized through
//! `/pusher_auth` with their session cookies, managers creating and
//! assigning work orders with `POST /tasks`; time from the assign request
//! sent to the `notification` event on each of the assignee's sockets.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::StreamExt;
use reqwest::{StatusCode, Url};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Incoming};
use crate::report::Row;
use crate::scenarios::Sizes;
use crate::seed::Seeded;
use crate::stats::Percentiles;
use crate::web_client::WebSession;

/// Connections opened from one loopback source address.
const PER_SOURCE: usize = 10_000;
/// Assign requests sent per second.
const ASSIGN_RATE: f64 = 20.0;

pub struct App<'a> {
    pub base: &'a Url,
    pub seeded: &'a Seeded,
    pub password: &'a str,
}

/// A badge event seen by a socket: the work order's title, and when.
type Seen = (String, Instant);

pub async fn run(app: &App<'_>, sizes: &Sizes) -> anyhow::Result<Row> {
    let staff = log_in_all(app, &app.seeded.staff, sizes.app_clients).await?;
    let manager = log_in_all(app, &app.seeded.managers, 1).await?;
    let manager = manager.first().context("no manager could log in")?;

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let sockets = open_sockets(app.base, &staff, sizes.app_clients, seen_tx).await?;

    let Assigned { sent, request_us } = assign_all(manager, &staff, sizes.app_assignments).await?;
    let expected = (0..sent.len())
        .map(|index| sockets_of(index % staff.len(), sizes.app_clients, staff.len()))
        .sum();
    let latencies = gather(&mut seen, &sent, expected).await;
    drop(sockets);

    let summary = Percentiles::from_micros(latencies);
    let requests = Percentiles::from_micros(request_us);
    Ok(Row::new(
        "app_assign",
        "caretaker",
        format!("n={}", sizes.app_clients),
    )
    .with("staff_users", staff.len() as f64)
    .with("assigned", sent.len() as f64)
    .with("expected_events", expected as f64)
    .with("delivered", summary.count as f64)
    .with("p50_ms", summary.p50_ms)
    .with("p99_ms", summary.p99_ms)
    .with("max_ms", summary.max_ms)
    .with("request_p50_ms", requests.p50_ms)
    .with("request_p99_ms", requests.p99_ms))
}

/// Sockets of staff user `user`: socket `i` belongs to user `i % users`,
/// as [`open_sockets`] and [`assign_all`] share them out.
fn sockets_of(user: usize, sockets: usize, users: usize) -> usize {
    sockets / users + usize::from(user < sockets % users)
}

async fn log_in_all(
    app: &App<'_>,
    users: &[(i64, String)],
    wanted: usize,
) -> anyhow::Result<Vec<WebSession>> {
    let mut sessions = Vec::new();
    for chunk in users[..wanted.min(users.len())].chunks(8) {
        let mut logins = JoinSet::new();
        for (_, email) in chunk {
            let (base, email, password) =
                (app.base.clone(), email.clone(), app.password.to_string());
            logins.spawn(async move { WebSession::log_in(&base, &email, &password).await });
        }
        for login in logins.join_all().await {
            sessions.push(login?);
        }
    }
    if sessions.is_empty() {
        bail!("no bench user to log in");
    }
    Ok(sessions)
}

async fn open_sockets(
    base: &Url,
    staff: &[WebSession],
    count: usize,
    seen: mpsc::UnboundedSender<Seen>,
) -> anyhow::Result<JoinSet<()>> {
    let port = staff.first().context("no staff session")?.pusher_port;
    let server = app_socket_addr(base, port).await?;
    let scheme = if base.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    let mut sockets = JoinSet::new();
    for index in 0..count {
        let session = &staff[index % staff.len()];
        let url = format!(
            "{scheme}://{}/app/{}?protocol=7&client=caretaker-bench&version=0.1",
            server, session.pusher_key
        );
        let source = IpAddr::V4(Ipv4Addr::new(127, 1, 0, 2 + (index / PER_SOURCE) as u8));
        let (mut socket, socket_id) = client::connect(&url, server, source).await?;
        let channel = format!("private-{}", session.user_id);
        let auth = session.pusher_auth(&socket_id, &channel).await?;
        client::subscribe(&mut socket, &channel, Some(&auth)).await?;
        sockets.spawn(listen(socket, seen.clone()));
    }
    eprintln!("  {count} staff sockets subscribed through /pusher_auth");
    Ok(sockets)
}

/// Where the page's sockets go: the app's host, on the port the page names
/// or, when it names none (0), the app's own port.
async fn app_socket_addr(base: &Url, port: u16) -> anyhow::Result<SocketAddr> {
    let host = base.host_str().context("the app URL has no host")?;
    let port = match port {
        0 => base.port_or_known_default().unwrap_or(80),
        named => named,
    };
    tokio::net::lookup_host((host, port))
        .await?
        .find(SocketAddr::is_ipv4)
        .context("the app host has no IPv4 address")
}

async fn listen(mut socket: client::Socket, seen: mpsc::UnboundedSender<Seen>) {
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Some(frame) = Incoming::parse(&text) else {
            continue;
        };
        if frame.event == "pusher:ping" {
            let _ = client::send(&mut socket, "pusher:pong", serde_json::json!({})).await;
        } else if frame.event == "notification" {
            let data = frame.data_json();
            if let Some(title) = data["task"]["title"].as_str() {
                let _ = seen.send((title.to_string(), Instant::now()));
            }
        }
    }
}

/// Creates and assigns `count` work orders, round-robin over the staff, at
/// `ASSIGN_RATE` per second; returns when each request was sent, by title.
/// The assignments made: when each title's request was sent, and how long
/// each request took to answer (µs).
struct Assigned {
    sent: HashMap<String, Instant>,
    request_us: Vec<u64>,
}

async fn assign_all(
    manager: &WebSession,
    staff: &[WebSession],
    count: usize,
) -> anyhow::Result<Assigned> {
    let run = crate::stats::now_nanos();
    let mut sent = HashMap::new();
    let mut request_us = Vec::new();
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / ASSIGN_RATE));
    for index in 0..count {
        ticks.tick().await;
        let title = format!("Bench assignment {run}-{index}");
        let assignee = &staff[index % staff.len()].user_id;
        let fields = [
            ("title", title.as_str()),
            ("description", "Assigned by the benchmark."),
            ("priority", "normal"),
            ("assignee_id", assignee.as_str()),
        ];
        let started = Instant::now();
        let answer = manager.post_form("/tasks", &fields).await?;
        match answer.status() {
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
                bail!(
                    "the app has no POST /tasks (it answered {})",
                    answer.status()
                )
            }
            status if status.is_success() || status.is_redirection() => {}
            status => bail!("POST /tasks answered {status}"),
        }
        request_us.push(started.elapsed().as_micros() as u64);
        sent.insert(title, started);
    }
    Ok(Assigned { sent, request_us })
}

/// Latencies (µs) of the badge events seen, waiting up to ten seconds for
/// the `expected` ones.
async fn gather(
    seen: &mut mpsc::UnboundedReceiver<Seen>,
    sent: &HashMap<String, Instant>,
    expected: usize,
) -> Vec<u64> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut latencies = Vec::new();
    while latencies.len() < expected {
        let Ok(Some((title, at))) = tokio::time::timeout_at(deadline, seen.recv()).await else {
            break;
        };
        if let Some(started) = sent.get(&title) {
            latencies.push(at.saturating_duration_since(*started).as_micros() as u64);
        }
    }
    latencies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_are_shared_out_so_every_socket_has_one_user() {
        let users = 196;

        let total: usize = (0..users).map(|user| sockets_of(user, 1000, users)).sum();

        assert_eq!(total, 1000);
        assert_eq!(sockets_of(0, 1000, users), 6);
        assert_eq!(sockets_of(195, 1000, users), 5);
    }
}
