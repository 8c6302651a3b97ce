//! Keyset paging with absolute next links.

use std::collections::HashSet;

use crate::common::{IMPORTED, Server, import_body};

#[tokio::test]
async fn two_thousand_five_hundred_records_come_in_three_pages_each_once() {
    let server = Server::start().await;
    let token = server.rw("paging");
    for batch in 0..5 {
        let body = import_body((0..500).map(|i| format!("PG{batch}{i:04}")));
        let reply = server
            .post_json(&format!("/beta{IMPORTED}/import"), &token, &body)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    let mut url = format!("{}/beta{IMPORTED}?%24top=1000", server.base);
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let path = url.strip_prefix(&server.base).unwrap().to_owned();
        let page = server.get(&path, &token).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let json = page.json();
        let value = json["value"].as_array().unwrap();
        pages.push(value.len());
        for item in value {
            assert!(
                seen.insert(item["id"].as_str().unwrap().to_owned()),
                "each id once"
            );
        }
        match json["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&server.base), "absolute: {next}");
                assert!(next.contains("$top=1000"), "keeps $top: {next}");
                url = next.to_owned();
            }
            None => {
                assert!(
                    json.get("@odata.nextLink").is_none(),
                    "no null link on the last page"
                );
                break;
            }
        }
    }
    assert_eq!(pages, vec![1000, 1000, 500]);
    assert_eq!(seen.len(), 2500);

    // Without $top, pages hold 1000; $top above 1000 is capped; $count=true adds the count.
    let first = server
        .get(&format!("/beta{IMPORTED}?$top=5000&$count=true"), &token)
        .await
        .json();
    assert_eq!(first["value"].as_array().unwrap().len(), 1000);
    assert_eq!(first["@odata.count"], 2500);
    assert!(
        first["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$count=true")
    );
    let small = server
        .get(&format!("/beta{IMPORTED}?top=7"), &token)
        .await
        .json();
    assert_eq!(small["value"].as_array().unwrap().len(), 7);
    assert!(
        small.get("@odata.count").is_none(),
        "asked for only: {small}"
    );
}
