//! A Klaviyo rate limiter in the database, shared by every worker process that pushes for
//! one Klaviyo account.
//!
//! Klaviyo counts each endpoint per account in a one-second and a one-minute window. Each
//! window is a GCRA (the algorithm of the in-process `governor` limiter) whose state, one
//! "theoretical arrival time", is a row of `klaviyo_rate_limits`. A request takes a slot in
//! both windows of its endpoint inside one write transaction: one conditional `UPDATE` per
//! window, admitted only if the window has room; if either has none the transaction rolls
//! back (no slot is spent) and the caller sleeps until it will. The `UPDATE` is atomic on
//! SQLite (one writer) and PostgreSQL (row lock), so any number of processes together stay
//! under the limit. Clocks are the processes' own: hosts must keep time (NTP); the 10 %
//! margin below Klaviyo's limit absorbs milliseconds of skew.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use common::database::{begin_write, insert_if_absent};
use entity::klaviyo_rate_limit::{self, Column};
use klaviyo::limiter::LimiterFuture;
use klaviyo::{Endpoint, RateLimit, RateLimiter};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};

/// Limits per endpoint (Klaviyo's documented ones, or a test's).
type Limits = Arc<dyn Fn(Endpoint) -> RateLimit + Send + Sync>;

/// A [`RateLimiter`] whose state is in the database (see the module docs).
#[derive(Clone)]
pub struct DbRateLimiter {
    conn: DatabaseConnection,
    account: String,
    limits: Limits,
    /// Endpoints whose rows exist already (inserted once per limiter, not per request).
    ready: Arc<Mutex<HashSet<Endpoint>>>,
}

impl std::fmt::Debug for DbRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbRateLimiter")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// One window's GCRA parameters, in microseconds.
#[derive(Debug, Clone, Copy)]
struct Gcra {
    period_ms: i64,
    /// Emission interval: the steady spacing of requests.
    interval_us: i64,
    /// How far ahead of now the arrival time may run: the burst.
    tolerance_us: i64,
}

impl Gcra {
    /// A bucket admitting at most `count` less a 10 % margin in any span of `period_ms`,
    /// with a tenth of that as burst (as `klaviyo::InProcessLimiter` does).
    fn new(count: u32, period_ms: i64) -> Self {
        let margin = Ord::max(count / 10, 1);
        let n = Ord::max(count.saturating_sub(margin), 1);
        let burst = Ord::max(n / 10, 1);
        let steady = i64::from(Ord::max(n.saturating_sub(burst), 1));
        // Rounded up: a longer spacing only ever admits fewer.
        let interval_us = (period_ms * 1_000 + steady - 1) / steady;
        Self {
            period_ms,
            interval_us,
            tolerance_us: interval_us * i64::from(burst - 1),
        }
    }
}

fn now_us() -> i64 {
    Utc::now().timestamp_micros()
}

impl DbRateLimiter {
    /// A limiter for Klaviyo account `account` at Klaviyo's documented limits.
    #[must_use]
    pub fn new(conn: DatabaseConnection, account: impl Into<String>) -> Self {
        Self::with_limits(conn, account, Endpoint::rate_limit)
    }

    /// A limiter with other limits (tests; accounts with raised limits).
    #[must_use]
    pub fn with_limits(
        conn: DatabaseConnection,
        account: impl Into<String>,
        limits: impl Fn(Endpoint) -> RateLimit + Send + Sync + 'static,
    ) -> Self {
        Self {
            conn,
            account: account.into(),
            limits: Arc::new(limits),
            ready: Arc::default(),
        }
    }

    fn windows(&self, endpoint: Endpoint) -> [Gcra; 2] {
        let limit = (self.limits)(endpoint);
        [
            Gcra::new(limit.burst_per_second, 1_000),
            Gcra::new(limit.steady_per_minute, 60_000),
        ]
    }

    fn key(&self, endpoint: Endpoint, window: Gcra) -> sea_orm::Condition {
        sea_orm::Condition::all()
            .add(Column::AccountKey.eq(self.account.as_str()))
            .add(Column::Endpoint.eq(endpoint.name()))
            .add(Column::PeriodMs.eq(window.period_ms))
    }

    async fn ensure_rows(&self, endpoint: Endpoint) -> Result<(), DbErr> {
        if self
            .ready
            .lock()
            .is_ok_and(|ready| ready.contains(&endpoint))
        {
            return Ok(());
        }
        for window in self.windows(endpoint) {
            let row = klaviyo_rate_limit::ActiveModel {
                account_key: Set(self.account.clone()),
                endpoint: Set(endpoint.name().to_owned()),
                period_ms: Set(window.period_ms),
                tat_us: Set(0),
            };
            let once =
                OnConflict::columns([Column::AccountKey, Column::Endpoint, Column::PeriodMs])
                    .do_nothing()
                    .to_owned();
            insert_if_absent(&self.conn, row, once).await?;
        }
        if let Ok(mut ready) = self.ready.lock() {
            ready.insert(endpoint);
        }
        Ok(())
    }

    /// Takes a slot in both windows, or says how long until both have one.
    async fn try_take(&self, endpoint: Endpoint) -> Result<Option<Duration>, DbErr> {
        let now = now_us();
        let txn = begin_write(&self.conn).await?;
        let mut wait_us = 0;
        for window in self.windows(endpoint) {
            let start = Expr::case(Expr::col(Column::TatUs).gt(now), Expr::col(Column::TatUs))
                .finally(Expr::val(now));
            let taken = klaviyo_rate_limit::Entity::update_many()
                .col_expr(Column::TatUs, Expr::expr(start).add(window.interval_us))
                .filter(self.key(endpoint, window))
                .filter(Column::TatUs.lte(now + window.tolerance_us))
                .exec(&txn)
                .await?
                .rows_affected;
            if taken == 0 {
                let tat = tat_of(&txn, self.key(endpoint, window)).await?;
                wait_us = Ord::max(Ord::max(wait_us, tat - window.tolerance_us - now), 1);
            }
        }
        if wait_us > 0 {
            txn.rollback().await?;
            let wait = Duration::from_micros(u64::try_from(wait_us).unwrap_or(1));
            return Ok(Some(wait));
        }
        txn.commit().await?;
        Ok(None)
    }

    /// Holds every caller of `endpoint` back until `until_us`.
    async fn hold(&self, endpoint: Endpoint, until_us: i64) -> Result<(), DbErr> {
        for window in self.windows(endpoint) {
            let tat = until_us + window.tolerance_us;
            klaviyo_rate_limit::Entity::update_many()
                .col_expr(Column::TatUs, Expr::val(tat))
                .filter(self.key(endpoint, window))
                .filter(Column::TatUs.lt(tat))
                .exec(&self.conn)
                .await?;
        }
        Ok(())
    }
}

async fn tat_of(conn: &impl ConnectionTrait, key: sea_orm::Condition) -> Result<i64, DbErr> {
    Ok(klaviyo_rate_limit::Entity::find()
        .filter(key)
        .one(conn)
        .await?
        .map_or(0, |row| row.tat_us))
}

impl RateLimiter for DbRateLimiter {
    fn acquire(&self, endpoint: Endpoint) -> LimiterFuture<'_> {
        Box::pin(async move {
            self.ensure_rows(endpoint).await?;
            loop {
                match self.try_take(endpoint).await? {
                    None => return Ok(()),
                    Some(wait) => tokio::time::sleep(wait).await,
                }
            }
        })
    }

    fn throttled(&self, endpoint: Endpoint, retry_after: Duration) {
        // The trait's hook is synchronous; the hold is written in the background. Until it
        // lands, this caller's own retry already waits `retry_after`.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let limiter = self.clone();
        let until = now_us() + i64::try_from(retry_after.as_micros()).unwrap_or(i64::MAX / 2);
        runtime.spawn(async move {
            if let Err(err) = limiter.hold(endpoint, until).await {
                tracing::warn!(%endpoint, %err, "could not record Klaviyo's Retry-After");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_spaces_requests_below_the_documented_count() {
        let window = Gcra::new(10, 1_000);
        // n = 9, burst 1, steady 8: one request every 125 ms, no burst beyond it.
        assert_eq!(window.interval_us, 125_000);
        assert_eq!(window.tolerance_us, 0);
        let minute = Gcra::new(150, 60_000);
        assert!(
            60_000_000 / minute.interval_us + 1 + minute.tolerance_us / minute.interval_us <= 150
        );
    }
}
