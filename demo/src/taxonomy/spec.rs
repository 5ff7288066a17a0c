//! The shapes of the built-in taxonomy tables.

/// How a leaf's products split into variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// Letter sizes (XS-XXL) × 2-4 colours.
    Apparel,
    /// Children's ages × 1-3 colours.
    KidsApparel,
    /// US shoe sizes × 1-3 colours.
    Shoes,
    /// Children's shoe sizes × 1-2 colours.
    KidsShoes,
    /// 1-3 colours, one size.
    Colours,
    /// 1-3 metal finishes.
    Metal,
    /// Ring sizes × 1-2 metal finishes.
    Rings,
    /// 1-3 consecutive sizes from the list (smallest first), bigger ones dearer.
    Sized(&'static [&'static str]),
    /// 1-3 shades at one price.
    Shade,
    /// Sold in sets of 2, 4 or 6.
    SetOf,
    /// One variant ("Default Title").
    Single,
}

/// A head noun with the materials it comes in.
pub(crate) type Item = (&'static str, &'static [&'static str]);

/// A leaf category: what its products are called, cost and look like.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeafSpec {
    /// Display name; unique across the whole tree.
    pub name: &'static str,
    /// Median price in dollars for a mid-tier brand.
    pub base_price: f64,
    /// Typical unit cost as a share of price (brand tier shifts it).
    pub cost_ratio: f64,
    /// Relative shopper interest within its department.
    pub popularity: f64,
    /// How products split into variants.
    pub scheme: Scheme,
    /// Head nouns for titles ("Midi Dress"), each with the materials or key ingredients that
    /// make sense for it ("Silk"), so titles never read "Cast Iron Loose Leaf Tea".
    pub items: &'static [Item],
}

/// A top-level department.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TopSpec {
    /// Display name.
    pub name: &'static str,
    /// Relative share of the catalog and of shopper interest.
    pub weight: f64,
    /// Style words for titles ("Wrap", "Relaxed").
    pub adjectives: &'static [&'static str],
    /// Its leaves.
    pub leaves: &'static [LeafSpec],
}

/// Shorthand constructor so the tables stay one leaf per few lines.
pub(crate) const fn leaf(
    name: &'static str,
    base_price: f64,
    cost_ratio: f64,
    popularity: f64,
    scheme: Scheme,
    items: &'static [Item],
) -> LeafSpec {
    LeafSpec {
        name,
        base_price,
        cost_ratio,
        popularity,
        scheme,
        items,
    }
}
