//! The generated shop's plain data types: what a loader writes into the database.

mod activity;
mod catalog;

pub use activity::{Customer, Event, EventKind, Order, OrderLine, Session};
pub use catalog::{Brand, Category, Collection, PriceTier, Product, ProductStatus, Variant};
