//! The checks of a rule that read the database: the pin's slot against the list lengths
//! of its surfaces (the merchant's settings), and the product or collection it names.

use entity::{collection, product};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use super::document::{RuleDoc, Target, check, field};
use super::error::RuleError;
use super::resolve::Snapshot;
use crate::settings::{self, FieldError};
use crate::surface::{self, Surface};

/// Every check of `doc` for `shop_id`: fields, the pin's slot against the list lengths of
/// its surfaces, and the product or collection it names.
pub(crate) async fn validate(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    doc: &RuleDoc,
) -> Result<(), RuleError> {
    let surfaces = doc.surfaces();
    let names: Vec<&str> = surfaces.iter().map(|s| surface::name(*s)).collect();
    // A category page has no settings: its first page is the list a pin lands in.
    let category_page = surfaces
        .contains(&Surface::Category)
        .then_some(crate::category::PAGE_SIZE);
    let shortest = settings::store::current(conn, shop_id)
        .await?
        .into_iter()
        .filter(|s| names.contains(&s.surface))
        .map(|s| s.settings.list_length)
        .chain(category_page)
        .min()
        .unwrap_or(0);
    let mut errors = check(doc, shortest);
    errors.extend(named(conn, shop_id, &doc.target).await?);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RuleError::Invalid(errors))
    }
}

/// The product or collection a target names, if it does not exist (or was deleted).
async fn named(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    target: &Target,
) -> Result<Option<FieldError>, DbErr> {
    Ok(match target {
        Target::Product { product_id } => {
            let found = product::Entity::find_by_id((shop_id, *product_id))
                .one(conn)
                .await?;
            match found {
                None => Some(field(
                    "match.product_id",
                    format!("there is no product {product_id}"),
                )),
                Some(p) if p.deleted_at.is_some() || p.status != "active" => Some(field(
                    "match.product_id",
                    format!("product {product_id} was deleted or is not active"),
                )),
                Some(_) => None,
            }
        }
        Target::Collection { collection_id } => {
            collection::Entity::find_by_id((shop_id, *collection_id))
                .one(conn)
                .await?
                .is_none()
                .then(|| {
                    field(
                        "match.collection_id",
                        format!("there is no collection {collection_id}"),
                    )
                })
        }
        _ => None,
    })
}

/// Checks `doc` and returns what it matches, for the admin's preview of an unsaved rule.
///
/// # Errors
/// [`RuleError::Invalid`], [`RuleError::Database`].
pub async fn draft(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    doc: &RuleDoc,
) -> Result<Vec<i64>, RuleError> {
    validate(conn, shop_id, doc).await?;
    let snapshot = Snapshot::load(conn, shop_id).await?;
    Ok(snapshot.matched(conn, shop_id, &doc.target).await?)
}
