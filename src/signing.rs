//! The signing rules of the Pusher protocol, in one place.
//!
//! The embedded server verifies with these functions, the HTTP client and the
//! app's auth endpoint sign with them, so both sides cannot drift apart.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far (seconds, either way) an HTTP API request's `auth_timestamp` may
/// be from the server's clock.
pub const MAX_CLOCK_SKEW_SECS: u64 = 600;

/// Why a signed HTTP API request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("missing query parameter {0}")]
    MissingParameter(&'static str),
    #[error("unknown auth_key")]
    UnknownKey,
    #[error("unsupported auth_version")]
    UnsupportedVersion,
    #[error("auth_timestamp is not a number or too far from the server's clock")]
    StaleTimestamp,
    #[error("body_md5 does not match the body")]
    BodyMismatch,
    #[error("invalid signature")]
    InvalidSignature,
}

/// Hex HMAC-SHA256 of `message` keyed with `secret`.
pub fn hmac_hex(secret: &SecretString, message: &[u8]) -> String {
    hex::encode(mac_for(secret, message).finalize().into_bytes())
}

fn mac_for(secret: &SecretString, message: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(message);
    mac
}

/// Constant-time check that `hex_signature` is the HMAC of `message`.
fn verify_hex(secret: &SecretString, message: &[u8], hex_signature: &str) -> bool {
    let Ok(signature) = hex::decode(hex_signature) else {
        return false;
    };
    mac_for(secret, message).verify_slice(&signature).is_ok()
}

fn channel_string_to_sign(socket_id: &str, channel: &str, channel_data: Option<&str>) -> String {
    match channel_data {
        Some(data) => format!("{socket_id}:{channel}:{data}"),
        None => format!("{socket_id}:{channel}"),
    }
}

/// The `auth` value for subscribing `socket_id` to a private, presence or
/// encrypted channel: `"<key>:<hex hmac>"`. Presence channels pass their
/// `channel_data` JSON string, exactly as sent to the client.
pub fn channel_auth(
    key: &str,
    secret: &SecretString,
    socket_id: &str,
    channel: &str,
    channel_data: Option<&str>,
) -> String {
    let message = channel_string_to_sign(socket_id, channel, channel_data);
    format!("{key}:{}", hmac_hex(secret, message.as_bytes()))
}

/// Whether `auth` is a valid subscription signature for this socket and channel.
pub fn verify_channel_auth(
    key: &str,
    secret: &SecretString,
    socket_id: &str,
    channel: &str,
    channel_data: Option<&str>,
    auth: &str,
) -> bool {
    let Some(signature) = signature_for_key(key, auth) else {
        return false;
    };
    let message = channel_string_to_sign(socket_id, channel, channel_data);
    verify_hex(secret, message.as_bytes(), signature)
}

fn signature_for_key<'a>(key: &str, auth: &'a str) -> Option<&'a str> {
    let (auth_key, signature) = auth.split_once(':')?;
    (auth_key == key).then_some(signature)
}

/// The `auth` value for `pusher:signin` (user authentication), signed over
/// `socket_id::user::user_data`.
pub fn user_auth(key: &str, secret: &SecretString, socket_id: &str, user_data: &str) -> String {
    let message = format!("{socket_id}::user::{user_data}");
    format!("{key}:{}", hmac_hex(secret, message.as_bytes()))
}

/// Whether `auth` is a valid sign-in signature for this socket and user data.
pub fn verify_user_auth(
    key: &str,
    secret: &SecretString,
    socket_id: &str,
    user_data: &str,
    auth: &str,
) -> bool {
    let Some(signature) = signature_for_key(key, auth) else {
        return false;
    };
    let message = format!("{socket_id}::user::{user_data}");
    verify_hex(secret, message.as_bytes(), signature)
}

/// Hex MD5 of an HTTP API request body.
pub fn body_md5(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

/// The string an HTTP API signature covers: method, path, and the query
/// parameters (keys lower-cased, sorted, `auth_signature` left out).
pub fn request_string_to_sign(method: &str, path: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, &str)> = params
        .iter()
        .map(|(key, value)| (key.to_lowercase(), value.as_str()))
        .filter(|(key, _)| key != "auth_signature")
        .collect();
    pairs.sort();

    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{}\n{path}\n{}", method.to_uppercase(), query.join("&"))
}

/// The query parameters of a signed HTTP API request: `params` plus
/// `auth_key`, `auth_timestamp`, `auth_version`, `body_md5` (when there is a
/// body) and `auth_signature`. Values are unencoded; URL-encode them when
/// building the URL.
pub fn sign_request(
    key: &str,
    secret: &SecretString,
    request: &RequestToSign<'_>,
    timestamp: u64,
) -> Vec<(String, String)> {
    let mut params = request.params.to_vec();
    params.push(("auth_key".into(), key.to_string()));
    params.push(("auth_timestamp".into(), timestamp.to_string()));
    params.push(("auth_version".into(), "1.0".into()));
    if let Some(body) = request.body {
        params.push(("body_md5".into(), body_md5(body)));
    }

    let message = request_string_to_sign(request.method, request.path, &params);
    params.push((
        "auth_signature".into(),
        hmac_hex(secret, message.as_bytes()),
    ));
    params
}

/// What an HTTP API signature covers.
pub struct RequestToSign<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Query parameters other than the `auth_*` ones and `body_md5`.
    pub params: &'a [(String, String)],
    pub body: Option<&'a [u8]>,
}

/// Verifies a signed HTTP API request. `request.params` are all of the
/// request's decoded query parameters; `now` is the server's Unix time.
/// A `body_md5` is checked whenever present (official libraries send one
/// on some GET requests too) and required when the body is not empty.
pub fn verify_request(
    key: &str,
    secret: &SecretString,
    request: &RequestToSign<'_>,
    now: u64,
) -> Result<(), SignatureError> {
    let param = |name: &'static str| {
        request
            .params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let required = |name: &'static str| param(name).ok_or(SignatureError::MissingParameter(name));

    if required("auth_key")? != key {
        return Err(SignatureError::UnknownKey);
    }
    if required("auth_version")? != "1.0" {
        return Err(SignatureError::UnsupportedVersion);
    }
    check_timestamp(required("auth_timestamp")?, now)?;
    check_body(param("body_md5"), request.body.unwrap_or_default())?;

    let signature = required("auth_signature")?;
    let message = request_string_to_sign(request.method, request.path, request.params);
    if verify_hex(secret, message.as_bytes(), signature) {
        Ok(())
    } else {
        Err(SignatureError::InvalidSignature)
    }
}

fn check_timestamp(timestamp: &str, now: u64) -> Result<(), SignatureError> {
    let timestamp: u64 = timestamp
        .parse()
        .map_err(|_| SignatureError::StaleTimestamp)?;
    if timestamp.abs_diff(now) > MAX_CLOCK_SKEW_SECS {
        return Err(SignatureError::StaleTimestamp);
    }
    Ok(())
}

fn check_body(md5: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    match md5 {
        Some(md5) if md5.eq_ignore_ascii_case(&body_md5(body)) => Ok(()),
        Some(_) => Err(SignatureError::BodyMismatch),
        None if body.is_empty() => Ok(()),
        None => Err(SignatureError::MissingParameter("body_md5")),
    }
}

/// The `X-Pusher-Signature` header of a webhook request carrying `body`.
pub fn webhook_signature(secret: &SecretString, body: &[u8]) -> String {
    hmac_hex(secret, body)
}

/// Whether `signature` is the `X-Pusher-Signature` of `body`.
pub fn verify_webhook(secret: &SecretString, body: &[u8], signature: &str) -> bool {
    verify_hex(secret, body, signature)
}

/// Seconds since the Unix epoch, for `auth_timestamp`.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected hex value below was computed independently with Python:
    // hmac.new(secret, message, hashlib.sha256).hexdigest() and
    // hashlib.md5(body).hexdigest().
    const KEY: &str = "278d425bdf160c739803";

    fn secret() -> SecretString {
        SecretString::from("7ad3773142a6692b25b8")
    }

    #[test]
    fn private_channel_auth_matches_an_independent_hmac() {
        let auth = channel_auth(KEY, &secret(), "1234.1234", "private-foobar", None);

        assert_eq!(
            auth,
            "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
        );
    }

    #[test]
    fn presence_channel_auth_covers_the_channel_data() {
        let data = r#"{"user_id":10,"user_info":{"name":"Mr. Channels"}}"#;

        let auth = channel_auth(KEY, &secret(), "1234.1234", "presence-foobar", Some(data));

        assert_eq!(
            auth,
            "278d425bdf160c739803:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
        );
        assert!(verify_channel_auth(
            KEY,
            &secret(),
            "1234.1234",
            "presence-foobar",
            Some(data),
            &auth
        ));
        assert!(!verify_channel_auth(
            KEY,
            &secret(),
            "1234.1234",
            "presence-foobar",
            Some(r#"{"user_id":11}"#),
            &auth
        ));
    }

    #[test]
    fn channel_auth_is_refused_for_another_socket_key_or_garbage() {
        let auth = channel_auth(KEY, &secret(), "1.1", "private-a", None);

        assert!(verify_channel_auth(
            KEY,
            &secret(),
            "1.1",
            "private-a",
            None,
            &auth
        ));
        assert!(!verify_channel_auth(
            KEY,
            &secret(),
            "1.2",
            "private-a",
            None,
            &auth
        ));
        assert!(!verify_channel_auth(
            "other",
            &secret(),
            "1.1",
            "private-a",
            None,
            &auth
        ));
        assert!(!verify_channel_auth(
            KEY,
            &secret(),
            "1.1",
            "private-a",
            None,
            "nonsense"
        ));
        assert!(!verify_channel_auth(
            KEY,
            &secret(),
            "1.1",
            "private-a",
            None,
            "278d425bdf160c739803:zz"
        ));
    }

    #[test]
    fn user_auth_matches_an_independent_hmac() {
        let auth = user_auth(KEY, &secret(), "1234.1234", r#"{"id":"12345"}"#);

        assert_eq!(
            auth,
            "278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba"
        );
        assert!(verify_user_auth(
            KEY,
            &secret(),
            "1234.1234",
            r#"{"id":"12345"}"#,
            &auth
        ));
        assert!(!verify_user_auth(
            KEY,
            &secret(),
            "1234.1234",
            r#"{"id":"1"}"#,
            &auth
        ));
    }

    fn events_body() -> &'static [u8] {
        br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#
    }

    #[test]
    fn signed_post_matches_an_independent_hmac() {
        let request = RequestToSign {
            method: "POST",
            path: "/apps/3/events",
            params: &[],
            body: Some(events_body()),
        };

        let params = sign_request(KEY, &secret(), &request, 1_353_088_179);

        let value = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            value("body_md5").as_deref(),
            Some("ec365a775a4cd0599faeb73354201b6f")
        );
        assert_eq!(
            value("auth_signature").as_deref(),
            Some("da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c")
        );
    }

    #[test]
    fn signed_get_sorts_its_query_parameters() {
        let extra = [
            ("info".to_string(), "user_count".to_string()),
            ("filter_by_prefix".to_string(), "presence-".to_string()),
        ];
        let request = RequestToSign {
            method: "GET",
            path: "/apps/3/channels",
            params: &extra,
            body: None,
        };

        let params = sign_request(KEY, &secret(), &request, 1_353_088_179);

        let signature = params
            .iter()
            .find(|(k, _)| k == "auth_signature")
            .map(|(_, v)| v.as_str());
        assert_eq!(
            signature,
            Some("16819168891cb5dfd72b5c7a5d3d602605b26c6ba1930033b5e2eeeb65010291")
        );
    }

    fn signed_post(timestamp: u64) -> Vec<(String, String)> {
        let request = RequestToSign {
            method: "POST",
            path: "/apps/3/events",
            params: &[],
            body: Some(events_body()),
        };
        sign_request(KEY, &secret(), &request, timestamp)
    }

    fn verify_post(
        params: &[(String, String)],
        body: &[u8],
        now: u64,
    ) -> Result<(), SignatureError> {
        let request = RequestToSign {
            method: "POST",
            path: "/apps/3/events",
            params,
            body: Some(body),
        };
        verify_request(KEY, &secret(), &request, now)
    }

    #[test]
    fn verification_accepts_a_fresh_request_and_refuses_a_stale_one() {
        let params = signed_post(1_000_000);

        assert_eq!(verify_post(&params, events_body(), 1_000_000 + 599), Ok(()));
        assert_eq!(
            verify_post(&params, events_body(), 1_000_000 + 601),
            Err(SignatureError::StaleTimestamp)
        );
    }

    #[test]
    fn verification_refuses_a_changed_body_or_a_forged_signature() {
        let mut params = signed_post(1_000_000);

        assert_eq!(
            verify_post(&params, b"{}", 1_000_000),
            Err(SignatureError::BodyMismatch)
        );

        let last = params.len() - 1;
        params[last].1 = "0".repeat(64);
        assert_eq!(
            verify_post(&params, events_body(), 1_000_000),
            Err(SignatureError::InvalidSignature)
        );
    }

    #[test]
    fn verification_accepts_a_get_carrying_the_md5_of_an_empty_body() {
        let mut params = vec![("auth_key".to_string(), KEY.to_string())];
        params.push(("auth_timestamp".into(), "1000000".into()));
        params.push(("auth_version".into(), "1.0".into()));
        params.push(("body_md5".into(), body_md5(b"")));
        let message = request_string_to_sign("GET", "/apps/3/channels", &params);
        params.push((
            "auth_signature".into(),
            hmac_hex(&secret(), message.as_bytes()),
        ));

        let request = RequestToSign {
            method: "GET",
            path: "/apps/3/channels",
            params: &params,
            body: None,
        };

        assert_eq!(verify_request(KEY, &secret(), &request, 1_000_000), Ok(()));
    }

    #[test]
    fn webhook_signature_matches_an_independent_hmac() {
        let body = br#"{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"test_channel"}]}"#;

        let signature = webhook_signature(&secret(), body);

        assert_eq!(
            signature,
            "709fdb84c03664445f7698120b0edf0acc1ab1c8c6e93a0368c61841d6b998aa"
        );
        assert!(verify_webhook(&secret(), body, &signature));
        assert!(!verify_webhook(&secret(), b"{}", &signature));
    }
}
