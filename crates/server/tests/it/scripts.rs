//! The group and profile calls of Microsoft's scripts, replayed request by request from their
//! sources: Get-WindowsAutopilotInfo 3.9 `-Online` (with `-AddToGroup`) end to end, its
//! Community version 5.0.16, the 3.7 fork's `-RemoveGroups`, and the WindowsAutopilotIntune
//! module's profile assignment cmdlets.

use serde_json::json;

use crate::common::Server;
use crate::groups::{
    DEVICES, EVENTUAL, PROFILES, create_group, id, link, member_names, new_profile, token,
};

/// Get-WindowsAutopilotInfo 3.9 `-Online -AddToGroup`, its Community version 5.0.16 and the
/// 3.7 fork's `-RemoveGroups`, request by request.
#[tokio::test]
async fn the_scripts_add_a_registered_device_to_a_group() {
    let server = Server::start().await;
    let token = token(&server, "groups-scripts");
    let group = create_group(&server, &token, "Autopilot Devices", None).await;
    let autopilot = server.register(&token, "ADD-0001", "").await;
    let aad = autopilot["azureActiveDirectoryDeviceId"].as_str().unwrap();

    // 3.9: Get-MgGroup -Filter "DisplayName eq 'NAME'" (v1.0).
    let path = "/v1.0/groups?$filter=DisplayName%20eq%20%27Autopilot%20Devices%27";
    let found = server.get(path, &token).await.json();
    let group_id = found["value"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(group_id, id(&group));
    // Get-MgDevice -Search "deviceId:<id>" -ConsistencyLevel eventual.
    let path = format!("/v1.0/devices?$search=%22deviceId%3A{aad}%22");
    let device = server.get_with_headers(&path, &token, &[EVENTUAL]).await;
    let object_id = device.json()["value"][0]["id"].as_str().unwrap().to_owned();
    // New-MgGroupMember: members/$ref with a v1.0 directoryObjects URL.
    let reply = link(&server, &token, &group_id, &object_id).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(reply.body.is_empty());

    let members = server
        .get(&format!("/v1.0/groups/{group_id}/members"), &token)
        .await
        .json();
    assert_eq!(
        members["@odata.context"],
        format!("{}/v1.0/$metadata#directoryObjects", server.base)
    );
    assert_eq!(
        members["value"][0]["@odata.type"],
        "#microsoft.graph.device"
    );
    assert_eq!(members["value"][0]["id"], object_id.as_str());
    assert_eq!(members["value"][0]["deviceId"], aad);
    let transitive = server
        .get(
            &format!("/v1.0/groups/{group_id}/transitiveMembers"),
            &token,
        )
        .await
        .json();
    assert_eq!(transitive["value"].as_array().unwrap().len(), 1);
    let count = format!("/v1.0/groups/{group_id}/members/$count");
    assert_eq!(server.get(&count, &token).await.status, 400);
    let count = server.get_with_headers(&count, &token, &[EVENTUAL]).await;
    assert_eq!(count.text(), "1");
    // The same link twice is refused as Entra refuses it.
    let reply = link(&server, &token, &group_id, &object_id).await;
    assert!(
        reply
            .graph_error(400, "Request_BadRequest")
            .contains("already exist")
    );

    // The Community script 5.0.16 (beta, raw requests, a here-string body).
    let second = server.register(&token, "ADD-0002", "").await;
    let aad2 = second["azureActiveDirectoryDeviceId"].as_str().unwrap();
    let path = "/beta/groups?$filter=displayName%20eq%20'Autopilot%20Devices'";
    let found = server.get(path, &token).await.json();
    assert_eq!(found["value"][0]["id"], group_id.as_str());
    let path = format!("/beta/devices?$filter=deviceId%20eq%20'{aad2}'");
    let device = server.get(&path, &token).await.json();
    let object2 = device["value"][0]["id"].as_str().unwrap().to_owned();
    let here_string = format!(
        "\n                            {{\n                                \"@odata.id\": \"https://graph.microsoft.com/beta/directoryObjects/{object2}\"\n                              }}"
    );
    let reply = server
        .post_json(
            &format!("/beta/groups/{group_id}/members/$ref"),
            &token,
            here_string.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert_eq!(
        member_names(&server, &token, &group_id).await,
        ["ADD-0001", "ADD-0002"]
    );

    // The 3.7 fork's -RemoveGroups: memberOf, the group, then the link removed.
    let member_of = server
        .get(&format!("/v1.0/devices/{object_id}/memberOf"), &token)
        .await
        .json();
    assert_eq!(
        member_of["value"][0]["@odata.type"],
        "#microsoft.graph.group"
    );
    assert_eq!(member_of["value"][0]["id"], group_id.as_str());
    assert_eq!(member_of["value"][0]["groupTypes"], json!([]));
    let reply = server
        .delete(
            &format!("/v1.0/groups/{group_id}/members/{object_id}/$ref"),
            &token,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let member_of = server
        .get(
            &format!("/v1.0/devices/{object_id}/transitiveMemberOf"),
            &token,
        )
        .await
        .json();
    assert_eq!(member_of["value"], json!([]));
    let reply = server
        .delete(
            &format!("/v1.0/groups/{group_id}/members/{object_id}/$ref"),
            &token,
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text());

    // An id that names nothing, and a URL that names no object.
    let ghost = json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-0000-0000-000000000001"});
    let reply = server
        .post_json(
            &format!("/v1.0/groups/{group_id}/members/$ref"),
            &token,
            ghost.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text());
    let reply = server
        .post_json(
            &format!("/v1.0/groups/{group_id}/members/$ref"),
            &token,
            br#"{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/abc"}"#,
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    // Deleting the device object removes its memberships.
    assert_eq!(
        server
            .delete(&format!("/v1.0/devices/{object2}"), &token)
            .await
            .status,
        204
    );
    assert!(member_names(&server, &token, &group_id).await.is_empty());
}

/// `Get-WindowsAutopilotInfo -Online -GroupTag Kiosk -AssignedUser adele@... -AddToGroup
/// "Autopilot Kiosks" -AssignedComputerName KIOSK-07 -Assign` (3.9 with the WindowsAutopilotIntune
/// module), request by request, against a tenant whose admin assigned a profile to that group
/// with the module (Set-AutopilotProfileAssignedGroup, Get-AutopilotProfileAssignments).
#[tokio::test]
async fn get_windows_autopilot_info_online_flow_end_to_end() {
    let (server, _clock) = Server::with_manual_clock("60s").await;
    let token = token(&server, "groups-gwai");
    server.add_user("groups-gwai", "adele@contoso.com").await;
    // The admin: an assigned group, a profile, Set-AutopilotProfileAssignedGroup's body.
    let group = id(&create_group(&server, &token, "Autopilot Kiosks", None).await);
    let profile = new_profile(&server, &token, "Kiosk").await;
    let body = format!(
        "{{\n    \"id\": \"{profile}_{group}_0\",\n    \"target\": {{\n        \"@odata.type\": \"#microsoft.graph.groupAssignmentTarget\",\n        \"groupId\": \"{group}\"\n    }}\n}}"
    );
    let reply = server
        .post_json(
            &format!("{PROFILES}/{profile}/assignments"),
            &token,
            body.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["id"], format!("{profile}_{group}_0"));
    // Get-AutopilotProfileAssignments: the assignments, then each group by id.
    let assignments = server
        .get(&format!("{PROFILES}/{profile}/assignments"), &token)
        .await
        .json();
    let group_id = assignments["value"][0]["target"]["groupId"]
        .as_str()
        .unwrap();
    let found = server
        .get(
            &format!("/beta/groups?$filter=id%20eq%20'{group_id}'"),
            &token,
        )
        .await
        .json();
    assert_eq!(found["value"][0]["displayName"], "Autopilot Kiosks");

    // 1. Add-AutopilotImportedDevice, the module's here-string.
    let imported = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";
    let body = format!(
        "{{\n    \"@odata.type\": \"#microsoft.graph.importedWindowsAutopilotDeviceIdentity\",\n    \"groupTag\": \"Kiosk\",\n    \"serialNumber\": \"GWAI-KIOSK-07\",\n    \"productKey\": \"\",\n    \"hardwareIdentifier\": \"{}\",\n    \"assignedUserPrincipalName\": \"adele@contoso.com\",\n    \"state\": {{\n        \"@odata.type\": \"microsoft.graph.importedWindowsAutopilotDeviceIdentityState\",\n        \"deviceImportStatus\": \"pending\",\n        \"deviceRegistrationId\": \"\",\n        \"deviceErrorCode\": 0,\n        \"deviceErrorName\": \"\"\n    }}\n}}",
        crate::common::hash("GWAI-KIOSK-07")
    );
    let reply = server.post_json(imported, &token, body.as_bytes()).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let import_id = id(&reply.json());
    // 2. "Waiting for 1 of 1 to be imported" while unknown.
    let record = server
        .get(&format!("{imported}/{import_id}"), &token)
        .await
        .json();
    assert_eq!(record["state"]["deviceImportStatus"], "unknown");
    server.advance(time::Duration::seconds(60));
    let record = server
        .wait_decided(&format!("{imported}/{import_id}"), &token)
        .await;
    assert_eq!(record["state"]["deviceImportStatus"], "complete");
    let ztdid = record["state"]["deviceRegistrationId"].as_str().unwrap();
    // 3. "Waiting for 1 of 1 to be synced": the Autopilot device by its registration id.
    let device = server
        .get(&format!("{DEVICES}/{ztdid}"), &token)
        .await
        .json();
    assert_eq!(device["userPrincipalName"], "adele@contoso.com");
    assert_eq!(device["groupTag"], "Kiosk");
    assert_eq!(device["deploymentProfileAssignmentStatus"], "notAssigned");
    let aad = device["azureActiveDirectoryDeviceId"].as_str().unwrap();
    // 4. -AddToGroup: Get-MgGroup, Get-MgDevice -Search, New-MgGroupMember (v1.0).
    let path = "/v1.0/groups?$filter=DisplayName%20eq%20'Autopilot%20Kiosks'";
    let g = server.get(path, &token).await.json()["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1.0/devices?$search=%22deviceId%3A{aad}%22");
    let d = server
        .get_with_headers(&path, &token, &[EVENTUAL])
        .await
        .json()["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = link(&server, &token, &g, &d).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    // 5. -AssignedComputerName: Set-AutopilotDevice's unquoted keys.
    let reply = server
        .post_json(
            &format!("{DEVICES}/{ztdid}/UpdateDeviceProperties"),
            &token,
            br#"{ displayName: "KIOSK-07" }"#,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    // 6. -Assign: Get-AutopilotDevice -id -Expand every 30 s until "assigned...".
    let expand = format!("{DEVICES}/{ztdid}?$expand=deploymentProfile,intendedDeploymentProfile");
    let first = server.get(&expand, &token).await.json();
    assert_eq!(first["deploymentProfileAssignmentStatus"], "pending");
    assert_eq!(first["intendedDeploymentProfile"]["id"], profile.as_str());
    assert_eq!(first["displayName"], "KIOSK-07");
    server.advance(time::Duration::seconds(30));
    let waiting = server.get(&expand, &token).await.json();
    assert_eq!(waiting["deploymentProfileAssignmentStatus"], "pending");
    server.advance(time::Duration::seconds(30));
    let done = server.get(&expand, &token).await.json();
    let status = done["deploymentProfileAssignmentStatus"].as_str().unwrap();
    assert!(status.starts_with("assigned"), "{status}");
    assert_eq!(done["deploymentProfile"]["displayName"], "Kiosk");
    // The Entra object carries the new name too.
    let entra = server
        .get(&format!("/v1.0/devices/{d}"), &token)
        .await
        .json();
    assert_eq!(entra["displayName"], "KIOSK-07");
}

/// The module's `Set-AutopilotProfileAssignedGroup`, `Get-AutopilotProfileAssignments` and
/// `Remove-AutopilotProfileAssignments`: the id the first sends is kept, and the third deletes by
/// the id it builds, `{profile}_{group}_0`, also for an assignment made without one (as the
/// portal makes them).
#[tokio::test]
async fn the_modules_profile_assignment_cmdlets() {
    let server = Server::start().await;
    let token = token(&server, "scripts-assignments");
    let kiosks = id(&create_group(&server, &token, "Kiosks", None).await);
    let labs = id(&create_group(&server, &token, "Labs", None).await);
    let profile = new_profile(&server, &token, "Kiosk").await;
    let assignments = format!("{PROFILES}/{profile}/assignments");

    // Set-AutopilotProfileAssignedGroup -id PROFILE -groupid KIOSKS.
    let full_id = format!("{profile}_{kiosks}_0");
    let body = format!(
        "{{\n    \"id\": \"{full_id}\",\n    \"target\": {{\n        \"@odata.type\": \"#microsoft.graph.groupAssignmentTarget\",\n        \"groupId\": \"{kiosks}\"\n    }}\n}}"
    );
    let reply = server
        .post_json(&assignments, &token, body.as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["id"], full_id.as_str());
    // The same again is a conflict, not a second assignment.
    let again = server
        .post_json(&assignments, &token, body.as_bytes())
        .await;
    again.graph_error(409, "Conflict");
    // Made without an id (the portal's way): Intune's form all the same.
    let portal = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": labs}});
    let reply = server
        .post_json(&assignments, &token, portal.to_string().as_bytes())
        .await;
    assert_eq!(reply.json()["id"], format!("{profile}_{labs}_0"));
    let everyone = br##"{"target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}}"##;
    let reply = server.post_json(&assignments, &token, everyone).await;
    assert_eq!(
        reply.json()["id"],
        format!("{profile}_adadadad-808e-44e2-905a-0b7873a8a531_0")
    );
    let bad = json!({"id": "a/b", "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}});
    let reply = server
        .post_json(&assignments, &token, bad.to_string().as_bytes())
        .await;
    reply.graph_error(400, "BadRequest");

    // Get-AutopilotProfileAssignments: each target's group, looked up by id.
    let listed = server.get(&assignments, &token).await.json();
    let groups: Vec<String> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["target"]["groupId"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(groups, [kiosks.clone(), labs.clone()]);
    for group in &groups {
        let found = server
            .get(&format!("/beta/groups?$filter=id%20eq%20'{group}'"), &token)
            .await
            .json();
        assert_eq!(found["value"].as_array().unwrap().len(), 1);
    }
    let one = server
        .get(&format!("{assignments}/{full_id}"), &token)
        .await;
    assert_eq!(one.status, 200, "{}", one.text());

    // Remove-AutopilotProfileAssignments -id PROFILE -groupid G, for both.
    for group in [&kiosks, &labs] {
        let path = format!("{assignments}/{profile}_{group}_0");
        let reply = server.delete(&path, &token).await;
        assert_eq!(reply.status, 204, "{}", reply.text());
        server
            .delete(&path, &token)
            .await
            .graph_error(404, "ResourceNotFound");
    }
    let left = server.get(&assignments, &token).await.json();
    assert_eq!(left["value"].as_array().unwrap().len(), 1);
}

/// The module's `Get-AutopilotProfileAssignedDevice`: the devices a profile is for (pending or
/// assigned), read from `.Value` without paging.
#[tokio::test]
async fn the_modules_assigned_device_cmdlet() {
    let server = Server::start().await;
    let token = token(&server, "scripts-assigned-devices");
    let kiosks = id(&create_group(&server, &token, "Kiosks", None).await);
    let inside = server.register(&token, "ASSIGNED-01", "").await;
    server.register(&token, "ASSIGNED-02", "").await;
    let aad = inside["azureActiveDirectoryDeviceId"].as_str().unwrap();
    let object = server
        .get(&format!("/v1.0/devices(deviceId='{aad}')"), &token)
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = link(&server, &token, &kiosks, &object).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let profile = new_profile(&server, &token, "Kiosk").await;
    let assigned = format!("{PROFILES}/{profile}/assignedDevices");
    assert_eq!(
        server.get(&assigned, &token).await.json()["value"],
        json!([])
    );
    let body = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": kiosks}});
    let reply = server
        .post_json(
            &format!("{PROFILES}/{profile}/assignments"),
            &token,
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let reply = server.get(&assigned, &token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let listed = reply.json();
    assert_eq!(
        listed["@odata.context"],
        format!(
            "{}/beta/$metadata#deviceManagement/windowsAutopilotDeploymentProfiles('{profile}')/assignedDevices",
            server.base
        )
    );
    let value = listed["value"].as_array().unwrap();
    assert_eq!(value.len(), 1, "{listed}");
    assert_eq!(value[0]["serialNumber"], "ASSIGNED-01");
    assert_eq!(value[0]["deploymentProfileAssignmentStatus"], "pending");
    let reply = server
        .get(
            &format!("{PROFILES}/00000000-0000-0000-0000-000000000000/assignedDevices"),
            &token,
        )
        .await;
    reply.graph_error(404, "ResourceNotFound");
}
