//! The hub: which sockets are connected, which channels they joined, and
//! delivery of events to them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

use super::config::AppConfig;
use super::fanout::{Fanout, FanoutPublisher, Relayed};
use super::frames::{self, codes};
use super::names::{is_valid_channel_name, ChannelKind};
use super::shards::ShardedMap;
use super::socket::{Frame, Outbox, SocketId};
use super::webhooks::{WebhookEvent, WebhookQueue};

/// Longest event name accepted.
pub const MAX_EVENT_NAME_LEN: usize = 200;

/// Prefix of the channel a signed-in socket joins to receive events sent to
/// its user.
pub const SERVER_TO_USER_PREFIX: &str = "#server-to-user-";

/// Close code for sockets of a user whose connections were terminated.
pub const CLOSE_TERMINATED: u16 = 4009;

/// A cloneable handle on the push server's state.
///
/// Channel membership, presence and the counts reported by
/// [`Hub::channel_info`] are those of this node only; with Redis fan-out,
/// events reach every node but each node answers for its own sockets.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

pub(crate) struct HubInner {
    config: AppConfig,
    sockets: ShardedMap<SocketId, Arc<Outbox>>,
    channels: ShardedMap<String, Channel>,
    connections: AtomicUsize,
    shutting_down: AtomicBool,
    fanout: FanoutPublisher,
    webhooks: Option<WebhookQueue>,
}

#[derive(Default)]
struct Channel {
    subscribers: HashMap<SocketId, Arc<Outbox>>,
    members: HashMap<String, Member>,
}

struct Member {
    info: Value,
    sockets: u32,
}

/// A presence member as the subscribing socket declared it.
pub struct PresenceMember {
    pub user_id: String,
    pub user_info: Value,
}

/// An event for the server to deliver.
#[derive(Debug, Clone)]
pub struct TriggerEvent {
    pub channels: Vec<String>,
    pub name: String,
    /// Sent to clients as given (a string, usually JSON).
    pub data: String,
    /// A socket that should not receive the event (usually its sender).
    pub socket_id: Option<String>,
}

/// What the HTTP API reports about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    pub occupied: bool,
    pub subscription_count: usize,
    /// Distinct users; presence channels only.
    pub user_count: Option<usize>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HubError {
    #[error("invalid channel name {0:?}")]
    InvalidChannel(String),
    #[error("an event must name between 1 and {0} channels")]
    ChannelCount(usize),
    #[error("event data exceeds {0} bytes")]
    DataTooLarge(usize),
    #[error("event name must be 1 to 200 characters")]
    InvalidEventName,
    #[error("invalid socket_id")]
    InvalidSocketId,
    #[error("{0} is not a presence channel")]
    NotPresence(String),
}

impl Hub {
    /// A hub serving one app. With Redis fan-out or a webhook URL it starts
    /// background tasks, so it must then be created inside a Tokio runtime.
    pub fn new(config: AppConfig, fanout: Fanout) -> Self {
        let (publisher, listener) = fanout.start(&config.app_id);
        let webhooks = config
            .webhook_url
            .clone()
            .map(|url| WebhookQueue::start(url, config.key.clone(), config.secret.clone()));
        let inner = Arc::new(HubInner {
            config,
            sockets: ShardedMap::new(),
            channels: ShardedMap::new(),
            connections: AtomicUsize::new(0),
            shutting_down: AtomicBool::new(false),
            fanout: publisher,
            webhooks,
        });
        if let Some(listener) = listener {
            listener.spawn(Arc::downgrade(&inner));
        }
        Self { inner }
    }

    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// Sockets currently connected to this node.
    pub fn connection_count(&self) -> usize {
        self.inner.connections.load(Ordering::Acquire)
    }

    /// Delivers an event to every subscriber of its channels, on every node.
    pub fn trigger(&self, event: TriggerEvent) -> Result<(), HubError> {
        let except = self.check_trigger(&event)?;

        for channel in &event.channels {
            let frame = frames::event(&event.name, Some(channel), &event.data);
            self.inner.deliver(channel, &frame, except);
            self.inner.fanout.publish(channel, &frame, except);
        }
        Ok(())
    }

    /// Checks an event as [`Hub::trigger`] would, without sending it.
    pub fn validate(&self, event: &TriggerEvent) -> Result<(), HubError> {
        self.check_trigger(event).map(drop)
    }

    fn check_trigger(&self, event: &TriggerEvent) -> Result<Option<SocketId>, HubError> {
        let config = &self.inner.config;
        let count = event.channels.len();
        if count == 0 || count > config.max_channels_per_trigger {
            return Err(HubError::ChannelCount(config.max_channels_per_trigger));
        }
        if let Some(bad) = event.channels.iter().find(|c| !is_triggerable(c)) {
            return Err(HubError::InvalidChannel(bad.clone()));
        }
        if event.name.is_empty() || event.name.len() > MAX_EVENT_NAME_LEN {
            return Err(HubError::InvalidEventName);
        }
        if event.data.len() > config.max_message_bytes {
            return Err(HubError::DataTooLarge(config.max_message_bytes));
        }
        event
            .socket_id
            .as_deref()
            .map(|id| SocketId::parse(id).ok_or(HubError::InvalidSocketId))
            .transpose()
    }

    pub fn channel_info(&self, name: &str) -> ChannelInfo {
        let shard = self.inner.channels.shard_for(name);
        let channel = shard.get(name);
        let subscription_count = channel.map_or(0, |c| c.subscribers.len());
        let user_count = (ChannelKind::of(name) == ChannelKind::Presence)
            .then(|| channel.map_or(0, |c| c.members.len()));
        ChannelInfo {
            occupied: subscription_count > 0,
            subscription_count,
            user_count,
        }
    }

    /// Occupied channels whose name starts with `prefix`, sorted by name,
    /// each with its user count when asked for (presence channels only).
    pub fn list_channels(
        &self,
        prefix: Option<&str>,
        want_user_count: bool,
    ) -> Vec<(String, Option<usize>)> {
        let mut found = Vec::new();
        self.inner.channels.for_each_shard(|shard| {
            let matching = shard
                .iter()
                .filter(|(name, _)| !name.starts_with('#'))
                .filter(|(name, _)| prefix.is_none_or(|p| name.starts_with(p)));
            for (name, channel) in matching {
                let presence = ChannelKind::of(name) == ChannelKind::Presence;
                let users = (want_user_count && presence).then_some(channel.members.len());
                found.push((name.clone(), users));
            }
        });
        found.sort();
        found
    }

    /// User ids present on a presence channel, sorted.
    pub fn channel_users(&self, name: &str) -> Result<Vec<String>, HubError> {
        if ChannelKind::of(name) != ChannelKind::Presence {
            return Err(HubError::NotPresence(name.to_string()));
        }
        let shard = self.inner.channels.shard_for(name);
        let mut users: Vec<String> = shard
            .get(name)
            .map(|c| c.members.keys().cloned().collect())
            .unwrap_or_default();
        users.sort();
        Ok(users)
    }

    /// Closes (code 4009) every socket signed in (`pusher:signin`) as
    /// `user_id` on this node; returns how many.
    pub fn terminate_user_connections(&self, user_id: &str) -> usize {
        let mut closed = 0;
        self.inner.sockets.for_each_shard(|shard| {
            for outbox in shard.values().filter(|o| o.is_signed_in_as(user_id)) {
                outbox.close(CLOSE_TERMINATED);
                closed += 1;
            }
        });
        closed
    }

    /// Closes every socket with 4200 (clients reconnect at once) and refuses
    /// new ones the same way.
    pub fn shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Release);
        self.inner.sockets.for_each_shard(|shard| {
            for outbox in shard.values() {
                outbox.close(codes::RECONNECT_NOW);
            }
        });
    }

    /// Registers a new socket, or says which close code refuses it.
    pub(crate) fn register(&self) -> Result<Arc<Outbox>, u16> {
        let inner = &self.inner;
        if inner.shutting_down.load(Ordering::Acquire) {
            return Err(codes::RECONNECT_NOW);
        }
        if inner.connections.fetch_add(1, Ordering::AcqRel) >= inner.config.max_connections {
            inner.connections.fetch_sub(1, Ordering::AcqRel);
            return Err(codes::OVER_CAPACITY);
        }

        let outbox = Arc::new(Outbox::new(SocketId::random()));
        let id = outbox.id();
        inner.sockets.shard_for(&id).insert(id, outbox.clone());
        Ok(outbox)
    }

    pub(crate) fn deregister(&self, id: SocketId) {
        if self.inner.sockets.shard_for(&id).remove(&id).is_some() {
            self.inner.connections.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Adds a socket to a channel. When `announce` is set the socket gets
    /// `subscription_succeeded` (with the member list on presence channels).
    pub(crate) fn subscribe(
        &self,
        channel: &str,
        outbox: &Arc<Outbox>,
        member: Option<PresenceMember>,
        announce: bool,
    ) {
        let mut shard = self.inner.channels.shard_for(channel);
        let state = shard.entry(channel.to_string()).or_default();
        let occupied_now = state.subscribers.is_empty();
        state.subscribers.insert(outbox.id(), outbox.clone());

        let mut joined = None;
        if let Some(member) = &member {
            if state.add_member(member) {
                let frame = frames::member_added(channel, &member.user_id, &member.user_info);
                state.send_to_all(&frame, Some(outbox.id()));
                joined = Some(member.user_id.clone());
            }
        }
        if announce {
            let presence = member.is_some().then(|| state.presence_snapshot());
            outbox.send(frames::subscription_succeeded(channel, presence));
        }
        drop(shard);

        if occupied_now {
            self.inner.notify(WebhookEvent::channel_occupied(channel));
        }
        if let Some(user_id) = joined {
            self.inner
                .notify(WebhookEvent::member_added(channel, &user_id));
        }
    }

    /// Removes a socket from a channel; `user_id` is its presence member.
    pub(crate) fn unsubscribe(&self, channel: &str, id: SocketId, user_id: Option<&str>) {
        let mut shard = self.inner.channels.shard_for(channel);
        let Some(state) = shard.get_mut(channel) else {
            return;
        };
        if state.subscribers.remove(&id).is_none() {
            return;
        }

        let left = user_id.filter(|user_id| state.remove_member(user_id));
        if let Some(user_id) = left {
            state.send_to_all(&frames::member_removed(channel, user_id), None);
        }
        let vacated = state.subscribers.is_empty();
        if vacated {
            shard.remove(channel);
        }
        drop(shard);

        if let Some(user_id) = left {
            self.inner
                .notify(WebhookEvent::member_removed(channel, user_id));
        }
        if vacated {
            self.inner.notify(WebhookEvent::channel_vacated(channel));
        }
    }

    /// Relays a client event to the channel's other sockets, on every node.
    pub(crate) fn relay_client_event(&self, channel: &str, frame: &Frame, sender: SocketId) {
        self.inner.deliver(channel, frame, Some(sender));
        self.inner.fanout.publish(channel, frame, Some(sender));
    }

    pub(crate) fn notify(&self, event: WebhookEvent) {
        self.inner.notify(event);
    }
}

fn is_triggerable(channel: &str) -> bool {
    match channel.strip_prefix(SERVER_TO_USER_PREFIX) {
        Some(user_id) => !user_id.is_empty(),
        None => is_valid_channel_name(channel),
    }
}

impl HubInner {
    /// Sends a frame to this node's subscribers of `channel`.
    fn deliver(&self, channel: &str, frame: &Frame, except: Option<SocketId>) {
        if let Some(state) = self.channels.shard_for(channel).get(channel) {
            state.send_to_all(frame, except);
        }
    }

    /// Delivers an event that another node published.
    pub(crate) fn deliver_relayed(&self, relayed: Relayed) {
        let frame = Frame::from(relayed.frame);
        let except = relayed.except.as_deref().and_then(SocketId::parse);
        self.deliver(&relayed.channel, &frame, except);
    }

    /// Queues a webhook; the server's own `#server-to-user-` channels are
    /// not reported.
    fn notify(&self, event: WebhookEvent) {
        let internal = event.channel.starts_with('#');
        if let Some(webhooks) = self.webhooks.as_ref().filter(|_| !internal) {
            webhooks.push(event);
        }
    }
}

impl Channel {
    fn send_to_all(&self, frame: &Frame, except: Option<SocketId>) {
        for (id, outbox) in &self.subscribers {
            if Some(*id) != except {
                outbox.send(frame.clone());
            }
        }
    }

    /// Counts one more socket for the member; true when the user is new here.
    fn add_member(&mut self, member: &PresenceMember) -> bool {
        let entry = self
            .members
            .entry(member.user_id.clone())
            .or_insert_with(|| Member {
                info: member.user_info.clone(),
                sockets: 0,
            });
        entry.sockets += 1;
        entry.sockets == 1
    }

    /// Counts one socket less for the member; true when the user left.
    fn remove_member(&mut self, user_id: &str) -> bool {
        let Some(member) = self.members.get_mut(user_id) else {
            return false;
        };
        member.sockets = member.sockets.saturating_sub(1);
        if member.sockets > 0 {
            return false;
        }
        self.members.remove(user_id);
        true
    }

    fn presence_snapshot(&self) -> Value {
        let ids: Vec<&String> = self.members.keys().collect();
        let hash: serde_json::Map<String, Value> = self
            .members
            .iter()
            .map(|(id, member)| (id.clone(), member.info.clone()))
            .collect();
        json!({ "ids": ids, "hash": hash, "count": ids.len() })
    }
}
