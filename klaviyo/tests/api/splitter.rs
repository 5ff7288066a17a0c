use klaviyo::import::PROFILE_JOB_LIMITS;
use klaviyo::{BatchLimits, ProfileImportJob, ProfileUpsert, SplitError};
use proptest::prelude::*;
use serde_json::{Map, json};

fn profile(i: usize, padding: usize) -> ProfileUpsert {
    let mut properties = Map::new();
    if padding > 0 {
        properties.insert("pad".into(), json!("x".repeat(padding)));
    }
    ProfileUpsert {
        external_id: Some(i.to_string()),
        properties,
        ..ProfileUpsert::default()
    }
}

/// Bytes of one profile inside the job's array.
fn resource_len(p: &ProfileUpsert) -> usize {
    serde_json::to_vec(&json!({ "type": "profile", "attributes": p })).map_or(0, |v| v.len())
}

fn envelope_len() -> usize {
    let empty = json!({ "data": { "type": "profile-bulk-import-job",
        "attributes": { "profiles": { "data": [] } } } });
    serde_json::to_vec(&empty).map_or(0, |v| v.len())
}

proptest! {
    #[test]
    fn jobs_respect_the_limits_keep_order_and_are_full(
        paddings in proptest::collection::vec(0usize..400, 0..120),
        max_count in 1usize..20,
        max_bytes in 600usize..4_000,
    ) {
        let limits = BatchLimits { max_count, max_bytes, max_item_bytes: 500 };
        let profiles: Vec<_> = paddings.iter().enumerate().map(|(i, &p)| profile(i, p)).collect();

        let result = ProfileImportJob::split_with(profiles.clone(), limits);

        let too_big = profiles.iter().position(|p| resource_len(p) > 500.min(max_bytes - envelope_len()));
        if let Some(index) = too_big {
            let is_too_large = matches!(result, Err(SplitError::ItemTooLarge { index: i, .. }) if i == index);
            prop_assert!(is_too_large);
            return Ok(());
        }
        let jobs = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut flattened = Vec::new();
        for (n, job) in jobs.iter().enumerate() {
            let body = job.to_body().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(body.len(), job.encoded_len());
            prop_assert!(body.len() <= max_bytes);
            prop_assert!(!job.profiles().is_empty() && job.profiles().len() <= max_count);
            if let Some(next) = jobs.get(n + 1).and_then(|j| j.profiles().first()) {
                let full = job.profiles().len() == max_count
                    || job.encoded_len() + 1 + resource_len(next) > max_bytes;
                prop_assert!(full, "job {} could have taken the next profile", n);
            }
            flattened.extend(job.profiles().iter().cloned());
        }
        prop_assert_eq!(flattened, profiles);
    }
}

#[test]
fn a_profile_over_100_kb_fits_no_job() {
    let profiles = vec![profile(0, 10), profile(1, 100_001)];

    let err = ProfileImportJob::split(profiles).err();

    assert!(
        matches!(err, Some(SplitError::ItemTooLarge { index: 1, .. })),
        "{err:?}"
    );
}

#[test]
fn no_profiles_make_no_jobs() {
    assert_eq!(ProfileImportJob::split(Vec::new()), Ok(Vec::new()));
    assert_eq!(PROFILE_JOB_LIMITS.max_count, 10_000);
}
