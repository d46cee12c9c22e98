//! Rate limits shared by every server on the database: fixed-window counters and the login
//! throttle per (account, address) pair. Each hit is one upsert statement (no event rows to
//! count, no explicit transaction), so a limit costs one round trip per request.
//!
//! Also the longest wait for a database connection, after which a request answers "service
//! unavailable" instead of hanging.

use crate::pool::with_writer;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One hit on a counter: how many hits its window has had (this one included) and when the
/// window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterHit {
    pub count: u64,
    /// Milliseconds until the window ends (at least 1).
    pub resets_in_ms: u64,
}

impl CounterHit {
    /// Whole seconds until the window ends, rounded up (for `Retry-After`).
    pub fn retry_after_s(&self) -> u64 {
        self.resets_in_ms.div_ceil(1000).max(1)
    }
}

/// The rules of the login throttle for one (account, address) pair.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    /// Attempts allowed without delay.
    pub free_attempts: u64,
    /// The longest delay between two attempts once the free ones are used.
    pub max_delay: Duration,
    /// A pair with no attempt for this long starts again from zero.
    pub forget_after: Duration,
}

/// Whether a login attempt may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginVerdict {
    Allowed,
    /// Too early: retry in that many milliseconds.
    Wait {
        retry_after_ms: u64,
    },
}

static ACQUIRE_TIMEOUT_MS: AtomicU64 = AtomicU64::new(2_000);

/// The longest a query waits for a database connection (pool acquire); beyond it the store
/// answers [`StoreError::Database`] with a pool timeout, shown as "service unavailable".
/// Applies to stores connected after the call. Default: 2 s.
pub fn set_acquire_timeout(timeout: Duration) {
    ACQUIRE_TIMEOUT_MS.store(timeout.as_millis().clamp(1, u64::MAX as u128) as u64, Ordering::Relaxed);
}

pub(crate) fn acquire_timeout() -> Duration {
    Duration::from_millis(ACQUIRE_TIMEOUT_MS.load(Ordering::Relaxed))
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl Store {
    /// Count one hit in `bucket`, whose window lasts `window` from its first hit. One
    /// statement, atomic on both databases: parallel hits are all counted.
    pub async fn hit_counter(&self, bucket: &str, window: Duration) -> Result<CounterHit, StoreError> {
        let now = now_ms();
        let expires = now + window.as_millis() as i64;
        let (count, expires_at): (i64, i64) = with_writer!(self, pool => {
            let row = sqlx::query(
                "INSERT INTO rate_counters (bucket, count, expires_at) VALUES ($1, 1, $2) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                 count = CASE WHEN rate_counters.expires_at > $3 THEN rate_counters.count + 1 ELSE 1 END, \
                 expires_at = CASE WHEN rate_counters.expires_at > $3 THEN rate_counters.expires_at ELSE $2 END \
                 RETURNING count, expires_at",
            )
            .bind(bucket)
            .bind(expires)
            .bind(now)
            .fetch_one(pool)
            .await?;
            (row.try_get("count")?, row.try_get("expires_at")?)
        });
        Ok(CounterHit { count: count.max(0) as u64, resets_in_ms: (expires_at - now).max(1) as u64 })
    }

    /// Take back one hit of the current window (e.g. a login that succeeded: only failures
    /// count against an address).
    pub async fn refund_counter(&self, bucket: &str) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query(
                "UPDATE rate_counters SET count = count - 1 WHERE bucket = $1 AND expires_at > $2 AND count > 0",
            )
            .bind(bucket)
            .bind(now_ms())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Forget a counter.
    pub async fn clear_counter(&self, bucket: &str) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query("DELETE FROM rate_counters WHERE bucket = $1").bind(bucket).execute(pool).await?;
        });
        Ok(())
    }

    /// Record a login attempt for `pair` (a hash of account and address) before the password
    /// is checked, so a burst of parallel guesses is counted whole. The first
    /// `free_attempts` go through at once; from then on each attempt must wait 1 s, then
    /// 2 s, 4 s… up to `max_delay` after the previous one. An attempt that comes too early
    /// is refused and changes nothing (hammering does not lengthen the wait). One statement.
    pub async fn login_attempt(&self, pair: &str, rules: &LoginThrottle) -> Result<LoginVerdict, StoreError> {
        let now = now_ms();
        let free = rules.free_attempts.max(1) as i64;
        let cap = (rules.max_delay.as_millis() as i64).max(1000);
        let forget_before = now - rules.forget_after.as_millis() as i64;
        // The row a first attempt (or a forgotten pair) starts with.
        let (first_blocked, first_penalty) = if free <= 1 { (now + 1000, 2000.min(cap)) } else { (0, 1000) };
        let (refused, blocked_until): (bool, i64) = with_writer!(self, pool => {
            let row = sqlx::query(
                "INSERT INTO login_throttle (pair, attempts, penalty_ms, blocked_until, last_attempt, refused) \
                 VALUES ($1, 1, $2, $3, $4, FALSE) \
                 ON CONFLICT (pair) DO UPDATE SET \
                 refused = CASE WHEN login_throttle.blocked_until > $4 THEN TRUE ELSE FALSE END, \
                 attempts = CASE WHEN login_throttle.blocked_until > $4 THEN login_throttle.attempts \
                   WHEN login_throttle.last_attempt < $5 THEN 1 \
                   ELSE login_throttle.attempts + 1 END, \
                 blocked_until = CASE WHEN login_throttle.blocked_until > $4 THEN login_throttle.blocked_until \
                   WHEN login_throttle.last_attempt < $5 THEN $3 \
                   WHEN login_throttle.attempts + 1 >= $6 THEN $4 + login_throttle.penalty_ms \
                   ELSE 0 END, \
                 penalty_ms = CASE WHEN login_throttle.blocked_until > $4 THEN login_throttle.penalty_ms \
                   WHEN login_throttle.last_attempt < $5 THEN $2 \
                   WHEN login_throttle.attempts + 1 < $6 THEN login_throttle.penalty_ms \
                   WHEN login_throttle.penalty_ms * 2 > $7 THEN $7 \
                   ELSE login_throttle.penalty_ms * 2 END, \
                 last_attempt = CASE WHEN login_throttle.blocked_until > $4 THEN login_throttle.last_attempt ELSE $4 END \
                 RETURNING refused, blocked_until",
            )
            .bind(pair)
            .bind(first_penalty)
            .bind(first_blocked)
            .bind(now)
            .bind(forget_before)
            .bind(free)
            .bind(cap)
            .fetch_one(pool)
            .await?;
            (row.try_get("refused")?, row.try_get("blocked_until")?)
        });
        Ok(if refused {
            LoginVerdict::Wait { retry_after_ms: (blocked_until - now).max(1) as u64 }
        } else {
            LoginVerdict::Allowed
        })
    }

    /// Forget a pair's attempts (after a successful login).
    pub async fn clear_login_attempts(&self, pair: &str) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query("DELETE FROM login_throttle WHERE pair = $1").bind(pair).execute(pool).await?;
        });
        Ok(())
    }

    /// Remove counters whose window has ended, and login pairs not tried since `before`
    /// and no longer held back.
    pub async fn purge_rate_limits(&self, before: DateTime<Utc>) -> Result<(), StoreError> {
        let now = now_ms();
        with_writer!(self, pool => {
            sqlx::query("DELETE FROM rate_counters WHERE expires_at <= $1").bind(now).execute(pool).await?;
            sqlx::query("DELETE FROM login_throttle WHERE last_attempt < $1 AND blocked_until <= $2")
                .bind(before.timestamp_millis())
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
