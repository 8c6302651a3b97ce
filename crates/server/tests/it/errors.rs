//! Every error path answers its status with a Graph error body, and stores nothing.

use autopilot_server::ServerConfig;
use reqwest::Method;

use crate::common::{IMPORTED, RO, Server, hash, import_body};

async fn count(server: &Server, token: &str) -> String {
    server
        .get(&format!("/beta{IMPORTED}/$count"), token)
        .await
        .text()
}

#[tokio::test]
async fn bad_bodies_are_400_and_nothing_is_stored() {
    let server = Server::start().await;
    let token = server.rw("errors");
    let import = format!("/beta{IMPORTED}/import");
    let good = hash("GOOD0001");
    let cases: Vec<(String, &str)> = vec![
        ("this is not json".into(), "not valid JSON"),
        ("{\"importedWindowsAutopilotDeviceIdentities\": [".into(), "not valid JSON"),
        ("".into(), "empty"),
        ("[]".into(), "must be an object"),
        ("{}".into(), "is missing"),
        ("{\"importedWindowsAutopilotDeviceIdentities\": []}".into(), "is empty"),
        ("{\"importedWindowsAutopilotDeviceIdentities\": {}}".into(), "must be an array"),
        (
            format!("{{\"importedWindowsAutopilotDeviceIdentities\": [{{\"hardwareIdentifier\": \"{good}\"}}, {{\"serialNumber\": \"X\"}}]}}"),
            "importedWindowsAutopilotDeviceIdentities[1].hardwareIdentifier is missing",
        ),
        (
            format!("{{\"importedWindowsAutopilotDeviceIdentities\": [{{\"hardwareIdentifier\": \"{good}\"}}, {{\"hardwareIdentifier\": \"*\"}}]}}"),
            "importedWindowsAutopilotDeviceIdentities[1].hardwareIdentifier is not base64",
        ),
        (
            "{\"importedWindowsAutopilotDeviceIdentities\": [{\"hardwareIdentifier\": \"ab%cd\"}]}".into(),
            "[0].hardwareIdentifier is not base64",
        ),
        (
            "{\"importedWindowsAutopilotDeviceIdentities\": [{\"hardwareIdentifier\": \"QUJD QUJD\"}]}".into(),
            "[0].hardwareIdentifier is not base64",
        ),
        (
            "{\"importedWindowsAutopilotDeviceIdentities\": [{\"hardwareIdentifier\": 42}]}".into(),
            "[0].hardwareIdentifier must be base64 text or an array of bytes",
        ),
        (
            "{\"importedWindowsAutopilotDeviceIdentities\": [{\"hardwareIdentifier\": \"QUJD\", \"groupTag\": 7}]}".into(),
            "[0].groupTag must be a string",
        ),
    ];
    for (body, expected) in &cases {
        let reply = server.post_json(&import, &token, body.as_bytes()).await;
        let message = reply.graph_error(400, "BadRequest");
        assert!(message.contains(expected), "{body:.60}: {message}");
    }
    // The single-device POST too.
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}"),
            &token,
            b"{\"serialNumber\": \"X\"}",
        )
        .await;
    assert!(
        reply
            .graph_error(400, "BadRequest")
            .contains("hardwareIdentifier is missing")
    );
    assert_eq!(count(&server, &token).await, "0", "all or nothing");
}

#[tokio::test]
async fn too_many_devices_is_400_and_too_large_a_body_413() {
    let server = Server::with_config(ServerConfig {
        max_devices_per_request: 3,
        ..ServerConfig::default()
    })
    .await;
    let token = server.rw("limits");
    let import = format!("/beta{IMPORTED}/import");
    let body = import_body((0..4).map(|i| format!("LIMIT{i}")));
    let message = server
        .post_json(&import, &token, &body)
        .await
        .graph_error(400, "BadRequest");
    assert!(message.contains("at most 3"), "{message}");

    let huge = vec![
        b' ';
        ServerConfig {
            max_devices_per_request: 3,
            ..ServerConfig::default()
        }
        .body_limit()
            + 1
    ];
    server
        .post_json(&import, &token, &huge)
        .await
        .graph_error(413, "RequestEntityTooLarge");
    let ok = server
        .post_json(
            &import,
            &token,
            &import_body((0..3).map(|i| format!("LIMIT{i}"))),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(count(&server, &token).await, "3");
}

#[tokio::test]
async fn a_500_device_import_fits_the_default_limit() {
    let server = Server::start().await;
    let token = server.rw("five-hundred");
    let body = import_body((0..500).map(|i| format!("FH{i:05}")));
    assert!(
        body.len() > 2_000_000,
        "a real 500-device body is about 2 MB"
    );
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}/microsoft.graph.import"),
            &token,
            &body,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["value"].as_array().unwrap().len(), 500);
}

#[tokio::test]
async fn non_json_content_type_is_415() {
    let server = Server::start().await;
    let token = server.rw("media");
    let body = import_body(["MEDIA1".to_owned()]);
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        server
            .send(
                Method::POST,
                &format!("/beta{IMPORTED}/import"),
                Some(&token),
                Some((content_type, body.clone())),
            )
            .await
            .graph_error(415, "UnsupportedMediaType");
    }
    for content_type in [
        "application/json; charset=utf-8",
        "application/json;odata.metadata=minimal",
    ] {
        let reply = server
            .send(
                Method::POST,
                &format!("/beta{IMPORTED}/import"),
                Some(&token),
                Some((content_type, body.clone())),
            )
            .await;
        assert_eq!(reply.status, 200, "{content_type}: {}", reply.text());
    }
}

#[tokio::test]
async fn authentication_and_permissions() {
    let server = Server::start().await;
    let list = format!("/beta{IMPORTED}");
    let reply = server.send(Method::GET, &list, None, None).await;
    assert_eq!(
        reply.graph_error(401, "InvalidAuthenticationToken"),
        "Access token is empty."
    );
    assert!(reply.header("www-authenticate").starts_with("Bearer"));
    let reply = server
        .send(Method::GET, &list, Some("not-a-token"), None)
        .await;
    reply.graph_error(401, "InvalidAuthenticationToken");
    assert!(reply.header("www-authenticate").starts_with("Bearer"));

    // Read-only may read, not write.
    let ro = server.token("perm", &[RO], &[]);
    assert_eq!(server.get(&list, &ro).await.status, 200);
    let message = server
        .post_json(
            &format!("{list}/import"),
            &ro,
            &import_body(["P1".to_owned()]),
        )
        .await
        .graph_error(403, "Forbidden");
    assert!(message.contains("DeviceManagementServiceConfig.ReadWrite.All"));
    // Application roles count like scopes.
    let app = server.token(
        "perm",
        &[],
        &["DeviceManagementServiceConfig.ReadWrite.All"],
    );
    let reply = server
        .post_json(
            &format!("{list}/import"),
            &app,
            &import_body(["P1".to_owned()]),
        )
        .await;
    assert_eq!(reply.status, 200);
    // Unrelated permissions read nothing.
    let other = server.token("perm", &["User.Read"], &[]);
    server
        .get(&list, &other)
        .await
        .graph_error(403, "Forbidden");
    server
        .delete(&format!("{list}/00000000-0000-0000-0000-000000000000"), &ro)
        .await
        .graph_error(403, "Forbidden");
}

#[tokio::test]
async fn routing_errors_look_like_graphs() {
    let server = Server::start().await;
    let token = server.rw("routing");
    let reply = server
        .get(
            "/v1.0/deviceManagement/windowsAutopilotDeploymentProfiles",
            &token,
        )
        .await;
    assert_eq!(
        reply.graph_error(400, "BadRequest"),
        "Resource not found for the segment 'windowsAutopilotDeploymentProfiles'."
    );
    let reply = server
        .get(
            "/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            &token,
        )
        .await;
    assert_eq!(
        reply.graph_error(404, "ResourceNotFound"),
        "Invalid version: devicemanagement"
    );
    // Even without a token.
    let reply = server.send(Method::GET, "/", None, None).await;
    reply.graph_error(404, "ResourceNotFound");

    let reply = server
        .send(
            Method::PATCH,
            &format!("/beta{IMPORTED}/00000000-0000-0000-0000-000000000000"),
            Some(&token),
            None,
        )
        .await;
    reply.graph_error(405, "MethodNotAllowed");
    assert_eq!(reply.header("allow"), "GET, DELETE");
    let reply = server
        .send(Method::PUT, &format!("/beta{IMPORTED}"), Some(&token), None)
        .await;
    reply.graph_error(405, "MethodNotAllowed");
    assert_eq!(reply.header("allow"), "GET, POST");
    let reply = server.get(&format!("/beta{IMPORTED}/import"), &token).await;
    reply.graph_error(405, "MethodNotAllowed");
    assert_eq!(reply.header("allow"), "POST");

    for id in ["00000000-0000-0000-0000-000000000000", "not-a-guid"] {
        server
            .get(&format!("/beta{IMPORTED}/{id}"), &token)
            .await
            .graph_error(404, "ResourceNotFound");
        server
            .delete(&format!("/beta{IMPORTED}/{id}"), &token)
            .await
            .graph_error(404, "ResourceNotFound");
    }
    let reply = server
        .get(&format!("/beta{IMPORTED}?$filter=nope%20eq%20'x'"), &token)
        .await;
    assert!(reply.graph_error(400, "BadRequest").contains("'nope'"));
    server
        .get(&format!("/beta{IMPORTED}?$top=abc"), &token)
        .await
        .graph_error(400, "BadRequest");
    server
        .get(&format!("/beta{IMPORTED}?$skiptoken=garbage!"), &token)
        .await
        .graph_error(400, "BadRequest");
}
