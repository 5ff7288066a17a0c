//! The Liquid answer of `GET /proxy/recs?format=liquid`.
//!
//! Shopify renders an `application/liquid` app-proxy answer in the shop's theme, so the cards can
//! use the storefront's own product data (`all_products[handle]`: URL, image, price formatted in
//! the shop's currency). That also means every piece of text we write is *Liquid source*: HTML
//! escaping alone is not enough, because a product title containing `{{ customer.email }}` would
//! be evaluated by Shopify. [`LiquidText`] escapes HTML and both brace characters, and all
//! merchant-controlled text goes through it.

use std::collections::HashSet;

use entity::domain::RecId;
use maud::{Markup, PreEscaped, Render, html};

use crate::serving::{RecItem, RecModule, RecResponse};

/// The content type that makes Shopify render an app-proxy answer as Liquid.
pub const CONTENT_TYPE: &str = "application/liquid";

/// Shopify resolves at most 20 distinct handles through `all_products` per page; cards beyond
/// that use our own catalog data.
const ALL_PRODUCTS_LIMIT: usize = 20;

/// Text written into a Liquid template: HTML-escaped, and `{`/`}` written as character
/// references so Liquid never sees a tag or an output delimiter in it.
#[derive(Debug, Clone, Copy)]
pub struct LiquidText<'a>(pub &'a str);

impl Render for LiquidText<'_> {
    fn render_to(&self, buffer: &mut String) {
        escape_into(buffer, self.0);
    }
}

/// Escapes `text` for HTML text and attribute values inside a Liquid template.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            _ => out.push(c),
        }
    }
}

/// A handle we may put inside a Liquid string literal (`all_products['…']`): Shopify handles
/// are lower-case letters, digits, `-` and `_`; anything else is not looked up in Liquid.
fn liquid_safe_handle(handle: &str) -> bool {
    !handle.is_empty()
        && handle.len() <= 255
        && handle
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `/products/{handle}` with everything but unreserved URL characters percent-encoded.
fn product_path(handle: &str) -> String {
    let mut path = String::from("/products/");
    for b in handle.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            path.push(char::from(b));
        } else {
            path.push_str(&format!("%{b:02X}"));
        }
    }
    path
}

/// Renders the answer as a Liquid fragment without the theme layout, one `<section>` per module.
#[must_use]
pub fn render(response: &RecResponse) -> String {
    let looked_up = storefront_lookups(response);
    let markup = html! {
        (PreEscaped("{% layout none %}\n"))
        div.meander-recs__fragment
            data-rec-id=(LiquidText(&response.rec_id.to_string()))
            data-surface=(LiquidText(&response.surface))
            data-model-version=(LiquidText(response.model_version.as_deref().unwrap_or(""))) {
            @for module in &response.modules {
                @if !module.items.is_empty() {
                    (render_module(response.rec_id, module, &looked_up))
                }
            }
        }
    };
    markup.into_string()
}

/// The handles resolved through `all_products`: the first 20 distinct safe ones, in display
/// order.
pub(crate) fn storefront_lookups(response: &RecResponse) -> HashSet<&str> {
    let mut handles = HashSet::new();
    for item in response.modules.iter().flat_map(|m| &m.items) {
        if handles.len() == ALL_PRODUCTS_LIMIT {
            break;
        }
        if liquid_safe_handle(&item.handle) {
            handles.insert(item.handle.as_str());
        }
    }
    handles
}

pub(crate) fn render_module(
    rec_id: RecId,
    module: &RecModule,
    looked_up: &HashSet<&str>,
) -> Markup {
    let rec_id = rec_id.to_string();
    let rec_id = rec_id.as_str();
    html! {
        section.meander-module data-module=(LiquidText(&module.name)) {
            h2.meander-module__title { (LiquidText(&module.title)) }
            ul.meander-grid role="list" {
                @for item in &module.items {
                    @if looked_up.contains(item.handle.as_str()) {
                        (liquid_card(rec_id, item))
                    } @else {
                        (plain_card(rec_id, item))
                    }
                }
            }
        }
    }
}

/// A card whose link, image and price come from the storefront through `all_products`, with
/// our catalog's data where the storefront has nothing (product unpublished since training).
fn liquid_card(rec_id: &str, item: &RecItem) -> Markup {
    // The handle is checked by `liquid_safe_handle`, so it cannot close the string literal.
    let assign = format!(
        "{{%- assign meander_p = all_products['{}'] -%}}",
        item.handle
    );
    let href = format!(
        "{{{{ meander_p.url | default: '{}' }}}}",
        product_path(&item.handle)
    );
    let image = "{%- if meander_p.featured_image -%}<img class=\"meander-card__image\" \
        src=\"{{ meander_p.featured_image | image_url: width: 480 }}\" \
        alt=\"{{ meander_p.featured_image.alt | escape }}\" width=\"480\" height=\"480\" \
        loading=\"lazy\">{%- endif -%}";
    let price = "{%- if meander_p.price -%}<span class=\"meander-card__price\">\
        {{ meander_p.price | money }}</span>{%- endif -%}";
    html! {
        (PreEscaped(assign))
        li.meander-card data-rec-id=(LiquidText(rec_id)) data-product-id=(LiquidText(&item.product_id))
            data-position=(item.position) data-reason=(LiquidText(item.reason)) {
            a.meander-card__link href=(PreEscaped(href)) {
                (PreEscaped(image))
                span.meander-card__title { (LiquidText(&item.title)) }
                (PreEscaped(price))
                @if !item.reason_text.is_empty() {
                    span.meander-card__reason { (LiquidText(&item.reason_text)) }
                }
            }
        }
    }
}

/// A card from our catalog data only (no Liquid lookups).
fn plain_card(rec_id: &str, item: &RecItem) -> Markup {
    html! {
        li.meander-card data-rec-id=(LiquidText(rec_id)) data-product-id=(LiquidText(&item.product_id))
            data-position=(item.position) data-reason=(LiquidText(item.reason)) {
            a.meander-card__link href=(LiquidText(&product_path(&item.handle))) {
                @if let Some(src) = &item.image_url {
                    img.meander-card__image src=(LiquidText(src)) alt=(LiquidText(&item.title))
                        width="480" height="480" loading="lazy";
                }
                span.meander-card__title { (LiquidText(&item.title)) }
                @if !item.reason_text.is_empty() {
                    span.meander-card__reason { (LiquidText(&item.reason_text)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(position: usize, title: &str, handle: &str) -> RecItem {
        RecItem {
            product_id: format!("{}", 1000 + position),
            title: title.into(),
            handle: handle.into(),
            brand: String::new(),
            price_minor: Some(1999),
            hue: 0,
            image_url: None,
            reason: "similar",
            reason_text: "Similar style".into(),
            reason_product_id: None,
            reason_category: None,
            score: 0.5,
            propensity: 1.0,
            explored: false,
            position,
        }
    }

    fn response(items: Vec<RecItem>) -> RecResponse {
        RecResponse {
            rec_id: RecId::from_key(1).unwrap(),
            surface: "pdp".into(),
            model_version: Some("v1".into()),
            list_version: None,
            policy_version: 1,
            modules: vec![RecModule {
                name: "you_may_also_like".into(),
                title: "You may also like".into(),
                items,
            }],
            experiment: None,
        }
    }

    #[test]
    fn escaping_neutralises_html_and_liquid_delimiters() {
        assert_eq!(
            escape(r#"<b>"Tom's" & {{ customer.email }} {% if x %}</b>"#),
            "&lt;b&gt;&quot;Tom&#39;s&quot; &amp; &#123;&#123; customer.email &#125;&#125; \
             &#123;% if x %&#125;&lt;/b&gt;"
        );
        assert_eq!(escape("plain café"), "plain café");
    }

    #[test]
    fn only_plain_handles_are_looked_up_in_liquid() {
        assert!(liquid_safe_handle("linen-dress_2"));
        for bad in ["", "Linen", "a'b", "a b", "x}}", "caf\u{e9}"] {
            assert!(!liquid_safe_handle(bad), "{bad}");
        }
        assert_eq!(product_path("a b/é"), "/products/a%20b%2F%C3%A9");
    }

    #[test]
    fn a_hostile_title_cannot_inject_liquid_or_html() {
        let html = render(&response(vec![item(
            1,
            "{{ customer.email }}<script>alert(1)</script>",
            "dress",
        )]));

        assert!(!html.contains("{{ customer"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&#123;&#123; customer.email &#125;&#125;&lt;script&gt;"));
    }

    #[test]
    fn cards_carry_attribution_and_use_the_storefront_product() {
        let html = render(&response(vec![item(1, "Dress", "dress")]));

        assert!(html.starts_with("{% layout none %}"), "{html}");
        assert!(html.contains(r#"data-rec-id="1""#));
        assert!(html.contains(r#"data-position="1""#));
        assert!(html.contains("all_products['dress']"));
        assert!(html.contains("{{ meander_p.url | default: '/products/dress' }}"));
        assert!(html.contains("Similar style"));
        assert!(html.contains("You may also like"));
    }

    #[test]
    fn at_most_twenty_handles_are_looked_up_per_answer() {
        let items = (1..=25).map(|i| item(i, "P", &format!("p-{i}"))).collect();

        let html = render(&response(items));

        assert_eq!(html.matches("all_products[").count(), ALL_PRODUCTS_LIMIT);
        assert!(html.contains(r#"href="/products/p-25""#), "{html}");
    }
}
