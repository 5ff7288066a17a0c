//! The webhook topics Meander subscribes to: their wire names, which of them are Shopify's
//! mandatory compliance topics, and which change the catalog. `shopify.app.toml` must declare
//! exactly these (a test checks it).

/// A webhook topic Meander handles; anything else is acknowledged and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// `app/uninstalled`: revoke, stop work, schedule deletion.
    AppUninstalled,
    /// `shop/update`: name, currency, plan.
    ShopUpdate,
    /// `products/create`.
    ProductsCreate,
    /// `products/update`.
    ProductsUpdate,
    /// `products/delete`.
    ProductsDelete,
    /// `inventory_levels/update`: stock at a location.
    InventoryLevelsUpdate,
    /// `inventory_items/update`: unit cost.
    InventoryItemsUpdate,
    /// `orders/create`.
    OrdersCreate,
    /// `collections/create`.
    CollectionsCreate,
    /// `collections/update`.
    CollectionsUpdate,
    /// `collections/delete`.
    CollectionsDelete,
    /// `bulk_operations/finish`: ends a waiting sync's poll early.
    BulkOperationsFinish,
    /// `customers/data_request` (compliance): export.
    CustomersDataRequest,
    /// `customers/redact` (compliance): delete the customer's data.
    CustomersRedact,
    /// `shop/redact` (compliance): delete the shop.
    ShopRedact,
}

impl Topic {
    /// The topics subscribed in `shopify.app.toml`'s `topics` lists.
    pub const SUBSCRIBED: [Self; 12] = [
        Self::AppUninstalled,
        Self::ShopUpdate,
        Self::ProductsCreate,
        Self::ProductsUpdate,
        Self::ProductsDelete,
        Self::InventoryLevelsUpdate,
        Self::InventoryItemsUpdate,
        Self::OrdersCreate,
        Self::CollectionsCreate,
        Self::CollectionsUpdate,
        Self::CollectionsDelete,
        Self::BulkOperationsFinish,
    ];

    /// Shopify's mandatory compliance topics (`compliance_topics`).
    pub const COMPLIANCE: [Self; 3] = [
        Self::CustomersDataRequest,
        Self::CustomersRedact,
        Self::ShopRedact,
    ];

    /// The topic's name on the wire (`X-Shopify-Topic`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AppUninstalled => "app/uninstalled",
            Self::ShopUpdate => "shop/update",
            Self::ProductsCreate => "products/create",
            Self::ProductsUpdate => "products/update",
            Self::ProductsDelete => "products/delete",
            Self::InventoryLevelsUpdate => "inventory_levels/update",
            Self::InventoryItemsUpdate => "inventory_items/update",
            Self::OrdersCreate => "orders/create",
            Self::CollectionsCreate => "collections/create",
            Self::CollectionsUpdate => "collections/update",
            Self::CollectionsDelete => "collections/delete",
            Self::BulkOperationsFinish => "bulk_operations/finish",
            Self::CustomersDataRequest => "customers/data_request",
            Self::CustomersRedact => "customers/redact",
            Self::ShopRedact => "shop/redact",
        }
    }

    /// The topic of a wire name; `None` for a topic Meander does not handle.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::SUBSCRIBED
            .into_iter()
            .chain(Self::COMPLIANCE)
            .find(|topic| topic.as_str() == name)
    }

    /// A mandatory compliance topic: answered even for shops Meander no longer knows.
    #[must_use]
    pub fn is_compliance(self) -> bool {
        Self::COMPLIANCE.contains(&self)
    }

    /// A product's own lists change with it.
    #[must_use]
    pub const fn changes_a_product(self) -> bool {
        matches!(
            self,
            Self::ProductsCreate | Self::ProductsUpdate | Self::ProductsDelete
        )
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Topic;

    #[test]
    fn every_topic_parses_back_from_its_wire_name() {
        for topic in Topic::SUBSCRIBED.into_iter().chain(Topic::COMPLIANCE) {
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
        }
        assert_eq!(Topic::parse("carts/update"), None);
    }
}
