//! Serving contexts (`serving_contexts`): what answers were served under — surface, traffic
//! source, policy version, pools and lists — stored once per shop, so an impression carries
//! one number instead of five to seven values that repeat across nearly all of a shop's
//! answers.
//!
//! A context's id is a hash of what it holds: every writer process gives the same context
//! the same id without asking the others or the database, and storing it again is a no-op.
//! 63 bits of SHA-256 make two contexts of one shop sharing an id (of the few thousand a
//! shop has in a year) a chance of about one in 10¹².

use std::collections::HashMap;

use entity::{impression, serving_context};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

/// Contexts per lookup statement.
const PER_QUERY: usize = 1_000;

/// A context of `shop_id` with its id set from what it holds.
#[must_use]
pub fn with_id(mut context: serving_context::Model) -> serving_context::Model {
    let mut hash = Sha256::new();
    hash.update(context.shop_id.to_le_bytes());
    for text in [
        Some(&context.surface),
        Some(&context.traffic_source),
        Some(&context.policy_version),
        context.model_version.as_ref(),
        context.list_version.as_ref(),
    ] {
        field(&mut hash, text.map(String::as_bytes));
    }
    for row in [context.model_id, context.list_id] {
        field(
            &mut hash,
            row.map(i64::to_le_bytes).as_ref().map(|b| &b[..]),
        );
    }
    let digest = hash.finalize();
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    // Positive and not 0: contexts of rows stored before have negative ids.
    let id = i64::try_from(u64::from_le_bytes(first) >> 1).unwrap_or(i64::MAX);
    context.id = id.max(1);
    context
}

/// One value into the hash, told apart from its neighbours and from a missing one.
fn field(hash: &mut Sha256, value: Option<&[u8]>) {
    match value {
        None => hash.update([0]),
        Some(bytes) => {
            hash.update([1]);
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        }
    }
}

/// Stores the contexts that are not stored yet.
///
/// # Errors
/// The database error.
pub async fn store(
    conn: &impl ConnectionTrait,
    contexts: Vec<serving_context::Model>,
) -> Result<(), DbErr> {
    if contexts.is_empty() {
        return Ok(());
    }
    let rows = contexts.into_iter().map(serving_context::ActiveModel::from);
    serving_context::Entity::insert_many(rows)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The contexts of `rows`, by shop and id.
///
/// # Errors
/// The database error.
pub async fn of_rows(
    conn: &impl ConnectionTrait,
    rows: &[impression::Model],
) -> Result<HashMap<(i64, i64), serving_context::Model>, DbErr> {
    let mut keys: Vec<(i64, i64)> = rows.iter().map(|r| (r.shop_id, r.context_id)).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(PER_QUERY) {
        let mut any = Condition::any();
        for (shop_id, id) in chunk {
            any = any.add(
                Condition::all()
                    .add(serving_context::Column::ShopId.eq(*shop_id))
                    .add(serving_context::Column::Id.eq(*id)),
            );
        }
        for context in serving_context::Entity::find()
            .filter(any)
            .all(conn)
            .await?
        {
            out.insert((context.shop_id, context.id), context);
        }
    }
    Ok(out)
}

/// What a row whose context is missing reads as: nothing known.
#[must_use]
pub fn unknown(shop_id: i64, id: i64) -> serving_context::Model {
    serving_context::Model {
        shop_id,
        id,
        surface: String::new(),
        traffic_source: String::new(),
        policy_version: String::new(),
        model_id: None,
        list_id: None,
        model_version: None,
        list_version: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> serving_context::Model {
        serving_context::Model {
            model_id: Some(7),
            list_version: Some("l1".to_owned()),
            surface: "pdp".to_owned(),
            traffic_source: "direct".to_owned(),
            policy_version: "1".to_owned(),
            ..unknown(3, 0)
        }
    }

    #[test]
    fn a_context_s_id_is_positive_and_the_same_for_the_same_context() {
        let (first, again) = (with_id(context()), with_id(context()));
        assert!(first.id > 0);
        assert_eq!(first.id, again.id);
    }

    #[test]
    fn contexts_that_differ_in_any_value_have_different_ids() {
        let base = with_id(context()).id;
        let variants: [fn(&mut serving_context::Model); 9] = [
            |c| c.shop_id = 4,
            |c| c.surface = "cart".to_owned(),
            |c| c.traffic_source = "email".to_owned(),
            |c| c.policy_version = "2".to_owned(),
            |c| c.model_id = None,
            |c| c.list_id = Some(7),
            |c| c.model_version = Some(String::new()),
            |c| c.list_version = None,
            // The same text split differently between two values.
            |c| {
                c.surface = "pdpd".to_owned();
                c.traffic_source = "irect".to_owned();
            },
        ];
        let mut ids = vec![base];
        for change in variants {
            let mut other = context();
            change(&mut other);
            ids.push(with_id(other).id);
        }
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "{ids:?}");
    }
}
