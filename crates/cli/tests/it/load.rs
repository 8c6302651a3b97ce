//! `autopilot-graph tenant load` with the real binary: exports as a user makes them (a raw
//! beta page, `Get-AutopilotDevice | ConvertTo-Json` written by PowerShell 5.1 in UTF-16,
//! `Get-AutopilotProfile` with its assignments, `Get-MgGroup | ConvertTo-Json` with the SDK's
//! PascalCase names), then the server that opens the same data: the objects are there with
//! their ids.

use serde_json::{Value, json};

use crate::serve::{cli, cli_ok, start_with, stop};

const DEVICE_A: &str = "5f9a7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
const DEVICE_B: &str = "6a0b8d2f-3c4e-4f60-9bac-1d2e3f4a5b6c";
const DEVICE_C: &str = "7b1c9e30-4d5f-4071-acbd-2e3f4a5b6c7d";
const PROFILE: &str = "8c2daf41-5e60-4182-bdce-3f4a5b6c7d8e";
const GROUP: &str = "9d3eb052-6f71-4293-8edf-4a5b6c7d8e9f";

fn device(id: &str, serial: &str, tag: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.windowsAutopilotDeviceIdentity",
        "id": id, "deploymentProfileAssignmentStatus": "assignedUnkownSyncState",
        "groupTag": tag, "purchaseOrderIdentifier": "PO-7", "serialNumber": serial,
        "productKey": "", "manufacturer": "Microsoft Corporation", "model": "Surface Laptop 5",
        "enrollmentState": "enrolled", "lastContactedDateTime": "2026-11-02T09:15:00Z",
        "addressableUserName": "", "userPrincipalName": "", "resourceName": "",
        "skuNumber": "", "systemFamily": "Surface", "azureActiveDirectoryDeviceId": "0e5d1a2b-3c4d-4e5f-8091-a2b3c4d5e6f7",
        "managedDeviceId": "00000000-0000-0000-0000-000000000000", "displayName": ""
    })
}

fn utf16_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

async fn get(base: &str, token: &str, path: &str) -> Value {
    let reply = crate::client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "{path}");
    reply.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_tenant_export_is_loaded_with_its_ids() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let page = json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/windowsAutopilotDeviceIdentities",
        "@odata.count": 2,
        "value": [device(DEVICE_A, "0F33-2145-01", "Kiosk"), device(DEVICE_B, "0F33-2145-02", "Sales")]
    });
    let pages = dir.path().join("devices-page.json");
    std::fs::write(&pages, page.to_string()).unwrap();
    // Get-AutopilotDevice | ConvertTo-Json | Out-File (Windows PowerShell 5.1: UTF-16, a BOM).
    let module = dir.path().join("Get-AutopilotDevice.json");
    let one = serde_json::to_string_pretty(&device(DEVICE_C, "0F33-2145-03", "Kiosk")).unwrap();
    std::fs::write(&module, utf16_with_bom(&one)).unwrap();
    let profiles = dir.path().join("profiles.json");
    std::fs::write(&profiles, json!([{
        "@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
        "id": PROFILE, "displayName": "Kiosk devices", "description": "", "language": "os-default",
        "createdDateTime": "2025-03-01T10:00:00Z", "lastModifiedDateTime": "2025-03-02T10:00:00Z",
        "outOfBoxExperienceSettings": {"hidePrivacySettings": true, "userType": "standard", "deviceUsageType": "shared"},
        "deviceNameTemplate": "KIOSK-%RAND:5%",
        "assignments": [{"id": format!("{PROFILE}_{GROUP}_0"), "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": GROUP}}]
    }]).to_string()).unwrap();
    let groups = dir.path().join("groups.json");
    std::fs::write(&groups, json!({
        "Id": GROUP, "DisplayName": "Autopilot Kiosk", "Description": null, "MailNickname": "autopilot-kiosk",
        "MailEnabled": false, "SecurityEnabled": true, "GroupTypes": ["DynamicMembership"],
        "MembershipRule": "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Kiosk\"))",
        "MembershipRuleProcessingState": "On", "AdditionalProperties": {}
    }).to_string()).unwrap();
    let files = [&pages, &module, &profiles, &groups].map(|p| p.to_str().unwrap().to_owned());
    let mut args = vec!["tenant", "load", "--tenant", "default"];
    args.extend(files.iter().map(String::as_str));
    let out = cli_ok(&data, &args);
    assert!(
        out.contains("devices      3 loaded, 0 there already"),
        "{out}"
    );
    assert!(
        out.contains("profiles     1 loaded, 0 there already (1 assignments)"),
        "{out}"
    );
    assert!(out.contains("groups       1 loaded"), "{out}");
    // Again: everything is there already.
    let again = cli_ok(&data, &args);
    assert!(
        again.contains("devices      0 loaded, 3 there already"),
        "{again}"
    );
    // A file with something else in it: exit 2, nothing written.
    let odd = dir.path().join("odd.json");
    std::fs::write(&odd, r#"[{"id": "x", "name": "a printer"}]"#).unwrap();
    let bad = cli(
        &data,
        &[
            "tenant",
            "load",
            "--tenant",
            "fabrikam",
            &files[0],
            odd.to_str().unwrap(),
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("object 1"));

    let running = start_with(
        &data,
        &["--listen", "127.0.0.1:0", "--membership-delay", "0s"],
        &[],
    );
    let (base, token) = (running.base.clone(), running.token.clone());
    let list = get(
        &base,
        &token,
        "/beta/deviceManagement/windowsAutopilotDeviceIdentities",
    )
    .await;
    assert_eq!(list["@odata.count"], 3);
    let a = get(
        &base,
        &token,
        &format!("/beta/deviceManagement/windowsAutopilotDeviceIdentities/{DEVICE_A}"),
    )
    .await;
    assert_eq!(
        (
            a["serialNumber"].clone(),
            a["groupTag"].clone(),
            a["enrollmentState"].clone()
        ),
        (json!("0F33-2145-01"), json!("Kiosk"), json!("enrolled"))
    );
    assert_eq!(a["lastContactedDateTime"], "2026-11-02T09:15:00.0000000Z");
    let entra = get(
        &base,
        &token,
        "/v1.0/devices?$filter=physicalIds/any(p:p%20eq%20'[OrderID]:Kiosk')",
    )
    .await;
    assert_eq!(entra["value"].as_array().unwrap().len(), 2);
    let profile = get(
        &base,
        &token,
        &format!("/beta/deviceManagement/windowsAutopilotDeploymentProfiles/{PROFILE}/assignments"),
    )
    .await;
    assert_eq!(profile["value"][0]["id"], format!("{PROFILE}_{GROUP}_0"));
    let group = get(&base, &token, &format!("/v1.0/groups/{GROUP}")).await;
    assert_eq!(group["displayName"], "Autopilot Kiosk");
    // The dynamic group takes the Kiosk devices as its rule says.
    let mut members = 0;
    for _ in 0..100 {
        let m = get(&base, &token, &format!("/v1.0/groups/{GROUP}/members")).await;
        members = m["value"].as_array().unwrap().len();
        if members == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(members, 2);
    let nothing = get(
        &base,
        &token,
        "/beta/deviceManagement/windowsAutopilotDeviceIdentities",
    )
    .await;
    assert_eq!(
        nothing["value"].as_array().unwrap().len(),
        3,
        "the refused load wrote nothing"
    );
    stop(running);
}
