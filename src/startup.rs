//! Builds the running app: database, keys, middleware and routes, bound to
//! its listener.

use std::net::TcpListener;
use std::time::Duration;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::SessionMiddleware;
use actix_web::cookie::{time, Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::config::Settings;
use crate::db::Db;
use crate::secrets::{cookie_key, pusher_credentials};
use crate::web::pages::PushClientConfig;
use crate::web::session_store::{delete_expired_sessions, DbSessionStore};
use crate::web::{self as routes, access_log, security_headers, AppState};

const SESSION_DAYS: i64 = 14;

pub struct Application {
    port: u16,
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
        let server = serve(listener, &settings, db).await?;
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn serve(listener: TcpListener, settings: &Settings, db: Db) -> anyhow::Result<Server> {
    let key = cookie_key(settings, &db).await?;
    let credentials = pusher_credentials(settings, &db).await?;
    let push_client = PushClientConfig {
        key: credentials.key.clone(),
        host: settings.pusher.host.clone().unwrap_or_default(),
        port: settings.pusher.port.unwrap_or(0),
        tls: settings.pusher.scheme.as_deref() == Some("https"),
    };
    spawn_session_sweeper(db.clone());

    let state = web::Data::new(AppState {
        db: db.clone(),
        push_client,
    });
    let secure_cookies = settings.secure_cookies;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(session_middleware(&db, &key, secure_cookies))
            .wrap(security_headers())
            .wrap(from_fn(access_log))
            .app_data(state.clone())
            .configure(routes::configure)
    })
    .listen(listener)?
    .run();
    Ok(server)
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
