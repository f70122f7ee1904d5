//! The parent's side of the `hold` workers: spreads connections over
//! several processes (one source address each), shows progress while they
//! connect, and gathers their reports.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use secrecy::ExposeSecret;
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use crate::target::Target;

/// The longest a fleet may take to connect, and to answer one command.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(300);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// What the fleet's sockets subscribe to.
#[derive(Clone)]
pub enum Channels {
    /// `private-bench-{i}` for connection `i`.
    Private,
    Public(String),
}

impl Channels {
    fn arg(&self) -> String {
        match self {
            Channels::Private => "private".into(),
            Channels::Public(name) => format!("public:{name}"),
        }
    }
}

pub struct Fleet {
    workers: Vec<Worker>,
    lines: mpsc::UnboundedReceiver<(usize, String)>,
    pub open: usize,
    pub failed: usize,
    pub connect_time: Duration,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
}

#[derive(Deserialize)]
struct Ready {
    open: usize,
    failed: usize,
}

#[derive(Deserialize)]
pub struct Report {
    pub open: usize,
    pub latencies_us: Vec<u64>,
}

impl Fleet {
    /// Starts workers holding `count` connections, at most `per_process`
    /// each, and waits until every one has connected or failed.
    pub async fn start(
        target: &Target,
        count: usize,
        per_process: usize,
        channels: Channels,
    ) -> anyhow::Result<Fleet> {
        let server = target.socket_addr().await?;
        let (line_tx, lines) = mpsc::unbounded_channel();
        let started = Instant::now();
        let mut workers = Vec::new();
        let shares = split(count, per_process.max(1));
        let mut first = 0;
        let sources = NEXT_SOURCE.fetch_add(shares.len(), Ordering::Relaxed);
        for (index, share) in shares.iter().enumerate() {
            let mut command = Command::new(std::env::current_exe()?);
            command
                .arg("hold")
                .args(["--url", &target.socket_url()])
                .args(["--server", &server.to_string()])
                .args(["--source", &source_address(sources + index).to_string()])
                .args(["--key", &target.key])
                .args(["--count", &share.to_string()])
                .args(["--first", &first.to_string()])
                .args(["--channels", &channels.arg()])
                .env("BENCH_SECRET", target.secret.expose_secret());
            workers.push(spawn_worker(command, index, line_tx.clone())?);
            first += share;
        }

        let mut fleet = Fleet {
            workers,
            lines,
            open: 0,
            failed: 0,
            connect_time: Duration::ZERO,
        };
        fleet.wait_ready(count).await?;
        fleet.connect_time = started.elapsed();
        Ok(fleet)
    }

    async fn wait_ready(&mut self, count: usize) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
        let mut progress = vec![0usize; self.workers.len()];
        let mut ready = 0;
        while ready < self.workers.len() {
            let (worker, line) = tokio::time::timeout_at(deadline, self.lines.recv())
                .await
                .context("the connections did not open in time")?
                .context("a worker stopped before it was ready")?;
            if let Some(done) = line.strip_prefix("progress ") {
                progress[worker] = done.parse().unwrap_or(progress[worker]);
                show_progress(progress.iter().sum(), count);
            } else if let Some(json) = line.strip_prefix("ready ") {
                let status: Ready = serde_json::from_str(json)?;
                self.open += status.open;
                self.failed += status.failed;
                ready += 1;
            }
        }
        eprintln!(
            "\r  connected {}/{count} ({} failed)        ",
            self.open, self.failed
        );
        Ok(())
    }

    /// One ping round on a sample of each worker's sockets: round trips in µs.
    pub async fn ping(&mut self) -> anyhow::Result<Vec<u64>> {
        let answers = self.ask("ping", "pings ").await?;
        let mut all = Vec::new();
        for answer in answers {
            all.extend(serde_json::from_str::<Vec<u64>>(&answer)?);
        }
        Ok(all)
    }

    /// Event latencies recorded since the last report, and sockets open.
    pub async fn report(&mut self) -> anyhow::Result<Report> {
        let answers = self.ask("report", "report ").await?;
        let mut total = Report {
            open: 0,
            latencies_us: Vec::new(),
        };
        for answer in answers {
            let report: Report = serde_json::from_str(&answer)?;
            total.open += report.open;
            total.latencies_us.extend(report.latencies_us);
        }
        Ok(total)
    }

    async fn ask(&mut self, command: &str, prefix: &str) -> anyhow::Result<Vec<String>> {
        for worker in &mut self.workers {
            worker
                .stdin
                .write_all(format!("{command}\n").as_bytes())
                .await?;
        }
        let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
        let mut answers = Vec::new();
        while answers.len() < self.workers.len() {
            let (_, line) = tokio::time::timeout_at(deadline, self.lines.recv())
                .await
                .with_context(|| format!("the workers did not answer {command} in time"))?
                .context("a worker stopped")?;
            if let Some(answer) = line.strip_prefix(prefix) {
                answers.push(answer.to_string());
            }
        }
        Ok(answers)
    }

    /// Closes every connection and waits for the workers to exit.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        for worker in &mut self.workers {
            let _ = worker.stdin.write_all(b"quit\n").await;
        }
        for worker in &mut self.workers {
            let exited = tokio::time::timeout(COMMAND_TIMEOUT, worker.child.wait()).await;
            if exited.is_err() {
                worker.child.start_kill()?;
            }
        }
        Ok(())
    }
}

/// `count` split into shares of at most `per_process`, as even as possible.
fn split(count: usize, per_process: usize) -> Vec<usize> {
    let processes = count.div_ceil(per_process).max(1);
    (0..processes)
        .map(|index| count / processes + usize::from(index < count % processes))
        .collect()
}

/// Source addresses handed out so far. Every worker of every fleet gets a
/// fresh one, so the ports a closed fleet leaves in TIME_WAIT never stop
/// the next fleet from connecting.
static NEXT_SOURCE: AtomicUsize = AtomicUsize::new(0);

/// 127.0.0.2, 127.0.0.3, ... (within 127.0.0.0/16).
fn source_address(worker: usize) -> IpAddr {
    let [_, _, high, low] = ((2 + worker % 65_000) as u32).to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(127, 0, high, low))
}

fn spawn_worker(
    mut command: Command,
    index: usize,
    lines: mpsc::UnboundedSender<(usize, String)>,
) -> anyhow::Result<Worker> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command.spawn().context("cannot start a worker")?;
    let stdin = child.stdin.take().context("worker has no stdin")?;
    let Some(stdout) = child.stdout.take() else {
        bail!("worker has no stdout");
    };
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if lines.send((index, line)).is_err() {
                break;
            }
        }
    });
    Ok(Worker { child, stdin })
}

fn show_progress(done: usize, count: usize) {
    eprint!("\r  connecting {done}/{count}");
    let _ = std::io::stderr().flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_count_within_the_per_process_limit() {
        let shares = split(19_000, 7_000);

        assert_eq!(shares, vec![6334, 6333, 6333]);
    }
}
