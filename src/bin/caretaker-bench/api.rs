//! A client of the Pusher HTTP API: signed event triggers.

use anyhow::{bail, Context};
use caretaker::signing::{sign_request, unix_now, RequestToSign};
use secrecy::SecretString;

use crate::target::Target;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    events_url: String,
    path: String,
    key: String,
    secret: SecretString,
}

impl Api {
    pub fn new(target: &Target) -> anyhow::Result<Api> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?;
        let path = format!("/apps/{}/events", target.app_id);
        let base = target.api_base.as_str().trim_end_matches('/');
        Ok(Api {
            http,
            events_url: format!("{base}{path}"),
            path,
            key: target.key.clone(),
            secret: target.secret.clone(),
        })
    }

    /// Triggers `event` with `data` on one channel; fails on any non-2xx.
    pub async fn trigger(&self, channel: &str, event: &str, data: &str) -> anyhow::Result<()> {
        let body =
            serde_json::json!({ "name": event, "channels": [channel], "data": data }).to_string();
        let request = RequestToSign {
            method: "POST",
            path: &self.path,
            params: &[],
            body: Some(body.as_bytes()),
        };
        let query = sign_request(&self.key, &self.secret, &request, unix_now());

        let response = self
            .http
            .post(&self.events_url)
            .query(&query)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .context("the trigger request failed")?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            bail!("trigger answered {status}: {text}");
        }
        Ok(())
    }
}
