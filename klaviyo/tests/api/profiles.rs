use klaviyo::{Error, ProfileFilter, ProfileQuery};

use crate::helpers::spawn;

fn emails(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("shopper{i}@example.com"))
        .collect()
}

#[tokio::test]
async fn listing_profiles_follows_the_cursor_to_the_last_page() {
    let t = spawn();
    let all = emails(45);
    t.fake
        .add_profiles(all.iter().map(|e| (Some(e.as_str()), None)));
    let query = ProfileQuery {
        filter: None,
        page_size: Some(20),
    };

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = t
            .client
            .profiles_page(&query, cursor.as_deref())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        pages += 1;
        seen.extend(page.items.into_iter().filter_map(|p| p.email));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }

    assert_eq!(pages, 3);
    assert_eq!(seen, all);
}

#[tokio::test]
async fn listing_asks_only_for_email_and_external_id() {
    let t = spawn();
    t.fake
        .add_profiles([(Some("a@example.com"), Some("gid-1"))]);

    let page = t
        .client
        .profiles_page(&ProfileQuery::default(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items[0].external_id.as_deref(), Some("gid-1"));
    let query = t.fake.requests()[0].query.clone();
    assert!(
        query.contains("fields%5Bprofile%5D=email%2Cexternal_id"),
        "{query}"
    );
}

#[tokio::test]
async fn listing_by_external_ids_finds_only_those_profiles() {
    let t = spawn();
    t.fake.add_profiles([
        (Some("a@example.com"), Some("1")),
        (Some("b@example.com"), Some("2")),
        (Some("c@example.com"), Some("3")),
    ]);
    let query = ProfileQuery {
        filter: Some(ProfileFilter::AnyExternalId(vec!["1".into(), "3".into()])),
        page_size: None,
    };

    let page = t
        .client
        .profiles_page(&query, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let found: Vec<_> = page
        .items
        .iter()
        .filter_map(|p| p.email.as_deref())
        .collect();
    assert_eq!(found, ["a@example.com", "c@example.com"]);
}

#[tokio::test]
async fn listing_by_email_finds_the_one_profile() {
    let t = spawn();
    t.fake
        .add_profiles([(Some("a@example.com"), None), (Some("b@example.com"), None)]);
    let query = ProfileQuery {
        filter: Some(ProfileFilter::Email("b@example.com".into())),
        page_size: Some(5),
    };

    let page = t
        .client
        .profiles_page(&query, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_cursor, None);
}

#[tokio::test]
async fn a_page_size_over_100_is_refused_before_sending() {
    let t = spawn();
    let query = ProfileQuery {
        filter: None,
        page_size: Some(101),
    };

    let err = t.client.profiles_page(&query, None).await.err();

    assert!(matches!(err, Some(Error::Setup(_))), "{err:?}");
    assert!(t.fake.requests().is_empty());
}
