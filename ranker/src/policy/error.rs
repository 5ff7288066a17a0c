//! Typed errors for policy files.

/// Why a surface policy was rejected; every variant names the offending field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// The document is not valid JSON, or a value has the wrong type.
    #[error("policy is not valid: {message}")]
    Syntax {
        /// The parser's message (it names line and column).
        message: String,
    },
    /// A field the schema does not know (policies use `deny_unknown_fields`).
    #[error("unknown field `{field}`")]
    UnknownField {
        /// The unknown field's name.
        field: String,
    },
    /// A required field is absent.
    #[error("missing field `{field}`")]
    MissingField {
        /// The missing field's name.
        field: String,
    },
    /// The `version` is not one this crate reads.
    #[error("unsupported policy version {found} (supported: {supported})")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// The version this crate reads.
        supported: u32,
    },
    /// Shares that must add up to 1 do not.
    #[error("shares in `{field}` add up to {sum}, not 1")]
    SharesDoNotAddUp {
        /// The field holding the shares, e.g. `modules[0].mix`.
        field: String,
        /// What they add up to.
        sum: f32,
    },
    /// A value outside its documented range.
    #[error("invalid `{field}`: {reason}")]
    Invalid {
        /// The field path, e.g. `exploration.slots[1].epsilon`.
        field: String,
        /// The valid range.
        reason: &'static str,
    },
}

impl PolicyError {
    /// Maps a serde_json error to the typed variants, extracting the field name.
    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        let message = e.to_string();
        let quoted = |prefix: &str| {
            let rest = message.strip_prefix(prefix)?;
            rest.split('`').next().map(str::to_owned)
        };
        if let Some(field) = quoted("unknown field `") {
            Self::UnknownField { field }
        } else if let Some(field) = quoted("missing field `") {
            Self::MissingField { field }
        } else {
            Self::Syntax { message }
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: &'static str) -> Self {
        Self::Invalid {
            field: field.into(),
            reason,
        }
    }
}
