//! The keys the app needs at run time: taken from the environment, or
//! generated once and kept in the database so that every node and every
//! restart uses the same ones.

use actix_web::cookie::Key;
use anyhow::{bail, Context};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

use crate::config::Settings;
use crate::db::{random_token, Db};
use crate::push::PusherCredentials;

pub async fn cookie_key(settings: &Settings, db: &Db) -> anyhow::Result<Key> {
    let secret = match &settings.secret {
        Some(secret) => secret.expose_secret().to_owned(),
        None => {
            db.setting_or_insert("cookie_secret", || hex::encode(rand_bytes()))
                .await?
        }
    };
    let bytes = decode_key(&secret).context("CARETAKER_SECRET is not usable")?;
    Ok(Key::from(&bytes))
}

fn rand_bytes() -> [u8; 64] {
    let mut bytes = [0u8; 64];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
    bytes
}

/// Accepts 64 or more bytes written as hex or base64.
fn decode_key(text: &str) -> anyhow::Result<Vec<u8>> {
    let text = text.trim();
    let bytes = hex::decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(text))
        .context("it must be hex or base64")?;
    if bytes.len() < 64 {
        bail!("it must hold at least 64 bytes, it holds {}", bytes.len());
    }
    Ok(bytes)
}

pub async fn pusher_credentials(settings: &Settings, db: &Db) -> anyhow::Result<PusherCredentials> {
    let pusher = &settings.pusher;
    if pusher.is_external()
        && (pusher.app_id.is_none() || pusher.key.is_none() || pusher.secret.is_none())
    {
        bail!("an external push service needs PUSHER_APP_ID, PUSHER_APP_KEY and PUSHER_APP_SECRET");
    }

    let app_id = match &pusher.app_id {
        Some(id) => id.clone(),
        None => {
            db.setting_or_insert("pusher_app_id", || random_digits(6))
                .await?
        }
    };
    let key = match &pusher.key {
        Some(key) => key.clone(),
        None => {
            db.setting_or_insert("pusher_app_key", || random_token(20).to_lowercase())
                .await?
        }
    };
    let secret = match &pusher.secret {
        Some(secret) => secret.clone(),
        None => SecretString::from(
            db.setting_or_insert("pusher_app_secret", || random_token(32))
                .await?,
        ),
    };
    Ok(PusherCredentials {
        app_id,
        key,
        secret,
    })
}

fn random_digits(count: usize) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..count)
        .map(|_| char::from(b'0' + rng.gen_range(0..10)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::decode_key;

    #[test]
    fn keys_are_read_from_hex_or_base64() {
        let bytes = [7u8; 64];
        assert_eq!(decode_key(&hex::encode(bytes)).unwrap(), bytes);
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
        assert_eq!(decode_key(&b64).unwrap(), bytes);
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(decode_key(&hex::encode([1u8; 32])).is_err());
        assert!(decode_key("not a key!").is_err());
    }
}
