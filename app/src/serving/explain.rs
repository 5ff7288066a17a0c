//! The merchant's preview: every module's list with each item's score components and the
//! policy step that placed it, under the saved settings and, side by side, under a draft.

use ranker::{ScoreComponents, ServedList, Step};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use services::settings::Tuning;

use super::cache::ShopModel;
use super::{RecRequest, serve};
use crate::error::ApiError;

/// One item of a previewed module.
#[derive(Debug, Serialize)]
pub struct ExplainedItem {
    /// 1-based slot within the module.
    pub position: usize,
    /// Product id.
    pub product_id: String,
    /// Title, for the merchant.
    pub title: String,
    /// Brand.
    pub brand: String,
    /// Blended score.
    pub score: f32,
    /// The five features behind the score.
    pub components: ScoreComponents,
    /// The policy step that placed it.
    pub step: Step,
    /// The reason's code.
    pub reason: &'static str,
    /// Whether an exploration draw placed it, and how likely that was.
    pub explored: bool,
    /// Probability of this item in this slot.
    pub propensity: f32,
}

/// One previewed module.
#[derive(Debug, Serialize)]
pub struct ExplainedModule {
    /// Module name.
    pub name: String,
    /// Heading shown to shoppers.
    pub title: String,
    /// Items in slot order.
    pub items: Vec<ExplainedItem>,
}

/// `request` served under `tuning` with exploration seeded by `seed`, explained.
///
/// # Errors
/// As [`super::serve`].
pub async fn explain(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    tuning: &Tuning,
    seed: u64,
) -> Result<Vec<ExplainedModule>, ApiError> {
    let served = serve(conn, model, request, tuning, seed).await?;
    Ok(modules(model, tuning, request, served))
}

fn modules(
    model: &ShopModel,
    tuning: &Tuning,
    request: &RecRequest,
    served: ServedList,
) -> Vec<ExplainedModule> {
    served
        .modules
        .into_iter()
        .map(|module| ExplainedModule {
            title: tuning.title(request.surface, &module.name),
            items: module
                .items
                .iter()
                .take(request.limit)
                .enumerate()
                .map(|(i, item)| {
                    let id = item.ranked.external_id;
                    let display = model.display.get(&id);
                    ExplainedItem {
                        position: i + 1,
                        product_id: id.to_string(),
                        title: display.map(|d| d.title.clone()).unwrap_or_default(),
                        brand: display.map(|d| d.brand.clone()).unwrap_or_default(),
                        score: item.ranked.score,
                        components: item.ranked.components,
                        step: item.step,
                        reason: item.ranked.reason.code(),
                        explored: item.explored,
                        propensity: item.propensity,
                    }
                })
                .collect(),
            name: module.name,
        })
        .collect()
}
