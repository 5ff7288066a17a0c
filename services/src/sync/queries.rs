//! The bulk query documents of a full sync. Their fields are exactly those the line types in
//! [`super::records`] read (a test keeps them in step).

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// Products with their variants, stock and unit costs.
pub const PRODUCTS: &str = r#"{
  products {
    edges {
      node {
        id title handle description vendor productType tags status createdAt updatedAt
        category { id name fullName }
        brand: metafield(namespace: "custom", key: "brand") { value }
        featuredImage { url }
        variants {
          edges {
            node {
              id title sku price compareAtPrice position updatedAt
              selectedOptions { name value }
              inventoryQuantity
              inventoryItem { id unitCost { amount currencyCode } }
            }
          }
        }
      }
    }
  }
}"#;

/// Collections with their member products.
pub const COLLECTIONS: &str = r"{
  collections {
    edges {
      node {
        id handle title updatedAt
        products { edges { node { id } } }
      }
    }
  }
}";

/// Days of order history a full sync fetches (what Shopify serves without `read_all_orders`).
pub const ORDER_HISTORY_DAYS: i64 = 60;

/// Orders of the last [`ORDER_HISTORY_DAYS`] days before `now`, with their line items.
#[must_use]
pub fn orders(now: DateTime<Utc>) -> String {
    let since =
        (now - Duration::days(ORDER_HISTORY_DAYS)).to_rfc3339_opts(SecondsFormat::Secs, true);
    format!(
        r#"{{
  orders(query: "created_at:>='{since}'") {{
    edges {{
      node {{
        id createdAt currencyCode
        totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
        customer {{ id }}
        customAttributes {{ key value }}
        lineItems {{
          edges {{
            node {{
              id quantity
              originalUnitPriceSet {{ shopMoney {{ amount currencyCode }} }}
              product {{ id }}
              variant {{ id }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selects(query: &str, fields: &[&str]) {
        for field in fields {
            assert!(query.contains(field), "query lacks `{field}`");
        }
    }

    #[test]
    fn the_queries_select_every_field_the_ingest_reads() {
        selects(
            PRODUCTS,
            &[
                "id",
                "title",
                "handle",
                "description",
                "vendor",
                "productType",
                "tags",
                "status",
                "createdAt",
                "updatedAt",
                "category { id name fullName }",
                "brand: metafield(namespace: \"custom\", key: \"brand\") { value }",
                "featuredImage { url }",
                "sku",
                "price",
                "compareAtPrice",
                "position",
                "selectedOptions { name value }",
                "inventoryQuantity",
                "inventoryItem { id unitCost { amount currencyCode } }",
            ],
        );
        selects(
            COLLECTIONS,
            &[
                "handle",
                "title",
                "updatedAt",
                "products { edges { node { id } } }",
            ],
        );
        let orders = orders("2026-11-25T00:00:00Z".parse().unwrap());
        selects(
            &orders,
            &[
                "created_at:>='2026-09-26T00:00:00Z'",
                "currencyCode",
                "totalPriceSet",
                "customer { id }",
                "customAttributes { key value }",
                "quantity",
                "originalUnitPriceSet",
                "product { id }",
                "variant { id }",
            ],
        );
    }
}
