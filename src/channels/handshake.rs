//! The HTTP/1.1 upgrade that opens a socket on the push server's own
//! listener: `GET /app/{key}?protocol=7` with the WebSocket headers.

use base64::Engine;
use sha1::{Digest, Sha1};

/// Longest request head accepted before the upgrade.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

const MAX_HEADERS: usize = 48;
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A valid upgrade request for an app's socket endpoint.
#[derive(Debug, PartialEq, Eq)]
pub struct Upgrade {
    pub app_key: String,
    pub protocol: Option<String>,
    accept: String,
}

/// Why a request was not upgraded; answered with a plain HTTP response.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    BadRequest(&'static str),
    #[error("not found")]
    NotFound,
    #[error("request head too large")]
    HeadTooLarge,
}

impl Upgrade {
    /// The `101 Switching Protocols` answer.
    pub fn response(&self) -> String {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
            self.accept
        )
    }
}

impl Refusal {
    /// A complete HTTP response that ends the connection.
    pub fn response(&self) -> String {
        let status = match self {
            Refusal::BadRequest(_) => "400 Bad Request",
            Refusal::NotFound => "404 Not Found",
            Refusal::HeadTooLarge => "431 Request Header Fields Too Large",
        };
        let body = format!("{self}\n");
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }
}

/// Parses the request head at the start of `bytes`: `Ok(None)` while it is
/// incomplete, else the upgrade and the length of the head.
pub fn parse(bytes: &[u8]) -> Result<Option<(Upgrade, usize)>, Refusal> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_length = match request.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if bytes.len() >= MAX_HEAD_BYTES => {
            return Err(Refusal::HeadTooLarge)
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Refusal::HeadTooLarge),
        Err(_) => return Err(Refusal::BadRequest("malformed HTTP request")),
    };

    let upgrade = check_request(&request)?;
    Ok(Some((upgrade, head_length)))
}

fn check_request(request: &httparse::Request) -> Result<Upgrade, Refusal> {
    let path = request.path.unwrap_or("/");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let app_key = match path.strip_prefix("/app/") {
        Some(key) if !key.is_empty() && !key.contains('/') => key,
        _ => return Err(Refusal::NotFound),
    };
    if request.method != Some("GET") {
        return Err(Refusal::BadRequest("a socket is opened with GET"));
    }

    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case(name))
            .and_then(|header| std::str::from_utf8(header.value).ok())
            .map(str::trim)
    };
    let has_token = |name: &str, token: &str| {
        header(name).is_some_and(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    };
    if !has_token("upgrade", "websocket") || !has_token("connection", "upgrade") {
        return Err(Refusal::BadRequest("expected a WebSocket upgrade"));
    }
    if header("sec-websocket-version") != Some("13") {
        return Err(Refusal::BadRequest("WebSocket version 13 is required"));
    }
    let Some(client_key) = header("sec-websocket-key").filter(|key| !key.is_empty()) else {
        return Err(Refusal::BadRequest("Sec-WebSocket-Key is missing"));
    };

    Ok(Upgrade {
        app_key: app_key.to_owned(),
        protocol: query_value(query, "protocol"),
        accept: accept_key(client_key),
    })
}

fn query_value(query: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find_map(|(key, value)| (key == name).then_some(value))
}

fn accept_key(client_key: &str) -> String {
    let digest = Sha1::new()
        .chain_update(client_key.as_bytes())
        .chain_update(ACCEPT_GUID.as_bytes())
        .finalize();
    base64::engine::general_purpose::STANDARD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, extra_headers: &str) -> String {
        format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
             Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra_headers}\r\n"
        )
    }

    #[test]
    fn accepts_an_upgrade_with_the_rfc_example_key() {
        let head = request("/app/my-key?protocol=7&client=js", "");

        let (upgrade, length) = parse(head.as_bytes()).unwrap().unwrap();

        assert_eq!(length, head.len());
        assert_eq!(upgrade.app_key, "my-key");
        assert_eq!(upgrade.protocol.as_deref(), Some("7"));
        assert!(upgrade
            .response()
            .contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    }

    #[test]
    fn waits_for_the_rest_of_the_head() {
        let head = request("/app/k?protocol=7", "");

        assert_eq!(parse(&head.as_bytes()[..head.len() - 2]), Ok(None));
    }

    #[test]
    fn refuses_other_paths_and_plain_requests() {
        let plain = "GET /app/k HTTP/1.1\r\nHost: x\r\n\r\n";
        let old_version = request("/app/k", "").replace("Version: 13", "Version: 8");

        assert_eq!(
            parse(request("/apps/1/events", "").as_bytes()),
            Err(Refusal::NotFound)
        );
        assert!(matches!(
            parse(plain.as_bytes()),
            Err(Refusal::BadRequest(_))
        ));
        assert!(matches!(
            parse(old_version.as_bytes()),
            Err(Refusal::BadRequest(_))
        ));
    }

    #[test]
    fn refuses_a_head_that_never_ends() {
        let endless = format!(
            "GET /app/k HTTP/1.1\r\nX-Filler: {}",
            "a".repeat(MAX_HEAD_BYTES)
        );

        assert_eq!(parse(endless.as_bytes()), Err(Refusal::HeadTooLarge));
    }

    #[test]
    fn refusals_are_complete_http_responses() {
        let response = Refusal::NotFound.response();

        assert!(response.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(response.ends_with("\r\n\r\nnot found\n"));
    }
}
