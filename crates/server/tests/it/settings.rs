//! beta windowsAutopilotSettings and its sync: 204, 409 while running, 429 within the interval.

use crate::common::Server;

const SETTINGS: &str = "/beta/deviceManagement/windowsAutopilotSettings";

#[tokio::test]
async fn sync_runs_conflicts_and_throttles_on_the_clock() {
    let (server, _clock) = Server::with_manual_clock("5s").await;
    let token = server.rw("settings");
    let first = server.get(SETTINGS, &token).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let first = first.json();
    assert_eq!(
        first["@odata.context"],
        format!(
            "{}/beta/$metadata#deviceManagement/windowsAutopilotSettings/$entity",
            server.base
        )
    );
    assert!(
        first.get("value").is_none(),
        "a singleton: no value wrapper"
    );
    assert_eq!(first["syncStatus"], "unknown");
    assert_eq!(first["lastSyncDateTime"], "0001-01-01T00:00:00Z");
    let id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.get(SETTINGS, &token).await.json()["id"],
        id.as_str(),
        "stable id"
    );

    // 204, then inProgress; another trigger meanwhile is 409.
    let reply = server
        .post_json(&format!("{SETTINGS}/sync"), &token, b"")
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let running = server.get(SETTINGS, &token).await.json();
    assert_eq!(running["syncStatus"], "inProgress");
    assert_ne!(
        running["lastManualSyncTriggerDateTime"],
        "0001-01-01T00:00:00Z"
    );
    assert_eq!(running["lastSyncDateTime"], "0001-01-01T00:00:00Z");
    server
        .post_json(&format!("{SETTINGS}/microsoft.graph.sync"), &token, b"")
        .await
        .graph_error(409, "Conflict");

    // 20 s later it has completed; within 10 minutes of the trigger, 429 with Retry-After.
    server.advance(time::Duration::seconds(20));
    let done = server.get(SETTINGS, &token).await.json();
    assert_eq!(done["syncStatus"], "completed");
    assert_ne!(done["lastSyncDateTime"], "0001-01-01T00:00:00Z");
    let throttled = server
        .post_json(&format!("{SETTINGS}/sync"), &token, b"")
        .await;
    throttled.graph_error(429, "TooManyRequests");
    assert_eq!(throttled.header("retry-after"), "580");

    server.advance(time::Duration::seconds(580));
    assert_eq!(
        server
            .post_json(&format!("{SETTINGS}/Sync"), &token, b"")
            .await
            .status,
        204
    );
    // Tenants are apart: another tenant may sync now.
    let other = server.rw("settings-other");
    assert_eq!(
        server
            .post_json(&format!("{SETTINGS}/sync"), &other, b"")
            .await
            .status,
        204
    );

    // PATCH: the properties are the service's; a valid body changes nothing and answers 200.
    let reply = server
        .send(
            reqwest::Method::PATCH,
            SETTINGS,
            Some(&token),
            Some(("application/json", br#"{"syncStatus":"failed"}"#.to_vec())),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["syncStatus"], "inProgress");
    server
        .send(
            reqwest::Method::PATCH,
            SETTINGS,
            Some(&token),
            Some(("application/json", b"[1]".to_vec())),
        )
        .await
        .graph_error(400, "BadRequest");
    let reply = server
        .send(reqwest::Method::DELETE, SETTINGS, Some(&token), None)
        .await;
    reply.graph_error(405, "MethodNotAllowed");
    // v1.0 has no settings.
    let message = server
        .get("/v1.0/deviceManagement/windowsAutopilotSettings", &token)
        .await
        .graph_error(400, "BadRequest");
    assert_eq!(
        message,
        "Resource not found for the segment 'windowsAutopilotSettings'."
    );
    // Triggering is a write.
    let ro = server.token("settings", &["DeviceManagementServiceConfig.Read.All"], &[]);
    server
        .post_json(&format!("{SETTINGS}/sync"), &ro, b"")
        .await
        .graph_error(403, "Forbidden");
    assert_eq!(server.get(SETTINGS, &ro).await.status, 200);
}
