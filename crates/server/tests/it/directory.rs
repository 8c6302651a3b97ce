//! Entra ID device objects through HTTP: the requests Microsoft's scripts send to find a
//! registered device's Entra object, Entra's advanced-query rules, get and delete, permissions
//! and tenant walls.

use serde_json::{Value, json};

use crate::common::Server;

const AUTOPILOT: &str = "deviceManagement/windowsAutopilotDeviceIdentities";
const SCOPES: [&str; 2] = [
    "DeviceManagementServiceConfig.ReadWrite.All",
    "Device.ReadWrite.All",
];
const EVENTUAL: (&str, &str) = ("ConsistencyLevel", "eventual");

fn entra_token(server: &Server, tenant: &str) -> String {
    server.token(tenant, &SCOPES, &[])
}

#[tokio::test]
async fn the_scripts_find_a_registered_devices_entra_object() {
    let server = Server::start().await;
    let token = entra_token(&server, "entra-scripts");
    let autopilot = server.register(&token, "GWAI-0001", "Lab").await;
    let aad = autopilot["azureActiveDirectoryDeviceId"].as_str().unwrap();

    // Get-WindowsAutopilotInfo 3.9 (Graph PowerShell): Get-MgDevice -Search
    // "deviceId:<id>" -ConsistencyLevel eventual.
    let path = format!("/v1.0/devices?$search=%22deviceId%3A{aad}%22");
    let reply = server.get_with_headers(&path, &token, &[EVENTUAL]).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let found = reply.json();
    assert_eq!(found["value"].as_array().unwrap().len(), 1, "{found}");
    let object = &found["value"][0];
    assert_eq!(object["deviceId"], aad);
    assert_eq!(object["displayName"], "GWAI-0001");
    let ztdid = format!("[ZTDID]:{}", autopilot["id"].as_str().unwrap());
    assert_eq!(
        object["physicalIds"],
        json!(["[OrderId]:Lab", ztdid, object["physicalIds"][2]])
    );
    assert!(
        object["physicalIds"][2]
            .as_str()
            .unwrap()
            .starts_with("[HWID]:h:")
    );
    assert_eq!(object["trustType"], Value::Null);
    assert_eq!(object["operatingSystem"], "Windows");
    assert_eq!(
        found["@odata.context"],
        format!("{}/v1.0/$metadata#devices", server.base)
    );

    // The rewrite and the Community script: a literal beta URL with a deviceId filter, sent
    // without the header.
    let path = format!("/beta/devices?$filter=deviceId%20eq%20'{aad}'");
    let reply = server.get(&path, &token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["value"][0]["id"], object["id"]);

    // The object by its id, and by its deviceId alternate key.
    let id = object["id"].as_str().unwrap();
    let by_id = server.get(&format!("/v1.0/devices/{id}"), &token).await;
    assert_eq!(by_id.status, 200, "{}", by_id.text());
    assert_eq!(
        by_id.json()["@odata.context"],
        format!("{}/v1.0/$metadata#devices/$entity", server.base)
    );
    let by_device_id = server
        .get(&format!("/v1.0/devices(deviceId='{aad}')"), &token)
        .await;
    assert_eq!(by_device_id.json()["id"], id);
}

#[tokio::test]
async fn entras_advanced_query_rules_hold() {
    let server = Server::start().await;
    let token = entra_token(&server, "entra-advanced");
    server.register(&token, "ADV-0001", "Lab").await;
    server.register(&token, "ADV-0002", "").await;

    let reply = server
        .get("/v1.0/devices?$search=\"displayName:ADV\"", &token)
        .await;
    assert!(
        reply
            .graph_error(400, "Request_UnsupportedQuery")
            .contains("ConsistencyLevel: eventual")
    );
    let reply = server.get("/v1.0/devices/$count", &token).await;
    assert_eq!(
        reply.graph_error(400, "Request_BadRequest"),
        "$count is not currently supported."
    );
    let reply = server
        .get_with_headers("/v1.0/devices/$count", &token, &[EVENTUAL])
        .await;
    assert_eq!(reply.text(), "2");
    // `$count=true` without the header is ignored; with it, counted.
    let plain = server.get("/v1.0/devices?$count=true", &token).await.json();
    assert!(plain.get("@odata.count").is_none(), "{plain}");
    let counted = server
        .get_with_headers("/v1.0/devices?$count=true&$top=1", &token, &[EVENTUAL])
        .await
        .json();
    assert_eq!(counted["@odata.count"], 2);
    assert!(
        counted["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("count=true")
    );

    // `not` is an advanced operator.
    let not = "/v1.0/devices?$filter=not%20(physicalIds/any(p:startswith(p,'[OrderId]')))";
    let reply = server.get(not, &token).await;
    assert!(
        reply
            .graph_error(400, "Request_UnsupportedQuery")
            .contains("Operator 'not' is not supported")
    );
    let reply = server
        .get_with_headers(&format!("{not}&$count=true"), &token, &[EVENTUAL])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["value"][0]["displayName"], "ADV-0002");

    // physicalIds/any, as the Community script and admins filter.
    let tagged = server
        .get(
            "/v1.0/devices?$filter=physicalIds/any(p:p%20eq%20'[OrderId]:Lab')",
            &token,
        )
        .await
        .json();
    assert_eq!(tagged["value"].as_array().unwrap().len(), 1);
    assert_eq!(tagged["value"][0]["displayName"], "ADV-0001");
    let all = server
        .get(
            "/v1.0/devices?$filter=physicalIds/any(p:startswith(p,'[ZTDID]'))&$select=id,displayName,physicalIds",
            &token,
        )
        .await
        .json();
    assert_eq!(all["value"].as_array().unwrap().len(), 2);
    assert!(all["value"][0].get("operatingSystem").is_none());

    // A search over the tokenized name, paged: the next link keeps the search.
    let first = server
        .get_with_headers(
            "/v1.0/devices?$search=%22displayName:adv%22&$top=1&$orderby=displayName",
            &token,
            &[EVENTUAL],
        )
        .await
        .json();
    assert_eq!(first["value"][0]["displayName"], "ADV-0001");
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("search="), "{next}");
    let path = next.strip_prefix(&server.base).unwrap();
    let second = server
        .get_with_headers(path, &token, &[EVENTUAL])
        .await
        .json();
    assert_eq!(second["value"][0]["displayName"], "ADV-0002");
    assert!(second.get("@odata.nextLink").is_none());

    // What queries cannot name is refused.
    let reply = server
        .get_with_headers(
            "/v1.0/devices?$search=%22serialNumber:ADV%22",
            &token,
            &[EVENTUAL],
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    let reply = server
        .get("/v1.0/devices?$filter=physicalIds%20eq%20'x'", &token)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
}

#[tokio::test]
async fn objects_follow_their_autopilot_device_and_delete_alone() {
    let server = Server::start().await;
    let token = entra_token(&server, "entra-follow");
    let autopilot = server.register(&token, "FOL-0001", "Lab").await;
    let ztdid = autopilot["id"].as_str().unwrap();
    let aad = autopilot["azureActiveDirectoryDeviceId"].as_str().unwrap();
    let object_path = format!("/v1.0/devices(deviceId='{aad}')");

    let reply = server
        .post_json(
            &format!("/v1.0/{AUTOPILOT}/{ztdid}/updateDeviceProperties"),
            &token,
            br#"{"groupTag":"Office","displayName":"OFFICE-01"}"#,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let object = server.get(&object_path, &token).await.json();
    assert_eq!(object["displayName"], "OFFICE-01");
    assert_eq!(object["physicalIds"][0], "[OrderId]:Office");

    // Deleting the Entra object leaves the Autopilot registration.
    let id = object["id"].as_str().unwrap();
    assert_eq!(
        server
            .delete(&format!("/v1.0/devices/{id}"), &token)
            .await
            .status,
        204
    );
    let again = server.delete(&format!("/v1.0/devices/{id}"), &token).await;
    assert!(
        again
            .graph_error(404, "Request_ResourceNotFound")
            .contains(id)
    );
    let still = server
        .get(&format!("/v1.0/{AUTOPILOT}/{ztdid}"), &token)
        .await;
    assert_eq!(still.status, 200);

    // Deregistering a device removes its Entra object.
    let second = server.register(&token, "FOL-0002", "").await;
    let aad = second["azureActiveDirectoryDeviceId"].as_str().unwrap();
    let path = format!("/beta/devices(deviceId='{aad}')");
    assert_eq!(server.get(&path, &token).await.status, 200);
    let ztdid = second["id"].as_str().unwrap();
    let reply = server
        .delete(&format!("/v1.0/{AUTOPILOT}/{ztdid}"), &token)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(
        server
            .get(&path, &token)
            .await
            .graph_error(404, "Request_ResourceNotFound")
            .contains(aad)
    );
    let reply = server.get("/v1.0/devices/not-a-guid", &token).await;
    assert!(
        reply
            .graph_error(400, "Request_BadRequest")
            .contains("Invalid object identifier")
    );
}

#[tokio::test]
async fn permissions_and_tenant_walls() {
    let server = Server::start().await;
    let token = entra_token(&server, "entra-wall");
    let autopilot = server.register(&token, "WALL-0001", "Lab").await;
    let aad = autopilot["azureActiveDirectoryDeviceId"].as_str().unwrap();
    let object = server
        .get(&format!("/v1.0/devices(deviceId='{aad}')"), &token)
        .await
        .json();
    let path = format!("/v1.0/devices/{}", object["id"].as_str().unwrap());

    // Intune's permission alone does not read the directory.
    let intune = server.rw("entra-wall");
    let reply = server.get("/v1.0/devices", &intune).await;
    assert!(
        reply
            .graph_error(403, "Forbidden")
            .contains("Device.Read.All")
    );
    // Device.Read.All reads but does not delete; Directory.Read.All reads too.
    let read = server.token("entra-wall", &["Device.Read.All"], &[]);
    assert_eq!(server.get(&path, &read).await.status, 200);
    assert_eq!(server.delete(&path, &read).await.status, 403);
    let directory = server.token("entra-wall", &["Directory.Read.All"], &[]);
    assert_eq!(server.get("/v1.0/devices", &directory).await.status, 200);
    // Another tenant sees nothing of it.
    let other = entra_token(&server, "entra-other");
    assert_eq!(server.get(&path, &other).await.status, 404);
    let list = server.get("/v1.0/devices", &other).await.json();
    assert_eq!(list["value"], json!([]));
    assert_eq!(server.delete(&path, &other).await.status, 404);
    // An application with Device.ReadWrite.All deletes.
    let app = server.token("entra-wall", &[], &["Device.ReadWrite.All"]);
    assert_eq!(server.delete(&path, &app).await.status, 204);
}

#[tokio::test]
async fn batch_sub_requests_carry_their_consistency_level() {
    let server = Server::start().await;
    let token = entra_token(&server, "entra-batch");
    let autopilot = server.register(&token, "BAT-0001", "Lab").await;
    let aad = autopilot["azureActiveDirectoryDeviceId"].as_str().unwrap();
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/devices?$search=\"deviceId:{aad}\""),
         "headers": {"ConsistencyLevel": "eventual"}},
        {"id": "2", "method": "GET", "url": "/devices/$count"},
    ]});
    let reply = server
        .post_json("/v1.0/$batch", &token, body.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let responses = reply.json()["responses"].as_array().unwrap().clone();
    let by_id = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id("1")["status"], 200, "{:?}", by_id("1"));
    assert_eq!(by_id("1")["body"]["value"][0]["deviceId"], aad);
    assert_eq!(by_id("2")["status"], 400);
    assert_eq!(by_id("2")["body"]["error"]["code"], "Request_BadRequest");
}
