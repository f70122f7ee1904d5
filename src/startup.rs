//! Builds the running app: database, keys, push layer, middleware and
//! routes, bound to its listener.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::SessionMiddleware;
use actix_web::cookie::{time, Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::channels::{self, AppConfig, Fanout, Hub};
use crate::config::Settings;
use crate::db::Db;
use crate::push::{EmbeddedPush, HttpEndpoint, HttpPush, Push, PusherCredentials};
use crate::secrets::{cookie_key, pusher_credentials};
use crate::web::pages::PushClientConfig;
use crate::web::session_store::{delete_expired_sessions, DbSessionStore};
use crate::web::{self as routes, access_log, security_headers, AppState};

const SESSION_DAYS: i64 = 14;

pub struct Application {
    port: u16,
    push_port: Option<u16>,
    server: Server,
}

impl Application {
    /// Opens and migrates the database, then binds `settings.addr`
    /// (port 0 picks a free port; see [`Application::port`]).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = Db::connect(&settings.database_url).await?;
        db.migrate().await?;

        let listener = TcpListener::bind(&settings.addr)
            .with_context(|| format!("cannot listen on {}", settings.addr))?;
        let port = listener.local_addr()?.port();
        let (server, push_port) = serve(listener, &settings, db).await?;
        Ok(Application {
            port,
            push_port,
            server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the push server's own socket listener, when
    /// `CARETAKER_PUSH_ADDR` asked for one.
    pub fn push_port(&self) -> Option<u16> {
        self.push_port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn serve(
    listener: TcpListener,
    settings: &Settings,
    db: Db,
) -> anyhow::Result<(Server, Option<u16>)> {
    let key = cookie_key(settings, &db).await?;
    let credentials = pusher_credentials(settings, &db).await?;
    let mut push_client = push_client_config(settings, &credentials);
    let (push, hub) = push_layer(settings, credentials)?;
    let push_port = match &hub {
        Some(hub) => listen_for_sockets(settings, hub)?,
        None => None,
    };
    if let Some(port) = push_port {
        push_client.port = port;
    }
    spawn_session_sweeper(db.clone());

    let state = web::Data::new(AppState {
        db: db.clone(),
        push,
        push_client,
    });
    let secure_cookies = settings.secure_cookies;
    let embedded_hub = hub.clone();
    let server = HttpServer::new(move || {
        let app = App::new()
            .wrap(session_middleware(&db, &key, secure_cookies))
            .wrap(security_headers())
            .wrap(from_fn(access_log))
            .app_data(state.clone());
        match &embedded_hub {
            Some(hub) => app
                .configure(channels::configure(hub.clone()))
                .configure(routes::configure),
            None => app.configure(routes::configure),
        }
    })
    .disable_signals()
    .listen(listener)?
    .run();

    stop_on_signal(server.handle(), hub);
    Ok((server, push_port))
}

/// Starts the push server's own socket listener when `CARETAKER_PUSH_ADDR`
/// is set, and returns its port.
pub fn listen_for_sockets(settings: &Settings, hub: &Hub) -> anyhow::Result<Option<u16>> {
    let Some(addr) = &settings.push_server.socket_addr else {
        return Ok(None);
    };
    let listener = TcpListener::bind(addr)
        .and_then(|listener| {
            listener.set_nonblocking(true)?;
            tokio::net::TcpListener::from_std(listener)
        })
        .with_context(|| format!("cannot listen for push sockets on {addr}"))?;
    let port = listener.local_addr()?.port();
    tokio::spawn(channels::serve_sockets(listener, hub.clone()));
    tracing::info!(port, "push sockets are served on their own port");
    Ok(Some(port))
}

/// The embedded push server, or a client of an external one when
/// `PUSHER_HOST` or `PUSHER_CLUSTER` is set.
fn push_layer(
    settings: &Settings,
    credentials: PusherCredentials,
) -> anyhow::Result<(Arc<dyn Push>, Option<Hub>)> {
    if let Some(endpoint) = external_endpoint(settings) {
        return Ok((Arc::new(HttpPush::new(credentials, &endpoint)), None));
    }

    let hub = embedded_hub(settings, &credentials)?;
    Ok((Arc::new(EmbeddedPush::new(hub.clone())), Some(hub)))
}

/// The push server's hub, with the configured limits and, when `REDIS_URL`
/// is set, fan-out to the other nodes.
pub fn embedded_hub(settings: &Settings, credentials: &PusherCredentials) -> anyhow::Result<Hub> {
    let fanout = match &settings.redis_url {
        Some(url) => Fanout::redis(url).context("REDIS_URL is not usable")?,
        None => Fanout::Local,
    };
    let mut config = AppConfig::new(
        credentials.app_id.clone(),
        credentials.key.clone(),
        credentials.secret.clone(),
    );
    let limits = &settings.push_server;
    if let Some(max) = limits.max_connections {
        config.max_connections = max;
    }
    if let Some(max) = limits.max_message_bytes {
        config.max_message_bytes = max;
    }
    if let Some(enabled) = limits.client_events {
        config.client_events_enabled = enabled;
    }
    config.webhook_url = limits.webhook_url.clone();
    Ok(Hub::new(config, fanout))
}

fn external_endpoint(settings: &Settings) -> Option<HttpEndpoint> {
    let pusher = &settings.pusher;
    if let Some(host) = &pusher.host {
        return Some(HttpEndpoint::Host {
            scheme: pusher.scheme.clone().unwrap_or_else(|| "https".into()),
            host: host.clone(),
            port: pusher.port,
        });
    }
    pusher.cluster.clone().map(HttpEndpoint::Cluster)
}

/// What the page script needs to reach the push server. For the embedded
/// one the host and port stay empty: the page uses its own origin.
fn push_client_config(settings: &Settings, credentials: &PusherCredentials) -> PushClientConfig {
    let pusher = &settings.pusher;
    let host = match (&pusher.host, &pusher.cluster) {
        (Some(host), _) => host.clone(),
        (None, Some(cluster)) => format!("ws-{cluster}.pusher.com"),
        (None, None) => String::new(),
    };
    PushClientConfig {
        key: credentials.key.clone(),
        host,
        port: pusher.port.unwrap_or(0),
        tls: pusher.scheme.as_deref() == Some("https") || pusher.cluster.is_some(),
    }
}

fn session_middleware(db: &Db, key: &Key, secure: bool) -> SessionMiddleware<DbSessionStore> {
    SessionMiddleware::builder(DbSessionStore::new(db.pool.clone()), key.clone())
        .cookie_name("caretaker_session".into())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default().session_ttl(time::Duration::days(SESSION_DAYS)),
        )
        .build()
}

fn spawn_session_sweeper(db: Db) {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            if let Err(error) = delete_expired_sessions(&db.pool).await {
                tracing::warn!(%error, "cannot delete expired sessions");
            }
        }
    });
}

/// On SIGTERM or Ctrl-C: tell every socket to reconnect elsewhere (4200),
/// then finish the requests in flight and stop.
pub fn stop_on_signal(server: ServerHandle, hub: Option<Hub>) {
    tokio::spawn(async move {
        wait_for_stop_signal().await;
        tracing::info!("stopping");
        if let Some(hub) = hub {
            hub.shutdown();
        }
        server.stop(true).await;
    });
}

#[cfg(unix)]
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};

    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_stop_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
