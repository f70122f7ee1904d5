//! Scenario 1, idle capacity: N subscribed connections held; the server's
//! memory before and after, bytes per connection, time to connect all, and
//! how fast the held sockets still answer a ping.
//!
//! Bytes per connection are counted from the target's baseline, its memory
//! before the first fleet of the run: allocators keep memory a closed fleet
//! freed, so the memory just before a later, larger fleet would understate
//! what each connection costs. Start the server fresh for a clean baseline.

use crate::fleet::{Channels, Fleet};
use crate::report::Row;
use crate::scenarios::{settle, Sizes};
use crate::server_proc::rss_kib;
use crate::stats::Percentiles;
use crate::target::Target;

/// `baseline` is the target's memory before its first fleet; `None` on the
/// first call, which then measures it.
pub async fn run(
    target: &Target,
    connections: usize,
    baseline: &mut Option<u64>,
    sizes: &Sizes,
) -> anyhow::Result<Row> {
    let pid = target.server_pid();
    let before = pid.and_then(rss_kib).unwrap_or(0);
    let baseline = *baseline.get_or_insert(before);

    let mut fleet = Fleet::start(target, connections, sizes.per_process, Channels::Private).await?;
    settle(sizes).await;
    let after = pid.and_then(rss_kib).unwrap_or(0);
    let pings = Percentiles::from_micros(fleet.ping().await?);
    let open = fleet.report().await?.open;
    let connect_time = fleet.connect_time;
    let failed = fleet.failed;
    fleet.stop().await?;
    settle(sizes).await;

    let per_connection = if open == 0 {
        0.0
    } else {
        after.saturating_sub(baseline) as f64 * 1024.0 / open as f64
    };
    Ok(Row::new("idle", &target.name, format!("n={connections}"))
        .with("open", open as f64)
        .with("failed", failed as f64)
        .with("connect_s", connect_time.as_secs_f64())
        .with("rss_baseline_kib", baseline as f64)
        .with("rss_before_kib", before as f64)
        .with("rss_after_kib", after as f64)
        .with("bytes_per_conn", per_connection.round())
        .with("ping_p50_ms", pings.p50_ms)
        .with("ping_p99_ms", pings.p99_ms)
        .with("ping_max_ms", pings.max_ms))
}
