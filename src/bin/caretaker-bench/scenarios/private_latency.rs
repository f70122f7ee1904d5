//! Scenario 2, private-event latency: N connections each on its own private
//! channel; events triggered through the HTTP API to single channels at a
//! fixed rate; time from trigger sent to frame received.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::api::Api;
use crate::fleet::{Channels, Fleet};
use crate::report::Row;
use crate::scenarios::{collect_deliveries, settle, Sizes};
use crate::stats::{now_nanos, Percentiles};
use crate::target::Target;

/// Triggers waiting for their HTTP answer at once; beyond this the rate
/// falls behind instead of piling up requests.
const TRIGGERS_IN_FLIGHT: usize = 256;

pub async fn run(target: &Target, sizes: &Sizes) -> anyhow::Result<Row> {
    let connections = sizes.latency_connections;
    let mut fleet = Fleet::start(target, connections, sizes.per_process, Channels::Private).await?;
    let api = Api::new(target)?;
    fleet.report().await?;

    let events = (f64::from(sizes.latency_rate) * sizes.duration.as_secs_f64()) as usize;
    let errors = trigger_at_rate(&api, connections, events, sizes.latency_rate).await;
    let sent = events - errors;
    let latencies = collect_deliveries(&mut fleet, sent, Duration::from_secs(10)).await?;
    let open = fleet.report().await?.open;
    fleet.stop().await?;
    settle(sizes).await;

    let summary = Percentiles::from_micros(latencies);
    Ok(
        Row::new("private_latency", &target.name, format!("n={connections}"))
            .with("open", open as f64)
            .with("rate_per_s", f64::from(sizes.latency_rate))
            .with("sent", sent as f64)
            .with("delivered", summary.count as f64)
            .with("trigger_errors", errors as f64)
            .with("p50_ms", summary.p50_ms)
            .with("p99_ms", summary.p99_ms)
            .with("p999_ms", summary.p999_ms)
            .with("max_ms", summary.max_ms),
    )
}

/// Sends `events` triggers, `rate` per second, each to one connection's
/// private channel, spread over all of them; returns how many failed.
async fn trigger_at_rate(api: &Api, connections: usize, events: usize, rate: u32) -> usize {
    let errors = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(Semaphore::new(TRIGGERS_IN_FLIGHT));
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
    let mut tasks = JoinSet::new();
    for index in 0..events {
        ticks.tick().await;
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            break;
        };
        let channel = format!("private-bench-{}", (index * 7919) % connections.max(1));
        let (api, errors) = (api.clone(), errors.clone());
        tasks.spawn(async move {
            let data = json!({ "t": now_nanos() }).to_string();
            if let Err(error) = api.trigger(&channel, "bench", &data).await {
                if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                    eprintln!("  trigger failed: {error:#}");
                }
            }
            drop(permit);
        });
    }
    tasks.join_all().await;
    errors.load(Ordering::Relaxed)
}
