//! A logged-in browser-like client of the app: session cookie, CSRF token
//! from `<meta name="csrf-token">`, user id and push key and port from the
//! page body.

use anyhow::{bail, Context};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode, Url};

const SESSION_COOKIE: &str = "caretaker_session";

#[derive(Clone)]
pub struct WebSession {
    http: reqwest::Client,
    base: Url,
    cookie: String,
    pub csrf: String,
    pub user_id: String,
    pub pusher_key: String,
    /// The port the page's pusher-js connects to.
    pub pusher_port: u16,
}

pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()?)
}

impl WebSession {
    /// Logs in through the login form, then reads the dashboard.
    pub async fn log_in(base: &Url, email: &str, password: &str) -> anyhow::Result<WebSession> {
        let http = http_client()?;
        let form_page = http.get(base.join("/login")?).send().await?;
        let cookie = session_cookie(&form_page).context("GET /login set no session cookie")?;
        let csrf =
            meta_csrf(&form_page.text().await?).context("the login page has no CSRF token")?;

        let answer = http
            .post(base.join("/login")?)
            .header(COOKIE, &cookie)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await?;
        if !answer.status().is_redirection() {
            bail!("logging in as {email} answered {}", answer.status());
        }
        let cookie = session_cookie(&answer).unwrap_or(cookie);

        let mut session = WebSession {
            http,
            base: base.clone(),
            cookie,
            csrf: String::new(),
            user_id: String::new(),
            pusher_key: String::new(),
            pusher_port: 0,
        };
        session.read_layout().await?;
        Ok(session)
    }

    async fn read_layout(&mut self) -> anyhow::Result<()> {
        let page = self.get("/").await?;
        if page.status() != StatusCode::OK {
            bail!("the dashboard answered {} after logging in", page.status());
        }
        let html = page.text().await?;
        self.csrf = meta_csrf(&html).context("the dashboard has no CSRF token")?;
        self.user_id = body_attribute(&html, "data-user-id").context("no data-user-id")?;
        self.pusher_key = body_attribute(&html, "data-pusher-key").context("no data-pusher-key")?;
        self.pusher_port = body_attribute(&html, "data-pusher-port")
            .and_then(|port| port.parse().ok())
            .context("no data-pusher-port")?;
        Ok(())
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Response> {
        let url = self.base.join(path)?;
        Ok(self
            .http
            .get(url)
            .header(COOKIE, &self.cookie)
            .send()
            .await?)
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<Response> {
        let mut form = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let url = self.base.join(path)?;
        let request = self.http.post(url).header(COOKIE, &self.cookie).form(&form);
        Ok(request.send().await?)
    }

    /// The `auth` for a channel, from `POST /pusher_auth` as pusher-js asks.
    pub async fn pusher_auth(&self, socket_id: &str, channel: &str) -> anyhow::Result<String> {
        let answer = self
            .http
            .post(self.base.join("/pusher_auth")?)
            .header(COOKIE, &self.cookie)
            .header("X-CSRF-Token", &self.csrf)
            .form(&[("socket_id", socket_id), ("channel_name", channel)])
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("/pusher_auth answered {} for {channel}", answer.status());
        }
        let body: serde_json::Value = answer.json().await?;
        body["auth"]
            .as_str()
            .map(str::to_string)
            .context("/pusher_auth answered without auth")
    }
}

fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(SESSION_COOKIE))
        .and_then(|value| value.split(';').next())
        .map(str::to_string)
}

fn meta_csrf(html: &str) -> Option<String> {
    let start = html.find(r#"<meta name="csrf-token" content=""#)?;
    let rest = &html[start + r#"<meta name="csrf-token" content=""#.len()..];
    rest.split('"').next().map(str::to_string)
}

fn body_attribute(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"{name}=""#);
    let start = html.find(&marker)? + marker.len();
    html[start..].split('"').next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_and_user_id_are_read_from_the_page() {
        let html = r#"<meta name="csrf-token" content="abc123"><body data-user-id="42" x="1">"#;

        assert_eq!(meta_csrf(html).as_deref(), Some("abc123"));
        assert_eq!(body_attribute(html, "data-user-id").as_deref(), Some("42"));
    }
}
