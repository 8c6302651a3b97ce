//! Intune managed devices through HTTP, as the Community script's `-Delete` and `-Assign
//! -Wipe` use them: looked up by serial number (`startsWith` on beta, `eq` on v1.0), deleted,
//! wiped. The device side creates them at enrollment; here the store stands in for it.

use autopilot_domain::TenantId;
use autopilot_domain::managed::ManagedDevice;
use serde_json::json;

use crate::common::Server;

const PRIVILEGED: &str = "DeviceManagementManagedDevices.PrivilegedOperations.All";
const READ_WRITE: &str = "DeviceManagementManagedDevices.ReadWrite.All";

fn enrolled(serial: &str) -> ManagedDevice {
    let now = time::OffsetDateTime::now_utc();
    ManagedDevice {
        id: uuid::Uuid::new_v4(),
        device_name: format!("DESKTOP-{serial}"),
        serial_number: serial.to_owned(),
        manufacturer: "Contoso".into(),
        model: "Laptop 7".into(),
        operating_system: "Windows".into(),
        os_version: "10.0.26100.2605".into(),
        azure_ad_device_id: uuid::Uuid::new_v4().to_string(),
        user_principal_name: "adele@contoso.com".into(),
        user_display_name: "Adele Vance".into(),
        enrollment_profile_name: "Kiosk".into(),
        enrolled_at: now,
        last_sync_at: now,
        autopilot_id: None,
        wipe: None,
    }
}

async fn enroll(server: &Server, tenant: &str, serial: &str) -> ManagedDevice {
    let device = enrolled(serial);
    let tid = TenantId::new(&autopilot_server::auth::tenant_guid(tenant).to_string());
    server
        .store()
        .put_managed_device(&tid, &device)
        .await
        .unwrap();
    device
}

#[tokio::test]
async fn the_community_scripts_delete_and_wipe() {
    let server = Server::start().await;
    let tenant = "managed-scripts";
    let token = server.token(tenant, &[READ_WRITE, PRIVILEGED], &[]);
    // Nothing enrolled yet: an empty list, not an error (the script reads `.value`).
    let lookup =
        "/beta/deviceManagement/managedDevices?$filter=startsWith(serialNumber,%20'MD-0001')";
    let reply = server.get(lookup, &token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["value"], json!([]));

    let first = enroll(&server, tenant, "MD-0001").await;
    enroll(&server, tenant, "MD-0002").await;
    // -Delete: the lookup, then DELETE by the id it read.
    let found = server.get(lookup, &token).await.json();
    assert_eq!(found["value"].as_array().unwrap().len(), 1);
    // Intune counts its managed devices on every page, `$count` or not.
    assert_eq!(found["@odata.count"], 1);
    let item = &found["value"][0];
    assert_eq!(item["id"], first.id.to_string());
    assert_eq!(item["azureADDeviceId"], first.azure_ad_device_id.as_str());
    assert_eq!(item["serialNumber"], "MD-0001");
    assert_eq!(item["deviceActionResults"], json!([]));
    assert_eq!(
        found["@odata.context"],
        format!(
            "{}/beta/$metadata#deviceManagement/managedDevices",
            server.base
        )
    );
    let path = format!("/beta/devicemanagement/manageddevices/{}", first.id);
    assert_eq!(server.delete(&path, &token).await.status, 204);
    server
        .get(&path, &token)
        .await
        .graph_error(404, "ResourceNotFound");
    assert_eq!(server.delete(&path, &token).await.status, 404);

    // -Assign -Wipe: v1.0, `eq`, then wipe with the hashtable's parameters.
    let lookup = "/v1.0/deviceManagement/managedDevices?$filter=serialNumber%20eq%20'MD-0002'";
    let found = server.get(lookup, &token).await.json();
    let id = found["value"][0]["id"].as_str().unwrap().to_owned();
    let reply = server
        .post_json(
            &format!("/v1.0/deviceManagement/managedDevices/{id}/wipe"),
            &token,
            br#"{"keepEnrollmentData":false,"keepUserData":false}"#,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let device = server
        .get(
            &format!("/v1.0/deviceManagement/managedDevices/{id}"),
            &token,
        )
        .await
        .json();
    assert_eq!(device["deviceActionResults"][0]["actionName"], "wipe");
    assert_eq!(device["deviceActionResults"][0]["actionState"], "pending");
    let count = server
        .get("/v1.0/deviceManagement/managedDevices/$count", &token)
        .await;
    assert_eq!(count.text(), "1");

    // What wipe refuses.
    let wipe = format!("/v1.0/deviceManagement/managedDevices/{id}/microsoft.graph.wipe");
    server
        .post_json(&wipe, &token, br#"{"keepUserData":"yes"}"#)
        .await
        .graph_error(400, "BadRequest");
    server
        .post_json(&wipe, &token, br#"{"eraseEverything":true}"#)
        .await
        .graph_error(400, "BadRequest");
    let nobody = "/v1.0/deviceManagement/managedDevices/00000000-0000-0000-0000-000000000000/wipe";
    server
        .post_json(nobody, &token, b"{}")
        .await
        .graph_error(404, "ResourceNotFound");
}

#[tokio::test]
async fn managed_device_permissions_and_tenant_walls() {
    let server = Server::start().await;
    let device = enroll(&server, "managed-wall-a", "MD-WALL-1").await;
    let path = format!("/v1.0/deviceManagement/managedDevices/{}", device.id);
    // Intune's Autopilot permission reads no managed devices.
    let autopilot = server.rw("managed-wall-a");
    server
        .get("/v1.0/deviceManagement/managedDevices", &autopilot)
        .await
        .graph_error(403, "Forbidden");
    // ReadWrite deletes but does not wipe: that is a privileged operation.
    let writer = server.token("managed-wall-a", &[READ_WRITE], &[]);
    assert_eq!(server.get(&path, &writer).await.status, 200);
    server
        .post_json(&format!("{path}/wipe"), &writer, b"{}")
        .await
        .graph_error(403, "Forbidden");
    // Another tenant sees nothing and wipes nothing.
    let other = server.token("managed-wall-b", &[READ_WRITE, PRIVILEGED], &[]);
    server
        .get(&path, &other)
        .await
        .graph_error(404, "ResourceNotFound");
    server
        .post_json(&format!("{path}/wipe"), &other, b"{}")
        .await
        .graph_error(404, "ResourceNotFound");
    let list = server
        .get("/v1.0/deviceManagement/managedDevices", &other)
        .await
        .json();
    assert_eq!(list["value"], json!([]));
}
