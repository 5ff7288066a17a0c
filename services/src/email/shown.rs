//! What email showed, logged as impressions like every storefront answer: a click from an
//! email link carries the rec id back (`meander_rec`), and attribution finds the item,
//! its position and the arm in the impression, as it does for theme blocks.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::payload::Payload;
use crate::signals::Ordinals;
use crate::signals::impression::{self, Asked, Impression, ShownItem};
use crate::surface::{self, Surface};

/// Module name of a pushed profile list.
const PUSH_MODULE: &str = "email";

/// One email list as shown: its rec id, who saw it (a profile, or a feed's cohort) and the
/// products in order.
#[derive(Debug, Clone)]
pub(super) struct Shown<'a> {
    /// The list's rec id (in every link).
    pub rec_id: &'a str,
    /// The viewer: a Meander profile key, or the feed's name for a cohort feed.
    pub viewer: &'a str,
    /// The customer, when it is one person's list.
    pub customer_id: Option<i64>,
    /// The module: `email` for a pushed list, the feed and cohort for a feed.
    pub module: &'a str,
    /// The list version it came from, if any.
    pub list_version: Option<&'a str>,
    /// Products in the order shown.
    pub products: &'a [i64],
}

impl<'a> Shown<'a> {
    /// A customer's pushed (or fetched) list of `list_version`.
    pub(super) fn profile_list(
        payload: &'a Payload,
        profile: &'a str,
        customer_id: Option<i64>,
        list_version: &'a str,
    ) -> Self {
        Self {
            rec_id: &payload.rec_id,
            viewer: profile,
            customer_id,
            module: PUSH_MODULE,
            list_version: Some(list_version),
            products: &payload.product_ids,
        }
    }

    fn impression(&self, shop_id: i64, now: DateTime<Utc>) -> Impression {
        let items = (1_i32..)
            .zip(self.products)
            .map(|(position, &product_id)| ShownItem {
                product_id,
                module: self.module.to_owned(),
                position,
                // Email lists are deterministic: every item was certain to be shown.
                propensity: 1.0,
                explored: false,
            })
            .collect();
        Impression {
            shop_id,
            id: impression::next_id(now),
            rec_text: Some(self.rec_id.to_owned()),
            surface: surface::name(Surface::Email).to_owned(),
            traffic_source: "email".to_owned(),
            session_id: self.rec_id.to_owned(),
            anonymous_id: self.viewer.to_owned(),
            customer_id: self.customer_id,
            model_version: None,
            list_version: self.list_version.map(str::to_owned),
            policy_version: ranker::policy::POLICY_VERSION.to_string(),
            items,
            experiment: None,
            asked: Asked::default(),
        }
    }
}

/// Logs what `lists` showed (a rec id already logged is skipped: same content, same id).
///
/// # Errors
/// The database error.
pub(super) async fn log(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    lists: &[Shown<'_>],
) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows: Vec<Impression> = lists
        .iter()
        .filter(|list| !list.products.is_empty())
        .map(|list| list.impression(shop_id, now))
        .collect();
    impression::store(conn, &rows, &mut Ordinals::default()).await
}
