//! Client-side rate limiting: wait before a call so Klaviyo does not have to say 429.
//!
//! [`RateLimiter`] is the seam: this crate ships [`InProcessLimiter`] (one process) and
//! [`Unlimited`]; a limiter shared by several workers (e.g. backed by the database) can
//! implement the same trait elsewhere and be handed to [`crate::Client::with_limiter`].

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota};

use crate::endpoint::{Endpoint, RateLimit};
use crate::error::BoxError;

/// A future returned by [`RateLimiter`] methods.
pub type LimiterFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send + 'a>>;

/// Decides when the next request to an endpoint may go.
///
/// Klaviyo limits each endpoint per account (per account and app with OAuth) with a fixed
/// one-second and a fixed one-minute window ([`Endpoint::rate_limit`]). An implementation
/// that serves several accounts keys its state by account as well; one client talks to one
/// account, so the trait only names the endpoint.
///
/// Implementations must be cheap to call concurrently; the client calls [`acquire`]
/// before **every** attempt, retries included.
///
/// [`acquire`]: RateLimiter::acquire
pub trait RateLimiter: Send + Sync {
    /// Resolves when one request to `endpoint` may be sent now, and counts it as sent.
    ///
    /// # Errors
    /// Only when the limiter itself fails (e.g. its shared store is unreachable); the
    /// client then fails the call with [`crate::Error::Limiter`].
    fn acquire(&self, endpoint: Endpoint) -> LimiterFuture<'_>;

    /// Klaviyo answered 429 with `Retry-After: retry_after`: a shared limiter should hold
    /// every caller of `endpoint` back that long. The default does nothing (the client
    /// already waits before its own retry).
    fn throttled(&self, endpoint: Endpoint, retry_after: Duration) {
        let _ = (endpoint, retry_after);
    }
}

/// Never waits: for tests that provoke 429s, or callers that limit elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl RateLimiter for Unlimited {
    fn acquire(&self, _endpoint: Endpoint) -> LimiterFuture<'_> {
        Box::pin(async { Ok(()) })
    }
}

/// One window's pacing: a GCRA (token bucket) from `governor`.
struct Window {
    limiter: DefaultDirectRateLimiter,
}

impl Window {
    /// A bucket that never lets more than `count` requests into any span of `period`.
    ///
    /// A GCRA with burst `b` and emission interval `T` admits at most `b + period / T`
    /// requests in any span of `period`, sliding or fixed; so `T = period / (n - b)` keeps
    /// that at `n`. `n` is `count` less a 10 % margin (at least one) because requests
    /// spaced exactly right here can arrive bunched at Klaviyo. The burst is a tenth of `n`:
    /// every request spent on the burst is taken from the steady rate.
    fn new(count: u32, period: Duration) -> Self {
        let margin = (count / 10).max(1);
        let n = count.saturating_sub(margin).max(1);
        let burst = (n / 10).max(1);
        let steady = n.saturating_sub(burst).max(1);
        let interval = period / steady;
        let quota = Quota::with_period(interval.max(Duration::from_micros(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: DefaultDirectRateLimiter::direct(quota),
        }
    }
}

struct EndpointLimiter {
    burst: Window,
    steady: Window,
}

/// Paces calls in this process to each endpoint's documented limits (or the limits given).
///
/// Klaviyo's quota is per account: share one limiter (in an `Arc`) between every client of
/// one account in the process, and give each account its own.
pub struct InProcessLimiter {
    endpoints: HashMap<Endpoint, EndpointLimiter>,
    /// Until when Klaviyo asked us to hold back, per endpoint.
    held: Mutex<HashMap<Endpoint, Instant>>,
}

impl std::fmt::Debug for InProcessLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessLimiter").finish_non_exhaustive()
    }
}

impl Default for InProcessLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessLimiter {
    /// Klaviyo's documented limit for every endpoint.
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(|endpoint| endpoint.rate_limit())
    }

    /// Custom limits per endpoint (tests; accounts with raised limits).
    #[must_use]
    pub fn with_limits(limit: impl Fn(Endpoint) -> RateLimit) -> Self {
        let endpoints = Endpoint::ALL
            .iter()
            .map(|&endpoint| {
                let RateLimit {
                    burst_per_second,
                    steady_per_minute,
                } = limit(endpoint);
                let pair = EndpointLimiter {
                    burst: Window::new(burst_per_second, Duration::from_secs(1)),
                    steady: Window::new(steady_per_minute, Duration::from_secs(60)),
                };
                (endpoint, pair)
            })
            .collect();
        Self {
            endpoints,
            held: Mutex::default(),
        }
    }

    fn held_until(&self, endpoint: Endpoint) -> Option<Instant> {
        let held = self.held.lock().ok()?;
        held.get(&endpoint)
            .copied()
            .filter(|&until| until > Instant::now())
    }
}

impl RateLimiter for InProcessLimiter {
    fn acquire(&self, endpoint: Endpoint) -> LimiterFuture<'_> {
        Box::pin(async move {
            if let Some(until) = self.held_until(endpoint) {
                tokio::time::sleep_until(until.into()).await;
            }
            if let Some(pair) = self.endpoints.get(&endpoint) {
                pair.steady.limiter.until_ready().await;
                pair.burst.limiter.until_ready().await;
            }
            Ok(())
        })
    }

    fn throttled(&self, endpoint: Endpoint, retry_after: Duration) {
        if let Ok(mut held) = self.held.lock() {
            let until = Instant::now() + retry_after;
            let slot = held.entry(endpoint).or_insert(until);
            *slot = (*slot).max(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_window_admits_no_more_than_its_count_in_one_period() {
        let limiter = InProcessLimiter::with_limits(|_| RateLimit {
            burst_per_second: 20,
            steady_per_minute: 10_000,
        });
        let start = Instant::now();
        let mut admitted = 0;
        while start.elapsed() < Duration::from_secs(1) {
            let _ = limiter.acquire(Endpoint::CreateEvent).await;
            if start.elapsed() < Duration::from_secs(1) {
                admitted += 1;
            }
        }
        assert!(admitted <= 20, "{admitted} in one second");
        assert!(admitted >= 10, "{admitted} in one second is too slow");
    }
}
