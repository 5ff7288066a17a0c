//! Bulk profile import: `POST /api/profile-bulk-import-jobs`, then poll
//! `GET /api/profile-bulk-import-jobs/{job_id}` and read
//! `GET /api/profile-bulk-import-jobs/{id}/import-errors`.
//!
//! Limits from the spec's description of `bulk_import_profiles`: up to 10,000 profiles per
//! job, a payload of at most 5 MB, at most 100 KB per profile. [`ProfileImportJob::split`]
//! builds jobs within all three. "5 MB" is taken as 5,000,000 bytes, the smaller reading.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::batch::{self, BatchLimits, SplitError};
use crate::client::{ApiRequest, Client};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::jsonapi::{Collection, Document, NewResource, Page, Resource};

/// Klaviyo's limits for one bulk profile import job.
pub const PROFILE_JOB_LIMITS: BatchLimits = BatchLimits {
    max_count: 10_000,
    max_bytes: 5_000_000,
    max_item_bytes: 100_000,
};

/// A profile to create or update, identified by email, phone number or external id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProfileUpsert {
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number in E.164.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The external system's id (Shopify customer id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Custom properties (Meander's recommendations go here).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub properties: Map<String, Value>,
}

/// A job body within Klaviyo's limits, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileImportJob {
    profiles: Vec<ProfileUpsert>,
    encoded_len: usize,
}

#[derive(Serialize)]
struct JobAttributes<'a> {
    profiles: Document<Vec<NewResource<'a, &'a ProfileUpsert>>>,
}

impl ProfileImportJob {
    /// Splits `profiles` into as few jobs as Klaviyo's limits allow, in order.
    ///
    /// # Errors
    /// [`SplitError::ItemTooLarge`] for a profile over 100 KB.
    pub fn split(profiles: Vec<ProfileUpsert>) -> Result<Vec<Self>, SplitError> {
        Self::split_with(profiles, PROFILE_JOB_LIMITS)
    }

    /// [`Self::split`] with other limits (tests).
    ///
    /// # Errors
    /// A profile that fits no job.
    pub fn split_with(
        profiles: Vec<ProfileUpsert>,
        limits: BatchLimits,
    ) -> Result<Vec<Self>, SplitError> {
        let envelope =
            encoded_len(&[]).map_err(|message| SplitError::Encode { index: 0, message })?;
        let sized = profiles
            .into_iter()
            .enumerate()
            .map(|(index, profile)| {
                let bytes = serde_json::to_vec(&NewResource::new("profile", &profile))
                    .map_err(|err| SplitError::Encode {
                        index,
                        message: err.to_string(),
                    })?
                    .len();
                Ok(batch::Sized {
                    item: profile,
                    bytes,
                    count: 1,
                })
            })
            .collect::<Result<Vec<_>, SplitError>>()?;
        let batches = batch::split(sized, envelope, limits)?;
        Ok(batches
            .into_iter()
            .map(|(profiles, encoded_len)| Self {
                profiles,
                encoded_len,
            })
            .collect())
    }

    /// The profiles in this job.
    #[must_use]
    pub fn profiles(&self) -> &[ProfileUpsert] {
        &self.profiles
    }

    /// Size of the JSON body, in bytes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.encoded_len
    }

    /// The JSON body (`ProfileImportJobCreateQuery`).
    ///
    /// # Errors
    /// Only if a property value cannot be serialised.
    pub fn to_body(&self) -> Result<Vec<u8>, Error> {
        crate::client::encode(&document(&self.profiles))
    }
}

fn document(profiles: &[ProfileUpsert]) -> Document<NewResource<'_, JobAttributes<'_>>> {
    let data = profiles
        .iter()
        .map(|profile| NewResource::new("profile", profile))
        .collect();
    Document {
        data: NewResource::new(
            "profile-bulk-import-job",
            JobAttributes {
                profiles: Document { data },
            },
        ),
    }
}

fn encoded_len(profiles: &[ProfileUpsert]) -> Result<usize, String> {
    serde_json::to_vec(&document(profiles))
        .map(|body| body.len())
        .map_err(|err| err.to_string())
}

/// Where a job is. The spec's enum is `cancelled`, `complete`, `processing`, `queued`
/// (there is no `failed`: rows that fail show in `failed_count` and the import errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Accepted, not started.
    Queued,
    /// Running.
    Processing,
    /// Done; see the counts.
    Complete,
    /// Stopped before completion.
    Cancelled,
    /// A status this crate does not know yet.
    #[serde(other)]
    Unknown,
}

impl JobStatus {
    /// `complete` or `cancelled`: polling further will not change it.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Complete | Self::Cancelled)
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Processing => "processing",
            Self::Complete => "complete",
            Self::Cancelled => "cancelled",
            Self::Unknown => "unknown",
        }
    }
}

/// A bulk profile import job as Klaviyo reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// Job id.
    pub id: String,
    /// Status.
    pub status: JobStatus,
    /// Profiles in the job.
    pub total_count: u64,
    /// Profiles imported so far.
    pub completed_count: u64,
    /// Profiles that failed (see [`Client::import_errors_page`]).
    pub failed_count: u64,
    /// When the job was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it completed.
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct JobAttributesOut {
    status: JobStatus,
    #[serde(default)]
    total_count: u64,
    #[serde(default)]
    completed_count: Option<u64>,
    #[serde(default)]
    failed_count: Option<u64>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    completed_at: Option<DateTime<Utc>>,
}

impl From<Resource<JobAttributesOut>> for ImportJob {
    fn from(resource: Resource<JobAttributesOut>) -> Self {
        let a = resource.attributes;
        Self {
            id: resource.id,
            status: a.status,
            total_count: a.total_count,
            completed_count: a.completed_count.unwrap_or_default(),
            failed_count: a.failed_count.unwrap_or_default(),
            created_at: a.created_at,
            completed_at: a.completed_at,
        }
    }
}

/// One row Klaviyo could not import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    /// Error id.
    pub id: String,
    /// Machine-readable code.
    pub code: String,
    /// Summary.
    pub title: String,
    /// What was wrong with the row.
    pub detail: String,
    /// JSON pointer to the field at fault.
    pub pointer: Option<String>,
    /// The row as sent.
    pub original_payload: Option<Value>,
}

#[derive(Deserialize)]
struct ImportErrorAttributes {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    source: Option<crate::error::ErrorSource>,
    #[serde(default)]
    original_payload: Option<Value>,
}

/// How [`Client::wait_for_import_job`] polls.
#[derive(Debug, Clone, Copy)]
pub struct PollPolicy {
    /// Wait between polls.
    pub interval: Duration,
    /// Polls before giving up with [`Error::JobNotFinished`].
    pub max_polls: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        // Within the 150/min steady limit even with a few jobs polled side by side.
        Self {
            interval: Duration::from_secs(5),
            max_polls: 120,
        }
    }
}

impl Client {
    /// Starts a bulk import job (`202 Accepted`); poll it with [`Self::profile_import_job`].
    ///
    /// # Errors
    /// See [`Error`]; Klaviyo answers 400/413 for a job over its limits.
    pub async fn create_profile_import_job(
        &self,
        job: &ProfileImportJob,
    ) -> Result<ImportJob, Error> {
        let request = ApiRequest::post(
            Endpoint::CreateProfileImportJob,
            "/api/profile-bulk-import-jobs",
            job.to_body()?,
        );
        let created: Document<Resource<JobAttributesOut>> = self.fetch(request).await?;
        Ok(created.data.into())
    }

    /// The job's status and counts now.
    ///
    /// # Errors
    /// See [`Error`].
    pub async fn profile_import_job(&self, id: &str) -> Result<ImportJob, Error> {
        let path = format!("/api/profile-bulk-import-jobs/{}", path_segment(id));
        let request = ApiRequest::get(Endpoint::GetProfileImportJob, path);
        let job: Document<Resource<JobAttributesOut>> = self.fetch(request).await?;
        Ok(job.data.into())
    }

    /// Polls the job until it is `complete` or `cancelled`.
    ///
    /// # Errors
    /// [`Error::JobNotFinished`] after `poll.max_polls`; otherwise see [`Error`].
    pub async fn wait_for_import_job(
        &self,
        id: &str,
        poll: PollPolicy,
    ) -> Result<ImportJob, Error> {
        let mut last = None;
        for polled in 0..poll.max_polls {
            if polled > 0 {
                tokio::time::sleep(poll.interval).await;
            }
            let job = self.profile_import_job(id).await?;
            if job.status.is_final() {
                return Ok(job);
            }
            last = Some(job.status);
        }
        Err(Error::JobNotFinished {
            id: id.to_owned(),
            status: last.map_or("unknown", JobStatus::as_str).to_owned(),
            polls: poll.max_polls,
        })
    }

    /// One page of the rows that failed in a job.
    ///
    /// # Errors
    /// See [`Error`].
    pub async fn import_errors_page(
        &self,
        id: &str,
        cursor: Option<&str>,
    ) -> Result<Page<ImportError>, Error> {
        let path = format!(
            "/api/profile-bulk-import-jobs/{}/import-errors",
            path_segment(id)
        );
        let mut request = ApiRequest::get(Endpoint::GetProfileImportErrors, path);
        request.query.push(("page[size]".into(), "100".into()));
        if let Some(cursor) = cursor {
            request
                .query
                .push(("page[cursor]".into(), cursor.to_owned()));
        }
        let page: Collection<ImportErrorAttributes> = self.fetch(request).await?;
        Ok(page.into_page(|resource| {
            let a = resource.attributes;
            ImportError {
                id: resource.id,
                code: a.code,
                title: a.title,
                detail: a.detail,
                pointer: a.source.and_then(|source| source.pointer),
                original_payload: a.original_payload,
            }
        }))
    }
}

/// A job id as one path segment (ids are alphanumeric; this keeps a bad one from escaping).
fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
