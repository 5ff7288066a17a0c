//! Finding the Klaviyo profiles of Meander's customers, by `external_id`, without creating
//! any (see the module docs of [`super`]).

use std::collections::HashMap;

use klaviyo::profiles::MAX_PAGE_SIZE;
use klaviyo::{Client, ProfileFilter, ProfileQuery};

/// External ids per lookup: one full page answers a batch.
const LOOKUP_BATCH: usize = MAX_PAGE_SIZE as usize;

/// Klaviyo's profile id for each of `external_ids` it has; the others are absent.
pub(super) async fn look_up(
    client: &Client,
    external_ids: &[String],
) -> Result<HashMap<String, String>, klaviyo::Error> {
    let mut found = HashMap::with_capacity(external_ids.len());
    for batch in external_ids.chunks(LOOKUP_BATCH) {
        let query = ProfileQuery {
            filter: Some(ProfileFilter::AnyExternalId(batch.to_vec())),
            page_size: Some(MAX_PAGE_SIZE),
        };
        let mut cursor = None;
        loop {
            let page = client.profiles_page(&query, cursor.as_deref()).await?;
            for profile in page.items {
                if let Some(external_id) = profile.external_id {
                    // Duplicates in Klaviyo: the first (oldest) profile wins, every time.
                    found.entry(external_id).or_insert(profile.id);
                }
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(found)
}
