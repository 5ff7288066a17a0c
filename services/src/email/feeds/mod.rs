//! Klaviyo web feeds: lists that are the same for everyone in a cohort, fetched by Klaviyo
//! at send time from a stable URL that carries the shop's secret feed token.
//!
//! Klaviyo allows 10 web feeds per account and 4 MB per feed, and a feed's URL cannot vary
//! per recipient. So each kind of feed is one document holding a list per cohort:
//!
//! - `new-arrivals`: products published in the last 60 days, per leaf category (for fans of
//!   that category) and shop-wide;
//! - `trending`: products by the last 7 days' views, adds to cart and purchases, per
//!   collection and shop-wide;
//! - `back-in-stock`: products restocked in the last 14 days, per leaf category and
//!   shop-wide.
//!
//! A template reads `feeds.<feed name>.cohorts.<key>.items`. Documents are built by the
//! worker after each published list version ([`rebuild`]) and stored, so answering
//! Klaviyo's fetch is one row read ([`built`]). Every cohort list is logged as an impression
//! under its own rec id, which every item link carries (`meander_rec`).

mod cohorts;
mod document;
mod keys;
mod sources;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{email_feed, shop};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};
use serde::Serialize;

pub(super) use cohorts::category_key;
pub use document::MAX_FEED_BYTES;
pub use keys::{existing_feed_token, feed_token, has_feeds, rotate_feed_token, shop_of_token};

use super::payload::Showcase;
use super::shown::{self, Shown};
use crate::catalog::view;
use cohorts::Cohort;

/// How recent a product must be to be a new arrival.
const NEW_ARRIVAL_DAYS: i64 = 60;

/// The feeds Meander serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedKind {
    /// New arrivals per category.
    NewArrivals,
    /// Trending per collection.
    Trending,
    /// Back in stock per category.
    BackInStock,
}

impl FeedKind {
    /// Every feed.
    pub const ALL: [Self; 3] = [Self::NewArrivals, Self::Trending, Self::BackInStock];

    /// The name in URLs and in the stored row.
    #[must_use]
    pub fn slug(self) -> &'static str {
        match self {
            Self::NewArrivals => "new-arrivals",
            Self::Trending => "trending",
            Self::BackInStock => "back-in-stock",
        }
    }

    /// The feed named `slug`.
    #[must_use]
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    /// The `utm_campaign` of its links.
    fn campaign(self) -> &'static str {
        match self {
            Self::NewArrivals => "meander_new_arrivals",
            Self::Trending => "meander_trending",
            Self::BackInStock => "meander_back_in_stock",
        }
    }

    /// The reason shown with an item of the cohort titled `cohort`.
    fn reason(self, cohort: &str) -> String {
        match self {
            Self::NewArrivals => "New arrival".into(),
            Self::Trending => format!("Trending in {cohort}"),
            Self::BackInStock => "Back in stock".into(),
        }
    }
}

/// What a rebuild wrote for one feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedSummary {
    /// The feed.
    pub kind: FeedKind,
    /// Cohorts in it.
    pub cohorts: usize,
    /// Items over all cohorts.
    pub items: usize,
    /// Size of the document.
    pub bytes: usize,
    /// Cohorts left out to stay within Klaviyo's size limit.
    pub dropped: usize,
}

/// Builds and stores every feed of `shop` as of `now`, within `max_bytes` each.
///
/// # Errors
/// The database error; nothing of a failed rebuild is stored.
pub async fn rebuild(
    db: &DatabaseConnection,
    shop: &shop::Model,
    now: DateTime<Utc>,
    max_bytes: usize,
) -> Result<Vec<FeedSummary>, DbErr> {
    let catalog = view::load(db, shop.id, now).await?.catalog;
    let scores = sources::engagement(db, shop.id, now).await?;
    let collections = sources::collections(db, shop.id).await?;
    let restocks = sources::restocks(db, shop.id, now).await?;
    let feeds = [
        (
            FeedKind::NewArrivals,
            cohorts::new_arrivals(&catalog, now, NEW_ARRIVAL_DAYS),
        ),
        (
            FeedKind::Trending,
            cohorts::trending(&catalog, &scores, &collections),
        ),
        (
            FeedKind::BackInStock,
            cohorts::back_in_stock(&catalog, &restocks),
        ),
    ];
    let ids: HashSet<i64> = feeds
        .iter()
        .flat_map(|(_, cohorts)| cohorts.iter().flat_map(|c| c.products.iter().copied()))
        .collect();
    let showcase = Showcase::load(db, shop, &ids).await?;
    let mut summaries = Vec::with_capacity(feeds.len());
    for (kind, cohorts) in &feeds {
        summaries.push(store(db, &showcase, *kind, cohorts, now, max_bytes).await?);
    }
    Ok(summaries)
}

/// Renders one feed, stores it and logs its lists.
async fn store(
    db: &DatabaseConnection,
    showcase: &Showcase,
    kind: FeedKind,
    cohorts: &[Cohort],
    now: DateTime<Utc>,
    max_bytes: usize,
) -> Result<FeedSummary, DbErr> {
    let rendered = document::render(showcase, kind, cohorts, now, max_bytes);
    let items: usize = rendered.lists.iter().map(|(_, _, p)| p.len()).sum();
    let modules: Vec<String> = rendered
        .lists
        .iter()
        .map(|(key, _, _)| format!("{}:{key}", kind.slug()))
        .collect();
    let lists: Vec<Shown<'_>> = rendered
        .lists
        .iter()
        .zip(&modules)
        .map(|((_, rec_id, products), module)| Shown {
            rec_id,
            viewer: kind.slug(),
            customer_id: None,
            module,
            list_version: None,
            products,
        })
        .collect();
    shown::log(db, showcase.shop_id(), &lists).await?;
    let summary = FeedSummary {
        kind,
        cohorts: rendered.lists.len(),
        items,
        bytes: rendered.body.len(),
        dropped: rendered.dropped,
    };
    let row = email_feed::ActiveModel {
        shop_id: Set(showcase.shop_id()),
        kind: Set(kind.slug().to_owned()),
        body: Set(rendered.body),
        cohorts: Set(i32::try_from(summary.cohorts).unwrap_or(i32::MAX)),
        items: Set(i32::try_from(items).unwrap_or(i32::MAX)),
        built_at: Set(now),
    };
    email_feed::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([email_feed::Column::ShopId, email_feed::Column::Kind])
                .update_columns([
                    email_feed::Column::Body,
                    email_feed::Column::Cohorts,
                    email_feed::Column::Items,
                    email_feed::Column::BuiltAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(summary)
}

/// The stored document of one feed, if built.
///
/// # Errors
/// The database error.
pub async fn built(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    kind: FeedKind,
) -> Result<Option<email_feed::Model>, DbErr> {
    email_feed::Entity::find_by_id((shop_id, kind.slug().to_owned()))
        .one(conn)
        .await
}
