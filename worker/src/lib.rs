//! Meander's job runtime: typed jobs on a durable queue (apalis on the app's own SQLite or
//! PostgreSQL database), worker processes with retries, backoff, heartbeats and orphan
//! recovery, and the periodic schedule. The work itself lives in `services`; each job file is
//! a thin adapter that calls it.
//!
//! Code enqueues only typed jobs ([`jobs`]) through [`JobQueue`]; [`WorkerPool`] runs them.

pub mod cli;
pub mod enqueue;
pub mod heartbeat;
pub mod host_locks;
pub mod job;
pub mod jobs;
pub mod keepalive;
pub mod pool;
pub mod queue;
pub mod receipts;
pub mod retry;
pub mod runner;
pub mod schedule;

pub use job::{Job, JobContext, JobError};
pub use pool::WorkerPool;
pub use queue::{JobQueue, QueueError};

/// Anything that stops the worker machinery from starting.
pub type WorkerError = QueueError;
