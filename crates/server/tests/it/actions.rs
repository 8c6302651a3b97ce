//! Device actions and deleteDevices through HTTP.

use serde_json::{Value, json};

use crate::common::{Server, hash};

const IMPORTED: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";

/// Imports and registers one device; returns its id.
async fn register(server: &Server, token: &str, serial: &str) -> String {
    let body =
        json!({"serialNumber": serial, "groupTag": "Lab", "hardwareIdentifier": hash(serial)});
    let reply = server
        .post_json(IMPORTED, token, body.to_string().as_bytes())
        .await;
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let record = server
        .wait_decided(&format!("{IMPORTED}/{id}"), token)
        .await;
    assert_eq!(record["state"]["deviceImportStatus"], "complete");
    record["state"]["deviceRegistrationId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn devices(version: &str) -> String {
    format!("/{version}/deviceManagement/windowsAutopilotDeviceIdentities")
}

async fn device(server: &Server, token: &str, version: &str, id: &str) -> Value {
    let reply = server
        .get(&format!("{}/{id}", devices(version)), token)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

async fn post(server: &Server, token: &str, path: &str, body: &str) -> crate::common::Reply {
    server.post_json(path, token, body.as_bytes()).await
}

#[tokio::test]
async fn user_assignment_in_both_url_forms() {
    let server = Server::start().await;
    let token = server.rw("actions-user");
    let id = register(&server, &token, "ACT-0001").await;
    // Intune assigns only users of the tenant's directory.
    let message = post(
        &server,
        &token,
        &format!("{}/{id}/assignUserToDevice", devices("v1.0")),
        r#"{"userPrincipalName":"adele@contoso.com"}"#,
    )
    .await
    .graph_error(400, "BadRequest");
    assert!(
        message.contains("'adele@contoso.com' was not found"),
        "{message}"
    );
    server.add_user("actions-user", "Adele@contoso.com").await;
    for (version, action) in [
        ("v1.0", "assignUserToDevice"),
        ("beta", "microsoft.graph.AssignUserToDevice"),
    ] {
        let reply = post(
            &server,
            &token,
            &format!("{}/{id}/{action}", devices(version)),
            r#"{"userPrincipalName":"adele@contoso.com","addressableUserName":"Adele Vance"}"#,
        )
        .await;
        assert_eq!(reply.status, 204, "{}", reply.text());
        assert!(reply.body.is_empty());
        let d = device(&server, &token, version, &id).await;
        assert_eq!(d["userPrincipalName"], "adele@contoso.com");
        assert_eq!(d["addressableUserName"], "Adele Vance");
        let reply = post(
            &server,
            &token,
            &format!("{}('{id}')/unassignUserFromDevice", devices(version)),
            "",
        )
        .await;
        assert_eq!(reply.status, 204, "{}", reply.text());
        let d = device(&server, &token, version, &id).await;
        assert_eq!(
            (
                d["userPrincipalName"].as_str(),
                d["addressableUserName"].as_str()
            ),
            (Some(""), Some(""))
        );
    }
    let message = post(
        &server,
        &token,
        &format!("{}/{id}/assignUserToDevice", devices("beta")),
        r#"{"userPrincipalName":"not a upn"}"#,
    )
    .await
    .graph_error(400, "BadRequest");
    assert!(message.contains("userPrincipalName"), "{message}");
    post(
        &server,
        &token,
        &format!("{}/{id}/assignUserToDevice", devices("beta")),
        r#"{"userPrincipalName":"a@b.c","color":"blue"}"#,
    )
    .await
    .graph_error(400, "BadRequest");
    post(
        &server,
        &token,
        &format!(
            "{}/00000000-0000-0000-0000-000000000000/assignUserToDevice",
            devices("beta")
        ),
        r#"{"userPrincipalName":"a@b.c"}"#,
    )
    .await
    .graph_error(404, "ResourceNotFound");
    // Actions are writes.
    let ro = server.token(
        "actions-user",
        &["DeviceManagementServiceConfig.Read.All"],
        &[],
    );
    post(
        &server,
        &ro,
        &format!("{}/{id}/unassignUserFromDevice", devices("beta")),
        "",
    )
    .await
    .graph_error(403, "Forbidden");
}

#[tokio::test]
async fn update_device_properties_as_set_autopilotdevice_sends_it() {
    let server = Server::start().await;
    let token = server.rw("actions-update");
    let id = register(&server, &token, "ACT-0002").await;
    // Microsoft's module: capital U, unquoted keys.
    let reply = post(
        &server,
        &token,
        &format!("{}/{id}/UpdateDeviceProperties", devices("beta")),
        r#"{ displayName: "LAB-PC-01", groupTag: "Kiosk" }"#,
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let d = device(&server, &token, "beta", &id).await;
    assert_eq!(d["displayName"], "LAB-PC-01");
    assert_eq!(d["groupTag"], "Kiosk");
    assert_eq!(
        d["userPrincipalName"], "",
        "only the parameters given change"
    );
    // Beta's Surface Hub parameters; v1.0 takes four parameters only.
    let reply = post(&server, &token, &format!("{}/{id}/updateDeviceProperties", devices("beta")), r#"{"deviceAccountUpn":"room@contoso.com","deviceAccountPassword":"s3cret","deviceFriendlyName":"Room 4"}"#).await;
    assert_eq!(reply.status, 204);
    let d = device(&server, &token, "beta", &id).await;
    assert_eq!(d["deviceAccountUpn"], "room@contoso.com");
    assert_eq!(d["deviceFriendlyName"], "Room 4");
    assert_eq!(d["deviceAccountPassword"], "", "never echoed");
    assert_eq!(d["displayName"], "LAB-PC-01");
    post(
        &server,
        &token,
        &format!("{}/{id}/updateDeviceProperties", devices("v1.0")),
        r#"{"deviceFriendlyName":"x"}"#,
    )
    .await
    .graph_error(400, "BadRequest");
    let reply = post(
        &server,
        &token,
        &format!(
            "{}/{id}/microsoft.graph.updateDeviceProperties",
            devices("v1.0")
        ),
        r#"{"groupTag":"Sales","userPrincipalName":"adele@contoso.com"}"#,
    )
    .await;
    assert!(
        reply
            .graph_error(400, "BadRequest")
            .contains("was not found")
    );
    // Nothing of a refused call is written.
    let d = device(&server, &token, "v1.0", &id).await;
    assert_ne!(d["groupTag"], "Sales");
    server.add_user("actions-update", "adele@contoso.com").await;
    let reply = post(
        &server,
        &token,
        &format!(
            "{}/{id}/microsoft.graph.updateDeviceProperties",
            devices("v1.0")
        ),
        r#"{"groupTag":"Sales","userPrincipalName":"adele@contoso.com"}"#,
    )
    .await;
    assert_eq!(reply.status, 204);
    let d = device(&server, &token, "v1.0", &id).await;
    assert_eq!(
        (d["groupTag"].as_str(), d["userPrincipalName"].as_str()),
        (Some("Sales"), Some("adele@contoso.com"))
    );
    // The new group tag is what filters see.
    let list = server
        .get(
            &format!("{}?$filter=groupTag%20eq%20'sales'", devices("beta")),
            &token,
        )
        .await
        .json();
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn beta_only_actions() {
    let server = Server::start().await;
    let token = server.rw("actions-beta");
    let id = register(&server, &token, "ACT-0003").await;
    assert_eq!(
        device(&server, &token, "beta", &id).await["userlessEnrollmentStatus"],
        "unknown"
    );
    assert_eq!(
        post(
            &server,
            &token,
            &format!("{}/{id}/allowNextEnrollment", devices("beta")),
            ""
        )
        .await
        .status,
        204
    );
    assert_eq!(
        device(&server, &token, "beta", &id).await["userlessEnrollmentStatus"],
        "allowed"
    );

    let reply = post(&server, &token, &format!("{}/{id}/assignResourceAccountToDevice", devices("beta")), r#"{"userPrincipalName":"hub@contoso.com","addressableUserName":"Hub","resourceAccountName":"Board Room"}"#).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let d = device(&server, &token, "beta", &id).await;
    assert_eq!(d["resourceName"], "Board Room");
    assert_eq!(d["userPrincipalName"], "hub@contoso.com");
    post(
        &server,
        &token,
        &format!("{}/{id}/assignResourceAccountToDevice", devices("beta")),
        "{}",
    )
    .await
    .graph_error(400, "BadRequest");
    assert_eq!(
        post(
            &server,
            &token,
            &format!("{}/{id}/unassignResourceAccountFromDevice", devices("beta")),
            ""
        )
        .await
        .status,
        204
    );
    assert_eq!(
        device(&server, &token, "beta", &id).await["resourceName"],
        ""
    );

    for action in [
        "allowNextEnrollment",
        "assignResourceAccountToDevice",
        "unassignResourceAccountFromDevice",
    ] {
        let message = post(
            &server,
            &token,
            &format!("{}/{id}/{action}", devices("v1.0")),
            "",
        )
        .await
        .graph_error(400, "BadRequest");
        assert!(
            message.contains("Resource not found for the segment"),
            "{message}"
        );
    }
    // Not an action at all.
    post(
        &server,
        &token,
        &format!("{}/{id}/launchMissiles", devices("beta")),
        "",
    )
    .await
    .graph_error(400, "BadRequest");
    let reply = server
        .get(
            &format!("{}/{id}/assignUserToDevice", devices("beta")),
            &token,
        )
        .await;
    reply.graph_error(405, "MethodNotAllowed");
}

#[tokio::test]
async fn delete_devices_by_serial_number() {
    let server = Server::start().await;
    let token = server.rw("actions-delete");
    let id = register(&server, &token, "DEL-0001").await;
    register(&server, &token, "DEL-0002").await;
    let reply = post(
        &server,
        &token,
        &format!("{}/deleteDevices", devices("v1.0")),
        r#"{"serialNumbers":["del-0001","NOPE-1"]}"#,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("Collection(microsoft.graph.deletedWindowsAutopilotDeviceState)")
    );
    assert_eq!(body["value"][0]["serialNumber"], "del-0001");
    assert_eq!(body["value"][0]["deletionState"], "accepted");
    assert_eq!(body["value"][0]["deviceRegistrationId"], id.as_str());
    assert_eq!(body["value"][1]["deletionState"], "failed");
    assert!(
        !body["value"][1]["errorMessage"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    server
        .get(&format!("{}/{id}", devices("beta")), &token)
        .await
        .graph_error(404, "ResourceNotFound");
    assert_eq!(
        server
            .get(&format!("{}/$count", devices("beta")), &token)
            .await
            .text(),
        "1"
    );
    let reply = post(
        &server,
        &token,
        &format!("{}/microsoft.graph.deleteDevices", devices("beta")),
        r#"{"serialNumbers":["DEL-0002"]}"#,
    )
    .await;
    assert_eq!(reply.json()["value"][0]["deletionState"], "accepted");
    for bad in [
        "{}",
        r#"{"serialNumbers":[]}"#,
        r#"{"serialNumbers":[1]}"#,
        "[]",
    ] {
        post(
            &server,
            &token,
            &format!("{}/deleteDevices", devices("beta")),
            bad,
        )
        .await
        .graph_error(400, "BadRequest");
    }
    // The freed hardware registers again.
    register(&server, &token, "DEL-0001").await;
}
