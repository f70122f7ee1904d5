//! Fan-out between nodes: events triggered on one node reach the sockets of
//! every node sharing the same Redis.

use std::ops::ControlFlow;
use std::sync::Weak;
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::hub::HubInner;
use super::socket::{Frame, SocketId};

/// Events waiting to be published; beyond this many, new ones are dropped
/// from fan-out (local delivery is unaffected).
const PUBLISH_QUEUE: usize = 10_000;

const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// How the hub reaches other nodes.
pub enum Fanout {
    /// One node: events stay in this process.
    Local,
    /// Several nodes sharing a Redis server (pub/sub).
    Redis(redis::Client),
}

#[derive(Debug, thiserror::Error)]
#[error("invalid Redis URL")]
pub struct FanoutError(#[source] redis::RedisError);

impl Fanout {
    /// Fan-out through the Redis server at `url`; connects lazily, and
    /// reconnects after failures.
    pub fn redis(url: &str) -> Result<Self, FanoutError> {
        redis::Client::open(url)
            .map(Self::Redis)
            .map_err(FanoutError)
    }

    pub(crate) fn start(self, app_id: &str) -> (FanoutPublisher, Option<FanoutListener>) {
        let Self::Redis(client) = self else {
            return (FanoutPublisher::Local, None);
        };
        let node: u64 = rand::random();
        let topic = format!("caretaker-channels:{app_id}");
        let (queue, pending) = mpsc::channel(PUBLISH_QUEUE);
        tokio::spawn(publish_loop(client.clone(), topic.clone(), pending));

        let (stop, stopped) = oneshot::channel();
        let publisher = FanoutPublisher::Redis {
            node,
            queue,
            _stop: stop,
        };
        let listener = FanoutListener {
            link: RedisLink {
                client,
                topic,
                node,
            },
            stopped,
        };
        (publisher, Some(listener))
    }
}

/// One event as published to the other nodes.
#[derive(Serialize, Deserialize)]
pub(crate) struct Relayed {
    pub node: u64,
    pub channel: String,
    pub frame: String,
    pub except: Option<String>,
}

pub(crate) enum FanoutPublisher {
    Local,
    Redis {
        node: u64,
        queue: mpsc::Sender<String>,
        /// Dropped with the hub, which ends the listener.
        _stop: oneshot::Sender<()>,
    },
}

impl FanoutPublisher {
    pub fn publish(&self, channel: &str, frame: &Frame, except: Option<SocketId>) {
        let Self::Redis { node, queue, .. } = self else {
            return;
        };
        let relayed = Relayed {
            node: *node,
            channel: channel.to_string(),
            frame: frame.to_string(),
            except: except.map(|id| id.to_string()),
        };
        if let Ok(message) = serde_json::to_string(&relayed) {
            if queue.try_send(message).is_err() {
                tracing::warn!(channel, "fan-out queue full, event not relayed");
            }
        }
    }
}

async fn publish_loop(client: redis::Client, topic: String, mut pending: mpsc::Receiver<String>) {
    let mut connection = None;
    while let Some(message) = pending.recv().await {
        if connection.is_none() {
            connection = client.get_multiplexed_async_connection().await.ok();
        }
        let Some(redis) = connection.as_mut() else {
            tracing::warn!("Redis unreachable, event not relayed");
            continue;
        };
        let published: redis::RedisResult<()> = redis.publish(&topic, message).await;
        if let Err(error) = published {
            tracing::warn!(%error, "Redis publish failed");
            connection = None;
        }
    }
}

pub(crate) struct FanoutListener {
    link: RedisLink,
    stopped: oneshot::Receiver<()>,
}

impl FanoutListener {
    /// Listens until the hub is dropped, reconnecting after failures.
    pub fn spawn(self, hub: Weak<HubInner>) {
        let Self { link, mut stopped } = self;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    flow = link.listen_then_pause(&hub) => if flow.is_break() { return },
                }
            }
        });
    }
}

struct RedisLink {
    client: redis::Client,
    topic: String,
    node: u64,
}

impl RedisLink {
    async fn listen_then_pause(&self, hub: &Weak<HubInner>) -> ControlFlow<()> {
        if let Err(error) = self.listen(hub).await {
            tracing::warn!(%error, "Redis subscription lost, reconnecting");
        }
        if hub.strong_count() == 0 {
            return ControlFlow::Break(());
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
        ControlFlow::Continue(())
    }

    /// Delivers other nodes' events until the connection fails or the hub is gone.
    async fn listen(&self, hub: &Weak<HubInner>) -> redis::RedisResult<()> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(&self.topic).await?;
        let mut messages = pubsub.on_message();

        while let Some(message) = messages.next().await {
            let Some(hub) = hub.upgrade() else {
                return Ok(());
            };
            let payload: String = message.get_payload()?;
            match serde_json::from_str::<Relayed>(&payload) {
                Ok(relayed) if relayed.node != self.node => hub.deliver_relayed(relayed),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "unreadable fan-out message"),
            }
        }
        Ok(())
    }
}
