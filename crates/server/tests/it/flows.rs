//! The call sequences of Microsoft's scripts, replayed with the exact requests they send
//! (WindowsAutopilotIntune module 5.x; Get-WindowsAutopilotInfo 3.9 -Online). All on beta, as
//! they are.

use serde_json::Value;

use crate::common::{Server, hash};

const IMPORTED: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";

/// The body `Add-AutopilotImportedDevice` builds by string interpolation.
fn add_autopilot_imported_device(serial: &str, hash: &str, group_tag: &str, user: &str) -> String {
    format!(
        r##"{{
    "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
    "groupTag": "{group_tag}",
    "serialNumber": "{serial}",
    "productKey": "",
    "hardwareIdentifier": "{hash}",
    "assignedUserPrincipalName": "{user}",
    "state": {{
        "@odata.type": "microsoft.graph.importedWindowsAutopilotDeviceIdentityState",
        "deviceImportStatus": "pending",
        "deviceRegistrationId": "",
        "deviceErrorCode": 0,
        "deviceErrorName": ""
    }}
}}"##
    )
}

/// `Get-AutopilotImportedDevice` without an id: the whole collection, following nextLink.
async fn get_all_imported(server: &Server, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next = Some(IMPORTED.to_owned());
    while let Some(path) = next {
        let page = server.get(&path, token).await;
        assert_eq!(page.status, 200);
        let page = page.json();
        out.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["@odata.nextLink"]
            .as_str()
            .map(|l| l.strip_prefix(&server.base).unwrap().to_owned());
    }
    out
}

#[tokio::test]
async fn import_autopilot_csv() {
    let server = Server::start().await;
    let token = server.rw("import-autopilot-csv");
    // A CSV of five devices, one of them already registered by an earlier import (806).
    let serials: Vec<String> = (1..=5).map(|i| format!("CSV-{i:04}")).collect();
    let first = add_autopilot_imported_device(&serials[4], &hash(&serials[4]), "", "");
    let reply = server.post_json(IMPORTED, &token, first.as_bytes()).await;
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    server
        .wait_decided(&format!("{IMPORTED}/{id}"), &token)
        .await;
    let cleanup = get_all_imported(&server, &token).await;
    for d in cleanup {
        assert_eq!(
            server
                .delete(&format!("{IMPORTED}/{}", d["id"].as_str().unwrap()), &token)
                .await
                .status,
            204
        );
    }

    // 1. One POST per row.
    for serial in &serials {
        let body =
            add_autopilot_imported_device(serial, &hash(serial), "Kiosk", "adele@contoso.com");
        let reply = server.post_json(IMPORTED, &token, body.as_bytes()).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        assert_eq!(reply.json()["state"]["deviceImportStatus"], "unknown");
    }
    // 2. List the whole collection until no record is `unknown` ("Waiting for N of M").
    let mut rounds = 0;
    let devices = loop {
        let devices = get_all_imported(&server, &token).await;
        let waiting = devices
            .iter()
            .filter(|d| d["state"]["deviceImportStatus"] == "unknown")
            .count();
        if waiting == 0 {
            break devices;
        }
        rounds += 1;
        assert!(
            rounds < 1500,
            "still waiting for {waiting} of {}",
            devices.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    // 3. "serialNumber: status code name" for every record.
    let lines: Vec<String> = devices
        .iter()
        .map(|d| {
            format!(
                "{}: {} {} {}",
                d["serialNumber"].as_str().unwrap(),
                d["state"]["deviceImportStatus"].as_str().unwrap(),
                d["state"]["deviceErrorCode"],
                d["state"]["deviceErrorName"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            "CSV-0001: complete 0 None",
            "CSV-0002: complete 0 None",
            "CSV-0003: complete 0 None",
            "CSV-0004: complete 0 None",
            "CSV-0005: error 806 ZtdDeviceAlreadyAssigned",
        ]
    );
    // 4. Delete every record of the collection.
    for d in &devices {
        let reply = server
            .delete(&format!("{IMPORTED}/{}", d["id"].as_str().unwrap()), &token)
            .await;
        assert_eq!(reply.status, 204);
    }
    assert!(get_all_imported(&server, &token).await.is_empty());
    // The registered devices stay: deleting import records does not deregister.
    let registered = server
        .get(
            "/beta/deviceManagement/windowsAutopilotDeviceIdentities/$count",
            &token,
        )
        .await;
    assert_eq!(registered.text(), "5");
}

#[tokio::test]
async fn get_windows_autopilot_info_online() {
    let server = Server::start().await;
    let token = server.rw("get-windowsautopilotinfo");
    let serial = "5CG1457YL8";
    // 1. Add-AutopilotImportedDevice for the collected device.
    let body = add_autopilot_imported_device(serial, &hash(serial), "", "");
    let reply = server.post_json(IMPORTED, &token, body.as_bytes()).await;
    assert_eq!(reply.status, 201);
    let imported = reply.json();
    let id = imported["id"].as_str().unwrap();
    // 2. GET imported/{id} while `unknown` ("Waiting for 1 of 1 to be imported").
    let mut record;
    let mut polls = 0;
    loop {
        record = server.get(&format!("{IMPORTED}/{id}"), &token).await.json();
        if record["state"]["deviceImportStatus"] != "unknown" {
            break;
        }
        polls += 1;
        assert!(polls < 1500);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // 3. "1 devices imported successfully."
    assert_eq!(record["state"]["deviceImportStatus"], "complete");
    // 4. GET windowsAutopilotDeviceIdentities/{deviceRegistrationId}: found at once.
    let ztdid = record["state"]["deviceRegistrationId"].as_str().unwrap();
    let device = server
        .get(
            &format!("/beta/deviceManagement/windowsAutopilotDeviceIdentities/{ztdid}"),
            &token,
        )
        .await;
    assert_eq!(
        device.status, 200,
        "the registered device is there when the import says complete"
    );
    let device = device.json();
    assert_eq!(device["serialNumber"], serial);
    assert_eq!(device["id"], ztdid);
    assert!(
        !device["azureActiveDirectoryDeviceId"]
            .as_str()
            .unwrap()
            .is_empty(),
        "-AddToGroup needs it"
    );
}
