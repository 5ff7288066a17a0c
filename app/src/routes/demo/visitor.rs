//! The demo shop's visitor: a storefront session, a cart and the last order, all kept in
//! cookies, so that a person browsing the preview gets the re-rank and the cart a shopper would.

use actix_web::HttpRequest;
use actix_web::cookie::Cookie;

const SESSION_COOKIE: &str = "meander_demo_session";
const CART_COOKIE: &str = "meander_demo_cart";
const ORDER_COOKIE: &str = "meander_demo_order";
/// Lines a demo cart holds; older ones drop off.
const MAX_CART_LINES: usize = 20;
/// Units of one line; more is refused by the form and clamped here.
pub const MAX_QUANTITY: u32 = 99;

/// One line of the cart: a product, the variant picked (if any) and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartLine {
    /// The product.
    pub product: i64,
    /// The variant picked on the product page; `None` for the product's first.
    pub variant: Option<i64>,
    /// Units, 1 to [`MAX_QUANTITY`].
    pub quantity: u32,
}

impl CartLine {
    /// `product-variant-quantity` (variant 0 for none); a bare product id is one unit of it.
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let product = parts.next()?.parse().ok()?;
        let variant = parts.next().map_or(Ok(0), str::parse).ok()?;
        let quantity: u32 = parts.next().map_or(Ok(1), str::parse).ok()?;
        Some(Self {
            product,
            variant: (variant != 0).then_some(variant),
            quantity: quantity.clamp(1, MAX_QUANTITY),
        })
    }

    fn encode(self) -> String {
        format!(
            "{}-{}-{}",
            self.product,
            self.variant.unwrap_or(0),
            self.quantity
        )
    }
}

/// Who is browsing the demo shop.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Storefront session (also the anonymous id): events and impressions are logged under it.
    pub session: String,
    /// The cart's lines, oldest first, one per product.
    pub cart: Vec<CartLine>,
    /// The lines of the last order placed (shown on the thank-you page).
    pub order: Vec<CartLine>,
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
        let lines = |name: &str| -> Vec<CartLine> {
            req.cookie(name)
                .map(|c| {
                    c.value()
                        .split('.')
                        .filter_map(CartLine::parse)
                        .take(MAX_CART_LINES)
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            session,
            cart: lines(CART_COOKIE),
            order: lines(ORDER_COOKIE),
        }
    }

    /// The cart's products, oldest first.
    #[must_use]
    pub fn cart_products(&self) -> Vec<i64> {
        self.cart.iter().map(|line| line.product).collect()
    }

    /// Units in the cart.
    #[must_use]
    pub fn cart_units(&self) -> u32 {
        self.cart.iter().map(|line| line.quantity).sum()
    }

    /// Adds `quantity` of `product` (in `variant`) to the cart; the line moves to the end.
    pub fn add_to_cart(&mut self, product: i64, variant: Option<i64>, quantity: u32) {
        let before = self.remove(product).map_or(0, |line| line.quantity);
        self.cart.push(CartLine {
            product,
            variant,
            quantity: before.saturating_add(quantity).clamp(1, MAX_QUANTITY),
        });
        if self.cart.len() > MAX_CART_LINES {
            self.cart.remove(0);
        }
    }

    /// Sets the units of `product`'s line (0 removes it); `false` when it is not in the cart.
    pub fn set_quantity(&mut self, product: i64, quantity: u32) -> bool {
        if quantity == 0 {
            return self.remove(product).is_some();
        }
        let line = self.cart.iter_mut().find(|line| line.product == product);
        line.map(|line| line.quantity = quantity.min(MAX_QUANTITY))
            .is_some()
    }

    /// Takes `product`'s line out of the cart.
    pub fn remove(&mut self, product: i64) -> Option<CartLine> {
        let at = self.cart.iter().position(|line| line.product == product)?;
        Some(self.cart.remove(at))
    }

    /// Turns the cart into the last order and empties it.
    pub fn place_order(&mut self) {
        self.order = std::mem::take(&mut self.cart);
    }

    /// The cookies that keep this visitor on the next page.
    #[must_use]
    pub fn cookies(&self) -> [Cookie<'static>; 3] {
        let encode = |lines: &[CartLine]| -> String {
            let parts: Vec<String> = lines.iter().map(|line| line.encode()).collect();
            parts.join(".")
        };
        [
            Cookie::build(SESSION_COOKIE, self.session.clone()),
            Cookie::build(CART_COOKIE, encode(&self.cart)),
            Cookie::build(ORDER_COOKIE, encode(&self.order)),
        ]
        .map(|cookie| cookie.path("/demo").http_only(true).finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_old_cookies_still_read() {
        let line = CartLine {
            product: 12,
            variant: Some(34),
            quantity: 3,
        };
        assert_eq!(CartLine::parse(&line.encode()), Some(line));
        let bare = CartLine::parse("12").unwrap();
        assert_eq!((bare.variant, bare.quantity), (None, 1));
        assert_eq!(CartLine::parse("12-0-500").unwrap().quantity, MAX_QUANTITY);
        assert_eq!(CartLine::parse("x-1-1"), None);
    }
}
