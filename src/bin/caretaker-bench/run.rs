//! `caretaker-bench run`: picks the targets (or starts Caretaker for
//! `--smoke`), runs the chosen scenarios alternating targets, prints the
//! tables and writes the JSON.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use reqwest::Url;

use crate::report::{self, Row};
use crate::scenarios::app_assign::App;
use crate::scenarios::{self, Sizes};
use crate::seed::{self, SeedArgs};
use crate::spawned::{self, Spawned};
use crate::target::{Defaults, Target};

const SMOKE_PASSWORD: &str = "bench-password-123";

#[derive(Args)]
pub struct RunArgs {
    /// A server to measure: NAME=WS_URL[,api=URL][,key=K][,secret=S][,app-id=ID][,pid=PID].
    /// Repeat it to compare; ratios are first target / second target.
    #[arg(long = "target")]
    targets: Vec<String>,
    /// The single target's WebSocket base URL, e.g. ws://127.0.0.1:6001.
    #[arg(long)]
    ws_url: Option<String>,
    /// The single target's HTTP API base URL (default: from --ws-url).
    #[arg(long)]
    api_url: Option<String>,
    #[arg(long, env = "PUSHER_APP_KEY", default_value = spawned::KEY)]
    key: String,
    #[arg(long, env = "PUSHER_APP_SECRET", hide_env_values = true, default_value = spawned::SECRET)]
    secret: String,
    #[arg(long, env = "PUSHER_APP_ID", default_value = spawned::APP_ID)]
    app_id: String,
    /// The server's pid, for its memory (default: whoever listens on the port).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Which scenarios, in order: idle, latency, fanout, throughput, pages, app.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "idle,latency,fanout,throughput,pages,app"
    )]
    scenarios: Vec<String>,
    /// Tiny sizes so every scenario runs in seconds; with no target, starts
    /// `caretaker channels` and `caretaker serve` itself.
    #[arg(long)]
    smoke: bool,
    /// Write every result row here as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    #[arg(long, value_delimiter = ',')]
    idle_sizes: Option<Vec<usize>>,
    /// Connections held during the private-latency scenario.
    #[arg(long)]
    connections: Option<usize>,
    /// Private events triggered per second.
    #[arg(long)]
    rate: Option<u32>,
    /// Seconds each rate or throughput phase lasts.
    #[arg(long)]
    duration_secs: Option<f64>,
    #[arg(long, value_delimiter = ',')]
    fanout_sizes: Option<Vec<usize>>,
    /// Concurrent HTTP clients in the throughput and page scenarios.
    #[arg(long)]
    concurrency: Option<usize>,
    /// Connections per worker process (each process is bound by its
    /// open-file limit).
    #[arg(long)]
    per_process: Option<usize>,
    /// Staff sockets in the app scenario.
    #[arg(long)]
    app_clients: Option<usize>,
    /// Work orders assigned in the app scenario.
    #[arg(long)]
    app_assignments: Option<usize>,
    /// A running `caretaker serve` for the app and page scenarios.
    #[arg(long)]
    app_url: Option<Url>,
    /// That app's database, seeded with bench users and work orders.
    #[arg(long)]
    database_url: Option<String>,
    /// Password of the seeded bench users.
    #[arg(long, env = "BENCH_PASSWORD", hide_env_values = true)]
    app_password: Option<String>,
    #[arg(long)]
    tasks: Option<usize>,
    #[arg(long)]
    users: Option<usize>,
    /// The `caretaker` binary for --smoke (default: beside this one).
    #[arg(long)]
    caretaker_bin: Option<PathBuf>,
}

impl RunArgs {
    fn sizes(&self) -> Sizes {
        let mut sizes = if self.smoke {
            Sizes::smoke()
        } else {
            Sizes::full()
        };
        if let Some(idle) = &self.idle_sizes {
            sizes.idle = idle.clone();
        }
        if let Some(fanout) = &self.fanout_sizes {
            sizes.fanout = fanout.clone();
        }
        if let Some(secs) = self.duration_secs {
            sizes.duration = Duration::from_secs_f64(secs);
        }
        let overrides = [
            (self.connections, &mut sizes.latency_connections),
            (self.concurrency, &mut sizes.concurrency),
            (self.per_process, &mut sizes.per_process),
            (self.app_clients, &mut sizes.app_clients),
            (self.app_assignments, &mut sizes.app_assignments),
            (self.tasks, &mut sizes.pages_tasks),
            (self.users, &mut sizes.pages_users),
        ];
        for (given, size) in overrides {
            if let Some(given) = given {
                *size = given;
            }
        }
        sizes.latency_rate = self.rate.unwrap_or(sizes.latency_rate);
        sizes
    }

    fn wants(&self, scenario: &str) -> bool {
        self.scenarios.iter().any(|name| name == scenario)
    }

    fn targets(&self) -> anyhow::Result<Vec<Target>> {
        let defaults = Defaults {
            app_id: &self.app_id,
            key: &self.key,
            secret: &self.secret,
            pid: self.server_pid,
        };
        let mut targets = self
            .targets
            .iter()
            .map(|spec| Target::parse(spec, &defaults))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if let Some(ws) = &self.ws_url {
            targets.push(Target::new(
                "server",
                ws,
                self.api_url.as_deref(),
                &defaults,
            )?);
        }
        Ok(targets)
    }
}

/// Rows so far, and the scenarios that failed.
#[derive(Default)]
struct Results {
    rows: Vec<Row>,
    failures: Vec<String>,
}

impl Results {
    fn take(&mut self, what: &str, outcome: anyhow::Result<Vec<Row>>) {
        match outcome {
            Ok(rows) => self.rows.extend(rows),
            Err(error) => {
                eprintln!("FAILED {what}: {error:#}");
                self.failures.push(format!("{what}: {error:#}"));
            }
        }
    }

    fn print(&self, scenario: &str, title: &str) {
        let rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|row| row.scenario == scenario)
            .collect();
        report::print_table(title, &rows);
    }
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let sizes = args.sizes();
    let mut results = Results::default();
    let channel_scenarios = ["idle", "latency", "fanout", "throughput"];
    if channel_scenarios.iter().any(|name| args.wants(name)) {
        push_scenarios(&args, &sizes, &mut results).await?;
    }
    if args.wants("pages") || args.wants("app") {
        app_scenarios(&args, &sizes, &mut results).await?;
    }

    if let Some(path) = &args.json {
        let machine = report::machine();
        report::write_json(path, machine, &results.rows, &results.failures)?;
    }
    if !results.failures.is_empty() {
        bail!("{} scenario(s) failed", results.failures.len());
    }
    Ok(())
}

async fn push_scenarios(
    args: &RunArgs,
    sizes: &Sizes,
    results: &mut Results,
) -> anyhow::Result<()> {
    let mut targets = args.targets()?;
    let mut spawned = None;
    if targets.is_empty() {
        if !args.smoke {
            bail!(
                "give --target NAME=WS_URL (or --ws-url), or --smoke to start caretaker channels"
            );
        }
        let bin = spawned::caretaker_bin(args.caretaker_bin.as_deref())?;
        let server = spawned::channels(&bin).await?;
        targets.push(spawned_target(&server, args)?);
        spawned = Some(server);
    }

    let outcome = run_push_scenarios(args, sizes, &targets, results).await;
    if let Some(server) = spawned {
        server.stop().await;
    }
    outcome
}

fn spawned_target(server: &Spawned, args: &RunArgs) -> anyhow::Result<Target> {
    let defaults = Defaults {
        app_id: spawned::APP_ID,
        key: spawned::KEY,
        secret: spawned::SECRET,
        pid: server.pid().or(args.server_pid),
    };
    let ws = format!("ws://127.0.0.1:{}", server.port);
    Target::new("caretaker", &ws, None, &defaults)
}

async fn run_push_scenarios(
    args: &RunArgs,
    sizes: &Sizes,
    targets: &[Target],
    results: &mut Results,
) -> anyhow::Result<()> {
    if args.wants("idle") {
        run_idle(sizes, targets, results).await;
    }
    if args.wants("latency") {
        for target in targets {
            eprintln!("private latency: {}", target.name);
            let row = scenarios::private_latency::run(target, sizes).await;
            results.take("private_latency", row.map(|row| vec![row]));
        }
        let title = "2. private-event latency (trigger sent -> frame received)";
        results.print("private_latency", title);
    }
    if args.wants("fanout") {
        for &subscribers in &sizes.fanout {
            for target in targets {
                eprintln!("fan-out: {} with {subscribers} subscribers", target.name);
                let rows = scenarios::fanout::run(target, subscribers, sizes).await;
                results.take("fanout", rows);
            }
        }
        results.print("fanout", "3. fan-out (one channel, all subscribers)");
    }
    if args.wants("throughput") {
        for target in targets {
            eprintln!("trigger throughput: {}", target.name);
            results.take(
                "throughput",
                scenarios::throughput::run(target, sizes).await,
            );
        }
        results.print("throughput", "4. trigger throughput (signed HTTP API)");
    }
    Ok(())
}

async fn run_idle(sizes: &Sizes, targets: &[Target], results: &mut Results) {
    let mut baselines = vec![None; targets.len()];
    for &connections in &sizes.idle {
        for (target, baseline) in targets.iter().zip(&mut baselines) {
            eprintln!("idle: {} with {connections} connections", target.name);
            let row = scenarios::idle::run(target, connections, baseline, sizes).await;
            results.take("idle", row.map(|row| vec![row]));
        }
    }
    results.print("idle", "1. idle capacity (subscribed connections held)");
}

async fn app_scenarios(args: &RunArgs, sizes: &Sizes, results: &mut Results) -> anyhow::Result<()> {
    let password = args
        .app_password
        .clone()
        .unwrap_or_else(|| SMOKE_PASSWORD.into());
    let place = AppPlace::choose(args)?;
    let seeded = seed::run(SeedArgs {
        database_url: place.database_url.clone(),
        users: sizes.pages_users,
        tasks: sizes.pages_tasks,
        password: password.clone(),
    })
    .await?;

    let (base, server) = match &place.base {
        Some(base) => (base.clone(), None),
        None => {
            let bin = spawned::caretaker_bin(args.caretaker_bin.as_deref())?;
            let server = spawned::serve(&bin, &place.database_url).await?;
            let base = Url::parse(&format!("http://127.0.0.1:{}", server.port))?;
            (base, Some(server))
        }
    };

    let app = App {
        base: &base,
        seeded: &seeded,
        password: &password,
    };
    run_app_scenarios(args, sizes, &app, results).await;
    if let Some(server) = server {
        server.stop().await;
    }
    Ok(())
}

/// Where the app scenarios run: a running app, or (`base` empty) one to
/// start on a fresh SQLite database in a folder removed afterwards.
struct AppPlace {
    base: Option<Url>,
    database_url: String,
    _folder: Option<TempFolder>,
}

impl AppPlace {
    fn choose(args: &RunArgs) -> anyhow::Result<AppPlace> {
        match (&args.app_url, &args.database_url) {
            (Some(url), Some(database_url)) => Ok(AppPlace {
                base: Some(url.clone()),
                database_url: database_url.clone(),
                _folder: None,
            }),
            (None, _) if args.smoke => {
                let name = format!("caretaker-bench-{}", std::process::id());
                let folder = std::env::temp_dir().join(name);
                std::fs::create_dir_all(&folder)?;
                let database = folder.join("app.db");
                Ok(AppPlace {
                    base: None,
                    database_url: format!("sqlite://{}?mode=rwc", database.display()),
                    _folder: Some(TempFolder(folder)),
                })
            }
            _ => bail!("the app scenarios need --app-url and --database-url (or --smoke)"),
        }
    }
}

/// Pages first: the app scenario goes last, since it needs `POST /tasks`.
async fn run_app_scenarios(args: &RunArgs, sizes: &Sizes, app: &App<'_>, results: &mut Results) {
    if args.wants("pages") {
        eprintln!("pages: {} work orders", sizes.pages_tasks);
        results.take("pages", scenarios::pages::run(app, sizes).await);
        let title = format!(
            "6. pages at {} work orders (logged-in client)",
            sizes.pages_tasks
        );
        results.print("pages", &title);
    }
    if args.wants("app") {
        eprintln!(
            "app: assign -> badge with {} staff sockets",
            sizes.app_clients
        );
        let row = scenarios::app_assign::run(app, sizes).await;
        results.take("app_assign", row.map(|row| vec![row]));
        results.print(
            "app_assign",
            "5. assign request -> badge event, through the app",
        );
    }
}

/// A folder removed when the run ends.
struct TempFolder(PathBuf);

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
