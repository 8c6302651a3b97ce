//! The operators' paths over a real socket: `/healthz`, `/readyz` (ready, then not once the
//! worker is gone) and `/metrics` in the Prometheus text format after an import.

use axum::http::Method;

use crate::common::{IMPORTED, Server, import_body};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_without_a_token() {
    let server = Server::start().await;
    let reply = server.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), serde_json::json!({ "status": "ok" }));
    assert_eq!(reply.header("cache-control"), "no-store");
    let reply = server.send(Method::POST, "/healthz", None, None).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.json()["error"]["code"], "MethodNotAllowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_until_the_worker_is_gone() {
    let server = Server::start().await;
    let reply = server.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json(),
        serde_json::json!({ "status": "ready", "checks": { "store": "ok", "worker": "ok" } })
    );
    server.kill_worker();
    // The task's end is seen once the runtime has dropped it.
    let mut reply = server.send(Method::GET, "/readyz", None, None).await;
    for _ in 0..100 {
        if reply.status == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        reply = server.send(Method::GET, "/readyz", None, None).await;
    }
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert_eq!(reply.header("retry-after"), "5");
    let body = reply.json();
    assert_eq!(body["checks"]["worker"], "stopped");
    assert_eq!(
        body["reasons"],
        serde_json::json!(["the registration worker has stopped"])
    );
    server.start_worker();
    let reply = server.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        reply.status, 503,
        "the old worker's liveness is what readiness was given"
    );
}

/// Every sample line is `name{labels} value`; the families named are there; no tenant id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_imports_and_registrations() {
    let server = Server::start().await;
    let token = server.rw("metrics-tenant");
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}/import"),
            &token,
            &import_body((0..3).map(|i| format!("MET-{i}"))),
        )
        .await;
    assert_eq!(reply.status, 200);
    let id = reply.json()["value"][0]["id"].as_str().unwrap().to_owned();
    server
        .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
        .await;
    let reply = server.send(Method::GET, "/metrics", None, None).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = reply.text();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (sample, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(
            sample
                .split('{')
                .next()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
    }
    let route = format!("route=\"/beta{IMPORTED}/import\"");
    assert!(
        text.lines()
            .any(|l| l.starts_with("autopilot_graph_http_requests_total{")
                && l.contains(&route)
                && l.contains("method=\"POST\"")
                && l.contains("status=\"200\"")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "autopilot_graph_http_request_duration_seconds_bucket{{route=\"/beta{IMPORTED}/{{id}}\",method=\"GET\",le=\"0.5\"}}"
        )),
        "{text}"
    );
    for family in [
        "autopilot_graph_devices_imported_total ",
        "autopilot_graph_registrations_total{status=\"complete\",code=\"0\",name=\"None\"} ",
        "autopilot_graph_worker_rounds_total{result=\"ok\"} ",
        "autopilot_graph_worker_round_duration_seconds_count ",
        "autopilot_graph_queue_processing ",
        "autopilot_graph_queue_due ",
        "autopilot_graph_queue_oldest_due_age_seconds ",
        "autopilot_graph_store_connections{state=\"idle\"} ",
        "autopilot_graph_store_connections_max ",
        "autopilot_graph_store_up 1",
        "autopilot_graph_build_info{version=",
        "# HELP autopilot_graph_http_requests_total ",
        "# TYPE autopilot_graph_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(family), "{family} missing:\n{text}");
    }
    // Bounded labels: no tenant, no raw path with an id in it.
    assert!(!text.contains("metrics-tenant"), "{text}");
    assert!(!text.contains(&id), "{text}");
}

/// The OpenAPI document, without a token, is what the code generates (and what
/// docs/openapi.json holds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_served() {
    let server = Server::start().await;
    let reply = server.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.text(), autopilot_server::openapi::text());
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(
        doc["paths"]["/beta/deviceManagement/windowsAutopilotDeviceIdentities/{id}"]["delete"]
            .is_object()
    );
    assert!(doc["paths"]["/{tenant}/oauth2/v2.0/token"]["post"].is_object());
    assert!(doc["paths"]["/_autopilot-graph/tenants/{tenant}/scenarios/{name}"]["put"].is_object());
}
