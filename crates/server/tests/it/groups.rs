//! Entra ID groups through HTTP: Graph's rules for creating and changing them, assigned
//! membership by `members/$ref` as Get-WindowsAutopilotInfo and its Community version send it,
//! dynamic device membership decided a delay after the change, profiles that follow a device's
//! groups, permissions and tenant walls.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::Server;

pub(crate) const SCOPES: [&str; 4] = [
    "DeviceManagementServiceConfig.ReadWrite.All",
    "Device.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
];
pub(crate) const EVENTUAL: (&str, &str) = ("ConsistencyLevel", "eventual");
pub(crate) const PROFILES: &str = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles";
pub(crate) const DEVICES: &str = "/beta/deviceManagement/windowsAutopilotDeviceIdentities";
const LAB_RULE: &str = r#"(device.devicePhysicalIDs -any (_ -eq "[OrderID]:Lab"))"#;

pub(crate) fn token(server: &Server, tenant: &str) -> String {
    server.token(tenant, &SCOPES, &[])
}

/// Creates a group; `rule` makes it a dynamic device group.
pub(crate) async fn create_group(
    server: &Server,
    token: &str,
    name: &str,
    rule: Option<&str>,
) -> Value {
    let mut body = json!({
        "displayName": name, "mailEnabled": false, "mailNickname": name.replace(' ', "-"),
        "securityEnabled": true,
    });
    if let Some(rule) = rule {
        body["groupTypes"] = json!(["DynamicMembership"]);
        body["membershipRule"] = json!(rule);
        body["membershipRuleProcessingState"] = json!("On");
    }
    let reply = server
        .post_json("/v1.0/groups", token, body.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn patch(server: &Server, path: &str, token: &str, body: &Value) -> u16 {
    let body = body.to_string().into_bytes();
    let reply = server
        .send(
            Method::PATCH,
            path,
            Some(token),
            Some(("application/json", body)),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    reply.status
}

/// The display names of a group's members.
pub(crate) async fn member_names(server: &Server, token: &str, group: &str) -> Vec<String> {
    let reply = server
        .get(&format!("/v1.0/groups/{group}/members"), token)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let mut names: Vec<String> = reply.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["displayName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// Polls a group's members (every 20 ms, at most 10 s) until they are `expected`.
async fn wait_members(server: &Server, token: &str, group: &str, expected: &[&str]) {
    for _ in 0..500 {
        if member_names(server, token, group).await == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let now = member_names(server, token, group).await;
    panic!("group {group} holds {now:?}, not {expected:?}");
}

/// Adds a directory object to a group (`members/$ref` with a v1.0 `directoryObjects` URL).
pub(crate) async fn link(
    server: &Server,
    token: &str,
    group: &str,
    object: &str,
) -> crate::common::Reply {
    let body =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{object}")});
    let path = format!("/v1.0/groups/{group}/members/$ref");
    server
        .post_json(&path, token, body.to_string().as_bytes())
        .await
}

/// Creates an Entra-join deployment profile; its id.
pub(crate) async fn new_profile(server: &Server, token: &str, name: &str) -> String {
    let body = json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": name});
    let reply = server
        .post_json(PROFILES, token, body.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    id(&reply.json())
}

pub(crate) fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn groups_follow_graphs_rules() {
    let server = Server::start().await;
    let token = token(&server, "groups-crud");
    let lab = create_group(&server, &token, "Autopilot Lab", None).await;
    assert_eq!(lab["displayName"], "Autopilot Lab");
    assert_eq!(lab["groupTypes"], json!([]));
    assert_eq!(lab["membershipRule"], Value::Null);
    assert!(
        lab["securityIdentifier"]
            .as_str()
            .unwrap()
            .starts_with("S-1-12-1-")
    );
    let dynamic = create_group(&server, &token, "Autopilot All", Some(LAB_RULE)).await;
    assert_eq!(dynamic["groupTypes"], json!(["DynamicMembership"]));
    assert_eq!(dynamic["membershipRuleProcessingState"], "On");

    // What Graph refuses, with its codes.
    let bad_rule = json!({"displayName": "Bad", "mailEnabled": false, "mailNickname": "bad",
        "securityEnabled": true, "groupTypes": ["DynamicMembership"],
        "membershipRule": "device.devicePhysicalIds -eq", "membershipRuleProcessingState": "On"});
    let reply = server
        .post_json("/v1.0/groups", &token, bad_rule.to_string().as_bytes())
        .await;
    assert!(
        reply
            .graph_error(400, "Request_BadRequest")
            .contains("'membershipRule'")
    );
    let no_nickname = json!({"displayName": "X", "mailEnabled": false, "securityEnabled": true});
    let reply = server
        .post_json("/v1.0/groups", &token, no_nickname.to_string().as_bytes())
        .await;
    assert_eq!(
        reply.graph_error(400, "Request_BadRequest"),
        "A value is required for property 'mailNickname' of resource 'Group'."
    );
    let reply = server.post_json("/v1.0/groups", &token, b"[1]").await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    // A bound member the tenant does not have: 404, and no group is left behind.
    let ghost = json!({"displayName": "Ghosts", "mailEnabled": false, "mailNickname": "ghosts",
        "securityEnabled": true, "members@odata.bind": [
            "https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-0000-0000-0000000000aa"]});
    let reply = server
        .post_json("/v1.0/groups", &token, ghost.to_string().as_bytes())
        .await;
    reply.graph_error(404, "Request_ResourceNotFound");
    let left = server
        .get("/v1.0/groups?$filter=displayName%20eq%20'Ghosts'", &token)
        .await
        .json();
    assert_eq!(left["value"], json!([]));

    // Found by name as the scripts look (any case of the property), by id as the module looks.
    let path = "/v1.0/groups?$filter=DisplayName%20eq%20'autopilot%20lab'";
    let found = server.get(path, &token).await.json();
    assert_eq!(found["value"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["value"][0]["id"], lab["id"]);
    assert_eq!(
        found["@odata.context"],
        format!("{}/v1.0/$metadata#groups", server.base)
    );
    let by_id = format!("/beta/groups?$filter=id%20eq%20'{}'", id(&dynamic));
    let found = server.get(&by_id, &token).await.json();
    assert_eq!(found["value"][0]["displayName"], "Autopilot All");
    assert_eq!(
        found["value"][0]["membershipRuleProcessingStatus"]["status"],
        "NotStarted"
    );
    let dynamic_only = "/v1.0/groups?$filter=groupTypes/any(t:t%20eq%20'DynamicMembership')";
    let found = server.get(dynamic_only, &token).await.json();
    assert_eq!(found["value"].as_array().unwrap().len(), 1);
    // $search and $count need the header, as Entra's advanced queries do.
    let search = "/v1.0/groups?$search=%22displayName:autopilot%22&$count=true";
    let reply = server.get(search, &token).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    let counted = server
        .get_with_headers(search, &token, &[EVENTUAL])
        .await
        .json();
    assert_eq!(counted["@odata.count"], 2);
    let count = server
        .get_with_headers("/v1.0/groups/$count", &token, &[EVENTUAL])
        .await;
    assert_eq!(count.text(), "2");

    // Get, change, delete.
    let path = format!("/v1.0/groups/{}", id(&lab));
    let got = server.get(&path, &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.json()["@odata.context"],
        format!("{}/v1.0/$metadata#groups/$entity", server.base)
    );
    patch(
        &server,
        &path,
        &token,
        &json!({"description": "Lab machines", "displayName": "Lab"}),
    )
    .await;
    let got = server.get(&path, &token).await.json();
    assert_eq!(got["description"], "Lab machines");
    assert_eq!(got["displayName"], "Lab");
    let reply = server
        .send(
            Method::PATCH,
            &path,
            Some(&token),
            Some((
                "application/json",
                json!({"membershipRule": LAB_RULE}).to_string().into_bytes(),
            )),
        )
        .await;
    assert_eq!(reply.status, 400, "an assigned group takes no rule");
    assert_eq!(server.delete(&path, &token).await.status, 204);
    let reply = server.get(&path, &token).await;
    assert!(
        reply
            .graph_error(404, "Request_ResourceNotFound")
            .contains(&id(&lab))
    );
    let reply = server.get("/v1.0/groups/not-a-guid", &token).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
}

/// Dynamic device groups on `[OrderID]:` rules: members join a delay after the change, a
/// changed group tag moves a device from one group to another, and its profile follows.
#[tokio::test]
async fn dynamic_groups_follow_the_group_tag_and_profiles_follow_the_groups() {
    let (server, _clock) = Server::with_manual_clock("0s").await;
    let token = token(&server, "groups-dynamic");
    server.register(&token, "DYN-0001", "Lab").await;
    server.register(&token, "DYN-0002", "Office").await;
    let lab = create_group(&server, &token, "Lab devices", Some(LAB_RULE)).await;
    let office_rule = r#"(device.devicePhysicalIds -any (_ -eq "[OrderID]:Office"))"#;
    let office = create_group(&server, &token, "Office devices", Some(office_rule)).await;
    let (lab, office) = (id(&lab), id(&office));

    // Nothing before the membership delay (30 s), as Entra takes its time.
    assert!(member_names(&server, &token, &lab).await.is_empty());
    let beta = server
        .get(&format!("/beta/groups/{lab}"), &token)
        .await
        .json();
    assert_eq!(
        beta["membershipRuleProcessingStatus"]["status"],
        "NotStarted"
    );
    server.advance(time::Duration::seconds(30));
    wait_members(&server, &token, &lab, &["DYN-0001"]).await;
    wait_members(&server, &token, &office, &["DYN-0002"]).await;
    let beta = server
        .get(&format!("/beta/groups/{lab}"), &token)
        .await
        .json();
    assert_eq!(
        beta["membershipRuleProcessingStatus"]["status"],
        "Succeeded"
    );

    // A dynamic group's members are its rule's.
    let object = server
        .get(
            "/v1.0/devices?$filter=displayName%20eq%20'DYN-0002'",
            &token,
        )
        .await
        .json()["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = link(&server, &token, &lab, &object).await;
    assert!(
        reply
            .graph_error(400, "Request_BadRequest")
            .contains("dynamic")
    );

    // A profile assigned to the Lab group (the module's Set-AutopilotProfileAssignedGroup).
    let profile = json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "Lab profile"});
    let profile = server
        .post_json(PROFILES, &token, profile.to_string().as_bytes())
        .await
        .json();
    let profile_id = id(&profile);
    let assignment = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": lab}});
    let reply = server
        .post_json(
            &format!("{PROFILES}/{profile_id}/assignments"),
            &token,
            assignment.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let by_serial = |serial: &str| format!("{DEVICES}?$filter=serialNumber%20eq%20'{serial}'");
    let device = |v: Value| v["value"][0].clone();
    let lab_device = device(server.get(&by_serial("DYN-0001"), &token).await.json());
    assert_eq!(lab_device["deploymentProfileAssignmentStatus"], "pending");
    let office_device = device(server.get(&by_serial("DYN-0002"), &token).await.json());
    assert_eq!(
        office_device["deploymentProfileAssignmentStatus"],
        "notAssigned"
    );
    server.advance(time::Duration::seconds(60));
    let lab_device = device(server.get(&by_serial("DYN-0001"), &token).await.json());
    assert_eq!(
        lab_device["deploymentProfileAssignmentStatus"],
        "assignedInSync"
    );
    let ztdid = lab_device["id"].as_str().unwrap().to_owned();
    let nav = server
        .get(&format!("{DEVICES}/{ztdid}/deploymentProfile"), &token)
        .await
        .json();
    assert_eq!(nav["id"], profile_id.as_str());

    // The Office group gets a profile of its own.
    let office_profile = new_profile(&server, &token, "Office profile").await;
    let assignment = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": office}});
    let reply = server
        .post_json(
            &format!("{PROFILES}/{office_profile}/assignments"),
            &token,
            assignment.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());

    // The device moves to the Office group with its group tag (Set-AutopilotDevice).
    let reply = server
        .post_json(
            &format!("{DEVICES}/{ztdid}/UpdateDeviceProperties"),
            &token,
            br#"{ groupTag: "Office" }"#,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    // Until the groups catch up it stays where it was.
    assert_eq!(member_names(&server, &token, &lab).await, ["DYN-0001"]);
    server.advance(time::Duration::seconds(30));
    wait_members(&server, &token, &lab, &[]).await;
    wait_members(&server, &token, &office, &["DYN-0001", "DYN-0002"]).await;
    // Its profile follows: the Office profile, pending from the time it joined.
    let expand = format!("{DEVICES}/{ztdid}?$expand=deploymentProfile,intendedDeploymentProfile");
    let moved = server.get(&expand, &token).await.json();
    assert_eq!(moved["deploymentProfileAssignmentStatus"], "pending");
    assert_eq!(
        moved["intendedDeploymentProfile"]["id"],
        office_profile.as_str()
    );
    server.advance(time::Duration::seconds(60));
    let moved = server.get(&expand, &token).await.json();
    assert_eq!(moved["deploymentProfileAssignmentStatus"], "assignedInSync");
    assert_eq!(moved["deploymentProfile"]["id"], office_profile.as_str());

    // Paused: the rule is not applied until processing is on again.
    patch(
        &server,
        &format!("/v1.0/groups/{office}"),
        &token,
        &json!({"membershipRuleProcessingState": "Paused"}),
    )
    .await;
    server.register(&token, "DYN-0003", "Office").await;
    server.advance(time::Duration::seconds(30));
    // Give the worker a moment, then check nothing moved.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        member_names(&server, &token, &office).await,
        ["DYN-0001", "DYN-0002"]
    );
    patch(
        &server,
        &format!("/v1.0/groups/{office}"),
        &token,
        &json!({"membershipRuleProcessingState": "On"}),
    )
    .await;
    server.advance(time::Duration::seconds(30));
    wait_members(
        &server,
        &token,
        &office,
        &["DYN-0001", "DYN-0002", "DYN-0003"],
    )
    .await;

    // A changed rule takes the group's members with it.
    let everything = r#"(device.devicePhysicalIDs -any (_ -startsWith "[ZTDId]"))"#;
    patch(
        &server,
        &format!("/v1.0/groups/{lab}"),
        &token,
        &json!({"membershipRule": everything}),
    )
    .await;
    server.advance(time::Duration::seconds(30));
    wait_members(&server, &token, &lab, &["DYN-0001", "DYN-0002", "DYN-0003"]).await;
}

#[tokio::test]
async fn group_permissions_and_tenant_walls() {
    let server = Server::start().await;
    let owner = token(&server, "groups-wall-a");
    let group = id(&create_group(&server, &owner, "Tenant A", None).await);
    let device = server.register(&owner, "WALL-G-01", "").await;
    let aad = device["azureActiveDirectoryDeviceId"].as_str().unwrap();
    let object = server
        .get(
            &format!("/v1.0/devices?$filter=deviceId%20eq%20'{aad}'"),
            &owner,
        )
        .await
        .json()["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let link =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{object}")})
            .to_string();

    // Intune's permission alone reads no groups.
    let intune_only = server.rw("groups-wall-a");
    let reply = server.get("/v1.0/groups", &intune_only).await;
    assert_eq!(reply.status, 403, "{}", reply.text());
    // Group.Read.All reads, and writes nothing.
    let reader = server.token("groups-wall-a", &["Group.Read.All"], &[]);
    assert_eq!(server.get("/v1.0/groups", &reader).await.status, 200);
    let members = format!("/v1.0/groups/{group}/members");
    assert_eq!(server.get(&members, &reader).await.status, 200);
    let reply = server
        .post_json("/v1.0/groups", &reader, br#"{"displayName":"x"}"#)
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text());
    // GroupMember.ReadWrite.All links members and creates no group.
    let linker = server.token("groups-wall-a", &[], &["GroupMember.ReadWrite.All"]);
    let reply = server
        .post_json(
            &format!("/v1.0/groups/{group}/members/$ref"),
            &linker,
            link.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let reply = server
        .post_json("/v1.0/groups", &linker, br#"{"displayName":"x"}"#)
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text());

    // Another tenant sees neither the group nor the device.
    let other = token(&server, "groups-wall-b");
    let reply = server.get(&format!("/v1.0/groups/{group}"), &other).await;
    assert_eq!(reply.status, 404, "{}", reply.text());
    assert_eq!(
        server.get("/v1.0/groups", &other).await.json()["value"],
        json!([])
    );
    let own = id(&create_group(&server, &other, "Tenant B", None).await);
    let reply = server
        .post_json(
            &format!("/v1.0/groups/{own}/members/$ref"),
            &other,
            link.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text());
    let reply = server
        .delete(
            &format!("/v1.0/groups/{group}/members/{object}/$ref"),
            &other,
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text());

    // $batch holds the same walls.
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/groups/{group}")},
        {"id": "2", "method": "GET", "url": format!("/groups/{own}/members")},
        {"id": "3", "method": "POST", "url": format!("/groups/{own}/members/$ref"),
         "headers": {"Content-Type": "application/json"}, "body": serde_json::from_str::<Value>(&link).unwrap()},
    ]});
    let reply = server
        .post_json("/v1.0/$batch", &other, batch.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let mut statuses: Vec<(String, u64)> = reply.json()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [("1".into(), 404), ("2".into(), 200), ("3".into(), 404)]
    );
}
