//! Pushing through a Pusher-compatible HTTP API, with signed requests.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{data_text, Push, PushError, PushFuture, PusherCredentials};
use crate::channels::{ChannelInfo, ChannelKind};
use crate::signing::{self, RequestToSign};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the HTTP API lives.
#[derive(Debug, Clone)]
pub enum HttpEndpoint {
    /// Any server, e.g. `http`, `127.0.0.1`, `Some(8080)`.
    Host {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
    /// Pusher's hosted service in a cluster: `https://api-<cluster>.pusher.com`.
    Cluster(String),
}

impl HttpEndpoint {
    fn base_url(&self) -> String {
        match self {
            Self::Host {
                scheme,
                host,
                port: Some(port),
            } => format!("{scheme}://{host}:{port}"),
            Self::Host { scheme, host, .. } => format!("{scheme}://{host}"),
            Self::Cluster(cluster) => format!("https://api-{cluster}.pusher.com"),
        }
    }
}

pub struct HttpPush {
    client: reqwest::Client,
    base_url: String,
    credentials: PusherCredentials,
}

#[derive(Deserialize)]
struct ChannelAnswer {
    #[serde(default)]
    occupied: bool,
    #[serde(default)]
    subscription_count: Option<usize>,
    #[serde(default)]
    user_count: Option<usize>,
}

impl HttpPush {
    pub fn new(credentials: PusherCredentials, endpoint: &HttpEndpoint) -> Self {
        Self {
            client: reqwest::Client::new(),
            base_url: endpoint.base_url(),
            credentials,
        }
    }

    /// Sends one signed request and returns the answer's body.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        params: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, PushError> {
        let url = self.signed_url(method.as_str(), path, params, body.as_deref())?;
        let mut builder = self.client.request(method, url).timeout(REQUEST_TIMEOUT);
        if let Some(body) = body {
            builder = builder
                .header("Content-Type", "application/json")
                .body(body);
        }

        let response = builder.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            let body = String::from_utf8_lossy(&bytes).into_owned();
            return Err(PushError::Status {
                status: status.as_u16(),
                body,
            });
        }
        Ok(bytes.to_vec())
    }

    fn signed_url(
        &self,
        method: &str,
        path: &str,
        params: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Result<String, PushError> {
        let request = RequestToSign {
            method,
            path,
            params,
            body,
        };
        let credentials = &self.credentials;
        let timestamp = signing::unix_now();
        let signed =
            signing::sign_request(&credentials.key, &credentials.secret, &request, timestamp);
        let query = serde_urlencoded::to_string(&signed).map_err(|_| PushError::InvalidRequest)?;
        Ok(format!("{}{path}?{query}", self.base_url))
    }

    fn app_path(&self, rest: &str) -> String {
        format!("/apps/{}{rest}", self.credentials.app_id)
    }

    async fn post_event(
        &self,
        channels: &[String],
        event: &str,
        data: &Value,
    ) -> Result<(), PushError> {
        let body = json!({ "name": event, "channels": channels, "data": data_text(data) });
        let path = self.app_path("/events");
        self.send(
            reqwest::Method::POST,
            &path,
            &[],
            Some(body.to_string().into_bytes()),
        )
        .await
        .map(drop)
    }

    async fn get_channel(&self, channel: &str) -> Result<ChannelInfo, PushError> {
        let presence = ChannelKind::of(channel) == ChannelKind::Presence;
        let info = if presence {
            "subscription_count,user_count"
        } else {
            "subscription_count"
        };
        let params = [("info".to_string(), info.to_string())];
        let path = self.app_path(&format!("/channels/{channel}"));

        let body = self
            .send(reqwest::Method::GET, &path, &params, None)
            .await?;
        let answer: ChannelAnswer =
            serde_json::from_slice(&body).map_err(|_| PushError::InvalidAnswer)?;
        Ok(ChannelInfo {
            occupied: answer.occupied,
            subscription_count: answer.subscription_count.unwrap_or_default(),
            user_count: answer.user_count.filter(|_| presence),
        })
    }

    async fn terminate(&self, user_id: &str) -> Result<(), PushError> {
        let path = self.app_path(&format!("/users/{user_id}/terminate_connections"));
        self.send(reqwest::Method::POST, &path, &[], Some(b"{}".to_vec()))
            .await
            .map(drop)
    }
}

impl Push for HttpPush {
    fn trigger<'a>(
        &'a self,
        channels: &'a [String],
        event: &'a str,
        data: &'a Value,
    ) -> PushFuture<'a, ()> {
        Box::pin(self.post_event(channels, event, data))
    }

    fn channel_info<'a>(&'a self, channel: &'a str) -> PushFuture<'a, ChannelInfo> {
        Box::pin(self.get_channel(channel))
    }

    fn terminate_user_connections<'a>(&'a self, user_id: &'a str) -> PushFuture<'a, ()> {
        Box::pin(self.terminate(user_id))
    }

    fn credentials(&self) -> &PusherCredentials {
        &self.credentials
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_name_their_base_url() {
        let cluster = HttpEndpoint::Cluster("eu".into());
        let host = HttpEndpoint::Host {
            scheme: "http".into(),
            host: "push.internal".into(),
            port: Some(6001),
        };
        let default_port = HttpEndpoint::Host {
            scheme: "https".into(),
            host: "push.example".into(),
            port: None,
        };

        assert_eq!(cluster.base_url(), "https://api-eu.pusher.com");
        assert_eq!(host.base_url(), "http://push.internal:6001");
        assert_eq!(default_port.base_url(), "https://push.example");
    }
}
