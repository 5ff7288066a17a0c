//! Which shop a storefront request is for, cached for a few seconds: every recommendation
//! request names its shop, and looking it up each time was one of a request's three database
//! round trips.
//!
//! Only shops found installed are cached, so an install is served at once; an uninstall is
//! noticed within [`SHOP_TTL`] (Shopify removes the theme blocks on uninstall anyway).

use std::time::Duration;

use entity::shop;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::ttl::TtlCache;

/// How long a found shop is trusted before it is read again.
pub const SHOP_TTL: Duration = Duration::from_secs(10);
/// Shops remembered at once.
const CAPACITY: usize = 10_000;

/// Installed shops by domain, and the demo shop.
pub struct ShopDirectory {
    installed: TtlCache<String, Option<i64>>,
    demo: TtlCache<(), Option<i64>>,
}

impl Default for ShopDirectory {
    fn default() -> Self {
        Self::new(SHOP_TTL)
    }
}

impl ShopDirectory {
    /// A directory trusting what it found for `ttl`.
    #[must_use]
    pub fn new(ttl: Duration) -> Self {
        Self {
            installed: TtlCache::new(CAPACITY, ttl),
            demo: TtlCache::new(1, ttl),
        }
    }

    /// The id of the shop at `domain` if Meander is installed there.
    ///
    /// # Errors
    /// The database error of a lookup.
    pub async fn installed(
        &self,
        conn: &impl ConnectionTrait,
        domain: &str,
    ) -> Result<Option<i64>, DbErr> {
        let load = || async {
            let found = shop::Entity::find()
                .filter(shop::Column::Domain.eq(domain))
                .one(conn)
                .await?;
            Ok(found.filter(shop::Model::is_installed).map(|s| s.id))
        };
        self.installed
            .get_or_load(&domain.to_owned(), load, Option::is_some)
            .await
    }

    /// The id of the demo shop once it is loaded.
    ///
    /// # Errors
    /// The database error of a lookup.
    pub async fn demo(&self, conn: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
        let load = || async { Ok(services::demo::ready_demo_shop(conn).await?.map(|s| s.id)) };
        self.demo.get_or_load(&(), load, Option::is_some).await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

    use super::*;
    use crate::serving::fixtures::small_shop;

    #[tokio::test]
    async fn an_installed_shop_is_found_and_then_trusted_for_the_ttl() {
        let (_database, db, shop_id) = small_shop().await;
        let domain = shop::Entity::find_by_id(shop_id)
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap()
            .domain;
        let trusting = ShopDirectory::new(Duration::from_secs(3_600));
        let checking = ShopDirectory::new(Duration::ZERO);

        let before = trusting.installed(&db.conn, &domain).await.unwrap();
        checking.installed(&db.conn, &domain).await.unwrap();
        let mut uninstalled = shop::Entity::find_by_id(shop_id)
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        uninstalled.uninstalled_at = Set(Some(chrono::Utc::now()));
        uninstalled.update(&db.conn).await.unwrap();

        assert_eq!(before, Some(shop_id));
        assert_eq!(
            trusting.installed(&db.conn, &domain).await.unwrap(),
            Some(shop_id),
            "trusted within the TTL"
        );
        assert_eq!(checking.installed(&db.conn, &domain).await.unwrap(), None);
        assert_eq!(
            trusting
                .installed(&db.conn, "nobody.myshopify.com")
                .await
                .unwrap(),
            None
        );
    }
}
