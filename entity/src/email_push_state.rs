//! `email_push_states`: what Meander last pushed to Klaviyo for one shopper profile.

use sea_orm::entity::prelude::*;

/// One profile's Klaviyo identity and push state: the content last imported and announced.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_push_states")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Meander's profile id (`customer:{Shopify customer id}`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub profile_key: String,
    /// The Klaviyo `external_id` matched (the Shopify customer id).
    pub external_id: Option<String>,
    /// Klaviyo's profile id; `None` when Klaviyo had no such profile at `looked_up_at`.
    pub klaviyo_profile_id: Option<String>,
    /// When Klaviyo was last asked for this profile.
    pub looked_up_at: Option<DateTimeUtc>,
    /// `treatment` or `holdout`.
    pub arm: String,
    /// Hash of the properties last imported successfully.
    pub content_hash: Option<String>,
    /// Hash of the content whose "Recommendations Ready" event was last sent.
    pub event_hash: Option<String>,
    /// List version the pushed content came from.
    pub list_version: Option<String>,
    /// Rec id of the pushed list (in every link, for attribution).
    pub rec_id: Option<String>,
    /// When the content was last imported.
    pub pushed_at: Option<DateTimeUtc>,
    /// Klaviyo's error for this profile's row in the last push, if it failed.
    pub last_error: Option<String>,
    /// Failed pushes in a row.
    pub failed_attempts: i32,
    /// When the profile entered its current holdout arm.
    pub assigned_at: Option<DateTimeUtc>,
    /// Hash of the content Klaviyo last refused for this profile; `failed_attempts` counts
    /// the refusals of this content.
    pub failed_hash: Option<String>,
    /// When Klaviyo last refused this profile's row.
    pub failed_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
