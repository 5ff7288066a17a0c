//! The demo shop's visitor: a storefront session and a cart, both kept in cookies, so that a
//! person browsing the preview gets the re-rank and the cart a shopper would.

use actix_web::HttpRequest;
use actix_web::cookie::Cookie;

const SESSION_COOKIE: &str = "meander_demo_session";
const CART_COOKIE: &str = "meander_demo_cart";
/// Lines a demo cart holds; older ones drop off.
const MAX_CART_LINES: usize = 20;

/// Who is browsing the demo shop.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Storefront session (also the anonymous id): events and impressions are logged under it.
    pub session: String,
    /// Products in the cart, oldest first.
    pub cart: Vec<i64>,
}

impl Visitor {
    /// The visitor the cookies name, or a new one. A malformed cookie starts afresh rather
    /// than failing the page.
    #[must_use]
    pub fn from_request(req: &HttpRequest) -> Self {
        let session = req
            .cookie(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|v| {
                !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric())
            })
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let cart = req
            .cookie(CART_COOKIE)
            .map(|c| {
                c.value()
                    .split('.')
                    .filter_map(|id| id.parse().ok())
                    .take(MAX_CART_LINES)
                    .collect()
            })
            .unwrap_or_default();
        Self { session, cart }
    }

    /// Puts `product` in the cart (once; the newest last).
    pub fn add_to_cart(&mut self, product: i64) {
        self.cart.retain(|p| *p != product);
        self.cart.push(product);
        if self.cart.len() > MAX_CART_LINES {
            self.cart.remove(0);
        }
    }

    /// The cookies that keep this visitor on the next page.
    #[must_use]
    pub fn cookies(&self) -> [Cookie<'static>; 2] {
        let cart: Vec<String> = self.cart.iter().map(i64::to_string).collect();
        [
            Cookie::build(SESSION_COOKIE, self.session.clone()),
            Cookie::build(CART_COOKIE, cart.join(".")),
        ]
        .map(|cookie| cookie.path("/demo").http_only(true).finish())
    }
}
