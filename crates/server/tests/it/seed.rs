//! The seed page's example request, byte for byte, on both of its routes and both versions.

use serde_json::Value;

use crate::common::{IMPORTED, Server, lenient_b64};

/// The request body of the seed page's example, exactly as the page shows it.
fn seed_request_body() -> Option<Vec<u8>> {
    let dir = autopilot_testkit::seed_dir()?;
    let page =
        autopilot_testkit::read_text(&dir, "importedwindowsautopilotdeviceidentity-import.md");
    let request = &page[page.find("### Request").unwrap()..];
    let block = &request[request.find("``` http").unwrap() + "``` http".len()..];
    let block = &block[..block.find("```").unwrap()];
    let body = &block[block.find("\n{").unwrap() + 1..];
    assert!(body.contains("\"hardwareIdentifier\": \"Binary\""));
    Some(body.as_bytes().to_vec())
}

fn check_item(server: &Server, item: &Value) {
    assert_eq!(item["serialNumber"], "String");
    assert_eq!(item["groupTag"], "String");
    assert_eq!(item["productKey"], "String");
    assert_eq!(item["assignedUserPrincipalName"], "String");
    // Graph keeps Edm.Binary as bytes: the placeholder comes back in canonical base64.
    let echoed = item["hardwareIdentifier"].as_str().unwrap();
    assert_eq!(lenient_b64(echoed), lenient_b64("Binary"));
    let id = item["id"].as_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "server id, not the client's: {id}"
    );
    assert_ne!(item["importId"], "String", "importId is the server's");
    assert_eq!(
        item["state"],
        serde_json::json!({
            "deviceImportStatus": "unknown",
            "deviceRegistrationId": "",
            "deviceErrorCode": 0,
            "deviceErrorName": ""
        })
    );
    assert!(
        item.get("@odata.type").is_none(),
        "minimal metadata: no @odata.type"
    );
    let _ = server;
}

#[tokio::test]
async fn the_seed_example_imports_on_both_routes_and_versions() {
    let Some(body) = seed_request_body() else {
        return;
    };
    // A real-service-like delay on a manual clock: the records stay `unknown` until it moves.
    let (server, _clock) = Server::with_manual_clock("60s..95s").await;
    let token = server.rw("seed");
    let mut ids = Vec::new();
    for version in ["v1.0", "beta"] {
        for route in [
            format!("/{version}{IMPORTED}/import"),
            format!(
                "/{version}/importedWindowsAutopilotDeviceIdentityUpload/deviceIdentities/import"
            ),
        ] {
            let reply = server.post_json(&route, &token, &body).await;
            assert_eq!(reply.status, 200, "{route}: {}", reply.text());
            assert_eq!(reply.header("content-type"), "application/json");
            let json = reply.json();
            assert_eq!(
                json["@odata.context"],
                format!(
                    "{}/{version}/$metadata#Collection(microsoft.graph.importedWindowsAutopilotDeviceIdentity)",
                    server.base
                )
            );
            let value = json["value"].as_array().unwrap();
            assert_eq!(value.len(), 1, "{route}");
            check_item(&server, &value[0]);
            ids.push(value[0]["id"].as_str().unwrap().to_owned());
        }
    }
    // All four records are in the collection, whichever route made them.
    let list = server.get(&format!("/beta{IMPORTED}"), &token).await.json();
    let listed: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    for id in &ids {
        assert!(listed.contains(&id.as_str()), "{id} listed");
        let one = server.get(&format!("/v1.0{IMPORTED}/{id}"), &token).await;
        assert_eq!(one.status, 200);
        let one = one.json();
        assert_eq!(
            one["@odata.context"],
            format!(
                "{}/v1.0/$metadata#deviceManagement/importedWindowsAutopilotDeviceIdentities/$entity",
                server.base
            )
        );
        check_item(&server, &one);
    }
    // The literal seed route made one upload per call, holding its device.
    let uploads = server
        .get(
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads",
            &token,
        )
        .await
        .json();
    let uploads = uploads["value"].as_array().unwrap();
    assert_eq!(uploads.len(), 2);
    for upload in uploads {
        assert_eq!(upload["status"], "pending");
        let devices = server
            .get(
                &format!(
                    "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/{}/deviceIdentities",
                    upload["id"].as_str().unwrap()
                ),
                &token,
            )
            .await
            .json();
        assert_eq!(devices["value"].as_array().unwrap().len(), 1);
    }

    // Once processed, the placeholder hash fails as the real service fails it.
    server.advance(time::Duration::seconds(95));
    for id in &ids {
        let record = server
            .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
            .await;
        assert_eq!(record["state"]["deviceImportStatus"], "error");
        assert_eq!(record["state"]["deviceErrorCode"], 802);
        assert_eq!(record["state"]["deviceErrorName"], "InvalidZtdHardwareHash");
    }
    let uploads = server
        .get(
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads",
            &token,
        )
        .await
        .json();
    for upload in uploads["value"].as_array().unwrap() {
        assert_eq!(upload["status"], "error");
    }
}
