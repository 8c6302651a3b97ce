//! The bodies real scripts and SDKs send are accepted and stored as meant.

use crate::common::{IMPORTED, Server, hash};

#[tokio::test]
async fn add_autopilot_imported_device_body_with_order_identifier_and_pending_state() {
    let server = Server::start().await;
    let token = server.rw("scripts");
    let h = hash("PF1GHXN3");
    // As WindowsAutopilotIntune's Add-AutopilotImportedDevice builds it (string interpolation).
    let body = format!(
        r##"{{
    "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
    "orderIdentifier": "Kiosk",
    "serialNumber": "PF1GHXN3",
    "productKey": "",
    "hardwareIdentifier": "{h}",
    "assignedUserPrincipalName": "adele@contoso.com",
    "state": {{
        "@odata.type": "microsoft.graph.importedWindowsAutopilotDeviceIdentityState",
        "deviceImportStatus": "pending",
        "deviceRegistrationId": "",
        "deviceErrorCode": 0,
        "deviceErrorName": ""
    }}
}}"##
    );
    let reply = server
        .post_json(&format!("/beta{IMPORTED}"), &token, body.as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = reply.json();
    assert_eq!(
        created["@odata.context"],
        format!(
            "{}/beta/$metadata#deviceManagement/importedWindowsAutopilotDeviceIdentities/$entity",
            server.base
        )
    );
    assert_eq!(created["groupTag"], "Kiosk");
    assert_eq!(created["serialNumber"], "PF1GHXN3");
    assert_eq!(created["assignedUserPrincipalName"], "adele@contoso.com");
    assert_eq!(created["hardwareIdentifier"], h);
    // Whatever state the client sent, the record is processing: unknown.
    assert_eq!(created["state"]["deviceImportStatus"], "unknown");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["importId"], id);
    assert!(
        reply
            .header("location")
            .ends_with(&format!("importedWindowsAutopilotDeviceIdentities('{id}')"))
    );

    let stored = server
        .get(&format!("/beta{IMPORTED}/{id}"), &token)
        .await
        .json();
    assert_eq!(stored["groupTag"], "Kiosk");
    assert_eq!(stored["hardwareIdentifier"], h);
}

#[tokio::test]
async fn powershell_5_byte_array_hash_is_stored_as_bytes() {
    let server = Server::start().await;
    let token = server.rw("ps51");
    let h = hash("CZC1234567");
    let bytes = autopilot_server::wire::decode_binary(&h).unwrap();
    let body = serde_json::json!({
        "serialNumber": "CZC1234567",
        "hardwareIdentifier": bytes,
        "importId": "8c1b0f33-0f35-4f0e-9ff4-1b0a9a0f0a11",
    });
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}"),
            &token,
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = reply.json();
    assert_eq!(
        created["hardwareIdentifier"], h,
        "echoed as standard base64"
    );
    assert_ne!(created["importId"], "8c1b0f33-0f35-4f0e-9ff4-1b0a9a0f0a11");
}

#[tokio::test]
async fn unquoted_keys_trailing_commas_and_url_safe_base64() {
    let server = Server::start().await;
    let token = server.rw("lenient");
    let h = hash("LENIENT01");
    let url_safe = h
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('=')
        .to_owned();
    let body = format!(
        "{{ importedWindowsAutopilotDeviceIdentities: [ {{ serialNumber: \"LENIENT01\", \
         groupTag: 'Sales', hardwareIdentifier: \"{url_safe}\", }}, ], }}"
    );
    let reply = server
        .post_json(
            &format!("/v1.0{IMPORTED}/microsoft.graph.import"),
            &token,
            body.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let item = &reply.json()["value"][0];
    assert_eq!(item["groupTag"], "Sales");
    assert_eq!(item["hardwareIdentifier"], h);
}

#[tokio::test]
async fn one_import_call_shares_one_import_id_and_keeps_order() {
    let server = Server::start().await;
    let token = server.rw("batch");
    let serials: Vec<String> = (0..5).map(|i| format!("BATCH{i:03}")).collect();
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}/Import"),
            &token,
            &crate::common::import_body(serials.clone()),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let value = reply.json()["value"].as_array().unwrap().clone();
    let got: Vec<&str> = value
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap())
        .collect();
    assert_eq!(got, serials);
    assert!(value.iter().all(|d| d["importId"] == value[0]["importId"]));

    let count = server.get(&format!("/beta{IMPORTED}/$count"), &token).await;
    assert_eq!(count.status, 200);
    assert!(count.header("content-type").starts_with("text/plain"));
    assert_eq!(count.text(), "5");
    let count = server
        .get(&format!("/beta{IMPORTED}/%24count"), &token)
        .await;
    assert_eq!(count.text(), "5");

    // Keys as segments or in parentheses, any casing of the path, trailing slash.
    let id = value[2]["id"].as_str().unwrap();
    for path in [
        format!("/beta{IMPORTED}/{id}"),
        format!("/beta{IMPORTED}('{id}')"),
        format!(
            "/BETA/devicemanagement/importedwindowsautopilotdeviceidentities/{}/",
            id.to_uppercase()
        ),
    ] {
        let reply = server.get(&path, &token).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.json()["serialNumber"], "BATCH002");
    }
    let reply = server
        .delete(&format!("/beta{IMPORTED}('{id}')"), &token)
        .await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    assert_eq!(
        server
            .get(&format!("/beta{IMPORTED}/$count"), &token)
            .await
            .text(),
        "4"
    );
}

#[tokio::test]
async fn client_request_id_is_echoed() {
    let server = Server::start().await;
    let token = server.rw("ids");
    let reply = reqwest::Client::new()
        .get(format!("{}/beta{IMPORTED}", server.base))
        .bearer_auth(&token)
        .header("client-request-id", "6f1c9d4e-5b55-4bfe-a1f4-2e6f3b9c7d10")
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply.headers()["client-request-id"],
        "6f1c9d4e-5b55-4bfe-a1f4-2e6f3b9c7d10"
    );
    assert_ne!(
        reply.headers()["request-id"],
        "6f1c9d4e-5b55-4bfe-a1f4-2e6f3b9c7d10"
    );
}
