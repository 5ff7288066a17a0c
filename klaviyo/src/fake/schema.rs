//! Klaviyo's own JSON schemas, extracted from `openapi/stable.json` into `schemas/` (see
//! `schemas/extract.py`; MIT licence in `schemas/LICENSE`), compiled once per fake.

use std::collections::HashMap;

use jsonschema::Validator;
use serde_json::{Value, json};

static SCHEMAS: &str = include_str!("schemas/schemas.json");

/// Request bodies the fake checks, by endpoint.
pub(crate) const EVENT_CREATE: &str = "EventCreateQueryV2";
pub(crate) const EVENT_BULK: &str = "EventsBulkCreateJob";
pub(crate) const PROFILE_IMPORT: &str = "ProfileImportJobCreateQuery";

/// Success bodies the fake answers with (checked too, so the fake cannot drift).
pub(crate) const ACCOUNTS: &str = "GetAccountResponseCollection";
pub(crate) const PROFILES: &str = "GetProfileResponsePluralConversationsCollectionCompoundDocument";
pub(crate) const JOB_CREATED: &str = "PostProfileImportJobResponse";
pub(crate) const JOB: &str = "GetProfileImportJobResponseCompoundDocument";
pub(crate) const IMPORT_ERRORS: &str = "GetImportErrorResponseCollection";
/// Error bodies (`components.responses.ClientError`).
pub(crate) const CLIENT_ERROR: &str = "ClientError";

const ROOTS: [&str; 9] = [
    EVENT_CREATE,
    EVENT_BULK,
    PROFILE_IMPORT,
    ACCOUNTS,
    PROFILES,
    JOB_CREATED,
    JOB,
    IMPORT_ERRORS,
    CLIENT_ERROR,
];

/// A compiled validator per root schema.
pub(crate) struct Schemas {
    validators: HashMap<&'static str, Validator>,
}

/// The first violation: a JSON pointer into the instance and a message.
#[derive(Debug)]
pub(crate) struct Violation {
    pub pointer: String,
    pub message: String,
}

impl Schemas {
    /// Compiles every root.
    pub(crate) fn load() -> Result<Self, String> {
        let document: Value = serde_json::from_str(SCHEMAS).map_err(|e| e.to_string())?;
        let components = document.get("components").cloned().unwrap_or(Value::Null);
        let mut validators = HashMap::new();
        for root in ROOTS {
            // `#/components/schemas/…` refs resolve inside this wrapper, as in the spec.
            let schema = json!({
                "$ref": format!("#/components/schemas/{root}"),
                "components": components,
            });
            let validator = jsonschema::validator_for(&schema)
                .map_err(|err| format!("schema {root}: {err}"))?;
            validators.insert(root, validator);
        }
        Ok(Self { validators })
    }

    /// Checks `instance` against the schema named `root`.
    pub(crate) fn check(&self, root: &str, instance: &Value) -> Result<(), Violation> {
        let Some(validator) = self.validators.get(root) else {
            return Err(Violation {
                pointer: String::new(),
                message: format!("no schema {root}"),
            });
        };
        match validator.iter_errors(instance).next() {
            None => Ok(()),
            Some(err) => Err(Violation {
                pointer: err.instance_path().to_string(),
                message: err.to_string(),
            }),
        }
    }
}
