//! Meander's background work: typed jobs on a durable queue (apalis on the app's own SQLite
//! or PostgreSQL database), worker processes with retries, backoff, heartbeats and orphan
//! recovery, and the demo shop loader.
//!
//! Code enqueues only typed jobs ([`jobs`]) through [`JobQueue`]; [`WorkerPool`] runs them.

pub mod catalog;
pub mod cli;
pub mod compliance;
pub mod demo;
pub mod heartbeat;
pub mod jobs;
pub mod pool;
pub mod queue;
pub mod recs;
pub mod retry;
pub mod rollups;
pub mod runs;
pub mod schedule;
pub mod shop_auth;
pub mod shop_tokens;
pub mod signals;
pub mod sync;

pub use jobs::{Job, JobContext, JobError};
pub use pool::WorkerPool;
pub use queue::{JobQueue, QueueError};

/// Anything that stops the worker machinery from starting.
pub type WorkerError = QueueError;
