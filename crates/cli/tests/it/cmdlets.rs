//! Every cmdlet of the WindowsAutopilotIntune module (Microsoft's 5.1 on the Graph SDK, and the
//! Community module 2.8 where it differs) and the Community script 5.0.16's switches, replayed
//! against the real binary, request by request as their sources write them: URLs with their
//! casing and query strings, here-string bodies (booleans as `BoolToString` writes them),
//! `Set-AutopilotDevice`'s unquoted keys, `Invoke-AutopilotSync` without a body or content type.

use reqwest::Method;
use serde_json::{Value, json};

use crate::serve::{Running, cli_ok, start_with, stop};

const GRAPH: &str = "/beta/deviceManagement";

/// A client that sends what `Invoke-MgGraphRequest` sends: the bearer token, and a content type
/// only where the cmdlet passes one.
struct Client {
    base: String,
    token: String,
}

impl Client {
    async fn call(&self, method: Method, path: &str, body: Option<&str>) -> (u16, Value) {
        let mut request = crate::client()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let reply = request.send().await.unwrap();
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// A list the cmdlets read whole: `.value`, then every `@odata.nextLink`.
    async fn get_all(&self, path: &str) -> Vec<Value> {
        let mut page = self.get(path).await;
        let mut all = page["value"].as_array().cloned().unwrap_or_default();
        while let Some(next) = page["@odata.nextLink"].as_str() {
            let next = next.strip_prefix(&self.base).unwrap().to_owned();
            page = self.get(&next).await;
            all.extend(page["value"].as_array().cloned().unwrap_or_default());
        }
        all
    }
}

fn hash(serial: &str) -> String {
    autopilot_hwhash::encode(
        &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", serial).build(),
    )
    .unwrap()
}

/// `Add-AutopilotImportedDevice`'s here-string: Microsoft's 5.1 sends the tag as
/// `orderIdentifier`, the Community module and script as `groupTag`.
fn add_imported_body(tag_key: &str, serial: &str, tag: &str, user: &str) -> String {
    format!(
        "{{\n    \"@odata.type\": \"#microsoft.graph.importedWindowsAutopilotDeviceIdentity\",\n    \"{tag_key}\": \"{tag}\",\n    \"serialNumber\": \"{serial}\",\n    \"productKey\": \"\",\n    \"hardwareIdentifier\": \"{}\",\n    \"assignedUserPrincipalName\": \"{user}\",\n    \"state\": {{\n        \"@odata.type\": \"microsoft.graph.importedWindowsAutopilotDeviceIdentityState\",\n        \"deviceImportStatus\": \"pending\",\n        \"deviceRegistrationId\": \"\",\n        \"deviceErrorCode\": 0,\n        \"deviceErrorName\": \"\"\n    }}\n}}",
        hash(serial)
    )
}

/// `Import-AutopilotCSV`'s wait: the whole imported list until nothing is `unknown`.
async fn wait_imported(client: &Client) -> Vec<Value> {
    for _ in 0..200 {
        let all = client
            .get_all(&format!("{GRAPH}/importedWindowsAutopilotDeviceIdentities"))
            .await;
        if all
            .iter()
            .all(|d| d["state"]["deviceImportStatus"] != "unknown")
        {
            return all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("imports still unknown");
}

fn start(data: &std::path::Path) -> Running {
    start_with(
        data,
        &[
            "--listen",
            "127.0.0.1:0",
            "--processing-delay",
            "0s",
            "--profile-assignment-delay",
            "0s",
            "--membership-delay",
            "0s",
        ],
        &[],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_windows_autopilot_intune_module_cmdlet_by_cmdlet() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_ok(
        &data,
        &[
            "user",
            "add",
            "--tenant",
            "default",
            "--upn",
            "adele@contoso.com",
        ],
    );
    let running = start(&data);
    let c = Client {
        base: running.base.clone(),
        token: running.token.clone(),
    };
    let profiles = format!("{GRAPH}/windowsAutopilotDeploymentProfiles");

    // New-AutopilotProfile -mode UserDrivenAAD -displayName Kiosk -OOBE_HideEULA
    // -OOBE_hidePrivacySettings -OOBE_NameTemplate KIOSK-%SERIAL%.
    let body = "{\n    \"@odata.type\": \"#microsoft.graph.azureADWindowsAutopilotDeploymentProfile\",\n    \"displayName\": \"Kiosk\",\n    \"description\": \"\",\n    \"language\": \"\",\n    \"extractHardwareHash\": false,\n    \"deviceNameTemplate\": \"KIOSK-%SERIAL%\",\n    \"deviceType\": \"windowsPc\",\n    \"enableWhiteGlove\": false,\n    \"outOfBoxExperienceSettings\": {\n        \"hidePrivacySettings\": true,\n        \"hideEULA\": true,\n        \"userType\": \"standard\",\n        \"deviceUsageType\": \"singleUser\",\n        \"skipKeyboardSelectionPage\": false,\n        \"hideEscapeLink\": false\n    }\n}";
    let (status, profile) = c.call(Method::POST, &profiles, Some(body)).await;
    assert_eq!(status, 201, "{profile}");
    let profile_id = profile["id"].as_str().unwrap().to_owned();
    // Get-AutopilotProfile, all (the Community module's `-Method Get`) and -id.
    let all = c.get_all(&profiles).await;
    assert_eq!(all.len(), 1);
    let current = c.get(&format!("{profiles}/{profile_id}")).await;
    assert_eq!(current["outOfBoxExperienceSettings"]["hideEULA"], true);
    // Set-AutopilotProfile -id ID -displayName "Kiosk (locked)" -OOBE_skipKeyboard $true: the
    // profile as read, changed, five members removed, ConvertTo-Json'd whole.
    let mut changed = current.clone();
    let object = changed.as_object_mut().unwrap();
    for gone in [
        "lastModifiedDateTime",
        "createdDateTime",
        "@odata.context",
        "id",
        "roleScopeTagIds",
    ] {
        object.remove(gone);
    }
    object.insert("displayName".into(), json!("Kiosk (locked)"));
    object["outOfBoxExperienceSettings"]["skipKeyboardSelectionPage"] = json!(true);
    if !object.contains_key("hybridAzureADJoinSkipConnectivityCheck") {
        object.insert(
            "hybridAzureADJoinSkipConnectivityCheck".into(),
            json!(false),
        );
    }
    let text = serde_json::to_string_pretty(&changed).unwrap();
    let (status, patched) = c
        .call(
            Method::PATCH,
            &format!("{profiles}/{profile_id}"),
            Some(&text),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {patched}");
    let current = c.get(&format!("{profiles}/{profile_id}")).await;
    assert_eq!(current["displayName"], "Kiosk (locked)");
    assert_eq!(
        current["outOfBoxExperienceSettings"]["skipKeyboardSelectionPage"],
        true
    );

    // Import-AutopilotCSV: Add-AutopilotImportedDevice per row (5.1's orderIdentifier and the
    // Community module's groupTag), the whole list until nothing is unknown, then every
    // imported record deleted.
    let imported = format!("{GRAPH}/importedWindowsAutopilotDeviceIdentities");
    for (key, serial) in [("orderIdentifier", "MOD-0001"), ("groupTag", "MOD-0002")] {
        let body = add_imported_body(key, serial, "Kiosk", "");
        let (status, record) = c.call(Method::POST, &imported, Some(&body)).await;
        assert_eq!(status, 201, "{record}");
        assert_eq!(record["groupTag"], "Kiosk");
    }
    let states = wait_imported(&c).await;
    assert_eq!(states.len(), 2);
    assert!(
        states
            .iter()
            .all(|d| d["state"]["deviceImportStatus"] == "complete"),
        "{states:?}"
    );
    // Get-AutopilotImportedDevice -id, and the Community module's -serial (`/?$filter=`).
    let one = c
        .get(&format!("{imported}/{}", states[0]["id"].as_str().unwrap()))
        .await;
    assert_eq!(one["state"]["deviceImportStatus"], "complete");
    let by_serial = c
        .get(&format!(
            "{imported}/?$filter=contains(serialNumber,'MOD-0002')"
        ))
        .await;
    assert_eq!(by_serial["value"].as_array().unwrap().len(), 1);
    // Remove-AutopilotImportedDevice for each.
    for d in &states {
        let (status, _) = c
            .call(
                Method::DELETE,
                &format!("{imported}/{}", d["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(status, 204);
    }
    assert!(c.get_all(&imported).await.is_empty());

    // Get-AutopilotDevice -serial (EscapeDataString), the Community module's serial with a
    // space (its first word, filtered client-side), -id, -id -expand.
    let devices = format!("{GRAPH}/windowsAutopilotDeviceIdentities");
    let found = c
        .get_all(&format!(
            "{devices}?$filter=contains(serialNumber,'MOD-0001')"
        ))
        .await;
    assert_eq!(found.len(), 1);
    let device_id = found[0]["id"].as_str().unwrap().to_owned();
    let words = c
        .get_all(&format!(
            "{devices}?$filter=contains(serialNumber,'MOD-0002')"
        ))
        .await;
    assert_eq!(words.len(), 1);
    let expanded = c
        .get(&format!(
            "{devices}/{device_id}?$expand=deploymentProfile,intendedDeploymentProfile"
        ))
        .await;
    assert_eq!(expanded["deploymentProfileAssignmentStatus"], "notAssigned");

    // Set-AutopilotDevice -id ID -userPrincipalName -addressableUserName -displayName -groupTag.
    let body = "{ userPrincipalName: \"adele@contoso.com\", addressableUserName: \"Adele\", displayName: \"KIOSK-01\", groupTag: \"Kiosk\" }";
    let (status, reply) = c
        .call(
            Method::POST,
            &format!("{devices}/{device_id}/UpdateDeviceProperties"),
            Some(body),
        )
        .await;
    assert_eq!(status, 204, "{reply}");
    let device = c.get(&format!("{devices}/{device_id}")).await;
    assert_eq!(
        (
            device["userPrincipalName"].clone(),
            device["displayName"].clone()
        ),
        (json!("adele@contoso.com"), json!("KIOSK-01"))
    );
    // -groupTag alone, and none at all (`{ }`).
    for body in ["{ groupTag: \"Lab\" }", "{ }"] {
        let (status, reply) = c
            .call(
                Method::POST,
                &format!("{devices}/{device_id}/UpdateDeviceProperties"),
                Some(body),
            )
            .await;
        assert_eq!(status, 204, "{body}: {reply}");
    }

    // Set-AutopilotProfileAssignedGroup, Get-AutopilotProfileAssignments,
    // Get-AutopilotProfileAssignedDevice, Remove-AutopilotProfileAssignments.
    let (status, group) = c
        .call(
            Method::POST,
            "/v1.0/groups",
            Some(r#"{"displayName": "Lab devices", "mailEnabled": false, "mailNickname": "lab-devices", "securityEnabled": true, "groupTypes": ["DynamicMembership"], "membershipRule": "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Lab\"))", "membershipRuleProcessingState": "On"}"#),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();
    let body = format!(
        "{{\n    \"id\": \"{profile_id}_{group_id}_0\",\n    \"target\": {{\n        \"@odata.type\": \"#microsoft.graph.groupAssignmentTarget\",\n        \"groupId\": \"{group_id}\"\n    }}\n}}"
    );
    let (status, assignment) = c
        .call(
            Method::POST,
            &format!("{profiles}/{profile_id}/assignments"),
            Some(&body),
        )
        .await;
    assert_eq!(status, 201, "{assignment}");
    let listed = c.get(&format!("{profiles}/{profile_id}/assignments")).await;
    assert_eq!(listed["value"][0]["target"]["groupId"], group_id.as_str());
    let mut assigned = Vec::new();
    for _ in 0..200 {
        assigned = c
            .get_all(&format!("{profiles}/{profile_id}/assignedDevices"))
            .await;
        if !assigned.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        assigned.len(),
        1,
        "the Lab device through its dynamic group"
    );
    assert_eq!(assigned[0]["id"], device_id.as_str());
    let (status, _) = c
        .call(
            Method::DELETE,
            &format!("{profiles}/{profile_id}/assignments/{profile_id}_{group_id}_0"),
            None,
        )
        .await;
    assert_eq!(status, 204);

    // Invoke-AutopilotSync (no body, no content type), Get-AutopilotSyncInfo.
    let (status, _) = c
        .call(
            Method::POST,
            &format!("{GRAPH}/windowsAutopilotSettings/sync"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let info = c.get(&format!("{GRAPH}/windowsAutopilotSettings")).await;
    assert_eq!(info["syncStatus"], "inProgress");

    // ConvertTo-AutopilotConfigurationJSON reads the organization.
    let org = c.get("/v1.0/organization").await;
    assert!(
        org["value"][0]["verifiedDomains"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["isDefault"] == true)
    );

    // The Enrollment Status Page cmdlets: Add (trailing comma, "True"/"60"), Get, Set, Remove.
    let esp = format!("{GRAPH}/deviceEnrollmentConfigurations");
    let body = "{\n    \"@odata.type\": \"#microsoft.graph.windows10EnrollmentCompletionPageConfiguration\",\n    \"displayName\": \"Kiosk ESP\",\n    \"description\": \"\",\n    \"showInstallationProgress\": \"True\",\n    \"blockDeviceSetupRetryByUser\": \"True\",\n    \"allowDeviceResetOnInstallFailure\": \"False\",\n    \"allowLogCollectionOnInstallFailure\": \"False\",\n    \"customErrorMessage\": \"\",\n    \"installProgressTimeoutInMinutes\": \"60\",\n    \"allowDeviceUseOnInstallFailure\": \"False\",\n}";
    let (status, page) = c.call(Method::POST, &esp, Some(body)).await;
    assert_eq!(status, 201, "{page}");
    let esp_id = page["id"].as_str().unwrap().to_owned();
    let pages: Vec<Value> = c.get(&esp).await["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| {
            v["@odata.type"] == "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration"
        })
        .cloned()
        .collect();
    assert_eq!(pages.len(), 2, "the default and the new one");
    let body = "{\n    \"@odata.type\": \"#microsoft.graph.windows10EnrollmentCompletionPageConfiguration\",\n    \"displayName\": \"Kiosk ESP\",\n    \"description\": \"\",\n    \"showInstallationProgress\": \"True\",\n    \"blockDeviceSetupRetryByUser\": \"True\",\n    \"allowDeviceResetOnInstallFailure\": \"True\",\n    \"allowLogCollectionOnInstallFailure\": \"False\",\n    \"customErrorMessage\": \"\",\n    \"installProgressTimeoutInMinutes\": \"90\",\n    \"allowDeviceUseOnInstallFailure\": \"False\"\n}";
    let (status, _) = c
        .call(Method::PATCH, &format!("{esp}/{esp_id}"), Some(body))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        c.get(&format!("{esp}/{esp_id}")).await["installProgressTimeoutInMinutes"],
        90
    );
    let (status, _) = c
        .call(Method::DELETE, &format!("{esp}/{esp_id}"), None)
        .await;
    assert_eq!(status, 204);

    // Remove-AutopilotDevice, Remove-AutopilotProfile.
    let (status, _) = c
        .call(Method::DELETE, &format!("{devices}/{device_id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .call(Method::DELETE, &format!("{profiles}/{profile_id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(c.get_all(&devices).await.len(), 1);
    stop(running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_community_scripts_switches() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start(&data);
    // What the script connects with: these scopes, as a user.
    let token = cli_ok(
        &data,
        &[
            "token",
            "--tenant",
            "default",
            "--scope",
            "Device.ReadWrite.All",
            "--scope",
            "DeviceManagementManagedDevices.ReadWrite.All",
            "--scope",
            "DeviceManagementServiceConfig.ReadWrite.All",
            "--scope",
            "Group.ReadWrite.All",
            "--scope",
            "GroupMember.ReadWrite.All",
        ],
    );
    let c = Client {
        base: running.base.clone(),
        token: token.trim().to_owned(),
    };
    let devices = format!("{GRAPH}/windowsAutopilotDeviceIdentities");
    let imported = format!("{GRAPH}/importedWindowsAutopilotDeviceIdentities");
    let serial = "COMM-0001";

    // -Online: every Autopilot device, matched on the serial client-side; not there, so the
    // import (the groupTag body), the whole imported list until not unknown, then the device.
    assert!(
        c.get_all(&devices)
            .await
            .iter()
            .all(|d| d["serialNumber"] != serial)
    );
    let (status, record) = c
        .call(
            Method::POST,
            &imported,
            Some(&add_imported_body("groupTag", serial, "Sales", "")),
        )
        .await;
    assert_eq!(status, 201, "{record}");
    let states = wait_imported(&c).await;
    let mine = states.iter().find(|d| d["serialNumber"] == serial).unwrap();
    let registration = mine["state"]["deviceRegistrationId"].as_str().unwrap();
    let device = c.get(&format!("{devices}/{registration}")).await;
    let aad = device["azureActiveDirectoryDeviceId"]
        .as_str()
        .unwrap()
        .to_owned();

    // -AddToGroup: beta groups by displayName, the device by deviceId, members/$ref.
    let (status, _) = c
        .call(Method::POST, "/beta/groups", Some(r#"{"displayName": "Sales devices", "mailEnabled": false, "mailNickname": "sales", "securityEnabled": true}"#))
        .await;
    assert_eq!(status, 201);
    let group = c
        .get("/beta/groups?$filter=displayName%20eq%20'Sales%20devices'")
        .await;
    let group_id = group["value"][0]["id"].as_str().unwrap().to_owned();
    let object = c
        .get(&format!("/beta/devices?$filter=deviceId%20eq%20'{aad}'"))
        .await;
    let object_id = object["value"][0]["id"].as_str().unwrap().to_owned();
    let body = format!(
        "{{ \"@odata.id\": \"https://graph.microsoft.com/beta/directoryObjects/{object_id}\" }}"
    );
    let (status, reply) = c
        .call(
            Method::POST,
            &format!("/beta/groups/{group_id}/members/$ref"),
            Some(&body),
        )
        .await;
    assert_eq!(status, 204, "{reply}");

    // -updatetag: UpdateDeviceProperties `{ groupTag: "..." }`, the imported records of the
    // serial deleted, then a sync.
    let (status, _) = c
        .call(
            Method::POST,
            &format!("{devices}/{registration}/UpdateDeviceProperties"),
            Some("{ groupTag: \"Field\" }"),
        )
        .await;
    assert_eq!(status, 204);
    for d in c
        .get_all(&imported)
        .await
        .iter()
        .filter(|d| d["serialNumber"] == serial)
    {
        let (status, _) = c
            .call(
                Method::DELETE,
                &format!("{imported}/{}", d["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(status, 204);
    }
    let sync = format!("{GRAPH}/windowsAutopilotSettings/sync");
    assert_eq!(c.call(Method::POST, &sync, None).await.0, 204);
    // The script's retry after an error: a second sync this soon is refused, as Intune does.
    let (status, refused) = c.call(Method::POST, &sync, None).await;
    assert!(status == 409 || status == 429, "{status} {refused}");

    // -delete: the Autopilot device, the managed device by startsWith (none enrolled here: an
    // empty list), the Entra device by deviceID, then both deletes as the script builds them.
    let (status, _) = c
        .call(Method::DELETE, &format!("{devices}/{registration}"), None)
        .await;
    assert_eq!(status, 204);
    let managed = c
        .get(&format!(
            "{GRAPH}/managedDevices?$filter=startsWith(serialNumber,%20'{serial}')"
        ))
        .await;
    assert_eq!(managed["value"], json!([]));
    let entra = c.get("/beta/devices?$filter=deviceID%20eq%20''").await;
    assert_eq!(entra["value"], json!([]));
    // With nothing found, the ids are empty: the deletes must be Graph errors, not failures.
    let (status, error) = c
        .call(Method::DELETE, &format!("{GRAPH}/managedDevices/"), None)
        .await;
    assert!((400..500).contains(&status), "{status} {error}");
    assert!(error["error"]["code"].is_string(), "{error}");
    let (status, error) = c.call(Method::DELETE, "/beta/devices/", None).await;
    assert!((400..500).contains(&status), "{status} {error}");

    // -Assign -Wipe: the v1.0 look-up by serial (none), so no wipe is sent.
    let lookup = c
        .get(&format!(
            "/v1.0/deviceManagement/managedDevices?$filter=serialNumber%20eq%20'{serial}'"
        ))
        .await;
    assert_eq!(lookup["value"], json!([]));

    // -identifier: search, then import when the search's value is empty.
    let body = r#"{"importedDeviceIdentities":[{"importedDeviceIdentifier":"Contoso,Laptop 7,COMM-0002","importedDeviceIdentityType":"manufacturerModelSerial"}]}"#;
    let (status, search) = c
        .call(
            Method::POST,
            &format!("{GRAPH}/importedDeviceIdentities/searchExistingIdentities"),
            Some(body),
        )
        .await;
    assert_eq!((status, search["value"].clone()), (200, json!([])));
    let body = r#"{"importedDeviceIdentities":[{"importedDeviceIdentifier":"Contoso,Laptop 7,COMM-0002","importedDeviceIdentityType":"manufacturerModelSerial"}],"overwriteImportedDeviceIdentities":false}"#;
    let (status, done) = c
        .call(
            Method::POST,
            &format!("{GRAPH}/importedDeviceIdentities/importDeviceIdentityList"),
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        done["value"][0]["importedDeviceIdentifier"],
        "CONTOSO,LAPTOP7,COMM0002"
    );
    stop(running);
}
