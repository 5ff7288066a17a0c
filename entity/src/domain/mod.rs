//! Domain newtypes: parsed once at the edge, trusted after.

mod money;
mod rec_id;
mod shop_domain;

pub use money::{Money, MoneyError, currency_exponent, minor_per_major};
pub use rec_id::{EPOCH_MS, NODES, RecId, RecIds};
pub use shop_domain::{ShopDomain, ShopDomainError};
