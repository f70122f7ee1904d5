//! Slows down password guessing: after a few failures for one account or one
//! client address, further attempts must wait, longer after each failure.

use sqlx::AnyPool;

use crate::db::now;

const FREE_ATTEMPTS: i64 = 5;
const MAX_WAIT_SECS: i64 = 15 * 60;
/// Failures older than this are forgotten.
const MEMORY_SECS: i64 = 60 * 60;

pub struct LoginThrottle<'a> {
    pool: &'a AnyPool,
}

impl<'a> LoginThrottle<'a> {
    pub fn new(pool: &'a AnyPool) -> Self {
        LoginThrottle { pool }
    }

    /// Seconds to wait before `subject` may try again, if it must wait.
    pub async fn wait_secs(&self, subject: &str) -> Result<Option<i64>, sqlx::Error> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT failures, last_failure_at FROM login_failures WHERE subject = $1",
        )
        .bind(subject)
        .fetch_optional(self.pool)
        .await?;

        Ok(row.and_then(|(failures, last)| remaining_wait(failures, last, now())))
    }

    pub async fn record_failure(&self, subject: &str) -> Result<(), sqlx::Error> {
        let at = now();
        sqlx::query(
            "INSERT INTO login_failures (subject, failures, last_failure_at) VALUES ($1, 1, $2)
             ON CONFLICT (subject) DO UPDATE SET
               failures = CASE WHEN login_failures.last_failure_at < $3 THEN 1
                               ELSE login_failures.failures + 1 END,
               last_failure_at = $2",
        )
        .bind(subject)
        .bind(at)
        .bind(at - MEMORY_SECS)
        .execute(self.pool)
        .await?;
        Ok(())
    }

    pub async fn forget(&self, subject: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject)
            .execute(self.pool)
            .await?;
        Ok(())
    }
}

fn remaining_wait(failures: i64, last_failure_at: i64, now: i64) -> Option<i64> {
    if failures < FREE_ATTEMPTS || now - last_failure_at > MEMORY_SECS {
        return None;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(10) as u32;
    let wait = (2_i64.pow(doublings) * 2).min(MAX_WAIT_SECS);
    let remaining = last_failure_at + wait - now;
    (remaining > 0).then_some(remaining)
}

#[cfg(test)]
mod tests {
    use super::remaining_wait;

    #[test]
    fn the_first_failures_cost_nothing() {
        assert_eq!(remaining_wait(4, 1000, 1000), None);
    }

    #[test]
    fn each_further_failure_doubles_the_wait() {
        assert_eq!(remaining_wait(5, 1000, 1000), Some(2));
        assert_eq!(remaining_wait(6, 1000, 1000), Some(4));
        assert_eq!(remaining_wait(7, 1000, 1001), Some(7));
    }

    #[test]
    fn the_wait_is_capped_and_ends() {
        assert_eq!(remaining_wait(40, 1000, 1000), Some(15 * 60));
        assert_eq!(remaining_wait(6, 1000, 1004), None);
    }
}
