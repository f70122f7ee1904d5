//! The scenarios. Each runs against one target and returns result rows;
//! the caller alternates targets so drift on a shared machine hits both.

pub mod app_assign;
pub mod fanout;
pub mod idle;
pub mod pages;
pub mod private_latency;
pub mod throughput;

use std::time::Duration;

use crate::fleet::Fleet;

/// Sizes and rates of one run.
#[derive(Clone)]
pub struct Sizes {
    pub idle: Vec<usize>,
    pub latency_connections: usize,
    pub latency_rate: u32,
    pub duration: Duration,
    pub fanout: Vec<usize>,
    pub fanout_burst: usize,
    pub concurrency: usize,
    pub throughput_subscribers: usize,
    pub per_process: usize,
    pub app_clients: usize,
    pub app_assignments: usize,
    pub pages_tasks: usize,
    pub pages_users: usize,
    /// Pause after a fleet closes, for the server to release its sockets.
    pub settle: Duration,
}

impl Sizes {
    pub fn full() -> Sizes {
        Sizes {
            idle: vec![1_000, 5_000, 10_000, 19_000],
            latency_connections: 10_000,
            latency_rate: 200,
            duration: Duration::from_secs(10),
            fanout: vec![1_000, 10_000],
            fanout_burst: 10,
            concurrency: 32,
            throughput_subscribers: 1_000,
            per_process: 7_000,
            app_clients: 1_000,
            app_assignments: 500,
            pages_tasks: 100_000,
            pages_users: 200,
            settle: Duration::from_secs(2),
        }
    }

    /// Every scenario in seconds, for CI.
    pub fn smoke() -> Sizes {
        Sizes {
            idle: vec![50, 200],
            latency_connections: 100,
            latency_rate: 100,
            duration: Duration::from_secs(1),
            fanout: vec![100],
            fanout_burst: 3,
            concurrency: 4,
            throughput_subscribers: 50,
            per_process: 80,
            app_clients: 20,
            app_assignments: 20,
            pages_tasks: 2_000,
            pages_users: 20,
            settle: Duration::from_millis(200),
        }
    }
}

/// Polls the fleet until `expected` events have arrived or `limit` passed;
/// returns every latency seen (µs).
pub async fn collect_deliveries(
    fleet: &mut Fleet,
    expected: usize,
    limit: Duration,
) -> anyhow::Result<Vec<u64>> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut latencies = Vec::new();
    loop {
        latencies.extend(fleet.report().await?.latencies_us);
        if latencies.len() >= expected || tokio::time::Instant::now() >= deadline {
            return Ok(latencies);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A pause for the server to release what the last fleet held.
pub async fn settle(sizes: &Sizes) {
    tokio::time::sleep(sizes.settle).await;
}
