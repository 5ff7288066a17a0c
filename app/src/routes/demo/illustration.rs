//! Product illustrations for the demo shop, drawn as inline SVG: one simple shape per
//! department, filled with the product's colour. Deterministic (same product, same picture)
//! and nothing to download, so the demo works offline and its screenshots are stable.

use actix_web::HttpResponse;
use maud::{Markup, PreEscaped, html};

/// The shop's icon: a dark tile with a winding "M" (a meander).
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f2328"/><path d="M7 24V9l9 10 9-10v15" fill="none" stroke="#a5b4fc" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>"##;

/// `GET /favicon.svg` (and `/favicon.ico`, which browsers ask for by themselves).
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(FAVICON)
}

/// The shape of a department, as SVG elements in a 100 × 100 box; `fill` and `line` are the
/// colours. Unknown departments get a plain disc.
fn shape(department: &str, fill: &str, line: &str) -> String {
    let solid =
        format!(r#"fill="{fill}" stroke="{line}" stroke-width="2.5" stroke-linejoin="round""#);
    let outline = format!(r#"fill="none" stroke="{line}" stroke-width="5" stroke-linecap="round""#);
    match department {
        "Women's Apparel" => {
            format!(r#"<path {solid} d="M40 14h20l-3 12 13 18-6 4 12 34H24l12-34-6-4 13-18z"/>"#)
        }
        "Men's Apparel" => format!(
            r#"<path {solid} d="M30 20l12-6q8 8 16 0l12 6 14 14-10 10-6-6v48H32V38l-6 6-10-10z"/>"#
        ),
        "Shoes" => format!(
            r#"<path {solid} d="M12 70q2-24 14-26l12 2q8 10 22 10l20 4q10 3 8 12z"/><path {solid} d="M12 70h76v8H12z"/>"#
        ),
        "Bags & Accessories" => format!(
            r#"<path {outline} d="M36 42q0-22 14-22t14 22"/><path {solid} d="M20 40h60l-5 44H25z"/>"#
        ),
        "Jewelry" => format!(
            r#"<circle cx="50" cy="60" r="22" {outline}/><path {solid} d="M40 30l10-12 10 12-10 12z"/>"#
        ),
        "Beauty" => format!(
            r#"<rect x="44" y="18" width="12" height="18" rx="2" {solid}/><rect x="34" y="36" width="32" height="50" rx="8" {solid}/>"#
        ),
        "Home & Living" => format!(
            r#"<path {solid} d="M32 20h36l12 32H20z"/><path {solid} d="M47 52h6v26h-6z"/><ellipse cx="50" cy="82" rx="18" ry="5" {solid}/>"#
        ),
        "Kitchen" => format!(
            r#"<path {solid} d="M22 44h56v24q0 16-16 16H38q-16 0-16-16z"/><path {outline} d="M24 40q26-20 52 0M12 50h10M78 50h10"/>"#
        ),
        "Outdoor & Sports" => format!(
            r#"<path {solid} d="M8 84l32-54 16 26 10-14 26 42z"/><circle cx="76" cy="24" r="8" {solid}/>"#
        ),
        "Kids" => {
            format!(r#"<path {solid} d="M50 12l10 26h28L65 54l9 28-24-16-24 16 9-28-23-16h28z"/>"#)
        }
        _ => format!(r#"<circle cx="50" cy="50" r="30" {solid}/>"#),
    }
}

/// The illustration of a product of `department` in colour `hue`, described by `label` for
/// screen readers.
pub fn illustration(department: &str, hue: u16, label: &str) -> Markup {
    let fill = format!("hsl({hue},50%,60%)");
    let line = format!("hsl({hue},45%,32%)");
    let backdrop = format!("background:hsl({hue},40%,94%)");
    html! {
        svg.art xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" role="img"
            aria-label=(label) style=(backdrop) {
            title { (label) }
            (PreEscaped(shape(department, &fill, &line)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_department_has_its_own_shape_and_colour_follows_the_hue() {
        let departments = [
            "Women's Apparel",
            "Men's Apparel",
            "Shoes",
            "Bags & Accessories",
            "Jewelry",
            "Beauty",
            "Home & Living",
            "Kitchen",
            "Outdoor & Sports",
            "Kids",
        ];
        let shapes: std::collections::HashSet<String> = departments
            .iter()
            .map(|d| shape(d, "red", "black"))
            .collect();
        assert_eq!(shapes.len(), departments.len());
        assert_eq!(
            shape("Nowhere", "red", "black"),
            shape("Else", "red", "black")
        );
        let svg = illustration("Kitchen", 222, "Dutch oven <navy>").into_string();
        assert!(svg.contains("hsl(222,50%,60%)"), "{svg}");
        assert!(
            svg.contains("aria-label=\"Dutch oven &lt;navy&gt;\""),
            "{svg}"
        );
        assert_eq!(
            svg,
            illustration("Kitchen", 222, "Dutch oven <navy>").into_string()
        );
    }
}
