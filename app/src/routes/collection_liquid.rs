//! The Liquid answer of `GET /proxy/collections/{handle}`: a collection page in the shop's
//! theme (no `{% layout none %}`: Shopify wraps it in the theme's layout) with the sort
//! choice, the cards of the recommendation blocks (`recs_liquid`, with the rec id and
//! position that attribute a click) and previous / next links; every piece of text goes
//! through [`LiquidText`].

use maud::{Markup, html};
use services::catalog::collections::Collection;
use services::category::Sort;

use super::recs_liquid::{LiquidText, render_module, storefront_lookups};
use crate::serving::category::CategoryResponse;

/// Renders the page; `path_prefix` is the storefront path the app proxy serves us under
/// (`/apps/meander`), which the sort form and the page links point at.
#[must_use]
pub fn render(response: &CategoryResponse, collection: &Collection, path_prefix: &str) -> String {
    let results = &response.results;
    let looked_up = storefront_lookups(results);
    let action = format!("{path_prefix}/collections/{}", collection.handle);
    let markup = html! {
        div.meander-collection data-rec-id=(LiquidText(&results.rec_id.to_string())) data-surface="category" {
            h1.meander-collection__title { (LiquidText(&collection.title)) }
            form.meander-collection__sort action=(LiquidText(&action)) method="get" {
                label for="meander-collection-sort" { "Sort by" }
                select #meander-collection-sort name="sort" onchange="this.form.submit()" {
                    @for (sort, name, label) in Sort::ALL {
                        option value=(name) selected[sort.name() == response.sort] { (label) }
                    }
                }
                noscript { button type="submit" { "Sort" } }
            }
            p.meander-collection__count { (response.total) " products" }
            @if results.modules.iter().all(|m| m.items.is_empty()) {
                p.meander-collection__empty { "No products on this page." }
            } @else {
                @for module in &results.modules {
                    (render_module(results.rec_id, module, &looked_up))
                }
            }
            (pages(response, &action))
        }
    };
    markup.into_string()
}

/// Previous / next links, keeping the sort.
fn pages(response: &CategoryResponse, action: &str) -> Markup {
    let link = |page: usize| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("sort", response.sort)
            .append_pair("page", &page.to_string())
            .finish();
        format!("{action}?{query}")
    };
    let pages = response.total.div_ceil(response.page_size).max(1);
    html! {
        nav.meander-collection__pages aria-label="Collection pages" {
            @if response.page > 1 && response.page <= pages {
                a rel="prev" href=(LiquidText(&link(response.page - 1))) { "Previous" }
            }
            @if response.has_more {
                a rel="next" href=(LiquidText(&link(response.page + 1))) { "Next" }
            }
        }
    }
}
