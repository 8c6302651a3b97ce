//! OData query options through HTTP, on 10,000 generated devices (imported and registered).

use std::collections::HashSet;

use serde_json::Value;

use crate::common::{Server, import_body};

const IMPORTED: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";
const DEVICES: &str = "/beta/deviceManagement/windowsAutopilotDeviceIdentities";

fn enc(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('\'', "%27")
        .replace('&', "%26")
        .replace('#', "%23")
        .replace('+', "%2B")
}

async fn values(server: &Server, token: &str, path: &str) -> Vec<Value> {
    let reply = server.get(path, token).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    reply.json()["value"].as_array().unwrap().clone()
}

/// Walks every page of a list, following `@odata.nextLink`.
async fn walk(server: &Server, token: &str, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(p) = next {
        let reply = server.get(&p, token).await;
        assert_eq!(reply.status, 200, "{p}: {}", reply.text());
        let page = reply.json();
        out.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["@odata.nextLink"]
            .as_str()
            .map(|l| l.strip_prefix(&server.base).unwrap().to_owned());
    }
    out
}

fn serials(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_on_ten_thousand_devices() {
    let server = Server::start().await;
    let token = server.rw("odata");
    // 10,000 devices: serial ODATA-nnnnn, group tags in four groups, every 1,000th twice in one
    // import (so some records fail as duplicates).
    for batch in 0..20 {
        let serials = (0..500).map(|i| format!("ODATA-{:05}", batch * 500 + i));
        let body = import_body(serials);
        let mut body: Value = serde_json::from_slice(&body).unwrap();
        for (i, d) in body["importedWindowsAutopilotDeviceIdentities"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            d["groupTag"] = Value::from(["North", "South", "East", "West"][i % 4]);
        }
        let reply = server
            .post_json(
                &format!("{IMPORTED}/import"),
                &token,
                body.to_string().as_bytes(),
            )
            .await;
        assert_eq!(reply.status, 200);
    }
    // Wait until registration is done.
    for _ in 0..3000 {
        let n = server
            .get(&format!("{DEVICES}/$count"), &token)
            .await
            .text();
        if n == "10000" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        server
            .get(&format!("{DEVICES}/$count"), &token)
            .await
            .text(),
        "10000"
    );

    // Every operator and function.
    let f = |filter: &str| format!("{DEVICES}?$filter={}", enc(filter));
    let checks: Vec<(&str, usize)> = vec![
        ("serialNumber eq 'ODATA-00042'", 1),
        ("serialNumber eq 'odata-00042'", 1),
        ("serialNumber ne 'ODATA-00042'", 10_000 - 1),
        ("serialNumber gt 'ODATA-09990'", 9),
        ("serialNumber ge 'ODATA-09990'", 10),
        ("serialNumber lt 'ODATA-00010'", 10),
        ("serialNumber le 'ODATA-00010'", 11),
        ("startswith(serialNumber,'ODATA-001')", 100),
        ("endswith(serialNumber,'999')", 10),
        ("contains(serialNumber,'-0042')", 10),
        ("contains(serialNumber,'00042')", 1),
        ("contains(tolower(serialNumber),'odata-0004')", 10),
        ("toupper(groupTag) eq 'NORTH'", 2500),
        ("groupTag in ('North','South')", 5000),
        (
            "groupTag eq 'North' and startswith(serialNumber,'ODATA-000')",
            25,
        ),
        ("groupTag eq 'North' or groupTag eq 'East'", 5000),
        ("not (groupTag eq 'North')", 7500),
        (
            "(groupTag eq 'North' or groupTag eq 'East') and endswith(serialNumber,'0')",
            1000,
        ),
        ("enrollmentState eq 'notContacted'", 10_000),
        ("manufacturer eq 'Contoso' and model eq 'Laptop 7'", 10_000),
        ("lastContactedDateTime lt 2000-01-01T00:00:00Z", 10_000),
        ("serialNumber eq null", 0),
    ];
    for (filter, expected) in checks {
        let all = walk(&server, &token, &f(filter)).await;
        assert_eq!(all.len(), expected, "{filter}");
        let count = server
            .get(&format!("{DEVICES}/$count?$filter={}", enc(filter)), &token)
            .await
            .text();
        assert_eq!(count, expected.to_string(), "$count of {filter}");
    }
    // Imported records: status and error code.
    let done = walk(
        &server,
        &token,
        &format!(
            "{IMPORTED}?$filter={}",
            enc("state/deviceImportStatus eq 'complete'")
        ),
    )
    .await;
    assert_eq!(done.len(), 10_000);
    let counted = server
        .get(
            &format!(
                "{IMPORTED}?$filter={}&$count=true&$top=1",
                enc("state/deviceErrorCode eq 0")
            ),
            &token,
        )
        .await
        .json();
    assert_eq!(counted["@odata.count"], 10_000);
    assert_eq!(counted["value"].as_array().unwrap().len(), 1);

    // $orderby with ties (group tag), walked in pages of 999: each record once, in order.
    let ordered = walk(
        &server,
        &token,
        &format!(
            "{DEVICES}?$orderby={}&$top=999",
            enc("groupTag desc,serialNumber")
        ),
    )
    .await;
    assert_eq!(ordered.len(), 10_000);
    let ids: HashSet<&str> = ordered.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 10_000, "each record exactly once");
    let keys: Vec<(String, String)> = ordered
        .iter()
        .map(|d| {
            (
                d["groupTag"].as_str().unwrap().to_owned(),
                d["serialNumber"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(keys, sorted);
    // Descending serials, first page.
    let first = values(
        &server,
        &token,
        &format!("{DEVICES}?$orderby={}&$top=3", enc("serialNumber desc")),
    )
    .await;
    assert_eq!(
        serials(&first),
        vec!["ODATA-09999", "ODATA-09998", "ODATA-09997"]
    );
    // $skip.
    let skipped = values(
        &server,
        &token,
        &format!("{DEVICES}?$orderby=serialNumber&$skip=9998"),
    )
    .await;
    assert_eq!(serials(&skipped), vec!["ODATA-09998", "ODATA-09999"]);

    // $select trims, keeps id, and names the selection in the context.
    let reply = server
        .get(
            &format!("{DEVICES}?$select=serialNumber,groupTag&$top=2"),
            &token,
        )
        .await
        .json();
    assert!(
        reply["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("windowsAutopilotDeviceIdentities(serialNumber,groupTag)")
    );
    let item = reply["value"][0].as_object().unwrap();
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["groupTag", "id", "serialNumber"]);
    let next = reply["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("$select=serialNumber,groupTag"), "{next}");
    let one = ordered[0]["id"].as_str().unwrap();
    let single = server
        .get(&format!("{DEVICES}/{one}?$select=model"), &token)
        .await
        .json();
    assert_eq!(
        single.as_object().unwrap().len(),
        3,
        "context, id, model: {single}"
    );
    // $expand of the profile navigations on beta: null until profiles exist.
    let expanded = server
        .get(
            &format!("{DEVICES}/{one}?$expand=deploymentProfile,intendedDeploymentProfile"),
            &token,
        )
        .await
        .json();
    assert_eq!(expanded["deploymentProfile"], Value::Null);
    assert!(
        expanded
            .as_object()
            .unwrap()
            .contains_key("intendedDeploymentProfile")
    );
    server
        .get(&format!("/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/{one}?$expand=deploymentProfile"), &token)
        .await
        .graph_error(400, "BadRequest");

    // Tokens are bound to their query; tampering is a 400, never a 500.
    let page = server
        .get(
            &format!("{DEVICES}?$filter={}&$top=10", enc("groupTag eq 'North'")),
            &token,
        )
        .await
        .json();
    // Intune counts the filtered devices on every page, `$count` or not.
    assert_eq!(page["@odata.count"], 2500);
    let next = page["@odata.nextLink"].as_str().unwrap().to_owned();
    let token_value = next.split("$skiptoken=").nth(1).unwrap().to_owned();
    for path in [
        format!(
            "{DEVICES}?$filter={}&$top=10&$skiptoken={token_value}",
            enc("groupTag eq 'South'")
        ),
        format!("{DEVICES}?$top=10&$skiptoken={token_value}"),
        format!("{DEVICES}?$skiptoken={}x", token_value),
        format!("{DEVICES}?$skiptoken=%27%20or%201=1--"),
        format!(
            "{IMPORTED}?$filter={}&$top=10&$skiptoken={token_value}",
            enc("groupTag eq 'North'")
        ),
    ] {
        server
            .get(&path, &token)
            .await
            .graph_error(400, "BadRequest");
    }

    // Injection-shaped literals are data: an empty result or a 400, never a 500 or a leak.
    let other = server.rw("odata-other-tenant");
    for filter in [
        "serialNumber eq 'x'' or ''1''=''1'",
        "serialNumber eq 'x''); DROP TABLE autopilot_devices; --'",
        "contains(serialNumber,'%')",
        "contains(serialNumber,'_')",
        "startswith(serialNumber,'\\\\')",
    ] {
        let items = walk(&server, &token, &f(filter)).await;
        assert!(items.is_empty(), "{filter}: {} rows", items.len());
        assert!(walk(&server, &other, &f(filter)).await.is_empty());
    }
    for filter in [
        "serialNumber eq 'x' or 1 eq 1",
        "serialNumber eq x",
        "1 eq 1",
        "serialNumber eq 'a' ;--",
    ] {
        server
            .get(&f(filter), &token)
            .await
            .graph_error(400, "BadRequest");
    }
    // The other tenant sees none of it, whatever it asks.
    assert!(
        walk(&server, &other, &f("startswith(serialNumber,'ODATA')"))
            .await
            .is_empty()
    );
    assert_eq!(
        server
            .get(&format!("{DEVICES}/$count"), &other)
            .await
            .text(),
        "0"
    );
    // Still all there.
    assert_eq!(
        server
            .get(&format!("{DEVICES}/$count"), &token)
            .await
            .text(),
        "10000"
    );
}

#[tokio::test]
async fn query_errors_name_the_property_or_token() {
    let server = Server::start().await;
    let token = server.rw("odata-errors");
    for (query, needle) in [
        ("$filter=serial%20eq%20'x'", "'serial'"),
        ("$filter=serialNumber%20eqq%20'x'", "'eqq'"),
        ("$filter=serialNumber%20eq%205", "serialNumber"),
        ("$filter=state/deviceImportStatus%20eq%20'done'", "'done'"),
        ("$orderby=nope", "'nope'"),
        ("$select=nope", "'nope'"),
        ("$expand=deploymentProfile", "'deploymentProfile'"),
        ("$search=x", "$search"),
        ("$top=-1", "$top"),
    ] {
        let message = server
            .get(&format!("{IMPORTED}?{query}"), &token)
            .await
            .graph_error(400, "BadRequest");
        assert!(message.contains(needle), "{query}: {message}");
    }
    let message = server
        .get(
            &format!("{IMPORTED}/00000000-0000-0000-0000-000000000000?$filter=groupTag%20eq%20'x'"),
            &token,
        )
        .await
        .graph_error(400, "BadRequest");
    assert!(message.contains("single entity"), "{message}");
}
