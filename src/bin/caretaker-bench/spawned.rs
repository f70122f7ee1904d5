//! Servers the harness starts itself for `--smoke`: `caretaker channels`,
//! and `caretaker serve` on a fresh SQLite database.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::{Child, Command};

/// How long a spawned server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Credentials of spawned servers; they listen on loopback only.
pub const APP_ID: &str = "bench";
pub const KEY: &str = "bench-key";
pub const SECRET: &str = "bench-secret-not-for-production";

pub struct Spawned {
    pub child: Child,
    pub port: u16,
}

impl Spawned {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// The `caretaker` binary beside this one, or `--caretaker-bin`.
pub fn caretaker_bin(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let me = std::env::current_exe()?;
    let dir = me.parent().context("this binary has no folder")?;
    Ok(dir.join("caretaker"))
}

/// `caretaker channels` on a free loopback port.
pub async fn channels(bin: &Path) -> anyhow::Result<Spawned> {
    let mut command = Command::new(bin);
    command.arg("channels");
    start(command, &[]).await
}

/// `caretaker serve` on a free loopback port with `database_url`, its
/// push sockets on a listener of their own as in the measured runs.
pub async fn serve(bin: &Path, database_url: &str) -> anyhow::Result<Spawned> {
    let mut command = Command::new(bin);
    command.arg("serve");
    let settings = [
        ("DATABASE_URL", database_url),
        ("CARETAKER_PUSH_ADDR", "127.0.0.1:0"),
    ];
    start(command, &settings).await
}

async fn start(mut command: Command, extra: &[(&str, &str)]) -> anyhow::Result<Spawned> {
    let port = free_port()?;
    command
        .env("CARETAKER_ADDR", format!("127.0.0.1:{port}"))
        .env("PUSHER_APP_ID", APP_ID)
        .env("PUSHER_APP_KEY", KEY)
        .env("PUSHER_APP_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let child = command.spawn().context("cannot start caretaker")?;
    let spawned = Spawned { child, port };
    wait_listening(port).await?;
    Ok(spawned)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

async fn wait_listening(port: u16) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    while tokio::time::Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("caretaker did not listen on port {port} in time")
}
