//! Scenarios shaping requests: a 429 storm that passes after its count, a 503 after the write
//! is applied, latency, a dropped connection, refused syncs; each shaped response names its
//! rule, and rules keep to their tenant.

use serde_json::json;

use crate::common::{IMPORTED, Server, import_body};

const SCENARIO: &str = r#"
[scenario]
name = "flaky"
version = 2

[[rule]]
name = "storm"
match = { tenant = "storm", route = "*/importedWindowsAutopilotDeviceIdentities/import", method = "POST" }
effect = { status = 429, retry_after = 5, times = 3 }

[[rule]]
name = "applied then 503"
match = { tenant = "after", route = "*/importedWindowsAutopilotDeviceIdentities", method = "POST" }
effect = { status = 503, applied = "after", retry_after = 2 }

[[rule]]
name = "slow reads"
match = { tenant = "slow", method = "GET" }
effect = { latency = "10ms..30ms" }

[[rule]]
name = "cut"
match = { tenant = "cut", method = "DELETE" }
effect = { drop = true, applied = "after" }

[[rule]]
name = "busy sync"
match = { tenant = "busy" }
effect = { sync = "conflict" }

[[rule]]
name = "slow sync"
match = { tenant = "throttled" }
effect = { sync = "throttled", retry_after = 610 }
"#;

#[tokio::test]
async fn a_storm_passes_after_its_count_and_names_its_rule() {
    let server = Server::with_scenarios(&[SCENARIO]).await;
    let token = server.rw("storm");
    let path = format!("/beta{IMPORTED}/import");
    let body = import_body(["STORM-1".to_owned()]);
    for _ in 0..3 {
        let reply = server.post_json(&path, &token, &body).await;
        reply.graph_error(429, "TooManyRequests");
        assert_eq!(reply.header("retry-after"), "5");
        assert_eq!(reply.header("x-autopilot-graph-scenario"), "flaky/storm");
    }
    let reply = server.post_json(&path, &token, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.headers.get("x-autopilot-graph-scenario").is_none());
    // Only the request that passed imported anything.
    let count = server.get(&format!("/beta{IMPORTED}/$count"), &token).await;
    assert_eq!(count.text(), "1");
    // Other tenants never meet the storm.
    let other = server.rw("calm");
    assert_eq!(server.post_json(&path, &other, &body).await.status, 200);
}

#[tokio::test]
async fn faults_before_and_after_the_write_latency_drops_and_syncs() {
    let server = Server::with_scenarios(&[SCENARIO]).await;
    // 503 after the write: the client sees the fault, the record is there.
    let token = server.rw("after");
    let body =
        json!({"serialNumber": "AFTER-1", "hardwareIdentifier": crate::common::hash("AFTER-1")});
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}"),
            &token,
            body.to_string().as_bytes(),
        )
        .await;
    reply.graph_error(503, "ServiceUnavailable");
    assert_eq!(reply.header("retry-after"), "2");
    assert_eq!(
        reply.header("x-autopilot-graph-scenario"),
        "flaky/applied then 503"
    );
    let listed = server.get(&format!("/beta{IMPORTED}"), &token).await.json();
    assert_eq!(listed["value"][0]["serialNumber"], "AFTER-1");

    // Latency: answered as usual, named.
    let slow = server.rw("slow");
    let reply = server.get(&format!("/beta{IMPORTED}"), &slow).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("x-autopilot-graph-scenario"),
        "flaky/slow reads"
    );

    // A dropped connection after the delete is carried out: no answer, and the record gone.
    let cut = server.rw("cut");
    let body = import_body(["CUT-1".to_owned()]);
    let imported = server
        .post_json(&format!("/beta{IMPORTED}/import"), &cut, &body)
        .await
        .json();
    let id = imported["value"][0]["id"].as_str().unwrap().to_owned();
    let answer = reqwest::Client::new()
        .delete(format!("{}/beta{IMPORTED}/{id}", server.base))
        .bearer_auth(&cut)
        .send()
        .await;
    let broken = match answer {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(broken, "the connection was dropped");
    server
        .get(&format!("/beta{IMPORTED}/{id}"), &cut)
        .await
        .graph_error(404, "ResourceNotFound");

    // Syncs refused as Intune refuses them.
    let sync = "/beta/deviceManagement/windowsAutopilotSettings/sync";
    let reply = server.post_json(sync, &server.rw("busy"), b"").await;
    reply.graph_error(409, "Conflict");
    assert_eq!(
        reply.header("x-autopilot-graph-scenario"),
        "flaky/busy sync"
    );
    let reply = server.post_json(sync, &server.rw("throttled"), b"").await;
    reply.graph_error(429, "TooManyRequests");
    assert_eq!(reply.header("retry-after"), "610");
    // A tenant no rule names syncs.
    assert_eq!(
        server.post_json(sync, &server.rw("calm"), b"").await.status,
        204
    );
}
