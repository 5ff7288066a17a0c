//! The fake's web pixels: the `webPixel` query and the `webPixelCreate` / `webPixelUpdate`
//! mutations, one pixel per shop, answered in Shopify's shapes (the "No web pixel was found
//! for this app." error, user errors `TAKEN`, `NOT_FOUND` and `INVALID_CONFIGURATION_JSON`).
//! Every mutation received is recorded with its settings so tests can assert them.

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};

use super::FakeAdmin;

/// A `webPixelCreate` or `webPixelUpdate` the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelMutation {
    /// The shop's domain.
    pub shop: String,
    /// `webPixelCreate` or `webPixelUpdate`.
    pub mutation: &'static str,
    /// `webPixel.settings` as received (the JSON-encoded string, decoded), `Null` when it
    /// was not a string holding JSON.
    pub settings: Value,
    /// Whether the fake applied it (no user error).
    pub applied: bool,
}

struct Pixel {
    id: String,
    settings: Value,
}

/// Web pixel state of the fake.
#[derive(Default)]
pub(super) struct Pixels {
    by_shop: HashMap<String, Pixel>,
    created: usize,
    mutations: Vec<PixelMutation>,
    rejections: VecDeque<Value>,
}

impl FakeAdmin {
    /// The settings of `shop`'s web pixel, `None` when it has none.
    #[must_use]
    pub fn web_pixel_settings(&self, shop: &str) -> Option<Value> {
        let state = self.lock();
        state.pixels.by_shop.get(shop).map(|p| p.settings.clone())
    }

    /// Every `webPixelCreate` and `webPixelUpdate` received, in order.
    #[must_use]
    pub fn web_pixel_mutations(&self) -> Vec<PixelMutation> {
        self.lock().pixels.mutations.clone()
    }

    /// The next web pixel mutation answers this user error (`code` from
    /// `ErrorsWebPixelUserErrorCode`, `field` the input path) instead of applying.
    pub fn reject_next_web_pixel_mutation(&self, code: &str, field: &[&str], message: &str) {
        let error = user_error(code, Some(field), message);
        self.lock().pixels.rejections.push_back(error);
    }
}

/// Whether `query` is a web pixel query or mutation.
pub(super) fn handles(query: &str) -> bool {
    query.contains("webPixel")
}

/// The answer to a web pixel query or mutation.
pub(super) fn answer(pixels: &mut Pixels, shop: &str, query: &str, variables: &Value) -> Value {
    for mutation in ["webPixelCreate", "webPixelUpdate"] {
        if query.contains(&format!("{mutation}(")) {
            let payload = mutate(pixels, shop, mutation, variables);
            return json!({"data": {mutation: payload}});
        }
    }
    find(pixels, shop)
}

fn find(pixels: &Pixels, shop: &str) -> Value {
    match pixels.by_shop.get(shop) {
        Some(pixel) => json!({"data": {"webPixel": describe(pixel)}}),
        // Shopify reports a missing pixel as a top-level error, not as `null`.
        None => json!({"errors": [{
            "message": "No web pixel was found for this app.",
            "path": ["webPixel"],
        }]}),
    }
}

fn describe(pixel: &Pixel) -> Value {
    json!({"id": pixel.id, "settings": pixel.settings.to_string()})
}

fn mutate(pixels: &mut Pixels, shop: &str, mutation: &'static str, variables: &Value) -> Value {
    // Shopify's examples send `settings` as a JSON-encoded string; so does Meander.
    let settings = variables["webPixel"]["settings"]
        .as_str()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .filter(Value::is_object);
    let outcome = match (pixels.rejections.pop_front(), settings.clone()) {
        (Some(rejection), _) => Err(rejection),
        (None, None) => Err(user_error(
            "INVALID_CONFIGURATION_JSON",
            Some(&["settings"]),
            "Settings must be valid JSON",
        )),
        (None, Some(settings)) if mutation == "webPixelCreate" => create(pixels, shop, settings),
        (None, Some(settings)) => update(pixels, shop, variables["id"].as_str(), settings),
    };
    pixels.mutations.push(PixelMutation {
        shop: shop.to_owned(),
        mutation,
        settings: settings.unwrap_or(Value::Null),
        applied: outcome.is_ok(),
    });
    match outcome {
        Ok(pixel) => json!({"webPixel": pixel, "userErrors": []}),
        Err(error) => json!({"webPixel": null, "userErrors": [error]}),
    }
}

fn create(pixels: &mut Pixels, shop: &str, settings: Value) -> Result<Value, Value> {
    if pixels.by_shop.contains_key(shop) {
        return Err(user_error("TAKEN", None, "Web pixel is taken."));
    }
    pixels.created += 1;
    let pixel = Pixel {
        id: format!("gid://shopify/WebPixel/{}", pixels.created),
        settings,
    };
    let described = describe(&pixel);
    pixels.by_shop.insert(shop.to_owned(), pixel);
    Ok(described)
}

fn update(
    pixels: &mut Pixels,
    shop: &str,
    id: Option<&str>,
    settings: Value,
) -> Result<Value, Value> {
    match pixels.by_shop.get_mut(shop) {
        Some(pixel) if Some(pixel.id.as_str()) == id => {
            pixel.settings = settings;
            Ok(describe(pixel))
        }
        _ => Err(user_error("NOT_FOUND", Some(&["id"]), "Pixel not found")),
    }
}

fn user_error(code: &str, field: Option<&[&str]>, message: &str) -> Value {
    json!({"field": field, "message": message, "code": code})
}
