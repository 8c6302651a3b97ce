//! beta deployment profiles, assignments, device navigations, and the
//! `Get-WindowsAutopilotInfo -Online -AssignedComputerName X -Assign` flow.

use serde_json::{Value, json};

use crate::common::{Server, hash};

const PROFILES: &str = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles";
const IMPORTED: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";
const DEVICES: &str = "/beta/deviceManagement/windowsAutopilotDeviceIdentities";

async fn create_profile(server: &Server, token: &str, name: &str) -> Value {
    let body = json!({
        "@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
        "displayName": name, "description": "Lab", "deviceNameTemplate": "LAB-%RAND:5%",
        "locale": "en-US", "outOfBoxExperienceSettings": {"hidePrivacySettings": true, "userType": "standard"}
    });
    let reply = server
        .post_json(PROFILES, token, body.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

#[tokio::test]
async fn profiles_and_assignments_crud() {
    let server = Server::start().await;
    let token = server.rw("profiles");
    let profile = create_profile(&server, &token, "Standard").await;
    assert_eq!(
        profile["@odata.type"],
        "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"
    );
    assert_eq!(profile["displayName"], "Standard");
    assert_eq!(
        profile["outOfBoxExperienceSettings"]["userType"],
        "standard"
    );
    assert_eq!(profile["deviceType"], "windowsPc");
    let id = profile["id"].as_str().unwrap().to_owned();

    let hybrid = json!({"@odata.type": "microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile", "displayName": "Hybrid"});
    assert_eq!(
        server
            .post_json(PROFILES, &token, hybrid.to_string().as_bytes())
            .await
            .status,
        201
    );
    let list = server.get(PROFILES, &token).await.json();
    assert_eq!(list["value"].as_array().unwrap().len(), 2);

    let patch = server
        .send(
            reqwest::Method::PATCH,
            &format!("{PROFILES}/{id}"),
            Some(&token),
            Some(("application/json", br#"{"description":"Changed"}"#.to_vec())),
        )
        .await;
    assert_eq!(patch.status, 200, "{}", patch.text());
    let got = server
        .get(&format!("{PROFILES}('{id}')"), &token)
        .await
        .json();
    assert_eq!(
        (got["description"].as_str(), got["displayName"].as_str()),
        (Some("Changed"), Some("Standard"))
    );

    for bad in [
        json!({"displayName": "No type"}),
        json!({"@odata.type": "#microsoft.graph.windowsAutopilotDeploymentProfile", "displayName": "Abstract"}),
        json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"}),
        json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "x", "deviceNameTemplate": "TOO-LONG-FOR-NETBIOS"}),
    ] {
        server
            .post_json(PROFILES, &token, bad.to_string().as_bytes())
            .await
            .graph_error(400, "BadRequest");
    }

    let assignments = format!("{PROFILES}/{id}/assignments");
    let group = autopilot_domain::profiles::group_id_for_tag("Kiosk").to_string();
    let reply = server
        .post_json(&assignments, &token, json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}}).to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let assignment_id = reply.json()["id"].as_str().unwrap().to_owned();
    let list = server.get(&assignments, &token).await.json();
    assert_eq!(list["value"][0]["target"]["groupId"], group.as_str());
    assert_eq!(
        server
            .get(&format!("{assignments}/{assignment_id}"), &token)
            .await
            .status,
        200
    );
    server.post_json(&assignments, &token, br##"{"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"nope"}}"##).await.graph_error(400, "BadRequest");
    assert_eq!(
        server
            .delete(&format!("{assignments}('{assignment_id}')"), &token)
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .delete(&format!("{PROFILES}/{id}"), &token)
            .await
            .status,
        204
    );
    server
        .get(&format!("{PROFILES}/{id}"), &token)
        .await
        .graph_error(404, "ResourceNotFound");
    // Profiles are beta only.
    let message = server
        .get(
            "/v1.0/deviceManagement/windowsAutopilotDeploymentProfiles",
            &token,
        )
        .await
        .graph_error(400, "BadRequest");
    assert_eq!(
        message,
        "Resource not found for the segment 'windowsAutopilotDeploymentProfiles'."
    );
}

/// Get-WindowsAutopilotInfo -Online -AssignedComputerName LAB-PC-07 -Assign, as HTTP.
#[tokio::test]
async fn get_windows_autopilot_info_assign_flow() {
    let (server, _clock) = Server::with_manual_clock("30s").await;
    let token = server.rw("assign-flow");
    // The admin's profile, assigned to the group of the Kiosk group tag.
    let profile = create_profile(&server, &token, "Kiosk profile").await;
    let id = profile["id"].as_str().unwrap();
    let group = autopilot_domain::profiles::group_id_for_tag("Kiosk").to_string();
    let reply = server
        .post_json(&format!("{PROFILES}/{id}/assignments"), &token, json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}}).to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201);

    // 1. Add-AutopilotImportedDevice with the group tag.
    let body = format!(
        r##"{{"@odata.type":"#microsoft.graph.importedWindowsAutopilotDeviceIdentity","groupTag":"Kiosk","serialNumber":"ASSIGN-01","productKey":"","hardwareIdentifier":"{}","assignedUserPrincipalName":"","state":{{"@odata.type":"microsoft.graph.importedWindowsAutopilotDeviceIdentityState","deviceImportStatus":"pending","deviceRegistrationId":"","deviceErrorCode":0,"deviceErrorName":""}}}}"##,
        hash("ASSIGN-01")
    );
    let reply = server.post_json(IMPORTED, &token, body.as_bytes()).await;
    let imported_id = reply.json()["id"].as_str().unwrap().to_owned();
    // 2. Wait for the import (the real service takes its time).
    assert_eq!(
        server
            .get(&format!("{IMPORTED}/{imported_id}"), &token)
            .await
            .json()["state"]["deviceImportStatus"],
        "unknown"
    );
    server.advance(time::Duration::seconds(30));
    let record = server
        .wait_decided(&format!("{IMPORTED}/{imported_id}"), &token)
        .await;
    assert_eq!(record["state"]["deviceImportStatus"], "complete");
    let ztdid = record["state"]["deviceRegistrationId"]
        .as_str()
        .unwrap()
        .to_owned();
    // 3. -AssignedComputerName: Set-AutopilotDevice with an unquoted-key body.
    let reply = server
        .post_json(
            &format!("{DEVICES}/{ztdid}/UpdateDeviceProperties"),
            &token,
            br#"{ displayName: "LAB-PC-07" }"#,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    // 4. -Assign: GET with $expand until the status starts with "assigned".
    let expand = format!("{DEVICES}/{ztdid}?$expand=deploymentProfile,intendedDeploymentProfile");
    let first = server.get(&expand, &token).await.json();
    assert_eq!(first["deploymentProfileAssignmentStatus"], "pending");
    assert_eq!(first["deploymentProfile"], Value::Null);
    assert_eq!(
        first["intendedDeploymentProfile"]["displayName"],
        "Kiosk profile"
    );
    assert_eq!(first["displayName"], "LAB-PC-07");
    server.advance(time::Duration::seconds(60));
    let done = server.get(&expand, &token).await.json();
    let status = done["deploymentProfileAssignmentStatus"].as_str().unwrap();
    assert!(status.starts_with("assigned"), "{status}");
    assert_eq!(done["deploymentProfile"]["id"], id);
    assert_eq!(
        done["deploymentProfile"]["@odata.type"],
        "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"
    );
    assert_ne!(
        done["deploymentProfileAssignedDateTime"],
        "0001-01-01T00:00:00Z"
    );
    // The navigations themselves.
    let nav = server
        .get(&format!("{DEVICES}/{ztdid}/deploymentProfile"), &token)
        .await;
    assert_eq!(nav.status, 200, "{}", nav.text());
    assert!(
        nav.json()["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/deploymentProfile/$entity")
    );
    // A device outside the group has none.
    let other = {
        let body = json!({"serialNumber": "ASSIGN-02", "groupTag": "Sales", "hardwareIdentifier": hash("ASSIGN-02")});
        let reply = server
            .post_json(IMPORTED, &token, body.to_string().as_bytes())
            .await;
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        server.advance(time::Duration::seconds(30));
        server
            .wait_decided(&format!("{IMPORTED}/{id}"), &token)
            .await["state"]["deviceRegistrationId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        server
            .get(&format!("{DEVICES}/{other}"), &token)
            .await
            .json()["deploymentProfileAssignmentStatus"],
        "notAssigned"
    );
    server
        .get(
            &format!("{DEVICES}/{other}/intendedDeploymentProfile"),
            &token,
        )
        .await
        .graph_error(404, "ResourceNotFound");
    // An all-devices assignment picks it up.
    let reply = server
        .post_json(
            &format!("{PROFILES}/{id}/assignments"),
            &token,
            br##"{"target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}}"##,
        )
        .await;
    assert_eq!(reply.status, 201);
    server.advance(time::Duration::seconds(60));
    let list = server
        .get(&format!("{DEVICES}?$expand=deploymentProfile"), &token)
        .await
        .json();
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["deploymentProfileAssignmentStatus"] == "assignedInSync")
    );
}
