//! The registration service through HTTP: import, poll as the scripts do, see the outcome, GET
//! the registered device by `deviceRegistrationId`.

use serde_json::{Value, json};

use crate::common::{IMPORTED, Server, hash, import_body};

const DEVICES: &str = "/deviceManagement/windowsAutopilotDeviceIdentities";

/// Imports one device with the single-device POST and waits for the outcome.
async fn import_one(server: &Server, token: &str, serial: &str, hash: &str) -> Value {
    let body = json!({"serialNumber": serial, "groupTag": "Lab", "assignedUserPrincipalName": "adele@contoso.com", "productKey": "", "hardwareIdentifier": hash});
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}"),
            token,
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    server
        .wait_decided(&format!("/beta{IMPORTED}/{id}"), token)
        .await
}

fn outcome(record: &Value) -> (String, i64, String) {
    let state = &record["state"];
    (
        state["deviceImportStatus"].as_str().unwrap().to_owned(),
        state["deviceErrorCode"].as_i64().unwrap(),
        state["deviceErrorName"].as_str().unwrap().to_owned(),
    )
}

fn complete(record: &Value) -> String {
    assert_eq!(
        outcome(record),
        ("complete".into(), 0, "None".into()),
        "{record}"
    );
    record["state"]["deviceRegistrationId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_valid_hash_registers_a_device_visible_at_once_in_both_versions() {
    let server = Server::start().await;
    let token = server.rw("register");
    let record = import_one(&server, &token, "REG-0001", &hash("REG-0001")).await;
    let device_id = complete(&record);

    let v1 = server
        .get(&format!("/v1.0{DEVICES}/{device_id}"), &token)
        .await;
    assert_eq!(v1.status, 200, "{}", v1.text());
    let v1 = v1.json();
    assert_eq!(
        v1["@odata.context"],
        format!(
            "{}/v1.0/$metadata#deviceManagement/windowsAutopilotDeviceIdentities/$entity",
            server.base
        )
    );
    assert_eq!(v1["id"], device_id.as_str());
    assert_eq!(v1["serialNumber"], "REG-0001");
    assert_eq!(v1["manufacturer"], "Contoso");
    assert_eq!(v1["model"], "Laptop 7");
    assert_eq!(v1["groupTag"], "Lab");
    assert_eq!(v1["userPrincipalName"], "adele@contoso.com");
    assert_eq!(v1["enrollmentState"], "notContacted");
    assert_eq!(v1["lastContactedDateTime"], "0001-01-01T00:00:00Z");
    assert_eq!(
        v1["managedDeviceId"],
        "00000000-0000-0000-0000-000000000000"
    );
    assert!(uuid::Uuid::parse_str(v1["azureActiveDirectoryDeviceId"].as_str().unwrap()).is_ok());
    for empty in [
        "purchaseOrderIdentifier",
        "productKey",
        "addressableUserName",
        "resourceName",
        "displayName",
        "skuNumber",
        "systemFamily",
    ] {
        assert_eq!(v1[empty], "", "{empty}");
    }
    let v1_keys: Vec<&str> = v1.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        v1_keys.len(),
        18,
        "@odata.context + the 17 v1.0 properties: {v1_keys:?}"
    );
    assert!(v1.get("azureAdDeviceId").is_none() && v1.get("userlessEnrollmentStatus").is_none());

    let beta = server
        .get(&format!("/beta{DEVICES}('{device_id}')"), &token)
        .await
        .json();
    assert_eq!(beta["deploymentProfileAssignmentStatus"], "notAssigned");
    assert_eq!(beta["deploymentProfileAssignmentDetailedStatus"], "none");
    assert_eq!(
        beta["deploymentProfileAssignedDateTime"],
        "0001-01-01T00:00:00Z"
    );
    assert_eq!(beta["remediationState"], "unknown");
    assert_eq!(
        beta["remediationStateLastModifiedDateTime"],
        "0001-01-01T00:00:00Z"
    );
    assert_eq!(beta["userlessEnrollmentStatus"], "unknown");
    assert_eq!(beta["azureAdDeviceId"], v1["azureActiveDirectoryDeviceId"]);
    assert_eq!(beta["deviceAccountPassword"], "");
    assert_eq!(
        beta.as_object().unwrap().len(),
        28,
        "@odata.context + the 27 beta properties"
    );

    let list = server.get(&format!("/v1.0{DEVICES}"), &token).await.json();
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        server
            .get(&format!("/beta{DEVICES}/$count"), &token)
            .await
            .text(),
        "1"
    );
    // Another tenant sees nothing.
    let other = server.rw("someone-else");
    server
        .get(&format!("/beta{DEVICES}/{device_id}"), &other)
        .await
        .graph_error(404, "ResourceNotFound");
    assert_eq!(
        server
            .get(&format!("/beta{DEVICES}/$count"), &other)
            .await
            .text(),
        "0"
    );
}

#[tokio::test]
async fn re_import_806_other_tenant_808_and_free_again_after_delete() {
    let server = Server::start().await;
    let a = server.rw("tenant-a");
    let b = server.rw("tenant-b");
    let h = hash("DUP-0001");
    let device_id = complete(&import_one(&server, &a, "DUP-0001", &h).await);

    let again = import_one(&server, &a, "DUP-0001", &h).await;
    assert_eq!(
        outcome(&again),
        ("error".into(), 806, "ZtdDeviceAlreadyAssigned".into())
    );
    assert_eq!(again["state"]["deviceRegistrationId"], "");
    let other = import_one(&server, &b, "DUP-0001", &h).await;
    assert_eq!(
        outcome(&other),
        ("error".into(), 808, "ZtdDeviceAssignedToOtherTenant".into())
    );

    // Deleting the registered device frees the hardware.
    let reply = server
        .delete(&format!("/beta{DEVICES}/{device_id}"), &a)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    server
        .get(&format!("/beta{DEVICES}/{device_id}"), &a)
        .await
        .graph_error(404, "ResourceNotFound");
    let message = server
        .delete(&format!("/beta{DEVICES}/{device_id}"), &a)
        .await
        .graph_error(400, "BadRequest");
    assert!(
        message.starts_with("Cannot find device with ztd Id"),
        "{message}"
    );
    let moved = import_one(&server, &b, "DUP-0001", &h).await;
    let new_id = complete(&moved);
    assert_ne!(new_id, device_id);
    assert_eq!(
        server
            .get(&format!("/v1.0{DEVICES}/{new_id}"), &b)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_graph_docs_placeholder_and_every_broken_sample_fail_802() {
    let server = Server::start().await;
    let token = server.rw("broken");
    let record = import_one(&server, &token, "DOCS", "aGFyZHdhcmVJZGVudGlmaWVy").await;
    assert_eq!(
        outcome(&record),
        ("error".into(), 802, "InvalidZtdHardwareHash".into())
    );

    let Some(dir) = autopilot_testkit::hwhash_dir() else {
        return;
    };
    let files = autopilot_testkit::list(&dir, "negative", &["b64", "txt"]);
    assert!(files.len() >= 9);
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap().trim().to_owned();
        let body = json!({"serialNumber": "NEG", "hardwareIdentifier": text});
        let reply = server
            .post_json(
                &format!("/beta{IMPORTED}"),
                &token,
                body.to_string().as_bytes(),
            )
            .await;
        if name.starts_with("bad-base64") {
            // Text no base64 decoder takes is refused at the door.
            let message = reply.graph_error(400, "BadRequest");
            assert!(message.contains("not base64"), "{name}: {message}");
            continue;
        }
        assert_eq!(reply.status, 201, "{name}: {}", reply.text());
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        let record = server
            .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
            .await;
        if name.starts_with("nonzero-padding") {
            // Suspicious, not invalid: it registers (only a warning in the decoder).
            complete(&record);
        } else {
            assert_eq!(
                outcome(&record),
                ("error".into(), 802, "InvalidZtdHardwareHash".into()),
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn the_same_hardware_twice_in_one_import_is_duplicated() {
    let server = Server::start().await;
    let token = server.rw("dups");
    let body = import_body([
        "TWIN-1".to_owned(),
        "SOLO-1".to_owned(),
        "TWIN-1".to_owned(),
    ]);
    let reply = server
        .post_json(&format!("/beta{IMPORTED}/import"), &token, &body)
        .await;
    assert_eq!(reply.status, 200);
    let ids: Vec<String> = reply.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let mut outcomes = Vec::new();
    for id in &ids {
        outcomes.push(outcome(
            &server
                .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
                .await,
        ));
    }
    assert_eq!(outcomes[0].0, "complete");
    assert_eq!(outcomes[1].0, "complete");
    assert_eq!(
        outcomes[2],
        ("error".into(), 807, "ZtdDeviceDuplicated".into())
    );
    assert_eq!(
        server
            .get(&format!("/beta{DEVICES}/$count"), &token)
            .await
            .text(),
        "2"
    );
}

#[tokio::test]
async fn real_samples_register_as_their_references_describe() {
    let Some(dir) = autopilot_testkit::hwhash_dir() else {
        return;
    };
    let server = Server::start().await;
    let token = server.rw("samples");
    let samples = autopilot_testkit::list(&dir, "", &["b64"]);
    assert!(samples.len() >= 5);
    for sample in samples {
        let stem = sample.file_stem().unwrap().to_string_lossy().into_owned();
        let reference: Value = serde_json::from_str(&autopilot_testkit::read_text(
            &dir,
            &format!("decoded/{stem}.json"),
        ))
        .unwrap();
        let smbios = |k: &str| reference[k].as_str().unwrap_or_default().to_owned();
        let meaningful = |v: String| {
            if v == "SMBIOS_STRING_INDEX_0" {
                String::new()
            } else {
                v
            }
        };
        // What Get-WindowsAutopilotInfo sends as serialNumber: Win32_BIOS.SerialNumber.
        let request_serial = format!("REQ-{}", &stem[..8]);
        let text = std::fs::read_to_string(&sample).unwrap();
        let record = import_one(&server, &token, &request_serial, text.trim()).await;
        let device_id = complete(&record);
        let device = server
            .get(&format!("/beta{DEVICES}/{device_id}"), &token)
            .await
            .json();
        assert_eq!(
            device["manufacturer"],
            smbios("SmbiosSystemManufacturer"),
            "{stem}"
        );
        assert_eq!(device["model"], smbios("SmbiosSystemProductName"), "{stem}");
        assert_eq!(
            device["skuNumber"],
            meaningful(smbios("SmbiosSkuNumber")),
            "{stem}"
        );
        assert_eq!(
            device["systemFamily"],
            meaningful(smbios("SmbiosSystemFamily")),
            "{stem}"
        );
        let serial = meaningful(smbios("SmbiosSystemSerialNumber"));
        let expected = if serial.is_empty() {
            request_serial
        } else {
            serial
        };
        assert_eq!(device["serialNumber"], expected.as_str(), "{stem}");
    }
}

#[tokio::test]
async fn hashes_from_the_encoder_register_with_their_fields() {
    let server = Server::start().await;
    let token = server.rw("encoder");
    let mut device =
        autopilot_hwhash::SyntheticDevice::new("Fabrikam", "Surface Laptop 9", "ENC-0042");
    device.sku = Some("SKU-9".into());
    device.family = Some("Surface".into());
    let h = autopilot_hwhash::encode(&device.build()).unwrap();
    let id = complete(&import_one(&server, &token, "", &h).await);
    let d = server
        .get(&format!("/v1.0{DEVICES}/{id}"), &token)
        .await
        .json();
    assert_eq!(
        (
            d["manufacturer"].as_str(),
            d["model"].as_str(),
            d["serialNumber"].as_str(),
            d["skuNumber"].as_str(),
            d["systemFamily"].as_str()
        ),
        (
            Some("Fabrikam"),
            Some("Surface Laptop 9"),
            Some("ENC-0042"),
            Some("SKU-9"),
            Some("Surface")
        )
    );
}

#[tokio::test]
async fn records_wait_for_their_due_time_and_a_withdrawn_record_never_registers() {
    let (server, _clock) = Server::with_manual_clock("60s..95s").await;
    let token = server.rw("timing");
    let body = import_body((0..20).map(|i| format!("TIME-{i:02}")));
    let reply = server
        .post_json(&format!("/beta{IMPORTED}/import"), &token, &body)
        .await;
    let ids: Vec<String> = reply.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    // Withdraw one while it is still processing.
    assert_eq!(
        server
            .delete(&format!("/beta{IMPORTED}/{}", ids[0]), &token)
            .await
            .status,
        204
    );

    server.advance(time::Duration::seconds(59));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let list = server.get(&format!("/beta{IMPORTED}"), &token).await.json();
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"]["deviceImportStatus"] == "unknown"),
        "nothing is due before 60 s"
    );
    assert_eq!(
        server
            .get(&format!("/beta{DEVICES}/$count"), &token)
            .await
            .text(),
        "0"
    );

    server.advance(time::Duration::seconds(36));
    for id in &ids[1..] {
        complete(
            &server
                .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
                .await,
        );
    }
    assert_eq!(
        server
            .get(&format!("/beta{DEVICES}/$count"), &token)
            .await
            .text(),
        "19"
    );
    let serials: Vec<String> = server.get(&format!("/beta{DEVICES}"), &token).await.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap().to_owned())
        .collect();
    assert!(!serials.contains(&"TIME-00".to_owned()));
}

#[tokio::test]
async fn a_worker_restart_in_the_middle_of_2000_devices_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::on_file(&format!(
        "sqlite://{}",
        dir.path().join("restart.db").display()
    ))
    .await;
    let token = server.rw("restart");
    let mut ids = Vec::new();
    for batch in 0..4 {
        if batch == 2 {
            // The worker dies mid-way, with rounds possibly in flight.
            server.kill_worker();
        }
        let body = import_body((0..500).map(|i| format!("RS-{batch}-{i:03}")));
        let reply = server
            .post_json(&format!("/beta{IMPORTED}/import"), &token, &body)
            .await;
        assert_eq!(reply.status, 200);
        ids.extend(
            reply.json()["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned()),
        );
    }
    server.start_worker();
    let mut completed = 0;
    let mut failed = 0;
    // Wait until nothing is unknown, reading the whole collection as Import-AutopilotCSV does.
    for _ in 0..1500 {
        let mut unknown = 0;
        completed = 0;
        failed = 0;
        let mut next = Some(format!("/beta{IMPORTED}"));
        while let Some(path) = next {
            let page = server.get(&path, &token).await.json();
            for d in page["value"].as_array().unwrap() {
                match d["state"]["deviceImportStatus"].as_str().unwrap() {
                    "unknown" => unknown += 1,
                    "complete" => completed += 1,
                    "error" => failed += 1,
                    other => panic!("unexpected status {other}"),
                }
            }
            next = page["@odata.nextLink"]
                .as_str()
                .map(|l| l.strip_prefix(&server.base).unwrap().to_owned());
        }
        if unknown == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(completed + failed, 2000);
    assert_eq!(failed, 0, "all hardware is distinct");
    assert_eq!(
        server
            .get(&format!("/beta{DEVICES}/$count"), &token)
            .await
            .text(),
        completed.to_string()
    );
}
