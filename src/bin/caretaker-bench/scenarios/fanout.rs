//! Scenario 3, fan-out: one public channel with N subscribers. A single
//! event, then a burst of events triggered together; how long until the
//! last subscriber has them, and deliveries per second.

use std::time::Duration;

use serde_json::json;
use tokio::task::JoinSet;

use crate::api::Api;
use crate::fleet::{Channels, Fleet};
use crate::report::Row;
use crate::scenarios::{collect_deliveries, settle, Sizes};
use crate::stats::{now_nanos, Percentiles};
use crate::target::Target;

const CHANNEL: &str = "bench-fanout";

pub async fn run(target: &Target, subscribers: usize, sizes: &Sizes) -> anyhow::Result<Vec<Row>> {
    let channels = Channels::Public(CHANNEL.into());
    let mut fleet = Fleet::start(target, subscribers, sizes.per_process, channels).await?;
    let api = Api::new(target)?;
    fleet.report().await?;

    let mut rows = Vec::new();
    for burst in [1, sizes.fanout_burst] {
        let row = round(&api, &mut fleet, subscribers, burst).await?;
        rows.push(row.named(&target.name, subscribers, burst));
    }
    fleet.stop().await?;
    settle(sizes).await;
    Ok(rows)
}

struct Round {
    expected: usize,
    summary: Percentiles,
}

impl Round {
    fn named(self, target: &str, subscribers: usize, burst: usize) -> Row {
        let last_ms = self.summary.max_ms;
        let rate = if last_ms > 0.0 {
            self.summary.count as f64 / (last_ms / 1000.0)
        } else {
            0.0
        };
        Row::new("fanout", target, format!("n={subscribers} x{burst}"))
            .with("expected", self.expected as f64)
            .with("delivered", self.summary.count as f64)
            .with("p50_ms", self.summary.p50_ms)
            .with("last_ms", last_ms)
            .with("deliveries_per_s", rate.round())
    }
}

/// `burst` events triggered at once, all stamped with the burst's start,
/// so the largest latency is the time until the last delivery.
async fn round(
    api: &Api,
    fleet: &mut Fleet,
    subscribers: usize,
    burst: usize,
) -> anyhow::Result<Round> {
    let data = json!({ "t": now_nanos() }).to_string();
    let mut triggers = JoinSet::new();
    for _ in 0..burst {
        let (api, data) = (api.clone(), data.clone());
        triggers.spawn(async move { api.trigger(CHANNEL, "bench", &data).await });
    }
    for result in triggers.join_all().await {
        result?;
    }

    let expected = subscribers * burst;
    let latencies = collect_deliveries(fleet, expected, Duration::from_secs(30)).await?;
    Ok(Round {
        expected,
        summary: Percentiles::from_micros(latencies),
    })
}
