//! The merchant admin's pages: `GET /` (and `/settings`, `/preview`, `/rules`, `/experiments`,
//! `/discovery`) inside the Shopify admin, signed in by App Bridge's `id_token` and framed
//! only by the shop's admin; and `GET /demo/admin` (same sub-pages) for the demo shop with
//! the demo key from the log.
//! Plain server-rendered HTML in a Polaris-like style; small inline scripts call the JSON
//! API (`/admin/api/…`) with a fresh session token (`await shopify.idToken()`) or the key.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use super::admin::ShopSession;
use super::{admin_shop, auth};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

const STYLE: &str = include_str!("admin_page.css");
const SCRIPT: &str = include_str!("admin_page.js");
/// App Bridge, which Shopify requires of embedded apps (loaded first, unbundled).
const APP_BRIDGE: &str = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

/// Which page of the admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Onboarding,
    Settings,
    Preview,
    Rules,
    Experiments,
    Discovery,
}

impl Page {
    const ALL: [(Self, &'static str, &'static str); 6] = [
        (Self::Onboarding, "", "Onboarding"),
        (Self::Settings, "/settings", "Settings"),
        (Self::Preview, "/preview", "Preview"),
        (Self::Rules, "/rules", "Rules & audit"),
        (Self::Experiments, "/experiments", "Experiments"),
        (Self::Discovery, "/discovery", "Discovery"),
    ];

    fn from_path(tail: &str) -> Result<Self, ApiError> {
        Self::ALL
            .iter()
            .find(|(_, path, _)| *path == tail)
            .map(|(page, ..)| *page)
            .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "no such admin page"))
    }

    fn name(self) -> &'static str {
        match self {
            Self::Onboarding => "onboarding",
            Self::Settings => "settings",
            Self::Preview => "preview",
            Self::Rules => "rules",
            Self::Experiments => "experiments",
            Self::Discovery => "discovery",
        }
    }
}

/// How the page's scripts authenticate.
enum Auth<'a> {
    /// Inside Shopify: App Bridge with the app's client id.
    Embedded { api_key: &'a str },
    /// The demo admin: the key in a header.
    Demo { key: &'a str },
}

fn page(shop_name: &str, base: &str, current: Page, auth: &Auth<'_>) -> Markup {
    let (mode, key) = match auth {
        Auth::Embedded { .. } => ("embedded", ""),
        Auth::Demo { key } => ("demo", *key),
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                @if let Auth::Embedded { api_key } = auth {
                    meta name="shopify-api-key" content=(api_key);
                    script src=(APP_BRIDGE) {}
                }
                title { "Meander — " (shop_name) }
                style { (PreEscaped(STYLE)) }
            }
            body data-mode=(mode) data-key=(key) data-page=(current.name()) {
                header {
                    h1 { "Meander" }
                    span.muted { (shop_name) }
                    nav {
                        @for (target, path, label) in Page::ALL {
                            a.active[target == current] href=(href(base, path)) data-nav { (label) }
                        }
                    }
                }
                main #app { p.muted { "Loading…" } }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// A page's address: the embedded onboarding page is `/` itself.
fn href(base: &str, path: &str) -> String {
    match format!("{base}{path}") {
        root if root.is_empty() => "/".to_owned(),
        other => other,
    }
}

fn html_response(markup: Markup, frame_ancestors: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!("frame-ancestors {frame_ancestors};"),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// `GET /`, `/settings`, `/preview`, `/rules`: the embedded admin, framed only by the shop's
/// admin. Opened with a `shop` but without a session token (the app's URL typed or linked
/// outside the Shopify admin, or before install), it sends the merchant to the install flow,
/// which ends in the Shopify admin where App Bridge supplies the token.
///
/// # Errors
/// 401 for an invalid `id_token` (or none without a `shop`; a page saying what to do for a
/// browser), 503 without Shopify credentials, 404 for another page.
pub async fn embedded(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Result<ShopSession, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let current = Page::from_path(req.path().trim_end_matches('/'))?;
    let session = match session {
        Ok(session) => session,
        Err(err) => {
            return install_redirect(&req)
                .map_or_else(|| refusal(&req, err, Refused::Embedded), Ok);
        }
    };
    let auth = Auth::Embedded {
        api_key: &state.settings.shopify.api_key,
    };
    let markup = page(&session.shop.name, "", current, &auth);
    let ancestors = format!("https://{} https://admin.shopify.com", session.shop.domain);
    Ok(html_response(markup, &ancestors))
}

/// A redirect to `/auth?shop=…` for a request naming a valid shop and no session token.
fn install_redirect(req: &HttpRequest) -> Option<HttpResponse> {
    let query = shopify::signature::parse_query(req.query_string());
    let has = |name: &str| query.iter().any(|(k, _)| k == name);
    if has("id_token") || req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    let (_, shop) = query.iter().find(|(k, _)| k == "shop")?;
    let shop = auth::parse_shop(shop).ok()?;
    let location = format!(
        "/auth?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("shop", shop.as_str())
            .finish()
    );
    Some(
        HttpResponse::Found()
            .insert_header((header::LOCATION, location))
            .finish(),
    )
}

/// The demo admin's query.
#[derive(Debug, Deserialize)]
pub struct DemoQuery {
    /// The demo admin key the log printed.
    #[serde(default)]
    key: String,
}

/// `GET /demo/admin` and its `/settings`, `/preview` and `/rules`: the demo shop's
/// admin, opened with the key from the log; never framed.
///
/// # Errors
/// As [`admin_shop::demo_shop`] (a page saying what to do for a browser); 404 for another
/// page.
pub async fn demo(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<DemoQuery>,
) -> Result<HttpResponse, ApiError> {
    let tail = req.path().trim_start_matches("/demo/admin");
    let current = Page::from_path(tail)?;
    let shop = match admin_shop::demo_shop(&state, &req, &query.key).await {
        Ok(shop) => shop,
        Err(err) => return refusal(&req, err, Refused::Demo),
    };
    let markup = page(
        &shop.name,
        "/demo/admin",
        current,
        &Auth::Demo { key: &query.key },
    );
    Ok(html_response(markup, "'none'"))
}

/// Which admin refused a browser, for what to tell it.
#[derive(Debug, Clone, Copy)]
enum Refused {
    Embedded,
    Demo,
}

impl Refused {
    fn what_to_do(self) -> &'static str {
        match self {
            Self::Embedded => {
                "Open Meander from your Shopify admin (Apps → Meander): the admin signs you in. \
                 If the app is not installed on your shop yet, install it first."
            }
            Self::Demo => {
                "Open the demo admin with the address the app printed in its log at start \
                 (…/demo/admin?key=…), on the machine the app runs on. The key changes every \
                 time the app starts; while the demo shop loads, reload in a few seconds."
            }
        }
    }

    /// Who may frame the page: the Shopify admin for the embedded app, no one for the demo.
    fn frame_ancestors(self) -> &'static str {
        match self {
            Self::Embedded => "https://admin.shopify.com https://*.myshopify.com",
            Self::Demo => "'none'",
        }
    }
}

/// A refused admin page: a browser (which asks for HTML) gets a page with the error's
/// status saying what happened and what to do, not a JSON body it would show raw; other
/// clients keep the JSON error.
fn refusal(req: &HttpRequest, err: ApiError, refused: Refused) -> Result<HttpResponse, ApiError> {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let explained = matches!(
        err.kind(),
        ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::Unavailable
    );
    if !wants_html || !explained {
        return Err(err);
    }
    tracing::info!(error = %err, "admin page refused");
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Meander — cannot open the admin" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    div.card {
                        h2 { "Meander cannot open the admin" }
                        div.banner.bad { (err.message()) }
                        p { (refused.what_to_do()) }
                    }
                }
            }
        }
    };
    let mut response = html_response(markup, refused.frame_ancestors());
    *response.status_mut() = err.kind().status();
    Ok(response)
}
