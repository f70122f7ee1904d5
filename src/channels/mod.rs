//! A Pusher-protocol (version 7) server: WebSocket clients, channels, the
//! HTTP API, webhooks and fan-out between nodes. It knows nothing of the
//! rest of the app, so it can also run on its own.
//!
//! Mount it into an actix-web `App` with [`configure`], or run it alone with
//! [`serve_standalone`]:
//!
//! ```no_run
//! use caretaker::channels::{self, AppConfig, Fanout, Hub};
//! use caretaker::push::{EmbeddedPush, Push};
//! use secrecy::SecretString;
//!
//! # async fn run() -> anyhow::Result<()> {
//! let config = AppConfig::new("1", "app-key", SecretString::from("app-secret"));
//! let fanout = match std::env::var("REDIS_URL") {
//!     Ok(url) => Fanout::redis(&url)?,
//!     Err(_) => Fanout::Local,
//! };
//! let hub = Hub::new(config, fanout);
//! let push: Box<dyn Push> = Box::new(EmbeddedPush::new(hub.clone()));
//!
//! let app_hub = hub.clone();
//! let server = actix_web::HttpServer::new(move || {
//!     actix_web::App::new().configure(channels::configure(app_hub.clone()))
//! })
//! .bind("127.0.0.1:8080")?
//! .run();
//! # drop((push, server));
//! # Ok(())
//! # }
//! ```
//!
//! Sockets can also be served on a port of their own with
//! [`serve_sockets`], which holds each idle socket in far less memory than
//! the web server does.
//!
//! Presence membership and channel counts are per node (see [`Hub`]).

mod config;
mod connection;
mod fanout;
mod frames;
mod handshake;
mod http_api;
mod hub;
mod listener;
mod names;
mod shards;
mod socket;
mod webhooks;
mod websocket;
mod wire;

use std::net::TcpListener;

use actix_web::{dev::Server, web, App, HttpServer};

pub use config::AppConfig;
pub use connection::{check_handshake, Connection, Liveness, LivenessAction};
pub use fanout::{Fanout, FanoutError};
pub use frames::codes;
pub use http_api::ApiError;
pub use hub::{ChannelInfo, Hub, HubError, TriggerEvent};
pub use listener::serve_sockets;
pub use names::{is_valid_channel_name, ChannelKind};
pub use socket::{Frame, SocketId};
pub use webhooks::WebhookEvent;

/// Routes of the push server for `App::configure`: the WebSocket endpoint
/// `GET /app/{key}` and the HTTP API under `/apps/{app_id}/`. The hub is
/// put into the app data as `web::Data<Hub>`. Call it once per worker, e.g.
/// `App::new().configure(channels::configure(hub.clone()))` inside the
/// `HttpServer::new` factory.
pub fn configure(hub: Hub) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config
            .app_data(web::Data::new(hub))
            .route("/app/{key}", web::get().to(websocket::connect))
            .configure(http_api::routes);
    }
}

/// Runs the push server alone on `listener`. Call [`Hub::shutdown`] before
/// stopping the server so clients reconnect at once instead of waiting for
/// their sockets to time out.
pub fn serve_standalone(listener: TcpListener, hub: Hub) -> std::io::Result<Server> {
    let server = HttpServer::new(move || App::new().configure(configure(hub.clone())))
        .disable_signals()
        .listen(listener)?
        .shutdown_timeout(5)
        .run();
    Ok(server)
}
