//! Queries on the users table.

use serde::Deserialize;
use sqlx::{AnyPool, FromRow};

use super::{EmailAddress, PersonName, Role};
use crate::db::{fetch_json_rows, now};
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, FromRow, Deserialize)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    deactivated_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

impl TryFrom<UserRow> for User {
    type Error = AppError;

    fn try_from(row: UserRow) -> AppResult<User> {
        let role =
            Role::parse(&row.role).map_err(|error| AppError::Internal(anyhow::anyhow!(error)))?;
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            active: row.deactivated_at.is_none(),
        })
    }
}

const USER_COLUMNS: &str = "id, email, name, role, deactivated_at";

pub struct NewUser {
    pub email: EmailAddress,
    pub name: PersonName,
    pub role: Role,
    pub password_hash: String,
}

pub async fn create_user(pool: &AnyPool, user: &NewUser) -> AppResult<i64> {
    let inserted = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.email.as_str())
    .bind(user.name.as_str())
    .bind(user.role.as_str())
    .bind(&user.password_hash)
    .bind(now())
    .fetch_one(pool)
    .await;

    inserted.map_err(|error| match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Conflict(format!(
            "A user with the email {} already exists.",
            user.email.as_str()
        )),
        other => other.into(),
    })
}

pub async fn find_user(pool: &AnyPool, id: i64) -> AppResult<Option<User>> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.map(User::try_from).transpose()
}

/// The user with this email and their password hash, for logging in.
pub async fn find_login(pool: &AnyPool, email: &str) -> AppResult<Option<(User, String)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?;
    let Some((id, hash)) = row else {
        return Ok(None);
    };
    Ok(find_user(pool, id).await?.map(|user| (user, hash)))
}

pub async fn list_users(pool: &AnyPool) -> AppResult<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY name, id"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(User::try_from).collect()
}

/// Active users who can be given work, by name.
pub async fn list_assignable(pool: &AnyPool) -> AppResult<Vec<User>> {
    let query =
        format!("SELECT {USER_COLUMNS} FROM users WHERE deactivated_at IS NULL ORDER BY name, id");
    let columns = ["id", "email", "name", "role", "deactivated_at"];
    let rows: Vec<UserRow> = fetch_json_rows(pool, &query, &columns).await?;
    rows.into_iter().map(User::try_from).collect()
}

pub async fn count_users(pool: &AnyPool) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

pub async fn set_role(pool: &AnyPool, id: i64, role: Role) -> AppResult<()> {
    let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(pool)
        .await?;
    found(done.rows_affected())
}

pub async fn set_active(pool: &AnyPool, id: i64, active: bool) -> AppResult<()> {
    let deactivated_at = (!active).then(now);
    let done = sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
        .bind(deactivated_at)
        .bind(id)
        .execute(pool)
        .await?;
    found(done.rows_affected())
}

pub async fn set_password_hash(pool: &AnyPool, id: i64, hash: &str) -> AppResult<()> {
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(pool)
        .await?;
    found(done.rows_affected())
}

fn found(rows_affected: u64) -> AppResult<()> {
    if rows_affected == 0 {
        Err(AppError::NotFound)
    } else {
        Ok(())
    }
}

/// Creates the first account, an admin, only while there is no user at all;
/// `None` when someone else got there first.
pub async fn create_first_admin(
    pool: &AnyPool,
    email: &EmailAddress,
    name: &PersonName,
    password_hash: &str,
) -> AppResult<Option<i64>> {
    let id = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, password_hash, created_at)
         SELECT $1, $2, 'admin', $3, $4 WHERE NOT EXISTS (SELECT 1 FROM users)
         RETURNING id",
    )
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(password_hash)
    .bind(now())
    .fetch_optional(pool)
    .await?;
    Ok(id)
}
