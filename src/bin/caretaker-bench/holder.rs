//! The `hold` worker process: opens and holds a share of the connections,
//! records when bench events arrive, and answers the parent's commands on
//! standard input (`ping`, `report`, `quit`), one JSON line each on
//! standard output.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use caretaker::signing::channel_auth;
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use secrecy::SecretString;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Incoming, Socket};
use crate::stats::now_nanos;

/// Connections opened at once; more would only queue in the server's backlog.
const CONNECTS_IN_FLIGHT: usize = 128;
/// Connections that take part in a ping round.
const PING_SAMPLE: usize = 500;
/// Pings in flight at once, so the round measures answers, not a burst.
const PINGS_AT_ONCE: usize = 10;
/// How long a ping may wait for its pong before it counts as lost.
const PONG_TIMEOUT: Duration = Duration::from_secs(10);
/// Failed connections whose reason is printed.
const FAILURES_SHOWN: usize = 3;
/// Every how many connections a progress line is printed.
const PROGRESS_STEP: usize = 500;

#[derive(Args, Clone)]
pub struct HoldArgs {
    #[arg(long)]
    pub url: String,
    #[arg(long)]
    pub server: SocketAddr,
    #[arg(long)]
    pub source: IpAddr,
    #[arg(long)]
    pub key: String,
    #[arg(long, env = "BENCH_SECRET", hide_env_values = true)]
    pub secret: String,
    #[arg(long)]
    pub count: usize,
    /// Index of this worker's first connection, for private channel names.
    #[arg(long, default_value_t = 0)]
    pub first: usize,
    /// `private` (one `private-bench-{i}` each), `public:NAME`, or `none`.
    #[arg(long, default_value = "none")]
    pub channels: String,
}

/// What every connection of this worker has seen.
#[derive(Default)]
struct Received {
    latencies_us: Mutex<Vec<u64>>,
    open: AtomicUsize,
    failed: AtomicUsize,
}

type PingRequest = oneshot::Sender<Option<u64>>;

pub async fn run(args: HoldArgs) -> anyhow::Result<()> {
    let received = Arc::new(Received::default());
    let started = Instant::now();
    let (tasks, pingers) = open_all(&args, &received).await;
    let elapsed_ms = started.elapsed().as_millis();
    let ready = json!({
        "open": received.open.load(Ordering::Relaxed),
        "failed": received.failed.load(Ordering::Relaxed),
        "elapsed_ms": elapsed_ms,
    });
    println!("ready {ready}");

    answer_commands(&received, &pingers).await?;
    drop(tasks);
    Ok(())
}

async fn open_all(
    args: &HoldArgs,
    received: &Arc<Received>,
) -> (JoinSet<()>, Vec<mpsc::Sender<PingRequest>>) {
    let limit = Arc::new(Semaphore::new(CONNECTS_IN_FLIGHT));
    let secret = SecretString::from(args.secret.clone());
    let mut tasks = JoinSet::new();
    let mut pingers = Vec::new();
    let (opened_tx, mut opened_rx) = mpsc::unbounded_channel::<bool>();

    for index in 0..args.count {
        let (ping_tx, ping_rx) = mpsc::channel(1);
        if index < PING_SAMPLE {
            pingers.push(ping_tx);
        }
        let plan = Plan {
            args: args.clone(),
            channel: channel_for(&args.channels, args.first + index),
            secret: secret.clone(),
        };
        let started = Started {
            limit: limit.clone(),
            received: received.clone(),
            opened: opened_tx.clone(),
        };
        tasks.spawn(open_and_hold(plan, started, ping_rx));
    }
    drop(opened_tx);

    let mut done = 0;
    while done < args.count && opened_rx.recv().await.is_some() {
        done += 1;
        if done % PROGRESS_STEP == 0 {
            println!("progress {done}");
        }
    }
    (tasks, pingers)
}

/// What one connection's task shares with the others.
struct Started {
    limit: Arc<Semaphore>,
    received: Arc<Received>,
    /// Told once whether the socket opened.
    opened: mpsc::UnboundedSender<bool>,
}

async fn open_and_hold(plan: Plan, started: Started, pings: mpsc::Receiver<PingRequest>) {
    let Ok(permit) = started.limit.acquire_owned().await else {
        return;
    };
    let socket = plan.open().await;
    drop(permit);

    let received = started.received;
    match &socket {
        Ok(_) => received.open.fetch_add(1, Ordering::Relaxed),
        Err(_) => received.failed.fetch_add(1, Ordering::Relaxed),
    };
    let _ = started.opened.send(socket.is_ok());
    drop(started.opened);

    match socket {
        Ok(socket) => hold(socket, pings, &received).await,
        // The first few say why; thousands more would only flood.
        Err(error) if received.failed.load(Ordering::Relaxed) <= FAILURES_SHOWN => {
            eprintln!("connection failed: {error:#}");
        }
        Err(_) => {}
    }
}

fn channel_for(plan: &str, index: usize) -> Option<String> {
    match plan {
        "private" => Some(format!("private-bench-{index}")),
        _ => plan.strip_prefix("public:").map(str::to_string),
    }
}

struct Plan {
    args: HoldArgs,
    channel: Option<String>,
    secret: SecretString,
}

impl Plan {
    async fn open(&self) -> anyhow::Result<Socket> {
        let (mut socket, socket_id) =
            client::connect(&self.args.url, self.args.server, self.args.source).await?;
        if let Some(channel) = &self.channel {
            let auth = channel
                .starts_with("private-")
                .then(|| channel_auth(&self.args.key, &self.secret, &socket_id, channel, None));
            client::subscribe(&mut socket, channel, auth.as_deref()).await?;
        }
        Ok(socket)
    }
}

/// Holds one open socket (already counted in `received.open`): answers the
/// server's pings, records bench events and sends pings when asked.
async fn hold(mut socket: Socket, mut pings: mpsc::Receiver<PingRequest>, received: &Received) {
    let mut waiting: Option<(Instant, PingRequest)> = None;
    // Only sampled sockets are ever asked to ping; the others' senders are
    // gone at once, and a closed receiver must not be polled again.
    let mut pingable = !pings.is_closed();

    loop {
        tokio::select! {
            message = socket.next() => {
                let Some(Ok(message)) = message else { break };
                let Message::Text(text) = message else { continue };
                let Some(frame) = Incoming::parse(&text) else { continue };
                if frame.event == "pusher:pong" {
                    if let Some((sent, reply)) = waiting.take() {
                        let _ = reply.send(Some(sent.elapsed().as_micros() as u64));
                    }
                } else if frame.event == "pusher:ping" {
                    if client::send(&mut socket, "pusher:pong", json!({})).await.is_err() {
                        break;
                    }
                } else {
                    record(&frame, received);
                }
            }
            request = pings.recv(), if pingable && waiting.is_none() => {
                let Some(reply) = request else {
                    pingable = false;
                    continue;
                };
                let ping = json!({ "event": "pusher:ping", "data": {} }).to_string();
                if socket.send(Message::text(ping)).await.is_err() {
                    let _ = reply.send(None);
                    break;
                }
                waiting = Some((Instant::now(), reply));
            }
        }
    }
    received.open.fetch_sub(1, Ordering::Relaxed);
}

/// Bench events carry the trigger time `t` (Unix nanoseconds) in their data.
fn record(frame: &Incoming, received: &Received) {
    let Some(sent) = frame.data_json()["t"].as_u64() else {
        return;
    };
    let latency_us = now_nanos().saturating_sub(sent) / 1000;
    if let Ok(mut latencies) = received.latencies_us.lock() {
        latencies.push(latency_us);
    }
}

async fn answer_commands(
    received: &Received,
    pingers: &[mpsc::Sender<PingRequest>],
) -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await.context("cannot read commands")? {
        match line.trim() {
            "ping" => println!("pings {}", json!(ping_round(pingers).await)),
            "report" => println!("report {}", report(received)),
            "quit" => break,
            other => eprintln!("unknown command {other:?}"),
        }
    }
    Ok(())
}

/// One ping on each sampled connection, `PINGS_AT_ONCE` at a time; lost
/// pongs count as `PONG_TIMEOUT`.
async fn ping_round(pingers: &[mpsc::Sender<PingRequest>]) -> Vec<u64> {
    let mut round_trips = Vec::new();
    for batch in pingers.chunks(PINGS_AT_ONCE) {
        let mut waits = JoinSet::new();
        for pinger in batch {
            let (reply, answer) = oneshot::channel();
            if pinger.send(reply).await.is_err() {
                continue;
            }
            waits.spawn(async move {
                match tokio::time::timeout(PONG_TIMEOUT, answer).await {
                    Ok(Ok(Some(micros))) => micros,
                    _ => PONG_TIMEOUT.as_micros() as u64,
                }
            });
        }
        round_trips.extend(waits.join_all().await);
    }
    round_trips
}

fn report(received: &Received) -> serde_json::Value {
    let latencies = received
        .latencies_us
        .lock()
        .map(|mut latencies| std::mem::take(&mut *latencies))
        .unwrap_or_default();
    json!({
        "open": received.open.load(Ordering::Relaxed),
        "latencies_us": latencies,
    })
}
