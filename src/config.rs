//! Settings read once from the environment (and `.env`) at start-up.

use std::env;

use anyhow::{bail, Context};
use secrecy::SecretString;

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub addr: String,
    /// Cookie and CSRF key; generated and stored in the database when unset.
    pub secret: Option<SecretString>,
    pub secure_cookies: bool,
    pub pusher: PusherSettings,
    pub push_server: PushServerSettings,
    pub redis_url: Option<String>,
}

/// Limits and hooks of the embedded push server (and `caretaker channels`);
/// `None` keeps the server's default.
#[derive(Clone, Debug, Default)]
pub struct PushServerSettings {
    /// Address of the push server's own socket listener; unset, sockets are
    /// served by the web server at `/app/{key}` only.
    pub socket_addr: Option<String>,
    pub max_connections: Option<usize>,
    pub max_message_bytes: Option<usize>,
    pub client_events: Option<bool>,
    pub webhook_url: Option<String>,
}

/// Credentials and location of the push service. With no host or cluster
/// the embedded server is used; credentials left unset are generated once
/// and stored in the database.
#[derive(Clone, Debug, Default)]
pub struct PusherSettings {
    pub app_id: Option<String>,
    pub key: Option<String>,
    pub secret: Option<SecretString>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub scheme: Option<String>,
    pub cluster: Option<String>,
}

impl PusherSettings {
    pub fn is_external(&self) -> bool {
        self.host.is_some() || self.cluster.is_some()
    }
}

impl Settings {
    /// Reads every variable the app knows, failing with a message that names
    /// the variable at fault.
    pub fn from_env() -> anyhow::Result<Settings> {
        Ok(Settings {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://caretaker.db".into()),
            addr: var("CARETAKER_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into()),
            secret: var("CARETAKER_SECRET").map(SecretString::from),
            secure_cookies: flag("CARETAKER_SECURE_COOKIES")?,
            pusher: pusher_from_env()?,
            push_server: push_server_from_env()?,
            redis_url: var("REDIS_URL"),
        })
    }
}

fn pusher_from_env() -> anyhow::Result<PusherSettings> {
    let port = var("PUSHER_PORT")
        .map(|port| port.parse::<u16>())
        .transpose()
        .context("PUSHER_PORT must be a port number")?;
    let scheme = var("PUSHER_SCHEME");
    if let Some(scheme) = &scheme {
        if scheme != "http" && scheme != "https" {
            bail!("PUSHER_SCHEME must be http or https, not {scheme:?}");
        }
    }

    Ok(PusherSettings {
        app_id: var("PUSHER_APP_ID"),
        key: var("PUSHER_APP_KEY"),
        secret: var("PUSHER_APP_SECRET").map(SecretString::from),
        host: var("PUSHER_HOST"),
        port,
        scheme,
        cluster: var("PUSHER_CLUSTER"),
    })
}

fn push_server_from_env() -> anyhow::Result<PushServerSettings> {
    Ok(PushServerSettings {
        socket_addr: var("CARETAKER_PUSH_ADDR"),
        max_connections: number("CARETAKER_PUSH_MAX_CONNECTIONS")?,
        max_message_bytes: number("CARETAKER_PUSH_MAX_MESSAGE_BYTES")?,
        client_events: var("CARETAKER_PUSH_CLIENT_EVENTS")
            .map(|_| flag("CARETAKER_PUSH_CLIENT_EVENTS"))
            .transpose()?,
        webhook_url: var("CARETAKER_PUSH_WEBHOOK_URL"),
    })
}

fn number(name: &str) -> anyhow::Result<Option<usize>> {
    var(name)
        .map(|value| value.parse::<usize>())
        .transpose()
        .with_context(|| format!("{name} must be a whole number"))
}

/// A variable's value, with an empty one treated as unset.
fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|value| !value.trim().is_empty())
}

fn flag(name: &str) -> anyhow::Result<bool> {
    match var(name).as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => bail!("{name} must be true or false, not {other:?}"),
    }
}
