//! The operators' options with the real binary: JSON logs with a request line per request,
//! the audit log in a file of its own, metrics off, on a listener of their own, and per tenant
//! behind an admin token; readiness against a database a newer build has migrated.

use crate::serve::{cli_ok, start_with, stop};

pub(crate) async fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let mut request = crate::client().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = request.send().await.unwrap();
    (reply.status().as_u16(), reply.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn json_logs_and_an_audit_log_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let audit = dir.path().join("audit.log");
    let running = start_with(
        &data,
        &[
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--audit-log",
            audit.to_str().unwrap(),
        ],
        &[("AUTOPILOT_GRAPH_LOG", "info")],
    );
    let url = format!(
        "{}/beta/deviceManagement/windowsAutopilotDeviceIdentities/00000000-0000-0000-0000-000000000009",
        running.base
    );
    let reply = crate::client()
        .delete(&url)
        .bearer_auth(&running.token)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    assert!(reply.status().is_client_error());
    let request_id = reply.headers()["request-id"].to_str().unwrap().to_owned();
    let log = stop(running);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| {
            l["fields"]["request_id"] == request_id.as_str() && l["fields"]["message"] == "request"
        })
        .unwrap_or_else(|| panic!("no request line:\n{log}"));
    assert_eq!(
        request["fields"]["route"],
        "/beta/deviceManagement/windowsAutopilotDeviceIdentities/{id}"
    );
    assert_eq!(request["fields"]["status"], status);
    assert!(request["fields"]["ms"].as_f64().unwrap() >= 0.0);
    // Where the audit log goes is said; its lines are in the file, not with the others.
    assert!(
        lines.iter().any(|l| l["fields"]["audit_log"]
            .as_str()
            .is_some_and(|a| a.contains("audit.log"))),
        "{log}"
    );
    assert!(!lines.iter().any(|l| l["target"] == "audit"), "{log}");
    let written = std::fs::read_to_string(&audit).unwrap();
    let line: serde_json::Value = serde_json::from_str(written.lines().next().unwrap()).unwrap();
    assert_eq!(line["target"], "audit");
    assert_eq!(line["fields"]["request_id"], request_id.as_str());
    assert_eq!(line["fields"]["outcome"], "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn metrics_off_on_their_own_listener_and_per_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Off: /metrics is no route of ours.
    let running = start_with(&data, &["--listen", "127.0.0.1:0", "--metrics", "off"], &[]);
    let (status, _) = get(&format!("{}/metrics", running.base), None).await;
    assert_eq!(status, 404);
    assert_eq!(get(&format!("{}/healthz", running.base), None).await.0, 200);
    stop(running);

    // A listener of its own: metrics, health and readiness there, no metrics on the Graph one.
    let running = start_with(
        &data,
        &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"],
        &[],
    );
    let metrics = running.metrics.clone().expect("the metrics URL is printed");
    assert_eq!(get(&format!("{}/metrics", running.base), None).await.0, 404);
    assert_eq!(
        get(
            &format!("{}/v1.0/devices", running.base),
            Some(&running.token)
        )
        .await
        .0,
        200
    );
    let (status, text) = get(&metrics, None).await;
    assert_eq!(status, 200);
    assert!(text.contains("route=\"/v1.0/devices\""), "{text}");
    let health = metrics.replace("/metrics", "/readyz");
    assert_eq!(get(&health, None).await.0, 200);
    stop(running);

    // Per tenant: tenant ids appear, so the Graph listener wants an admin token.
    let running = start_with(
        &data,
        &["--listen", "127.0.0.1:0", "--metrics-per-tenant"],
        &[],
    );
    let devices = format!("{}/v1.0/devices", running.base);
    assert_eq!(get(&devices, Some(&running.token)).await.0, 200);
    let url = format!("{}/metrics", running.base);
    assert_eq!(get(&url, None).await.0, 401);
    assert_eq!(get(&url, Some(&running.token)).await.0, 403);
    let admin = cli_ok(
        &data,
        &[
            "token",
            "--tenant",
            "default",
            "--scope",
            "AutopilotGraph.Admin",
        ],
    );
    let (status, text) = get(&url, Some(admin.trim())).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("autopilot_graph_tenant_requests_total{tenant="),
        "{text}"
    );
    stop(running);
}

/// A database a newer build migrated: the server that still runs on it says it is not ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn not_ready_on_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start_with(&data, &["--listen", "127.0.0.1:0"], &[]);
    let readyz = format!("{}/readyz", running.base);
    assert_eq!(get(&readyz, None).await.0, 200);
    let db = format!("sqlite://{}", data.join("autopilot-graph.db").display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (status, body) = get(&readyz, None).await;
    assert_eq!(status, 503, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["checks"]["store"], "schema");
    assert!(
        body["reasons"][0]
            .as_str()
            .unwrap()
            .contains("migration 99999, newer than this server's"),
        "{body}"
    );
    stop(running);
}
