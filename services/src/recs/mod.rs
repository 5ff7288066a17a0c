//! Recommendation models: training data from behaviour, candidate pools per seed from the
//! ranker's generators, the lists precomputed from them per surface, product and shopper,
//! and their versioned storage, read by the serving path.

pub mod lists;
pub mod pools;
pub mod precompute;
pub mod profiles;
pub mod store;
pub mod training;

use chrono::Utc;
use common::Database;

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Reading or writing the database failed.
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    /// The ranker refused the inputs.
    #[error(transparent)]
    Ranker(#[from] ranker::RankerError),
    /// The shop's settings could not be read.
    #[error(transparent)]
    Settings(#[from] crate::settings::LoadError),
    /// The CPU-bound step could not run.
    #[error("model build task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A thread of the CPU-bound step panicked.
    #[error("a precompute thread panicked")]
    Panicked,
}

/// Trains the candidate models for a shop and stores a new pool version; returns it.
///
/// # Errors
/// [`BuildError`]; the previous version keeps serving.
pub async fn train(db: &Database, shop_id: i64) -> Result<String, BuildError> {
    let now = Utc::now();
    let view = crate::catalog::view::load(&db.conn, shop_id, now).await?;
    let data = training::load(&db.conn, shop_id, &view.catalog, now).await?;
    // Fitting is CPU-bound: keep it off the async workers that serve other jobs.
    let pools = tokio::task::spawn_blocking(move || {
        pools::build(
            &view.catalog,
            &data.interactions,
            &data.purchases,
            now.timestamp(),
        )
    })
    .await??;
    Ok(store::save(&db.conn, shop_id, &pools, now).await?)
}
