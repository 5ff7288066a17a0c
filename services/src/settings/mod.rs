//! Merchant settings per surface (home, product page, cart, email, search): score weights,
//! exploration and its share, brand cap, seller share, in-stock only, list length and module
//! titles. A document ([`SurfaceSettings`]) is validated field by field ([`validate`]),
//! saved as a new version with optimistic concurrency ([`store::save`]), and mapped onto the
//! ranker's default policies and rules ([`Tuning`]) that serving and precompute run. The
//! defaults are read off the ranker's own defaults, never written twice.

mod document;
pub mod store;
mod tuning;
mod validate;

pub(crate) use document::default_spec;
pub use document::{ExplorationSettings, SURFACES, SurfaceSettings};
pub use store::{CurrentSettings, LoadError, SaveError};
pub use tuning::{Applied, Tuning};
pub use validate::{FieldError, validate};
