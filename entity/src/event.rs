//! `events`: append-only shopper behaviour (web pixel, recommendation blocks, orders).

use sea_orm::entity::prelude::*;

/// One storefront event.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Insertion order.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// Id the client gave the event, used to drop resent duplicates.
    pub client_event_id: Option<String>,
    /// `view`, `add_to_cart`, `purchase`, `search` or `click` (impressions have their own
    /// table).
    pub kind: String,
    /// Anonymous browser id from the pixel.
    pub anonymous_id: String,
    /// Shopify customer id once known (login, checkout).
    pub customer_id: Option<i64>,
    /// Storefront session.
    pub session_id: String,
    /// Product concerned, if any.
    pub product_id: Option<i64>,
    /// Variant concerned, if any.
    pub variant_id: Option<i64>,
    /// Search query, for `search` events.
    pub query: Option<String>,
    /// Recommendation surface (`pdp`, `cart`, …) of a click, or of the impression an
    /// add-to-cart is attributed to.
    pub surface: Option<String>,
    /// Recommendation list id, for attribution.
    pub rec_id: Option<String>,
    /// For a click or add-to-cart carrying a rec id: the `impressions` row it is attributed to.
    pub impression_id: Option<i64>,
    /// Slot position of the item in the list.
    pub position: Option<i32>,
    /// Probability with which the clicked item was shown (off-policy evaluation).
    pub propensity: Option<f64>,
    /// Referrer class (`direct`, `google`, `email`, …).
    pub traffic_source: Option<String>,
    /// `mobile`, `desktop` or `tablet`.
    pub device: Option<String>,
    /// When it happened on the client.
    pub occurred_at: DateTimeUtc,
    /// When we stored it.
    pub received_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
