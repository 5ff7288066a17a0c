use std::time::Duration;

use klaviyo::import::PROFILE_JOB_LIMITS;
use klaviyo::{Error, JobStatus, PollPolicy, ProfileImportJob, ProfileUpsert};
use serde_json::{Map, Value, json};

use crate::helpers::spawn;

fn profile(i: usize, padding: usize) -> ProfileUpsert {
    let mut properties = Map::new();
    properties.insert(
        "meander_recs".into(),
        json!({ "items": ["sku-1", "sku-2"], "pad": "x".repeat(padding) }),
    );
    ProfileUpsert {
        email: Some(format!("shopper{i}@example.com")),
        external_id: Some(format!("{i}")),
        properties,
        ..ProfileUpsert::default()
    }
}

const QUICK: PollPolicy = PollPolicy {
    interval: Duration::from_millis(10),
    max_polls: 20,
};

#[tokio::test]
async fn twenty_five_thousand_profiles_become_three_jobs_of_at_most_ten_thousand() {
    let t = spawn();
    let profiles: Vec<_> = (0..25_000).map(|i| profile(i, 0)).collect();

    let jobs = ProfileImportJob::split(profiles).unwrap_or_else(|e| panic!("{e}"));

    let sizes: Vec<_> = jobs.iter().map(|j| j.profiles().len()).collect();
    assert_eq!(sizes, [10_000, 10_000, 5_000]);
    for job in &jobs {
        let created = t
            .client
            .create_profile_import_job(job)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(created.status, JobStatus::Queued);
        assert_eq!(created.total_count, job.profiles().len() as u64);
    }
    assert!(t.fake.requests().iter().all(|r| r.status == 202));
}

#[tokio::test]
async fn large_profiles_are_split_by_the_five_megabyte_limit() {
    let t = spawn();
    // ~60 KB each: about 83 fit in 5 MB, far below the 10,000 count limit.
    let profiles: Vec<_> = (0..200).map(|i| profile(i, 60_000)).collect();

    let jobs = ProfileImportJob::split(profiles).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(jobs.len(), 3);
    for job in &jobs {
        let body = job.to_body().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.len(), job.encoded_len());
        assert!(body.len() <= PROFILE_JOB_LIMITS.max_bytes, "{}", body.len());
        t.client
            .create_profile_import_job(job)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let biggest = t
        .fake
        .requests()
        .iter()
        .map(|r| r.body.len())
        .max()
        .unwrap_or(0);
    assert!(
        biggest > 4_900_000,
        "jobs should be nearly full, biggest {biggest}"
    );
}

#[tokio::test]
async fn a_job_over_five_megabytes_is_refused_by_klaviyo() {
    let t = spawn();
    let profiles: Vec<_> = (0..100).map(|i| profile(i, 60_000)).collect();
    let oversized = klaviyo::BatchLimits {
        max_bytes: 10_000_000,
        ..PROFILE_JOB_LIMITS
    };
    let jobs = ProfileImportJob::split_with(profiles, oversized).unwrap_or_else(|e| panic!("{e}"));

    let err = t.client.create_profile_import_job(&jobs[0]).await.err();

    assert!(
        matches!(err, Some(Error::Rejected { status: 413, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn polling_waits_through_processing_until_complete() {
    let t = spawn();
    t.fake.keep_jobs_processing(3);
    let jobs = ProfileImportJob::split((0..5).map(|i| profile(i, 0)).collect())
        .unwrap_or_else(|e| panic!("{e}"));
    let created = t
        .client
        .create_profile_import_job(&jobs[0])
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let done = t
        .client
        .wait_for_import_job(&created.id, QUICK)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(done.status, JobStatus::Complete);
    assert_eq!(
        (done.total_count, done.completed_count, done.failed_count),
        (5, 5, 0)
    );
    assert_eq!(
        t.fake.requests().len(),
        1 + 4,
        "one create, three processing polls, one complete"
    );
    assert_eq!(t.fake.profiles().len(), 5);
    assert_eq!(
        t.fake.profiles()[0]
            .properties
            .get("meander_recs")
            .and_then(|v| v.get("items")),
        Some(&json!(["sku-1", "sku-2"]))
    );
}

#[tokio::test]
async fn polling_gives_up_on_a_job_that_stays_processing() {
    let t = spawn();
    t.fake.keep_jobs_processing(100);
    let jobs = ProfileImportJob::split(vec![profile(1, 0)]).unwrap_or_else(|e| panic!("{e}"));
    let created = t
        .client
        .create_profile_import_job(&jobs[0])
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let err = t
        .client
        .wait_for_import_job(
            &created.id,
            PollPolicy {
                max_polls: 3,
                ..QUICK
            },
        )
        .await
        .err();

    assert!(
        matches!(err, Some(Error::JobNotFinished { polls: 3, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_bad_row_completes_the_job_with_one_import_error() {
    let t = spawn();
    t.fake.reject_email_in_imports("shopper2@example.com");
    let jobs = ProfileImportJob::split((0..4).map(|i| profile(i, 0)).collect())
        .unwrap_or_else(|e| panic!("{e}"));
    let created = t
        .client
        .create_profile_import_job(&jobs[0])
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let done = t
        .client
        .wait_for_import_job(&created.id, QUICK)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let errors = t
        .client
        .import_errors_page(&created.id, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!((done.completed_count, done.failed_count), (3, 1));
    assert_eq!(errors.items.len(), 1);
    assert_eq!(errors.next_cursor, None);
    let row = &errors.items[0];
    assert_eq!(
        row.pointer.as_deref(),
        Some("/data/attributes/profiles/data/2/attributes/email")
    );
    assert!(row.detail.contains("shopper2@example.com"));
    assert_eq!(
        row.original_payload
            .as_ref()
            .and_then(|p| p.pointer("/attributes/email")),
        Some(&Value::from("shopper2@example.com"))
    );
}
