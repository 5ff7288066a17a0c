//! The Liquid answer of `GET /proxy/search`: a search results page in the shop's theme (no
//! `{% layout none %}`: Shopify wraps it in the theme's layout, so a merchant can link
//! `/apps/meander/search?q=…` as the shop's search page). Cards are the recommendation cards
//! (`recs_liquid`), with the rec id and position that attribute a click; every piece of text
//! goes through [`LiquidText`].

use maud::{Markup, html};

use super::recs_liquid::{LiquidText, render_module, storefront_lookups};
use crate::serving::search::SearchResponse;

/// Renders the page; `path_prefix` is the storefront path the app proxy serves us under
/// (`/apps/meander`), which the search form and the page links point at.
#[must_use]
pub fn render(response: &SearchResponse, path_prefix: &str) -> String {
    let results = &response.results;
    let looked_up = storefront_lookups(results);
    let action = format!("{path_prefix}/search");
    let query = &response.query.text;
    let markup = html! {
        div.meander-search data-rec-id=(LiquidText(&results.rec_id.to_string())) data-surface="search" {
            form.meander-search__form action=(LiquidText(&action)) method="get" role="search" {
                label for="meander-search-q" { "Search" }
                input #meander-search-q type="search" name="q" value=(LiquidText(query));
                button type="submit" { "Search" }
            }
            @if results.modules.iter().all(|m| m.items.is_empty()) {
                p.meander-search__empty { "No products found." }
            } @else {
                @if response.query.fallback {
                    p.meander-search__fallback { "No exact matches: products you may like instead." }
                }
                @for module in &results.modules {
                    (render_module(results.rec_id, module, &looked_up))
                }
            }
            (pages(response, &action))
        }
    };
    markup.into_string()
}

/// Previous / next links, keeping the query.
fn pages(response: &SearchResponse, action: &str) -> Markup {
    let link = |page: usize| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &response.query.text)
            .append_pair("page", &page.to_string())
            .finish();
        format!("{action}?{query}")
    };
    html! {
        nav.meander-search__pages aria-label="Result pages" {
            @if response.page > 1 {
                a rel="prev" href=(LiquidText(&link(response.page - 1))) { "Previous" }
            }
            @if response.has_more {
                a rel="next" href=(LiquidText(&link(response.page + 1))) { "Next" }
            }
        }
    }
}
