//! The merchant's edit of a shop's email settings: checked field by field (every problem
//! named at once, next to its input) and saved only over the version the merchant edited.

use chrono::Utc;
use common::database::begin_write;
use entity::klaviyo_account::{self, Column};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::settings::{EmailSettings, HoldoutMode};
use crate::audit::{self, Change};
use crate::settings::FieldError;

/// Largest holdout share a merchant may set: past half, the "holdout" would be the main arm
/// and most customers would lose the diversified block.
pub const MAX_HOLDOUT_SHARE: f64 = 0.5;
/// Longest email list (Klaviyo templates show a handful; profile properties stay small).
pub const MAX_LIST_LEN: usize = 20;
/// Longest holdout salt.
const MAX_SALT_CHARS: usize = 64;

/// Why a save of the email settings was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The shop has no Klaviyo account, where the settings live.
    #[error("connect Klaviyo before changing the email settings")]
    NotConnected,
    /// Some fields are not valid; nothing was saved.
    #[error("some email settings are not valid")]
    Invalid(Vec<FieldError>),
    /// Another save came first.
    #[error("the email settings changed meanwhile (edited version {edited}, now {current})")]
    Stale {
        /// The version in force.
        current: i64,
        /// The version the edit started from.
        edited: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// `edits` (an object of some settings fields) applied over `current`.
///
/// # Errors
/// Every unknown or invalid field.
pub fn edit(current: &EmailSettings, edits: &Value) -> Result<EmailSettings, Vec<FieldError>> {
    let Some(fields) = edits.as_object() else {
        return Err(vec![FieldError::new("settings", "must be a JSON object")]);
    };
    let mut settings = current.clone();
    let mut errors = Vec::new();
    for (name, value) in fields {
        let applied = match name.as_str() {
            "holdout_share" => field(value, "a number").and_then(|share: f64| {
                (0.0..=MAX_HOLDOUT_SHARE)
                    .contains(&share)
                    .then_some(share)
                    .ok_or_else(|| format!("must be between 0 and {MAX_HOLDOUT_SHARE}"))
                    .map(|share| settings.holdout_share = share)
            }),
            "holdout_mode" => field(value, "`relevance_only` or `no_block`")
                .map(|mode: HoldoutMode| settings.holdout_mode = mode),
            "list_len" => field(value, "a whole number").and_then(|len: usize| {
                (1..=MAX_LIST_LEN)
                    .contains(&len)
                    .then_some(len)
                    .ok_or_else(|| format!("must be between 1 and {MAX_LIST_LEN}"))
                    .map(|len| settings.list_len = len)
            }),
            "holdout_salt" => field(value, "text").and_then(|salt: String| {
                let chars = salt.chars().count();
                (1..=MAX_SALT_CHARS)
                    .contains(&chars)
                    .then_some(salt)
                    .ok_or_else(|| format!("must be 1 to {MAX_SALT_CHARS} characters"))
                    .map(|salt| settings.holdout_salt = salt)
            }),
            _ => Err(
                "is not an email setting (holdout_share, holdout_mode, list_len, \
                      holdout_salt)"
                    .to_owned(),
            ),
        };
        if let Err(message) = applied {
            errors.push(FieldError::new(name.clone(), message));
        }
    }
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// `value` as a `T`, or a message saying what it must be (in the merchant's words rather
/// than serde's "invalid type: …, expected f64").
fn field<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T, String> {
    serde_json::from_value(value.clone()).map_err(|_serde_wording| format!("must be {what}"))
}

/// Applies `edits` to the shop's email settings if they are still at `version`, with an
/// audit entry for `actor`; returns the new version and settings.
///
/// # Errors
/// [`EditError`].
pub async fn save_settings(
    conn: &DatabaseConnection,
    shop_id: i64,
    version: i64,
    edits: &Value,
    actor: &str,
) -> Result<(i64, EmailSettings), EditError> {
    let txn = begin_write(conn).await?;
    let account = klaviyo_account::Entity::find_by_id(shop_id)
        .one(&txn)
        .await?
        .ok_or(EditError::NotConnected)?;
    if account.settings_version != version {
        return Err(EditError::Stale {
            current: account.settings_version,
            edited: version,
        });
    }
    let before = EmailSettings::of(&account);
    let settings = edit(&before, edits).map_err(EditError::Invalid)?;
    let changes = klaviyo_account::ActiveModel {
        settings: Set(Some(json!(settings))),
        settings_version: Set(version + 1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    // Conditional on the version read as well: PostgreSQL lets two transactions read the
    // same version, and the second update then changes no row.
    let saved = klaviyo_account::Entity::update_many()
        .set(changes)
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::SettingsVersion.eq(version))
        .exec(&txn)
        .await?;
    if saved.rows_affected == 0 {
        return Err(EditError::Stale {
            current: version + 1,
            edited: version,
        });
    }
    let change = Change {
        actor,
        action: "email_settings.save",
        subject: "email".into(),
        before: Some(json!(before)),
        after: Some(json!(settings)),
    };
    audit::record(&txn, shop_id, change).await?;
    txn.commit().await?;
    Ok((version + 1, settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_left_out_keep_their_value() {
        let current = EmailSettings::default();

        let edited = edit(
            &current,
            &json!({"holdout_share": 0.25, "holdout_mode": "no_block"}),
        )
        .unwrap();

        assert_eq!(edited.holdout_share, 0.25);
        assert_eq!(edited.holdout_mode, HoldoutMode::NoBlock);
        assert_eq!(edited.list_len, current.list_len);
        assert_eq!(edited.holdout_salt, current.holdout_salt);
    }

    #[test]
    fn every_invalid_or_unknown_field_is_named() {
        let errors = edit(
            &EmailSettings::default(),
            &json!({"holdout_share": 0.6, "holdout_mode": "sometimes", "list_len": 0,
                    "holdout_salt": "", "colour": "red"}),
        )
        .unwrap_err();

        let mut named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        named.sort_unstable();
        assert_eq!(
            named,
            [
                "colour",
                "holdout_mode",
                "holdout_salt",
                "holdout_share",
                "list_len"
            ]
        );
        let share = errors.iter().find(|e| e.field == "holdout_share").unwrap();
        assert_eq!(share.message, "must be between 0 and 0.5");
        assert!(edit(&EmailSettings::default(), &json!([1])).is_err());
        assert!(edit(&EmailSettings::default(), &json!({"holdout_share": "x"})).is_err());
    }
}
