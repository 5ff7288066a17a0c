//! What the app and the worker share: typed settings, telemetry set-up and the database
//! connection (SQLite or PostgreSQL, one pool for sea-orm and the job queue).

pub mod database;
pub mod process;
pub mod settings;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "test-support")]
pub mod testing;

pub use database::{Backend, Database, DatabaseError};
pub use settings::{Settings, SettingsError};
