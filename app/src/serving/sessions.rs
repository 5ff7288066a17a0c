//! The last 90 seconds of every storefront session, kept in memory where this process stores
//! every event itself: the embedded SQLite default, one process by construction. Serving
//! then reads a session's recent events here instead of asking the database on every
//! answer, which on SQLite is a round trip to a connection's own thread and back, the
//! largest share of an answer's CPU after the ranker (BENCHMARKS.md, "CPU per answer").
//!
//! On PostgreSQL several app processes take events, so each answer asks the database, which
//! every process shares. Replays of logged answers (the preflight) always ask the database:
//! they look at windows long gone from memory.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use entity::event;
use ranker::EventKind;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Select,
};
use services::signals::{EventInput, EventKind as StoredKind};

/// The session window the re-rank reacts to, in seconds.
pub const WINDOW_SECS: i64 = 90;
/// Event kinds the re-rank reacts to, by the name the signal store gives them.
const KINDS: [(&str, EventKind); 4] = [
    (StoredKind::View.as_str(), EventKind::View),
    (StoredKind::Click.as_str(), EventKind::Click),
    (StoredKind::AddToCart.as_str(), EventKind::AddToCart),
    (StoredKind::Purchase.as_str(), EventKind::Purchase),
];

/// Events kept per session: a shopper's 90 seconds never hold more, a script's are cut.
const MAX_PER_SESSION: usize = 256;
/// How often sessions gone quiet are dropped, in seconds.
const PRUNE_EVERY_SECS: i64 = 30;

/// One event of a session's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recent {
    /// The storefront's id for the event, when it sent one (a retried batch is kept once).
    pub client_id: Option<String>,
    /// What the shopper did.
    pub kind: EventKind,
    /// The product.
    pub product_id: i64,
    /// When, by the storefront's clock.
    pub at: DateTime<Utc>,
}

impl Recent {
    /// The event as the window keeps it; `None` for a kind the re-rank ignores or an event
    /// without a product.
    fn of(
        client_id: Option<String>,
        stored_kind: &str,
        product_id: Option<i64>,
        at: DateTime<Utc>,
    ) -> Option<Self> {
        Some(Self {
            client_id,
            kind: session_kind(stored_kind)?,
            product_id: product_id?,
            at,
        })
    }

    /// A stored event as the window keeps it, as [`Recent::of`].
    pub(super) fn stored(row: event::Model) -> Option<Self> {
        Self::of(
            row.client_event_id,
            &row.kind,
            row.product_id,
            row.occurred_at,
        )
    }
}

/// The recent events of every session, by shop and session id.
#[derive(Debug, Default)]
pub struct SessionWindow {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<(i64, String), Vec<Recent>>,
    pruned_at: Option<DateTime<Utc>>,
}

impl SessionWindow {
    /// The window as the database holds it at `now`: every session event of the last window,
    /// so a restart does not forget the sessions in progress.
    ///
    /// # Errors
    /// The database's.
    pub async fn warmed(conn: &DatabaseConnection, now: DateTime<Utc>) -> Result<Self, DbErr> {
        let sessions = Self::default();
        let rows = events_since(now - window()).all(conn).await?;
        for row in rows {
            let (shop_id, session) = (row.shop_id, row.session_id.clone());
            if let Some(recent) = Recent::stored(row) {
                sessions.push(shop_id, &session, recent, now);
            }
        }
        Ok(sessions)
    }

    /// Adds the session events of a batch `shop_id` just stored.
    pub fn record(&self, shop_id: i64, events: &[EventInput], now: DateTime<Utc>) {
        for input in events {
            let recent = Recent::of(
                input.id.clone(),
                input.kind.as_str(),
                input.product_id,
                input.occurred_at,
            );
            if let Some(recent) = recent {
                self.push(shop_id, &input.session_id, recent, now);
            }
        }
    }

    fn push(&self, shop_id: i64, session: &str, recent: Recent, now: DateTime<Utc>) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.prune(now - window(), now);
        let events = inner
            .sessions
            .entry((shop_id, session.to_owned()))
            .or_default();
        let retried =
            recent.client_id.is_some() && events.iter().any(|e| e.client_id == recent.client_id);
        if retried {
            return;
        }
        // Kept in time order, as the database query returns them; storefront batches are
        // nearly ordered already.
        let at = events.partition_point(|e| e.at <= recent.at);
        events.insert(at, recent);
        if events.len() > MAX_PER_SESSION {
            events.remove(0);
        }
    }

    /// The session's events from `since` on, oldest first.
    #[must_use]
    pub fn events(&self, shop_id: i64, session: &str, since: DateTime<Utc>) -> Vec<Recent> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        // The key is owned: a borrowed lookup would need a key type of its own.
        inner
            .sessions
            .get(&(shop_id, session.to_owned()))
            .map(|events| events.iter().filter(|e| e.at >= since).cloned().collect())
            .unwrap_or_default()
    }

    /// Sessions held.
    #[cfg(test)]
    fn held(&self) -> usize {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.sessions.len()
    }
}

impl Inner {
    /// Drops, at most every [`PRUNE_EVERY_SECS`], the sessions with nothing since `oldest`.
    fn prune(&mut self, oldest: DateTime<Utc>, now: DateTime<Utc>) {
        if self
            .pruned_at
            .is_some_and(|at| now - at < Duration::seconds(PRUNE_EVERY_SECS))
        {
            return;
        }
        self.pruned_at = Some(now);
        self.sessions
            .retain(|_, events| events.last().is_some_and(|e| e.at >= oldest));
    }
}

/// The window as a duration.
fn window() -> Duration {
    Duration::seconds(WINDOW_SECS)
}

/// The stored events of the kinds the re-rank reacts to from `since` on, oldest first: the
/// window's start-up read, and (narrowed to one session) serving's on PostgreSQL.
pub(super) fn events_since(since: DateTime<Utc>) -> Select<event::Entity> {
    event::Entity::find()
        .filter(event::Column::Kind.is_in(KINDS.map(|(name, _)| name)))
        .filter(event::Column::OccurredAt.gte(since))
        .order_by_asc(event::Column::OccurredAt)
}

/// The re-rank's kind of a stored event kind, for the kinds it reacts to.
fn session_kind(stored: &str) -> Option<EventKind> {
    KINDS
        .iter()
        .find(|(name, _)| *name == stored)
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(
        id: &str,
        kind: StoredKind,
        session: &str,
        product: i64,
        at: DateTime<Utc>,
    ) -> EventInput {
        let mut event = EventInput::on_product(kind, session, product, at);
        event.id = Some(id.into());
        event
    }

    #[test]
    fn a_session_holds_its_recent_events_in_time_order_once_each() {
        let now = Utc::now();
        let window = SessionWindow::default();
        let older = now - Duration::seconds(20);
        let batch = [
            input("b", StoredKind::AddToCart, "s1", 2, now),
            input("a", StoredKind::View, "s1", 1, older),
            input("c", StoredKind::Search, "s1", 3, now),
            input("d", StoredKind::View, "s2", 4, now),
        ];
        window.record(7, &batch, now);
        // A retried batch adds nothing.
        window.record(7, &batch[..2], now);

        let events = window.events(7, "s1", now - Duration::seconds(90));

        let seen: Vec<(i64, EventKind)> = events.iter().map(|e| (e.product_id, e.kind)).collect();
        assert_eq!(seen, [(1, EventKind::View), (2, EventKind::AddToCart)]);
        assert!(
            window
                .events(8, "s1", now - Duration::seconds(90))
                .is_empty(),
            "other shop"
        );
        assert_eq!(
            window.events(7, "s1", older + Duration::seconds(1)).len(),
            1
        );
    }

    #[test]
    fn quiet_sessions_are_dropped_and_a_flood_is_cut() {
        let now = Utc::now();
        let window = SessionWindow::default();
        let long_ago = now - Duration::seconds(300);
        window.record(
            1,
            &[input("old", StoredKind::View, "quiet", 1, long_ago)],
            long_ago,
        );
        let flood: Vec<EventInput> = (0..300)
            .map(|n| input(&format!("f{n}"), StoredKind::View, "busy", n, now))
            .collect();

        window.record(1, &flood, now);

        assert_eq!(window.held(), 1, "the quiet session was pruned");
        let kept = window.events(1, "busy", now - Duration::seconds(90));
        assert_eq!(kept.len(), MAX_PER_SESSION);
        assert_eq!(
            kept.last().map(|e| e.product_id),
            Some(299),
            "the newest are kept"
        );
    }

    #[tokio::test]
    async fn a_restarted_process_starts_with_the_sessions_in_progress() {
        let (_database, db, shop_id) = crate::serving::fixtures::small_shop().await;
        let now = Utc::now();
        let long_ago = now - Duration::seconds(600);
        let stored = [
            input(
                "w1",
                StoredKind::View,
                "in-progress",
                1,
                now - Duration::seconds(30),
            ),
            input(
                "w2",
                StoredKind::AddToCart,
                "in-progress",
                2,
                now - Duration::seconds(10),
            ),
            input("w3", StoredKind::View, "over", 3, long_ago),
        ];
        services::signals::ingest(&db.conn, shop_id, &stored, now)
            .await
            .unwrap();

        let window = SessionWindow::warmed(&db.conn, now).await.unwrap();

        let since = now - Duration::seconds(WINDOW_SECS);
        let events = window.events(shop_id, "in-progress", since);
        let seen: Vec<(i64, EventKind)> = events.iter().map(|e| (e.product_id, e.kind)).collect();
        assert_eq!(seen, [(1, EventKind::View), (2, EventKind::AddToCart)]);
        assert!(window.events(shop_id, "over", since).is_empty());
        // Sent again by the storefront after the restart: kept once.
        window.record(shop_id, &stored[..1], now);
        assert_eq!(window.events(shop_id, "in-progress", since).len(), 2);
    }
}
