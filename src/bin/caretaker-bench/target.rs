//! A measured server: where its WebSocket endpoint and HTTP API are, the
//! app credentials, and the process to read memory from.

use std::net::SocketAddr;

use anyhow::{bail, Context};
use reqwest::Url;
use secrecy::SecretString;

#[derive(Clone)]
pub struct Target {
    pub name: String,
    /// `ws://host:port`, without the `/app/{key}` path.
    pub ws_base: Url,
    /// `http://host:port`, where `/apps/{app_id}/...` lives.
    pub api_base: Url,
    pub app_id: String,
    pub key: String,
    pub secret: SecretString,
    pub pid: Option<u32>,
}

/// Credentials used where a `--target` does not name its own.
pub struct Defaults<'a> {
    pub app_id: &'a str,
    pub key: &'a str,
    pub secret: &'a str,
    pub pid: Option<u32>,
}

impl Target {
    /// Parses `NAME=WS_URL[,api=URL][,key=K][,secret=S][,app-id=ID][,pid=PID]`.
    pub fn parse(spec: &str, defaults: &Defaults<'_>) -> anyhow::Result<Target> {
        let mut parts = spec.split(',');
        let first = parts.next().unwrap_or_default();
        let Some((name, ws)) = first.split_once('=') else {
            bail!("a target is NAME=WS_URL[,api=URL,...], not {first:?}");
        };
        let mut target = Target::new(name, ws, None, defaults)?;
        for part in parts {
            target.apply_option(part)?;
        }
        Ok(target)
    }

    pub fn new(
        name: &str,
        ws: &str,
        api: Option<&str>,
        defaults: &Defaults<'_>,
    ) -> anyhow::Result<Target> {
        let ws_base = Url::parse(ws).with_context(|| format!("bad WebSocket URL {ws:?}"))?;
        let api_base = match api {
            Some(api) => Url::parse(api).with_context(|| format!("bad API URL {api:?}"))?,
            None => api_from_ws(&ws_base)?,
        };
        Ok(Target {
            name: name.to_string(),
            ws_base,
            api_base,
            app_id: defaults.app_id.to_string(),
            key: defaults.key.to_string(),
            secret: SecretString::from(defaults.secret.to_string()),
            pid: defaults.pid,
        })
    }

    fn apply_option(&mut self, part: &str) -> anyhow::Result<()> {
        let Some((name, value)) = part.split_once('=') else {
            bail!("target option {part:?} is not NAME=VALUE");
        };
        match name {
            "api" => self.api_base = Url::parse(value).context("bad api URL")?,
            "key" => self.key = value.to_string(),
            "secret" => self.secret = SecretString::from(value.to_string()),
            "app-id" | "app_id" => self.app_id = value.to_string(),
            "pid" => self.pid = Some(value.parse().context("pid is not a number")?),
            other => bail!("unknown target option {other:?}"),
        }
        Ok(())
    }

    /// The URL a client opens: `/app/{key}` with protocol 7.
    pub fn socket_url(&self) -> String {
        let base = self.ws_base.as_str().trim_end_matches('/');
        format!(
            "{base}/app/{}?protocol=7&client=caretaker-bench&version=0.1",
            self.key
        )
    }

    pub async fn socket_addr(&self) -> anyhow::Result<SocketAddr> {
        let host = self
            .ws_base
            .host_str()
            .context("the WebSocket URL has no host")?;
        let port = self.ws_base.port_or_known_default().unwrap_or(80);
        tokio::net::lookup_host((host, port))
            .await?
            .find(SocketAddr::is_ipv4)
            .with_context(|| format!("{host} has no IPv4 address"))
    }

    /// The server's pid: given, or the process listening on the socket port.
    pub fn server_pid(&self) -> Option<u32> {
        let port = self.ws_base.port_or_known_default()?;
        self.pid
            .or_else(|| crate::server_proc::pid_listening_on(port))
    }
}

fn api_from_ws(ws: &Url) -> anyhow::Result<Url> {
    let scheme = if ws.scheme() == "wss" {
        "https"
    } else {
        "http"
    };
    let host = ws.host_str().context("the WebSocket URL has no host")?;
    let port = ws.port_or_known_default().unwrap_or(80);
    Ok(Url::parse(&format!("{scheme}://{host}:{port}"))?)
}
