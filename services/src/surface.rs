//! Surfaces by name: the one mapping between the ranker's [`Surface`]s and the names lists,
//! impressions, events and the API use, which surfaces are precomputed per product and per
//! shopper, and the shopper-facing titles of modules and reasons that the theme blocks, the
//! demo storefront and email show.

use ranker::Reason;
pub use ranker::Surface;

/// Every surface, in a fixed order.
pub const ALL: [Surface; 8] = [
    Surface::Home,
    Surface::Product,
    Surface::Cart,
    Surface::PostPurchase,
    Surface::Email,
    Surface::Search,
    Surface::Checkout,
    Surface::Category,
];

/// Surfaces precomputed per product (and served for a product).
pub const PER_PRODUCT: [Surface; 2] = [Surface::Product, Surface::Cart];
/// Surfaces precomputed per shopper profile and for the shop as a whole.
pub const PER_PROFILE: [Surface; 2] = [Surface::Home, Surface::Email];

/// The name a surface is stored and requested under (`pdp` for the product page).
#[must_use]
pub const fn name(surface: Surface) -> &'static str {
    match surface {
        Surface::Home => "home",
        Surface::Product => "pdp",
        Surface::Cart => "cart",
        Surface::PostPurchase => "post_purchase",
        Surface::Email => "email",
        Surface::Search => "search",
        Surface::Checkout => "checkout",
        Surface::Category => "category",
    }
}

/// The surface stored under `stored` (exact names only, as written by [`name`]).
#[must_use]
pub fn from_name(stored: &str) -> Option<Surface> {
    ALL.into_iter().find(|surface| name(*surface) == stored)
}

/// The surface a request names: its stored name, or `product`, the ranker's own word for the
/// product page, which theme blocks may send.
#[must_use]
pub fn parse(requested: &str) -> Option<Surface> {
    match requested {
        "product" => Some(Surface::Product),
        other => from_name(other),
    }
}

/// The shopper-facing heading of a module (the policy's module names are identifiers).
#[must_use]
pub fn module_title(module: &str) -> String {
    match module {
        "similar_items" => "Similar items".into(),
        "you_may_also_like" => "You may also like".into(),
        "complete_the_look" => "Complete the look".into(),
        "accessories" => "Goes well with your cart".into(),
        "for_you" | "picked_for_you" => "Picked for you".into(),
        "complete_your_order" => "Complete your order".into(),
        other => {
            let spaced = other.replace('_', " ");
            let mut chars = spaced.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// The code and shopper-facing text of an item a merchant pinned: merchant-neutral (the
/// generator's reason would claim a relation the merchant did not say), and not "Sponsored".
pub const FEATURED: (&str, &str) = ("featured", "Featured");

/// What a reason names, resolved for display: the product's title, the category's name.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReasonNames<'a> {
    /// Title of the product the reason names.
    pub product: Option<&'a str>,
    /// Name of the category the reason names.
    pub category: Option<&'a str>,
}

/// The shopper-facing text of a ranker reason ("Goes with Cast Iron Dutch Oven"); a name
/// that cannot be resolved gives the reason's general form instead of a broken sentence.
#[must_use]
pub fn reason_text(reason: Reason, names: ReasonNames<'_>) -> String {
    match (reason, names.product, names.category) {
        (Reason::Similar, ..) => "Similar style".into(),
        (Reason::AlsoViewed, ..) => "Shoppers also viewed".into(),
        (Reason::BoughtTogether(_), ..) => "Customers also bought".into(),
        (Reason::BecauseViewed(_), Some(title), _) => format!("Because you viewed {title}"),
        (Reason::BecauseViewed(_), None, _) => "Based on your browsing".into(),
        (Reason::GoesWith(_), Some(title), _) => format!("Goes with {title}"),
        (Reason::GoesWith(_), None, _) => "Goes well together".into(),
        (Reason::PopularIn(_), _, Some(category)) => format!("Popular in {category}"),
        (Reason::PopularIn(_), _, None) => "Popular now".into(),
        (Reason::NewIn(_), _, Some(category)) => format!("New in {category}"),
        (Reason::NewIn(_), _, None) => "New arrival".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_surface_reads_back_from_its_name_and_the_product_page_has_two() {
        for surface in ALL {
            assert_eq!(from_name(name(surface)), Some(surface));
            assert_eq!(parse(name(surface)), Some(surface));
        }
        assert_eq!(parse("product"), Some(Surface::Product));
        assert_eq!(from_name("product"), None, "stored names are canonical");
        assert_eq!(parse("collection"), None);
    }

    #[test]
    fn module_titles_read_as_headings() {
        assert_eq!(module_title("complete_the_look"), "Complete the look");
        assert_eq!(module_title("new_module"), "New module");
        assert_eq!(module_title(""), "");
    }
}
