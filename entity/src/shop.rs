//! `shops`: one row per installed (or once installed) merchant store.

use sea_orm::entity::prelude::*;

/// A merchant store and its (encrypted) Shopify credentials.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shops")]
pub struct Model {
    /// Internal id; every other table's `shop_id` points here.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The `*.myshopify.com` domain, lower-case.
    #[sea_orm(unique)]
    pub domain: String,
    /// Display name.
    pub name: String,
    /// ISO 4217 currency of the store's prices.
    pub currency: String,
    /// True for the generated demo shop of the embedded mode.
    pub is_demo: bool,
    /// Offline access token, AEAD-encrypted and base64-encoded; never logged.
    pub access_token_encrypted: Option<String>,
    /// When the (expiring) access token lapses.
    pub access_token_expires_at: Option<DateTimeUtc>,
    /// Refresh token, AEAD-encrypted and base64-encoded; never logged.
    pub refresh_token_encrypted: Option<String>,
    /// When the refresh token lapses.
    pub refresh_token_expires_at: Option<DateTimeUtc>,
    /// Granted scopes, comma-separated as Shopify returns them.
    pub scopes: String,
    /// Shopify plan name, when known.
    pub plan: Option<String>,
    /// Per-shop key the web pixel sends with events.
    pub ingest_key: String,
    /// Set on install, cleared on uninstall.
    pub installed_at: Option<DateTimeUtc>,
    /// Set by the `app/uninstalled` webhook.
    pub uninstalled_at: Option<DateTimeUtc>,
    /// Row creation time.
    pub created_at: DateTimeUtc,
    /// Last change to the row.
    pub updated_at: DateTimeUtc,
    /// Bumped by every catalog write (webhook or sync batch): serving reloads its catalog
    /// when it changes.
    pub catalog_revision: i64,
    /// Bumped when a product's lists are rebuilt inside the published list version:
    /// serving forgets the lists it has read when it changes.
    pub list_revision: i64,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {
    /// A new shop starts at catalog and list revision 0 (the columns' default, set here too
    /// because an insert returns the model built from the values it sent).
    fn new() -> Self {
        Self {
            catalog_revision: sea_orm::ActiveValue::Set(0),
            list_revision: sea_orm::ActiveValue::Set(0),
            ..<Self as sea_orm::ActiveModelTrait>::default()
        }
    }
}

impl Model {
    /// Installed and not uninstalled since: the only state in which Meander acts for a shop.
    #[must_use]
    pub fn is_installed(&self) -> bool {
        self.installed_at.is_some() && self.uninstalled_at.is_none()
    }
}
