//! Seeds an app database for the app scenarios: staff and managers sharing
//! one password (hashed once, as `caretaker user add` hashes it), and many
//! work orders inserted with plain SQL. Idempotent: existing bench users
//! and work orders are kept and only the missing ones are added.

use anyhow::Context;
use caretaker::accounts::{hash_password, Password};
use caretaker::db::{now, Backend, Db};
use clap::Args;
use sqlx::AnyPool;

const TASK_TITLE: &str = "Bench work order";
/// Rows per INSERT statement, well below both databases' parameter limits.
const ROWS_PER_INSERT: usize = 500;
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const STATUSES: [&str; 5] = ["open", "in_progress", "on_hold", "done", "cancelled"];

#[derive(Args, Clone)]
pub struct SeedArgs {
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Users in all; one in fifty (at least one) is a manager.
    #[arg(long, default_value_t = 200)]
    pub users: usize,
    #[arg(long, default_value_t = 100_000)]
    pub tasks: usize,
    #[arg(long, env = "BENCH_PASSWORD", hide_env_values = true)]
    pub password: String,
}

pub struct Seeded {
    pub staff: Vec<(i64, String)>,
    pub managers: Vec<(i64, String)>,
}

pub async fn run(args: SeedArgs) -> anyhow::Result<Seeded> {
    let db = Db::connect(&args.database_url).await?;
    db.migrate().await?;
    let password = Password::parse(args.password.clone()).map_err(anyhow::Error::msg)?;
    let hash = hash_password(password).await?;

    let managers = (args.users / 50).max(1);
    for index in 0..args.users {
        let (role, email) = match index < managers {
            true => ("manager", format!("bench-manager-{index}@example.test")),
            false => ("staff", format!("bench-staff-{index}@example.test")),
        };
        insert_user(&db.pool, &email, role, &hash).await?;
    }
    let seeded = Seeded {
        staff: bench_users(&db.pool, "staff").await?,
        managers: bench_users(&db.pool, "manager").await?,
    };
    insert_tasks(&db.pool, &seeded, args.tasks).await?;
    if db.backend == Backend::Postgres {
        // What autovacuum would do shortly after a bulk load; without fresh
        // statistics the planner guesses at the new rows.
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    eprintln!(
        "  seeded {} staff, {} managers, {} work orders",
        seeded.staff.len(),
        seeded.managers.len(),
        args.tasks
    );
    Ok(seeded)
}

async fn insert_user(pool: &AnyPool, email: &str, role: &str, hash: &str) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO users (email, name, role, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(email)
    .bind(format!("Bench {role}"))
    .bind(role)
    .bind(hash)
    .bind(now())
    .execute(pool)
    .await
    .context("cannot insert a bench user")?;
    Ok(())
}

async fn bench_users(pool: &AnyPool, role: &str) -> anyhow::Result<Vec<(i64, String)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM users WHERE email LIKE 'bench-%' AND role = $1 ORDER BY id",
    )
    .bind(role)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

async fn insert_tasks(pool: &AnyPool, users: &Seeded, wanted: usize) -> anyhow::Result<()> {
    let (have,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tasks WHERE title LIKE $1")
        .bind(format!("{TASK_TITLE}%"))
        .fetch_one(pool)
        .await?;
    let creator = users.managers.first().context("no bench manager")?.0;
    let mut transaction = pool.begin().await?;
    let mut next = have.max(0) as usize;
    while next < wanted {
        let end = (next + ROWS_PER_INSERT).min(wanted);
        let values: Vec<String> = (next..end)
            .map(|index| task_values(index, &users.staff, creator))
            .collect();
        let sql = format!(
            "INSERT INTO tasks (title, description, priority, status, due_on, assignee_id,
             created_by, created_at, updated_at) VALUES {}",
            values.join(",")
        );
        sqlx::query(&sql).execute(&mut *transaction).await?;
        next = end;
    }
    transaction.commit().await?;
    Ok(())
}

/// One row of literal values; every value is made here, none comes from input.
fn task_values(index: usize, staff: &[(i64, String)], creator: i64) -> String {
    let assignee = match staff.is_empty() {
        true => "NULL".to_string(),
        false => staff[index % staff.len()].0.to_string(),
    };
    let day = 1 + index % 28;
    let month = 1 + index / 28 % 12;
    let at = now() - (index as i64 % 100_000);
    format!(
        "('{TASK_TITLE} {index}', 'Seeded for the page benchmark.', '{}', '{}', \
         '2027-{month:02}-{day:02}', {assignee}, {creator}, {at}, {at})",
        PRIORITIES[index % PRIORITIES.len()],
        STATUSES[index / 4 % STATUSES.len()],
    )
}
