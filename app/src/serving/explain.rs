//! The merchant's preview: every module's list with each item's score components, the
//! policy step that placed it and what a merchant rule did to it, under the saved settings
//! and rules and, side by side, under a draft.

use std::collections::HashMap;

use ranker::{ScoreComponents, ServedItem, ServedList, Step};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use services::settings::Tuning;

use super::cache::ShopModel;
use super::rules;
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
    /// The merchant rule that pinned, boosted or buried it.
    pub rule: Option<i64>,
    /// What that rule did ("pinned to slot 2 by rule 3; moved to slot 4: …").
    pub note: Option<String>,
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
    /// Pins this module did not show, and why.
    pub notes: Vec<String>,
}

/// `request` served under `tuning` with exploration seeded by `seed`, explained; `idle`
/// says, by rule id, why a rule matches no product (see [`rules::idle_notes`]).
///
/// # Errors
/// As [`super::serve`].
pub async fn explain(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    tuning: &Tuning,
    seed: u64,
    idle: &HashMap<i64, String>,
) -> Result<Vec<ExplainedModule>, ApiError> {
    let served = serve(conn, model, request, tuning, seed, None).await?;
    let now = chrono::Utc::now().timestamp();
    let idle = rules::idle_notes(tuning.rules(), request.surface, now, idle);
    Ok(modules(model, tuning, request, served, &idle))
}

/// The served modules explained; `idle` (rules that do nothing) and the pins a module
/// could not show are told in the first module's notes.
fn modules(
    model: &ShopModel,
    tuning: &Tuning,
    request: &RecRequest,
    served: ServedList,
    idle: &[String],
) -> Vec<ExplainedModule> {
    let brand = |id: i64| model.display.get(&id).map_or("", |d| d.brand.as_str());
    let pins = &served.pins;
    let note = |item: &ServedItem| {
        let rule = item.rule?;
        if item.step == Step::Pinned {
            let id = item.ranked.external_id;
            let outcome = pins.iter().find(|p| p.product == id)?;
            return Some(rules::pin_note(outcome, brand(id)));
        }
        rules::shift_note(tuning.rules(), rule)
    };
    served
        .modules
        .into_iter()
        .enumerate()
        .map(|(index, module)| ExplainedModule {
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
                        rule: item.rule,
                        note: note(item),
                    }
                })
                .collect(),
            // Pins go to the first module; those it could not show are told there.
            notes: pins
                .iter()
                .filter(|p| index == 0 && p.placed.is_none())
                .map(|p| rules::pin_note(p, brand(p.product)))
                .chain(idle.iter().filter(|_| index == 0).cloned())
                .collect(),
            name: module.name,
        })
        .collect()
}
