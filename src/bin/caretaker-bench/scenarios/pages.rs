//! Scenario 6, pages: the work-order list with filters and the dashboard of
//! a facility with many work orders, requested by concurrent clients with a
//! logged-in session, beside `/healthz` of the same server as the ceiling.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::task::JoinSet;

use crate::report::Row;
use crate::scenarios::app_assign::App;
use crate::scenarios::Sizes;
use crate::stats::{per_second, Percentiles};
use crate::web_client::WebSession;

pub async fn run(app: &App<'_>, sizes: &Sizes) -> anyhow::Result<Vec<Row>> {
    let (_, email) = app.seeded.managers.first().context("no bench manager")?;
    let session = WebSession::log_in(app.base, email, app.password).await?;
    let assignee = app.seeded.staff.first().map(|(id, _)| *id).unwrap_or(0);

    let paths = [
        "/healthz".to_string(),
        "/".to_string(),
        "/tasks".to_string(),
        "/tasks?status=open".to_string(),
        "/tasks?status=open&priority=high".to_string(),
        format!("/tasks?assignee={assignee}&status=open"),
    ];
    let mut rows = Vec::new();
    let mut ceiling = 0.0;
    for path in &paths {
        let outcome = hammer(&session, path, sizes).await;
        let rate = per_second(outcome.ok, outcome.elapsed);
        if path == "/healthz" {
            ceiling = rate;
        }
        if outcome.ok == 0 {
            eprintln!(
                "  {path}: no successful answer (first status {})",
                outcome.first_failure
            );
        }
        rows.push(outcome.row(path, rate, ceiling));
    }
    Ok(rows)
}

struct Outcome {
    ok: usize,
    failed: usize,
    first_failure: String,
    elapsed: Duration,
    latencies_us: Vec<u64>,
}

impl Outcome {
    fn row(self, path: &str, rate: f64, ceiling: f64) -> Row {
        let summary = Percentiles::from_micros(self.latencies_us);
        let share = if ceiling > 0.0 { rate / ceiling } else { 0.0 };
        Row::new("pages", "caretaker", path)
            .with("ok", self.ok as f64)
            .with("failed", self.failed as f64)
            .with("requests_per_s", rate.round())
            .with("p50_ms", summary.p50_ms)
            .with("p99_ms", summary.p99_ms)
            .with("of_healthz", share)
    }
}

/// `sizes.concurrency` clients request `path` back to back for
/// `sizes.duration`; only 200 answers count as served.
async fn hammer(session: &WebSession, path: &str, sizes: &Sizes) -> Outcome {
    let started = Instant::now();
    let deadline = started + sizes.duration;
    let mut clients = JoinSet::new();
    for _ in 0..sizes.concurrency {
        let (session, path) = (session.clone(), path.to_string());
        clients.spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            while Instant::now() < deadline {
                let begun = Instant::now();
                match fetch(&session, &path).await {
                    Ok(()) => latencies.push(begun.elapsed().as_micros() as u64),
                    Err(error) => failures.push(format!("{error:#}")),
                }
            }
            (latencies, failures)
        });
    }

    let mut outcome = Outcome {
        ok: 0,
        failed: 0,
        first_failure: String::new(),
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for (latencies, failures) in clients.join_all().await {
        outcome.ok += latencies.len();
        outcome.failed += failures.len();
        if outcome.first_failure.is_empty() {
            outcome.first_failure = failures.into_iter().next().unwrap_or_default();
        }
        outcome.latencies_us.extend(latencies);
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// The whole body is read, as a browser would.
async fn fetch(session: &WebSession, path: &str) -> anyhow::Result<()> {
    let answer = session.get(path).await?;
    let status = answer.status();
    answer.bytes().await?;
    anyhow::ensure!(status.is_success(), "{status}");
    Ok(())
}
