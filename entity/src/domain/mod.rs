//! Domain newtypes: parsed once at the edge, trusted after.

mod money;
mod shop_domain;

pub use money::{Money, MoneyError, currency_exponent, minor_per_major};
pub use shop_domain::{ShopDomain, ShopDomainError};
