//! The database pool, for SQLite or PostgreSQL behind sqlx's Any driver, and
//! the migrations embedded in the binary.

use crate::error::AppResult;
use anyhow::Context;
use rand::distributions::{Alphanumeric, DistString};
use serde::de::DeserializeOwned;
use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::{AnyConnection, AnyPool, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// One migration and whether this database has applied it.
#[derive(Debug, Clone)]
pub struct MigrationStatus {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

impl Db {
    /// Opens the pool; a SQLite file is created when it does not exist yet.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => with_query(url, "mode=rwc"),
            _ => url.to_owned(),
        };

        let pool = AnyPoolOptions::new()
            .max_connections(pool_size(backend))
            .after_connect(move |conn, _| Box::pin(tune_connection(conn, backend)))
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(&url)
            .await
            .with_context(|| format!("cannot open the {} database", backend.name()))?;
        let db = Db { pool, backend };
        db.tune().await?;
        Ok(db)
    }

    async fn tune(&self) -> anyhow::Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&self.pool)
                .await
                .context("cannot switch SQLite to WAL mode")?;
        }
        Ok(())
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.migrator()
            .run(&self.pool)
            .await
            .context("cannot apply the database migrations")
    }

    /// Every migration the binary knows, oldest first, with whether it ran.
    pub async fn migration_status(&self) -> anyhow::Result<Vec<MigrationStatus>> {
        let mut conn = self.pool.acquire().await?;
        conn.ensure_migrations_table().await?;
        let applied = conn.list_applied_migrations().await?;

        let status = self
            .migrator()
            .iter()
            .map(|migration| MigrationStatus {
                version: migration.version,
                description: migration.description.to_string(),
                applied: applied.iter().any(|done| done.version == migration.version),
            })
            .collect();
        Ok(status)
    }

    /// A stored setting, or `generate()`'s value stored now. When several
    /// nodes start at once, the first insert wins and all read it back.
    pub async fn setting_or_insert(
        &self,
        name: &str,
        generate: impl FnOnce() -> String,
    ) -> anyhow::Result<String> {
        let insert =
            "INSERT INTO app_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
        let _: AnyQueryResult = sqlx::query(insert)
            .bind(name)
            .bind(generate())
            .execute(&self.pool)
            .await?;

        let value = sqlx::query_scalar("SELECT value FROM app_settings WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(value)
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }
}

impl Backend {
    /// The database a pool was opened on.
    pub fn of(pool: &AnyPool) -> Backend {
        match pool.connect_options().database_url.scheme() {
            "sqlite" => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }
}

/// `query` rewritten to answer a single JSON text: an array holding one
/// array of `columns` per row, in the order `query` gives them. `query` may
/// start with a `WITH` clause; read the answer with [`parse_json_rows`].
///
/// The SQLite driver hands each row from its worker thread to the caller
/// with a wake-up of its own, which for a list of a few hundred short rows
/// costs more than running the query; folded into one value, the list
/// crosses once. Both databases aggregate a sorted, limited subquery in its
/// order.
pub fn json_rows_query(backend: Backend, query: &str, columns: &[&str]) -> String {
    let values: Vec<String> = columns.iter().map(|column| format!("r.{column}")).collect();
    let values = values.join(", ");
    match backend {
        Backend::Sqlite => format!(
            "SELECT COALESCE(json_group_array(json_array({values})), '[]') FROM ({query}) r"
        ),
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({values})), '[]')::text FROM ({query}) r"
        ),
    }
}

/// The rows of a [`json_rows_query`] answer, each read as a `T` from its
/// array of columns.
pub fn parse_json_rows<T: DeserializeOwned>(json: &str) -> anyhow::Result<Vec<T>> {
    serde_json::from_str(json).context("cannot read rows the database folded into JSON")
}

/// Runs `query`, which takes no parameters, folded as by
/// [`json_rows_query`], and reads its rows.
pub async fn fetch_json_rows<T: DeserializeOwned>(
    pool: &AnyPool,
    query: &str,
    columns: &[&str],
) -> AppResult<Vec<T>> {
    let sql = json_rows_query(Backend::of(pool), query, columns);
    let json: String = sqlx::query_scalar(&sql).fetch_one(pool).await?;
    Ok(parse_json_rows(&json)?)
}

fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://")
    }
}

fn with_query(url: &str, pair: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{pair}")
}

/// In WAL mode, `synchronous = NORMAL` still leaves the file consistent
/// after a crash (a power cut may lose the last commits), and a commit no
/// longer waits for the disk.
async fn tune_connection(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        conn.execute("PRAGMA synchronous = NORMAL").await?;
    }
    Ok(())
}

/// SQLite serialises writers anyway; a small pool avoids lock contention.
fn pool_size(backend: Backend) -> u32 {
    match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    }
}

/// A random token of letters and digits, for generated keys and secrets.
pub fn random_token(length: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), length)
}

/// The current time as unix seconds, the way every table stores it.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
