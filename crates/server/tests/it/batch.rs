//! JSON batching through HTTP.

use serde_json::{Value, json};

use crate::common::{RO, Server, hash};

const IMPORTED: &str = "/deviceManagement/importedWindowsAutopilotDeviceIdentities";

async fn batch(server: &Server, token: &str, body: &Value) -> crate::common::Reply {
    server
        .post_json("/beta/$batch", token, body.to_string().as_bytes())
        .await
}

fn by_id<'a>(responses: &'a Value, id: &str) -> &'a Value {
    responses["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response {id}"))
}

#[tokio::test]
async fn twenty_mixed_requests() {
    let server = Server::start().await;
    let token = server.rw("batch");
    let mut requests = vec![json!({
        "id": "import", "method": "POST", "url": format!("{IMPORTED}/import"),
        "headers": {"Content-Type": "application/json"},
        "body": {"importedWindowsAutopilotDeviceIdentities": [{"serialNumber": "B-1", "hardwareIdentifier": hash("B-1")}]}
    })];
    requests.push(json!({"id": "count", "method": "GET", "url": format!("{IMPORTED}/$count"), "dependsOn": ["import"]}));
    requests.push(json!({"id": "missing", "method": "GET", "url": format!("{IMPORTED}/00000000-0000-0000-0000-000000000000")}));
    requests.push(json!({"id": "settings", "method": "GET", "url": "deviceManagement/windowsAutopilotSettings"}));
    for i in 4..20 {
        requests.push(
            json!({"id": format!("list{i}"), "method": "GET", "url": format!("{IMPORTED}?$top=1")}),
        );
    }
    let reply = batch(&server, &token, &json!({"requests": requests})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["responses"].as_array().unwrap().len(), 20);
    let import = by_id(&body, "import");
    assert_eq!(import["status"], 200);
    assert_eq!(import["body"]["value"][0]["serialNumber"], "B-1");
    assert_eq!(import["headers"]["content-type"], "application/json");
    assert_eq!(by_id(&body, "count")["status"], 200);
    assert_eq!(by_id(&body, "count")["body"], "1");
    let missing = by_id(&body, "missing");
    assert_eq!(missing["status"], 404);
    assert_eq!(missing["body"]["error"]["code"], "ResourceNotFound");
    assert_eq!(by_id(&body, "settings")["status"], 200);
    assert_eq!(
        by_id(&body, "list19")["body"]["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_failed_dependency_is_424_down_the_chain() {
    let server = Server::start().await;
    let token = server.rw("batch-deps");
    let body = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("{IMPORTED}/import"), "headers": {"Content-Type": "application/json"}, "body": {"importedWindowsAutopilotDeviceIdentities": []}},
        {"id": "2", "method": "GET", "url": format!("{IMPORTED}"), "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": format!("{IMPORTED}/$count"), "dependsOn": ["2"]},
        {"id": "4", "method": "GET", "url": format!("{IMPORTED}/$count")}
    ]});
    let reply = batch(&server, &token, &body).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(by_id(&body, "1")["status"], 400);
    assert_eq!(by_id(&body, "2")["status"], 424);
    assert_eq!(
        by_id(&body, "2")["body"]["error"]["code"],
        "FailedDependency"
    );
    assert_eq!(by_id(&body, "3")["status"], 424);
    assert_eq!(by_id(&body, "4")["status"], 200);
}

#[tokio::test]
async fn malformed_batches_are_400() {
    let server = Server::start().await;
    let token = server.rw("batch-bad");
    let get = |id: &str| json!({"id": id, "method": "GET", "url": IMPORTED});
    let too_many: Vec<Value> = (0..21).map(|i| get(&i.to_string())).collect();
    for (body, needle) in [
        (json!({"requests": too_many}), "at most 20"),
        (json!({"requests": [get("a"), get("A")]}), "more than once"),
        (json!({"requests": []}), "no requests"),
        (json!({}), "'requests'"),
        (json!({"requests": [{"id": "x", "method": "GET"}]}), "'url'"),
        (
            json!({"requests": [{"id": "x", "method": "POST", "url": IMPORTED, "body": {}}]}),
            "Content-Type",
        ),
        (
            json!({"requests": [get("a"), {"id": "b", "method": "GET", "url": IMPORTED, "dependsOn": ["zzz"]}]}),
            "depends on",
        ),
        (
            json!({"requests": [{"id": "x", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}]}),
            "relative",
        ),
    ] {
        let message = batch(&server, &token, &body)
            .await
            .graph_error(400, "BadRequest");
        assert!(message.contains(needle), "{body}: {message}");
    }
    // A batch inside a batch is refused as that sub-request.
    let reply = batch(&server, &token, &json!({"requests": [{"id": "n", "method": "POST", "url": "/$batch", "headers": {"Content-Type": "application/json"}, "body": {"requests": []}}]})).await;
    assert_eq!(by_id(&reply.json(), "n")["status"], 400);
}

#[tokio::test]
async fn each_sub_request_is_authorised_on_its_own() {
    let server = Server::start().await;
    let ro = server.token("batch-perm", &[RO], &[]);
    let body = json!({"requests": [
        {"id": "read", "method": "GET", "url": IMPORTED},
        {"id": "write", "method": "POST", "url": format!("{IMPORTED}/import"), "headers": {"Content-Type": "application/json"},
         "body": {"importedWindowsAutopilotDeviceIdentities": [{"hardwareIdentifier": hash("P-1")}]}}
    ]});
    let reply = batch(&server, &ro, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(by_id(&body, "read")["status"], 200);
    assert_eq!(by_id(&body, "write")["status"], 403);
    assert_eq!(by_id(&body, "write")["body"]["error"]["code"], "Forbidden");
    // Without a token the batch itself is 401.
    server
        .send(
            reqwest::Method::POST,
            "/v1.0/$batch",
            None,
            Some(("application/json", b"{}".to_vec())),
        )
        .await
        .graph_error(401, "InvalidAuthenticationToken");
}
