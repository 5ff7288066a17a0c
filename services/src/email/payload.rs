//! What one profile's push carries: the profile properties, the content hash that says
//! whether it changed, and the ids derived from it (rec id, event unique id).

use std::collections::{HashMap, HashSet};

use entity::domain::currency_exponent;
use entity::{product, shop, variant};
use ranker::Source;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::holdout::Arm;
use super::settings::{EmailSettings, HoldoutMode};
use crate::recs::pools::StoredCandidate;

/// Products read per query.
const ID_CHUNK: usize = 500;

/// What an email shows of a product.
#[derive(Debug, Clone)]
pub(super) struct Card {
    title: String,
    handle: String,
    image_url: Option<String>,
    /// Lowest variant price, in minor units.
    price_minor: Option<i64>,
}

/// The shop's products a push shows, with the shop's domain and currency.
#[derive(Debug)]
pub(super) struct Showcase {
    shop_id: i64,
    domain: String,
    currency: String,
    cards: HashMap<i64, Card>,
}

/// One profile's push.
#[derive(Debug, Clone)]
pub(super) struct Payload {
    /// Profile properties to import.
    pub properties: Map<String, Value>,
    /// Hash of the content (items and arm): equal hash, nothing to push.
    pub content_hash: String,
    /// Rec id of this content, in every link.
    pub rec_id: String,
    /// `unique_id` of its "Recommendations Ready" event.
    pub event_id: String,
    /// Items shown.
    pub items: usize,
    /// Whether the content is announced by an event (not for a holdout without a block).
    pub announce: bool,
    /// The products shown, in order (the email impression logs them).
    pub product_ids: Vec<i64>,
}

/// An item as hashed and shown, before the rec id is known.
#[derive(Debug, Serialize)]
pub(super) struct Item<'a> {
    #[serde(skip)]
    product_id: i64,
    id: String,
    title: &'a str,
    handle: &'a str,
    image_url: Option<&'a str>,
    price: Option<String>,
    reason: String,
}

/// The payload of `profile` from its stored `email` list.
pub(super) fn build(
    showcase: &Showcase,
    profile: &str,
    list: &[StoredCandidate],
    arm: Arm,
    settings: &EmailSettings,
) -> Payload {
    let items = chosen(showcase, list, arm, settings);
    let core = json!({ "arm": arm.name(), "items": items });
    let content_hash = hex::encode(Sha256::digest(core.to_string().as_bytes()));
    let derived = Sha256::new()
        .chain_update(showcase.shop_id.to_be_bytes())
        .chain_update(profile.as_bytes())
        .chain_update(b"\0")
        .chain_update(content_hash.as_bytes())
        .finalize();
    let derived = hex::encode(derived);
    let rec_id = format!("em_{}", &derived[..24]);
    let shown: Vec<Value> = items
        .iter()
        .map(|item| showcase.shown(item, &rec_id, PUSH_CAMPAIGN))
        .collect();
    let mut properties = Map::new();
    properties.insert("meander_recs".into(), Value::Array(shown));
    properties.insert("meander_rec_id".into(), json!(rec_id));
    properties.insert("meander_recs_arm".into(), json!(arm.name()));
    properties.insert(
        "meander_recs_updated_at".into(),
        json!(chrono::Utc::now().to_rfc3339()),
    );
    Payload {
        properties,
        content_hash,
        event_id: format!("meander-recs-{}", &derived[..32]),
        rec_id,
        items: items.len(),
        product_ids: items.iter().map(|item| item.product_id).collect(),
        announce: !(arm == Arm::Holdout && settings.holdout_mode == HoldoutMode::NoBlock),
    }
}

/// The items a profile gets: the diversified list, or for the holdout the same candidates
/// by relevance alone (or none), cut to the list length; unknown or inactive products out.
fn chosen<'a>(
    showcase: &'a Showcase,
    list: &[StoredCandidate],
    arm: Arm,
    settings: &EmailSettings,
) -> Vec<Item<'a>> {
    let mut candidates: Vec<&StoredCandidate> = list.iter().collect();
    if arm == Arm::Holdout {
        if settings.holdout_mode == HoldoutMode::NoBlock {
            return Vec::new();
        }
        candidates.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
    }
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let via = candidate.via.and_then(|id| showcase.cards.get(&id));
            showcase.item(
                candidate.id,
                reason(candidate.primary, via.map(|c| c.title.as_str())),
            )
        })
        .take(settings.items())
        .collect()
}

/// The `utm_campaign` of pushed profile lists.
const PUSH_CAMPAIGN: &str = "meander_recs";

impl Showcase {
    /// The active, not deleted products among `ids`, with their lowest price.
    pub(super) async fn load(
        conn: &impl ConnectionTrait,
        shop: &shop::Model,
        ids: &HashSet<i64>,
    ) -> Result<Self, DbErr> {
        let ids: Vec<i64> = ids.iter().copied().collect();
        let mut cards = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(ID_CHUNK) {
            let products = product::Entity::find()
                .filter(product::Column::ShopId.eq(shop.id))
                .filter(product::Column::Id.is_in(chunk.iter().copied()))
                .filter(product::Column::Status.eq("active"))
                .filter(product::Column::DeletedAt.is_null())
                .all(conn)
                .await?;
            let prices: Vec<(i64, i64)> = variant::Entity::find()
                .select_only()
                .column(variant::Column::ProductId)
                .column(variant::Column::PriceMinor)
                .filter(variant::Column::ShopId.eq(shop.id))
                .filter(variant::Column::ProductId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(conn)
                .await?;
            let mut lowest: HashMap<i64, i64> = HashMap::new();
            for (id, price) in prices {
                let slot = lowest.entry(id).or_insert(price);
                *slot = (*slot).min(price);
            }
            cards.extend(products.into_iter().map(|p| {
                let card = Card {
                    price_minor: lowest.get(&p.id).copied(),
                    title: p.title,
                    handle: p.handle,
                    image_url: p.image_url,
                };
                (p.id, card)
            }));
        }
        Ok(Self {
            shop_id: shop.id,
            domain: shop.domain.clone(),
            currency: shop.currency.to_ascii_uppercase(),
            cards,
        })
    }

    /// Product `id` as an email item, if it is active and known.
    pub(super) fn item(&self, id: i64, reason: String) -> Option<Item<'_>> {
        let card = self.cards.get(&id)?;
        Some(Item {
            product_id: id,
            id: id.to_string(),
            title: &card.title,
            handle: &card.handle,
            image_url: card.image_url.as_deref(),
            price: card
                .price_minor
                .map(|minor| decimal(minor, currency_exponent(&self.currency))),
            reason,
        })
    }

    /// The item as an email shows it: its link carries the UTM campaign and the rec id, so
    /// the storefront attributes the click (`meander_rec`).
    pub(super) fn shown(&self, item: &Item<'_>, rec_id: &str, campaign: &str) -> Value {
        let url = format!(
            "https://{}/products/{}?utm_source=klaviyo&utm_medium=email&utm_campaign={campaign}&meander_rec={rec_id}",
            self.domain, item.handle
        );
        json!({
            "id": item.id,
            "title": item.title,
            "url": url,
            "image_url": item.image_url,
            "price": item.price,
            "currency": self.currency,
            "reason": item.reason,
            "rec_id": rec_id,
        })
    }

    /// The shop.
    pub(super) fn shop_id(&self) -> i64 {
        self.shop_id
    }

    /// The shop's currency code.
    pub(super) fn currency(&self) -> &str {
        &self.currency
    }
}

impl Item<'_> {
    /// The product shown.
    pub(super) fn product_id(&self) -> i64 {
        self.product_id
    }
}

/// `minor` units as a decimal string with `exponent` fractional digits.
fn decimal(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = scale.unsigned_abs();
    let width = usize::try_from(exponent).unwrap_or(2);
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale)
}

/// The shopper-facing reason of a candidate's main source.
fn reason(source: Source, via: Option<&str>) -> String {
    match (source, via) {
        (Source::CoOccurrence | Source::Content, Some(title)) => {
            format!("Because you viewed {title}")
        }
        (Source::Complement | Source::Pairing, Some(title)) => format!("Goes with {title}"),
        (Source::CoOccurrence, None) => "Shoppers also viewed".into(),
        (Source::Content, None) => "Similar style".into(),
        (Source::Complement | Source::Pairing, None) => "Goes well together".into(),
        (Source::Popularity, _) => "Popular now".into(),
        (Source::NewArrival, _) => "New arrival".into(),
        (Source::Explore, _) => "Something new for you".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_keep_the_currency_s_digits() {
        assert_eq!(decimal(1_999, 2), "19.99");
        assert_eq!(decimal(5, 2), "0.05");
        assert_eq!(decimal(1_500, 0), "1500");
        assert_eq!(decimal(12_345, 3), "12.345");
    }
}
