//! The two writes of a push: profile properties through bulk import jobs, then the
//! "Recommendations Ready" events. Each records what Klaviyo took before the next step, so a
//! retried push resumes where this one stopped.

use std::collections::HashMap;

use chrono::Utc;
use klaviyo::{
    Client, EventData, ImportJob, ProfileEvents, ProfileImportJob, ProfileRef, ProfileUpsert,
};
use sea_orm::DatabaseConnection;
use serde_json::{Map, Value, json};

use super::error::EmailError;
use super::run::{PushOptions, PushSummary, Target};
use super::shown::{self, Shown};
use super::state;

/// The metric flows trigger on.
pub const METRIC: &str = "Recommendations Ready";

/// Imports the targets whose content changed; returns every target whose current content
/// is now in Klaviyo (imported now or before). Rows Klaviyo refused are recorded on their
/// state and dropped here; the next push tries them again, up to
/// [`super::run::MAX_ROW_REFUSALS`] refusals of the same content.
pub(super) async fn import(
    db: &DatabaseConnection,
    client: &Client,
    targets: Vec<Target>,
    list_version: &str,
    options: &PushOptions,
    summary: &mut PushSummary,
) -> Result<Vec<Target>, EmailError> {
    let (mut pending, mut done): (Vec<Target>, Vec<Target>) = targets
        .into_iter()
        .partition(|t| t.state.content_hash.as_deref() != Some(t.payload.content_hash.as_str()));
    if pending.is_empty() {
        return Ok(done);
    }
    let rows: Vec<ProfileUpsert> = pending.iter().map(upsert).collect();
    let jobs = ProfileImportJob::split_with(rows, options.job_limits)?;
    // All jobs first: Klaviyo works on them side by side while we poll the first.
    let mut created = Vec::with_capacity(jobs.len());
    for job in &jobs {
        created.push((
            client.create_profile_import_job(job).await?,
            job.profiles().len(),
        ));
    }
    summary.import_jobs += created.len();
    for (job, rows) in created {
        let finished = client.wait_for_import_job(&job.id, options.poll).await?;
        let refused = refused_rows(client, &finished).await?;
        let batch: Vec<Target> = pending.drain(..rows).collect();
        let (ok, failed) = settle(batch, &refused, list_version);
        let shown: Vec<Shown<'_>> = ok.iter().map(|t| t.shown(list_version)).collect();
        if let Some(first) = ok.first() {
            shown::log(db, first.state.shop_id, &shown).await?;
        }
        summary.imported += ok.len();
        summary.failed_rows += failed.len();
        // Collected first: a closure held across the await makes the future not `Send`.
        let rows: Vec<_> = ok.iter().chain(&failed).map(|t| t.state.clone()).collect();
        state::save(db, &rows).await?;
        done.extend(ok);
    }
    Ok(done)
}

fn upsert(target: &Target) -> ProfileUpsert {
    ProfileUpsert {
        external_id: target.state.external_id.clone(),
        properties: target.payload.properties.clone(),
        ..ProfileUpsert::default()
    }
}

/// Klaviyo's error per external id for the rows of `job` it refused.
async fn refused_rows(
    client: &Client,
    job: &ImportJob,
) -> Result<HashMap<String, String>, EmailError> {
    let mut refused = HashMap::new();
    if job.failed_count == 0 {
        return Ok(refused);
    }
    let mut cursor = None;
    loop {
        let page = client
            .import_errors_page(&job.id, cursor.as_deref())
            .await?;
        for error in page.items {
            let external_id = error
                .original_payload
                .as_ref()
                .and_then(|row| row.pointer("/attributes/external_id"))
                .and_then(Value::as_str);
            if let Some(external_id) = external_id {
                let detail = format!("{}: {}", error.title, error.detail);
                refused.insert(external_id.to_owned(), detail);
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(refused),
        }
    }
}

/// Marks each target imported, or refused with Klaviyo's reason.
fn settle(
    batch: Vec<Target>,
    refused: &HashMap<String, String>,
    list_version: &str,
) -> (Vec<Target>, Vec<Target>) {
    let now = Utc::now();
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for mut target in batch {
        let state = &mut target.state;
        match state.external_id.as_ref().and_then(|id| refused.get(id)) {
            Some(reason) => {
                let hash = &target.payload.content_hash;
                // The count is per content: a changed list starts again at one refusal.
                if state.failed_hash.as_ref() != Some(hash) {
                    state.failed_hash = Some(hash.clone());
                    state.failed_attempts = 0;
                }
                state.last_error = Some(reason.clone());
                state.failed_attempts = state.failed_attempts.saturating_add(1);
                state.failed_at = Some(now);
                failed.push(target);
            }
            None => {
                state.content_hash = Some(target.payload.content_hash.clone());
                state.rec_id = Some(target.payload.rec_id.clone());
                state.list_version = Some(list_version.to_owned());
                state.pushed_at = Some(now);
                state.last_error = None;
                state.failed_attempts = 0;
                state.failed_hash = None;
                state.failed_at = None;
                ok.push(target);
            }
        }
    }
    (ok, failed)
}

/// Sends one "Recommendations Ready" event per target whose content is announced and not
/// yet announced, in bulk requests; records each request's targets once Klaviyo took it.
pub(super) async fn announce(
    db: &DatabaseConnection,
    client: &Client,
    targets: Vec<Target>,
    options: &PushOptions,
    summary: &mut PushSummary,
) -> Result<(), EmailError> {
    let mut due: Vec<Target> = targets
        .into_iter()
        .filter(|t| {
            t.payload.announce
                && t.payload.items > 0
                && t.state.event_hash.as_deref() != Some(t.payload.content_hash.as_str())
        })
        .collect();
    let groups: Vec<ProfileEvents> = due.iter().map(event).collect();
    let batches = klaviyo::events::split_event_groups(groups, options.event_limits)?;
    for batch in batches {
        client.create_event_bulk_job(&batch).await?;
        let mut sent: Vec<Target> = due.drain(..batch.len()).collect();
        for target in &mut sent {
            target.state.event_hash = Some(target.payload.content_hash.clone());
        }
        summary.events += sent.len();
        let rows: Vec<_> = sent.iter().map(|t| t.state.clone()).collect();
        state::save(db, &rows).await?;
    }
    Ok(())
}

fn event(target: &Target) -> ProfileEvents {
    let payload = &target.payload;
    let mut properties = Map::new();
    properties.insert("rec_id".into(), json!(payload.rec_id));
    properties.insert("items".into(), json!(payload.items));
    properties.insert("arm".into(), json!(target.state.arm));
    if let Some(first) = payload
        .properties
        .get("meander_recs")
        .and_then(|recs| recs.get(0))
    {
        properties.insert("top_item".into(), first.clone());
    }
    ProfileEvents {
        profile: ProfileRef {
            id: target.state.klaviyo_profile_id.clone(),
            external_id: target.state.external_id.clone(),
            ..ProfileRef::default()
        },
        events: vec![EventData {
            metric: METRIC.into(),
            properties,
            unique_id: Some(payload.event_id.clone()),
            time: None,
            value: None,
        }],
    }
}
