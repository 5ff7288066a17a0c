//! The catalog's dense ids: indexes into its flat arrays, issued by the builder.

use serde::{Deserialize, Serialize};

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into the catalog's dense arrays.
            #[must_use]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_id!(
    /// A catalog item: a dense index issued by [`CatalogBuilder::add_item`](crate::CatalogBuilder::add_item) in insertion order.
    ItemId
);
dense_id!(
    /// A node of the [`CategoryTree`].
    CategoryId
);
dense_id!(
    /// An interned brand name.
    BrandId
);
dense_id!(
    /// An interned vendor (seller) name.
    VendorId
);
dense_id!(
    /// An interned variant family: items of one family are variants of one product.
    FamilyId
);
dense_id!(
    /// An interned attribute token such as `color:red` or a tag.
    AttributeId
);
