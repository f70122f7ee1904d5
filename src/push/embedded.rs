//! Pushing through the hub in this process, with no HTTP hop.

use serde_json::Value;

use super::{data_text, Push, PushFuture, PusherCredentials};
use crate::channels::{ChannelInfo, Hub, TriggerEvent};

pub struct EmbeddedPush {
    hub: Hub,
    credentials: PusherCredentials,
}

impl EmbeddedPush {
    pub fn new(hub: Hub) -> Self {
        let config = hub.config();
        let credentials = PusherCredentials {
            app_id: config.app_id.clone(),
            key: config.key.clone(),
            secret: config.secret.clone(),
        };
        Self { hub, credentials }
    }
}

impl Push for EmbeddedPush {
    fn trigger<'a>(
        &'a self,
        channels: &'a [String],
        event: &'a str,
        data: &'a Value,
    ) -> PushFuture<'a, ()> {
        let event = TriggerEvent {
            channels: channels.to_vec(),
            name: event.to_string(),
            data: data_text(data),
            socket_id: None,
        };
        let result = self.hub.trigger(event).map_err(Into::into);
        Box::pin(async move { result })
    }

    fn channel_info<'a>(&'a self, channel: &'a str) -> PushFuture<'a, ChannelInfo> {
        let info = self.hub.channel_info(channel);
        Box::pin(async move { Ok(info) })
    }

    fn terminate_user_connections<'a>(&'a self, user_id: &'a str) -> PushFuture<'a, ()> {
        self.hub.terminate_user_connections(user_id);
        Box::pin(async { Ok(()) })
    }

    fn credentials(&self) -> &PusherCredentials {
        &self.credentials
    }
}
