//! actix-session storage in the app's own database, so a session can be
//! ended from anywhere: logout, deactivation and password resets delete the
//! rows, and every node sharing the database sees it at once.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::db::{now, random_token};

/// The session entry that names the logged-in user.
pub const USER_ID_KEY: &str = "user_id";

type SessionState = HashMap<String, String>;

#[derive(Clone)]
pub struct DbSessionStore {
    pool: AnyPool,
}

impl DbSessionStore {
    pub fn new(pool: AnyPool) -> Self {
        DbSessionStore { pool }
    }

    async fn write(
        &self,
        key: &SessionKey,
        state: &SessionState,
        ttl: &Duration,
    ) -> anyhow::Result<()> {
        let user_id = state
            .get(USER_ID_KEY)
            .and_then(|value| value.parse::<i64>().ok());
        sqlx::query(
            "INSERT INTO sessions (key_hash, user_id, state, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key_hash) DO UPDATE SET user_id = $2, state = $3, expires_at = $4",
        )
        .bind(hash_key(key))
        .bind(user_id)
        .bind(serde_json::to_string(state)?)
        .bind(now() + ttl.whole_seconds())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let row: Option<String> = sqlx::query_scalar(
            "SELECT state FROM sessions WHERE key_hash = $1 AND expires_at > $2",
        )
        .bind(hash_key(key))
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| LoadError::Other(error.into()))?;

        row.map(|state| serde_json::from_str(&state))
            .transpose()
            .map_err(|error| LoadError::Deserialization(error.into()))
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = SessionKey::try_from(random_token(64))
            .map_err(|error| SaveError::Other(error.into()))?;
        self.write(&key, &state, ttl)
            .await
            .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        self.write(&key, &state, ttl)
            .await
            .map_err(UpdateError::Other)?;
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE key_hash = $2")
            .bind(now() + ttl.whole_seconds())
            .bind(hash_key(key))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE key_hash = $1")
            .bind(hash_key(key))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Ends every session of one user.
pub async fn end_sessions_of(pool: &AnyPool, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_expired_sessions(pool: &AnyPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Only a hash of the cookie's key is stored, so a copy of the database
/// cannot be used to take over sessions.
fn hash_key(key: &SessionKey) -> String {
    hex::encode(Sha256::digest(key.as_ref().as_bytes()))
}
