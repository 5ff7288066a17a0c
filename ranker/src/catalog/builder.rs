//! Building a validated [`Catalog`].

use std::collections::HashMap;

use super::{AttributeId, BrandId, Catalog, CategoryId, FamilyId, Item, ItemId, VendorId};
use crate::error::{RankerError, Result, finite};

/// Interns names to ids and collects validated items into a [`Catalog`].
///
/// ```
/// use ranker::{Catalog, ItemSpec};
/// let mut b = Catalog::builder(0);
/// let shoes = b.category(&["Apparel", "Shoes"]).ok_or("empty path")?;
/// let nike = b.brand("Nike");
/// let id = b.add_item(ItemSpec::new(1001, shoes).brand(nike).price(89.0))?;
/// let catalog = b.build();
/// assert_eq!(catalog.id_of(1001), Some(id));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct CatalogBuilder {
    catalog: Catalog,
    brands: HashMap<String, BrandId>,
    vendors: HashMap<String, VendorId>,
    families: HashMap<String, FamilyId>,
    attributes: HashMap<String, AttributeId>,
}

fn intern<T: Copy>(map: &mut HashMap<String, T>, name: &str, make: fn(u32) -> T) -> T {
    if let Some(id) = map.get(name) {
        return *id;
    }
    // More than u32::MAX distinct names cannot happen in a shop; saturate rather than panic.
    let id = make(u32::try_from(map.len()).unwrap_or(u32::MAX));
    map.insert(name.to_owned(), id);
    id
}

impl CatalogBuilder {
    /// A builder for items with `embedding_dim`-long embeddings (0 = no embeddings).
    #[must_use]
    pub fn new(embedding_dim: usize) -> Self {
        let mut builder = Self::default();
        builder.catalog.dim = embedding_dim;
        builder
    }

    /// Interns a category path; `None` for an empty path.
    pub fn category(&mut self, path: &[&str]) -> Option<CategoryId> {
        self.catalog.tree.intern(path)
    }

    /// Interns a brand name.
    pub fn brand(&mut self, name: &str) -> BrandId {
        intern(&mut self.brands, name, BrandId)
    }

    /// Interns a vendor name.
    pub fn vendor(&mut self, name: &str) -> VendorId {
        intern(&mut self.vendors, name, VendorId)
    }

    /// Interns a variant-family key (for example the Shopify product id of a variant).
    pub fn family(&mut self, key: &str) -> FamilyId {
        intern(&mut self.families, key, FamilyId)
    }

    /// Interns an attribute token.
    pub fn attribute(&mut self, token: &str) -> AttributeId {
        intern(&mut self.attributes, token, AttributeId)
    }

    /// Validates and adds an item, returning its dense id.
    ///
    /// # Errors
    /// [`RankerError::DuplicateItem`] for a repeated external id, [`RankerError::UnknownCategory`]
    /// for a category this builder never issued, [`RankerError::NonFinite`] for NaN/inf numbers
    /// and [`RankerError::DimensionMismatch`] for an embedding of the wrong length.
    pub fn add_item(&mut self, spec: ItemSpec) -> Result<ItemId> {
        if self.catalog.by_external.contains_key(&spec.external_id) {
            return Err(RankerError::DuplicateItem(spec.external_id));
        }
        if !self.catalog.tree.contains(spec.category) {
            return Err(RankerError::UnknownCategory(spec.category));
        }
        let price = finite(spec.price, "price")?.max(0.0);
        let margin = finite(spec.margin, "margin")?.clamp(0.0, 1.0);
        let health = finite(spec.inventory_health, "inventory_health")?.clamp(0.0, 1.0);
        let row = self.embedding_row(spec.embedding.as_deref())?;
        // More than u32::MAX items cannot be indexed; the item is refused like a repeat.
        let Ok(index) = u32::try_from(self.catalog.items.len()) else {
            return Err(RankerError::DuplicateItem(spec.external_id));
        };
        let id = ItemId(index);
        let mut attributes = spec.attributes;
        attributes.sort_unstable();
        attributes.dedup();
        self.catalog.items.push(Item {
            external_id: spec.external_id,
            category: spec.category,
            brand: spec.brand,
            vendor: spec.vendor,
            family: spec.family,
            price,
            margin,
            inventory_health: health,
            in_stock: spec.in_stock,
            created_at: spec.created_at,
            attributes,
        });
        self.catalog.embeddings.extend_from_slice(&row);
        self.catalog.by_external.insert(spec.external_id, id);
        Ok(id)
    }

    /// Validates an embedding and returns it normalised to unit length (zeros when absent or
    /// all-zero), so that later similarity is a plain dot product.
    fn embedding_row(&self, embedding: Option<&[f32]>) -> Result<Vec<f32>> {
        let dim = self.catalog.dim;
        let Some(values) = embedding else {
            return Ok(vec![0.0; dim]);
        };
        if values.len() != dim {
            return Err(RankerError::DimensionMismatch {
                expected: dim,
                found: values.len(),
            });
        }
        if values.iter().any(|x| !x.is_finite()) {
            return Err(RankerError::NonFinite { field: "embedding" });
        }
        let norm = super::dot(values, values).sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return Ok(vec![0.0; dim]);
        }
        Ok(values.iter().map(|x| x / norm).collect())
    }

    /// Finishes the catalog.
    #[must_use]
    pub fn build(mut self) -> Catalog {
        let names = self.brands.iter().map(|(n, id)| (n.as_str(), *id));
        self.catalog.brands = super::brands::BrandNames::new(names);
        self.catalog
    }
}

/// The description of one item to add; start with [`ItemSpec::new`] and chain setters.
///
/// Defaults: no brand/vendor/family, price 0, margin 0, inventory health 1, in stock,
/// created at time 0, no attributes, no embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemSpec {
    /// The caller's id.
    pub external_id: i64,
    /// Leaf category.
    pub category: CategoryId,
    /// Brand.
    pub brand: Option<BrandId>,
    /// Vendor/seller.
    pub vendor: Option<VendorId>,
    /// Variant family.
    pub family: Option<FamilyId>,
    /// Price.
    pub price: f32,
    /// Margin fraction.
    pub margin: f32,
    /// Inventory health in `[0, 1]`.
    pub inventory_health: f32,
    /// Whether it can be sold now.
    pub in_stock: bool,
    /// Creation time, unix seconds.
    pub created_at: i64,
    /// Attribute tokens.
    pub attributes: Vec<AttributeId>,
    /// Raw embedding (normalised on insert).
    pub embedding: Option<Vec<f32>>,
}

impl ItemSpec {
    /// An item with the documented defaults.
    #[must_use]
    pub fn new(external_id: i64, category: CategoryId) -> Self {
        Self {
            external_id,
            category,
            brand: None,
            vendor: None,
            family: None,
            price: 0.0,
            margin: 0.0,
            inventory_health: 1.0,
            in_stock: true,
            created_at: 0,
            attributes: Vec::new(),
            embedding: None,
        }
    }

    /// Sets the brand.
    #[must_use]
    pub fn brand(mut self, brand: BrandId) -> Self {
        self.brand = Some(brand);
        self
    }

    /// Sets the vendor.
    #[must_use]
    pub fn vendor(mut self, vendor: VendorId) -> Self {
        self.vendor = Some(vendor);
        self
    }

    /// Sets the variant family.
    #[must_use]
    pub fn family(mut self, family: FamilyId) -> Self {
        self.family = Some(family);
        self
    }

    /// Sets the price.
    #[must_use]
    pub fn price(mut self, price: f32) -> Self {
        self.price = price;
        self
    }

    /// Sets the margin fraction.
    #[must_use]
    pub fn margin(mut self, margin: f32) -> Self {
        self.margin = margin;
        self
    }

    /// Sets stock: whether it is sellable and its health in `[0, 1]`.
    #[must_use]
    pub fn stock(mut self, in_stock: bool, health: f32) -> Self {
        self.in_stock = in_stock;
        self.inventory_health = health;
        self
    }

    /// Sets the creation time (unix seconds).
    #[must_use]
    pub fn created_at(mut self, at: i64) -> Self {
        self.created_at = at;
        self
    }

    /// Sets the attribute tokens.
    #[must_use]
    pub fn attributes(mut self, attributes: Vec<AttributeId>) -> Self {
        self.attributes = attributes;
        self
    }

    /// Sets the embedding.
    #[must_use]
    pub fn embedding(mut self, embedding: Vec<f32>) -> Self {
        self.embedding = Some(embedding);
        self
    }
}
