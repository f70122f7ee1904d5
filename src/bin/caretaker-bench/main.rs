//! `caretaker-bench`: measures a Pusher-compatible server (Caretaker's
//! `caretaker channels`, the embedded one of `caretaker serve`, or a peer)
//! over the Pusher protocol and the signed HTTP API, and the app's pages.
//! See BENCHMARKS.md.

mod api;
mod client;
mod fleet;
mod holder;
mod report;
mod run;
mod scenarios;
mod seed;
mod server_proc;
mod spawned;
mod stats;
mod target;
mod web_client;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "caretaker-bench",
    about = "Benchmarks of Pusher-compatible servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scenarios against one or more targets.
    Run(Box<run::RunArgs>),
    /// Seed an app database with users and work orders for the page scenario.
    Seed(seed::SeedArgs),
    /// Hold a share of the connections (started by `run`).
    #[command(hide = true)]
    Hold(holder::HoldArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    raise_open_file_limit();
    match Cli::parse().command {
        Command::Run(args) => run::run(*args).await,
        Command::Seed(args) => seed::run(args).await.map(|_| ()),
        Command::Hold(args) => holder::run(args).await,
    }
}

/// Raises the soft open-file limit to the hard one: every held socket is a
/// file descriptor.
fn raise_open_file_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};

    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(error) = setrlimit(Resource::Nofile, limit) {
            eprintln!("cannot raise the open-file limit: {error}");
        }
    }
}
