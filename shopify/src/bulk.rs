//! Bulk operations over the Admin API: start one with `bulkOperationRunQuery`, follow it with
//! `node(id:)` or `currentBulkOperation`, and read the result URL when it completes.
//!
//! Shopify runs one bulk query per app and shop at a time (API 2026-07); a second start
//! answers the user error `OPERATION_IN_PROGRESS`, surfaced as [`BulkError::InProgress`].

use entity::ShopDomain;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::admin::{AdminClient, AdminError};

const RUN_QUERY: &str = "mutation RunBulkQuery($query: String!, $groupObjects: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
    bulkOperation { id status errorCode objectCount rootObjectCount url partialDataUrl query createdAt }
    userErrors { field message code }
  }
}";

const NODE_QUERY: &str = "query BulkOperationById($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount url partialDataUrl query createdAt }
  }
}";

const CURRENT_QUERY: &str = "query CurrentBulkOperation {
  currentBulkOperation(type: QUERY) { id status errorCode objectCount rootObjectCount url partialDataUrl query createdAt }
}";

/// `BulkOperationStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BulkStatus {
    /// Queued.
    Created,
    /// Running.
    Running,
    /// Done; `url` holds the result (or is `null` when nothing matched).
    Completed,
    /// Cancelled.
    Canceled,
    /// Being cancelled.
    Canceling,
    /// The result expired (after 7 days).
    Expired,
    /// Failed; `errorCode` says why, `partialDataUrl` may hold what was fetched.
    Failed,
}

impl BulkStatus {
    /// No further change will happen.
    #[must_use]
    pub fn is_terminal(self) -> bool {
        !matches!(self, Self::Created | Self::Running | Self::Canceling)
    }
}

/// A `BulkOperation`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// `gid://shopify/BulkOperation/…`.
    pub id: String,
    /// Status.
    pub status: BulkStatus,
    /// `ACCESS_DENIED`, `INTERNAL_SERVER_ERROR` or `TIMEOUT` for failed operations.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Objects processed so far (products and variants both count).
    #[serde(default, deserialize_with = "unsigned_int64")]
    pub object_count: u64,
    /// Root objects processed so far.
    #[serde(default, deserialize_with = "unsigned_int64")]
    pub root_object_count: u64,
    /// Result JSONL, once completed.
    #[serde(default)]
    pub url: Option<String>,
    /// What a failed operation fetched.
    #[serde(default)]
    pub partial_data_url: Option<String>,
    /// The bulk query document.
    #[serde(default)]
    pub query: Option<String>,
}

/// `UnsignedInt64` is a JSON string; accept a number too.
fn unsigned_int64<'de, D: Deserializer<'de>>(de: D) -> Result<u64, D::Error> {
    match Option::<Value>::deserialize(de)? {
        Some(Value::String(text)) => text.parse().map_err(serde::de::Error::custom),
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| serde::de::Error::custom("objectCount is not unsigned")),
        _ => Ok(0),
    }
}

/// A `BulkOperationUserError`.
#[derive(Debug, Clone, Deserialize)]
pub struct BulkUserError {
    /// Input path.
    #[serde(default)]
    pub field: Option<Vec<String>>,
    /// Explanation.
    pub message: String,
    /// `INVALID`, `OPERATION_IN_PROGRESS`, `LIMIT_REACHED`.
    #[serde(default)]
    pub code: Option<String>,
}

/// Why a bulk operation could not be started or read.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// The Admin API call failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// Another bulk query of this app runs on the shop.
    #[error("a bulk operation is already in progress: {0}")]
    InProgress(String),
    /// Shopify refused the query.
    #[error("bulk query refused: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Refused(Vec<BulkUserError>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunData {
    bulk_operation_run_query: RunPayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunPayload {
    bulk_operation: Option<BulkOperation>,
    #[serde(default)]
    user_errors: Vec<BulkUserError>,
}

#[derive(Deserialize)]
struct NodeData {
    node: Option<BulkOperation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CurrentData {
    current_bulk_operation: Option<BulkOperation>,
}

impl AdminClient {
    /// Starts a bulk query. `group_objects` puts children right after their parent (slower
    /// on Shopify's side; only where the ingest depends on it).
    ///
    /// # Errors
    /// [`BulkError::InProgress`] when one already runs, [`BulkError::Refused`] for other
    /// user errors, [`BulkError::Admin`] when the call fails.
    pub async fn run_bulk_query(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        query: &str,
        group_objects: bool,
    ) -> Result<BulkOperation, BulkError> {
        let variables = json!({"query": query, "groupObjects": group_objects});
        let data: RunData = self.query(shop, token, RUN_QUERY, variables).await?;
        let payload = data.bulk_operation_run_query;
        if let Some(busy) = payload
            .user_errors
            .iter()
            .find(|e| e.code.as_deref() == Some("OPERATION_IN_PROGRESS"))
        {
            return Err(BulkError::InProgress(busy.message.clone()));
        }
        match payload.bulk_operation {
            Some(operation) if payload.user_errors.is_empty() => Ok(operation),
            _ => Err(BulkError::Refused(payload.user_errors)),
        }
    }

    /// The bulk operation `id` (`None` when Shopify does not know it).
    ///
    /// # Errors
    /// [`AdminError`].
    pub async fn bulk_operation(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        id: &str,
    ) -> Result<Option<BulkOperation>, AdminError> {
        let data: NodeData = self
            .query(shop, token, NODE_QUERY, json!({"id": id}))
            .await?;
        Ok(data.node)
    }

    /// The app's most recent bulk query on the shop.
    ///
    /// # Errors
    /// [`AdminError`].
    pub async fn current_bulk_operation(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
    ) -> Result<Option<BulkOperation>, AdminError> {
        let data: CurrentData = self.query(shop, token, CURRENT_QUERY, json!({})).await?;
        Ok(data.current_bulk_operation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_operation_parses_from_shopify_s_shape() {
        let op: BulkOperation = serde_json::from_value(json!({
            "id": "gid://shopify/BulkOperation/720918", "status": "COMPLETED", "errorCode": null,
            "objectCount": "1500", "rootObjectCount": "300", "url": "https://storage/x.jsonl",
            "partialDataUrl": null
        }))
        .unwrap();
        assert_eq!(op.status, BulkStatus::Completed);
        assert_eq!((op.object_count, op.root_object_count), (1500, 300));
        assert!(op.status.is_terminal());
        assert!(!BulkStatus::Running.is_terminal());
    }
}
