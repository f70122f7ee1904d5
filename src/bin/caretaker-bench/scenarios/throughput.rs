//! Scenario 4, trigger throughput: signed HTTP API triggers per second from
//! concurrent clients for a fixed time, to a channel nobody holds, then to
//! the private channels of held connections.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::task::JoinSet;

use crate::api::Api;
use crate::fleet::{Channels, Fleet};
use crate::report::Row;
use crate::scenarios::{collect_deliveries, settle, Sizes};
use crate::stats::{now_nanos, per_second, Percentiles};
use crate::target::Target;

pub async fn run(target: &Target, sizes: &Sizes) -> anyhow::Result<Vec<Row>> {
    let api = Api::new(target)?;
    let empty = hammer(&api, sizes, None).await;
    let mut rows = vec![empty.row(&target.name, "no subscribers", None)];

    let subscribers = sizes.throughput_subscribers;
    let mut fleet = Fleet::start(target, subscribers, sizes.per_process, Channels::Private).await?;
    fleet.report().await?;
    let held = hammer(&api, sizes, Some(subscribers)).await;
    let delivered = collect_deliveries(&mut fleet, held.ok, Duration::from_secs(10)).await?;
    fleet.stop().await?;
    settle(sizes).await;

    let case = format!("{subscribers} private subs");
    rows.push(held.row(&target.name, &case, Some(delivered.len())));
    Ok(rows)
}

struct Outcome {
    ok: usize,
    errors: usize,
    elapsed: Duration,
    request_latencies_us: Vec<u64>,
}

impl Outcome {
    fn row(self, target: &str, case: &str, delivered: Option<usize>) -> Row {
        let requests = Percentiles::from_micros(self.request_latencies_us);
        Row::new("throughput", target, case)
            .with("triggers_ok", self.ok as f64)
            .with("errors", self.errors as f64)
            .with("triggers_per_s", per_second(self.ok, self.elapsed).round())
            .with("request_p50_ms", requests.p50_ms)
            .with("request_p99_ms", requests.p99_ms)
            .with("delivered", delivered.unwrap_or(0) as f64)
    }
}

/// `sizes.concurrency` clients trigger back to back for `sizes.duration`:
/// to a channel nobody holds, or round-robin over `private-bench-{i}`.
async fn hammer(api: &Api, sizes: &Sizes, subscribers: Option<usize>) -> Outcome {
    let started = Instant::now();
    let deadline = started + sizes.duration;
    let mut clients = JoinSet::new();
    for client in 0..sizes.concurrency {
        let api = api.clone();
        clients.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut sent = 0usize;
            while Instant::now() < deadline {
                let channel = match subscribers {
                    Some(count) => format!("private-bench-{}", (client + sent * 31) % count.max(1)),
                    None => format!("bench-nobody-{client}"),
                };
                let data = json!({ "t": now_nanos() }).to_string();
                let begun = Instant::now();
                match api.trigger(&channel, "bench", &data).await {
                    Ok(()) => latencies.push(begun.elapsed().as_micros() as u64),
                    Err(_) => errors += 1,
                }
                sent += 1;
            }
            (latencies, errors)
        });
    }

    let mut outcome = Outcome {
        ok: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        request_latencies_us: Vec::new(),
    };
    for (latencies, errors) in clients.join_all().await {
        outcome.ok += latencies.len();
        outcome.errors += errors;
        outcome.request_latencies_us.extend(latencies);
    }
    outcome.elapsed = started.elapsed();
    outcome
}
