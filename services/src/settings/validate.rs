//! Field-by-field validation of a settings document: every problem is reported at once,
//! each naming its field, so the admin can show it next to the input.

use ranker::Surface;
use serde::Serialize;

use super::document::{SurfaceSettings, default_spec, weight_fields};
use super::tuning::{self, Applied};

/// Longest list a surface may show (serving answers at most this many items per module).
pub const MAX_LIST_LENGTH: usize = 24;
/// Most items of one brand a brand cap may allow (it counts within the first 8 slots).
const MAX_BRAND_CAP: usize = 8;
/// Longest module title.
const MAX_TITLE_CHARS: usize = 60;

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path, e.g. `weights.margin` or `module_titles.similar_items`.
    pub field: String,
    /// What is wrong, for the merchant.
    pub message: String,
}

impl FieldError {
    /// `message` about `field`.
    #[must_use]
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Checks `settings` for `surface` and returns the policy and ranker they make.
///
/// # Errors
/// Every invalid field.
pub fn validate(surface: Surface, settings: &SurfaceSettings) -> Result<Applied, Vec<FieldError>> {
    let mut errors = weights(settings);
    errors.extend(exploration(surface, settings));
    errors.extend(limits(settings));
    errors.extend(titles(surface, settings));
    if !errors.is_empty() {
        return Err(errors);
    }
    // The fields are in range; what the ranker still refuses is a bug in the mapping, but
    // it is reported rather than served.
    tuning::apply(surface, settings).map_err(|err| vec![FieldError::new("settings", err)])
}

fn weights(settings: &SurfaceSettings) -> Vec<FieldError> {
    let fields = weight_fields(&settings.weights);
    let mut errors: Vec<FieldError> = fields
        .iter()
        .filter(|(_, w)| !w.is_finite() || *w < 0.0)
        .map(|(name, _)| {
            FieldError::new(format!("weights.{name}"), "must be a number of 0 or more")
        })
        .collect();
    if errors.is_empty() && fields.iter().all(|(_, w)| *w == 0.0) {
        errors.push(FieldError::new(
            "weights",
            "at least one weight must be above 0",
        ));
    }
    errors
}

fn exploration(surface: Surface, settings: &SurfaceSettings) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let share = settings.exploration.share;
    if !(0.05..=0.15).contains(&share) {
        errors.push(FieldError::new(
            "exploration.share",
            "must be between 0.05 and 0.15 (5 % to 15 % of shown items)",
        ));
    }
    if settings.exploration.enabled && default_spec(surface).exploration.slots.is_empty() {
        errors.push(FieldError::new(
            "exploration.enabled",
            "this surface has no exploration slot; it cannot be turned on",
        ));
    }
    errors
}

fn limits(settings: &SurfaceSettings) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !(1..=MAX_LIST_LENGTH).contains(&settings.list_length) {
        errors.push(FieldError::new(
            "list_length",
            format!("must be between 1 and {MAX_LIST_LENGTH}"),
        ));
    }
    if let Some(cap) = settings.brand_cap
        && !(1..=MAX_BRAND_CAP).contains(&cap)
    {
        errors.push(FieldError::new(
            "brand_cap",
            format!("must be between 1 and {MAX_BRAND_CAP}, or null for no cap"),
        ));
    }
    if let Some(share) = settings.seller_share
        && !(share.is_finite() && share > 0.0 && share <= 1.0)
    {
        errors.push(FieldError::new(
            "seller_share",
            "must be above 0 and at most 1, or null for no limit",
        ));
    }
    errors
}

fn titles(surface: Surface, settings: &SurfaceSettings) -> Vec<FieldError> {
    let spec = default_spec(surface);
    settings
        .module_titles
        .iter()
        .filter_map(|(module, title)| {
            let field = format!("module_titles.{module}");
            if !spec.modules.iter().any(|m| m.name == *module) {
                Some(FieldError::new(field, "no such module on this surface"))
            } else if title.trim().is_empty() || title.chars().count() > MAX_TITLE_CHARS {
                Some(FieldError::new(
                    field,
                    format!("must have 1 to {MAX_TITLE_CHARS} characters"),
                ))
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(surface: Surface, edit: impl FnOnce(&mut SurfaceSettings)) -> Vec<String> {
        let mut settings = SurfaceSettings::defaults(surface);
        edit(&mut settings);
        validate(surface, &settings)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn every_default_document_validates() {
        for surface in super::super::SURFACES {
            assert_eq!(fields(surface, |_| {}), Vec::<String>::new(), "{surface:?}");
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let all = fields(Surface::Product, |s| {
            s.weights.margin = -1.0;
            s.exploration.share = 0.2;
            s.list_length = 0;
            s.brand_cap = Some(0);
            s.seller_share = Some(1.5);
            s.module_titles.insert("nope".into(), "x".into());
            s.module_titles.insert("similar_items".into(), " ".into());
        });
        assert_eq!(
            all,
            [
                "weights.margin",
                "exploration.share",
                "list_length",
                "brand_cap",
                "seller_share",
                "module_titles.nope",
                "module_titles.similar_items",
            ]
        );
        let zero = fields(Surface::Home, |s| {
            s.weights = ranker::Weights {
                relevance: 0.0,
                intent: 0.0,
                margin: 0.0,
                inventory: 0.0,
                novelty: 0.0,
            };
        });
        assert_eq!(zero, ["weights"]);
        assert_eq!(
            fields(Surface::Cart, |s| s.exploration.enabled = true),
            ["exploration.enabled"]
        );
    }
}
