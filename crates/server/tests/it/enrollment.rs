//! The WindowsAutopilotIntune module's four Enrollment Status Page cmdlets (Microsoft's 5.x on
//! the Graph SDK and the Community fork send the same requests), replayed from their source:
//! the bodies are PowerShell here-strings, so booleans arrive as "True"/"False", the timeout
//! as "60", and Add's body ends with a trailing comma. Then what the portal and Terraform-style
//! tools do beside them: `assign`, `setPriority`, `$expand=assignments`, the default.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{RO, Server};

const RW: &str = "DeviceManagementServiceConfig.ReadWrite.All";
const ESP: &str = "/beta/deviceManagement/deviceEnrollmentConfigurations";
const TYPE: &str = "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration";

/// `Add-EnrollmentStatusPage -DisplayName NAME -Description D -HideProgress $true
/// -AllowCollectLogs $true -Message M -TimeoutInMinutes 45`, the body as the module writes it.
fn add_body(name: &str) -> Vec<u8> {
    format!(
        r#"{{
    "@odata.type": "{TYPE}",
    "displayName": "{name}",
    "description": "Kiosk devices",
    "showInstallationProgress": "True",
    "blockDeviceSetupRetryByUser": "False",
    "allowDeviceResetOnInstallFailure": "False",
    "allowLogCollectionOnInstallFailure": "True",
    "customErrorMessage": "Call the help desk",
    "installProgressTimeoutInMinutes": "45",
    "allowDeviceUseOnInstallFailure": "False",
}}"#
    )
    .into_bytes()
}

/// `Get-EnrollmentStatusPage` without `-id`: the list, kept client-side by `@odata.type`.
async fn get_esps(server: &Server, token: &str) -> Vec<Value> {
    let reply = server.get(ESP, token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["@odata.type"] == TYPE)
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_modules_enrollment_status_page_cmdlets() {
    let server = Server::start().await;
    let token = server.token("esp-cmdlets", &[RW], &[]);

    // A new tenant has its default, priority 0, for all users and devices.
    let before = get_esps(&server, &token).await;
    assert_eq!(before.len(), 1, "{before:?}");
    let default = &before[0];
    let default_id = default["id"].as_str().unwrap().to_owned();
    assert!(default_id.ends_with("_DefaultWindows10EnrollmentCompletionPageConfiguration"));
    assert_eq!(default["priority"], 0);
    assert_eq!(default["displayName"], "All users and all devices");
    assert_eq!(default["createdDateTime"], "0001-01-01T00:00:00Z");
    assert_eq!(
        default["deviceEnrollmentConfigurationType"],
        "windows10EnrollmentCompletionPageConfiguration"
    );

    // Add-EnrollmentStatusPage, twice.
    let reply = server.post_json(ESP, &token, &add_body("Kiosk ESP")).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let kiosk = reply.json();
    let kiosk_id = kiosk["id"].as_str().unwrap().to_owned();
    assert!(kiosk_id.ends_with("_Windows10EnrollmentCompletionPageConfiguration"));
    assert!(
        reply
            .header("location")
            .ends_with(&format!("('{kiosk_id}')"))
    );
    assert_eq!(kiosk["@odata.type"], TYPE);
    assert_eq!(kiosk["showInstallationProgress"], true);
    assert_eq!(kiosk["allowLogCollectionOnInstallFailure"], true);
    assert_eq!(kiosk["blockDeviceSetupRetryByUser"], false);
    assert_eq!(kiosk["installProgressTimeoutInMinutes"], 45);
    assert_eq!(kiosk["customErrorMessage"], "Call the help desk");
    assert_eq!(
        (kiosk["priority"].clone(), kiosk["version"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(kiosk["roleScopeTagIds"], json!(["0"]));
    assert_eq!(
        kiosk["@odata.context"],
        format!(
            "{}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations/$entity",
            server.base
        )
    );
    let lab = server
        .post_json(ESP, &token, &add_body("Lab ESP"))
        .await
        .json();
    assert_eq!(lab["priority"], 2);
    assert_eq!(get_esps(&server, &token).await.len(), 3);

    // Get-EnrollmentStatusPage -id.
    let path = format!("{ESP}/{kiosk_id}");
    let got = server.get(&path, &token).await.json();
    assert_eq!(got["displayName"], "Kiosk ESP");

    // Set-EnrollmentStatusPage -id ID -BlockDeviceUntilComplete $true -TimeoutInMinutes 90:
    // the cmdlet reads the page, then PATCHes every field, the unset ones from what it read
    // (as "True"/"False"), and the name and description it was not given as "".
    let patch = format!(
        r#"{{
    "@odata.type": "{TYPE}",
    "displayName": "",
    "description": "",
    "showInstallationProgress": "{}",
    "blockDeviceSetupRetryByUser": "True",
    "allowDeviceResetOnInstallFailure": "False",
    "allowLogCollectionOnInstallFailure": "True",
    "customErrorMessage": "Call the help desk",
    "installProgressTimeoutInMinutes": "90",
    "allowDeviceUseOnInstallFailure": "False"
}}"#,
        if got["showInstallationProgress"] == true {
            "True"
        } else {
            "False"
        }
    );
    let reply = server
        .send(
            Method::PATCH,
            &path,
            Some(&token),
            Some(("application/json", patch.into_bytes())),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let set = server.get(&path, &token).await.json();
    assert_eq!(set["blockDeviceSetupRetryByUser"], true);
    assert_eq!(set["installProgressTimeoutInMinutes"], 90);
    assert_eq!(
        set["displayName"], "",
        "the module blanks a name it was not given"
    );
    assert_eq!(
        (set["version"].clone(), set["priority"].clone()),
        (json!(2), json!(1))
    );

    // Remove-EnrollmentStatusPage -id, and the 404 after it.
    assert_eq!(server.delete(&path, &token).await.status, 204);
    server
        .get(&path, &token)
        .await
        .graph_error(404, "ResourceNotFound");
    server
        .delete(&path, &token)
        .await
        .graph_error(404, "ResourceNotFound");
    // The one after it moves up.
    let lab_path = format!("{ESP}/{}", lab["id"].as_str().unwrap());
    assert_eq!(server.get(&lab_path, &token).await.json()["priority"], 1);

    // `Get-EnrollmentStatusPage | Remove-EnrollmentStatusPage`: the default refuses, the rest go.
    for esp in get_esps(&server, &token).await {
        let reply = server
            .delete(&format!("{ESP}/{}", esp["id"].as_str().unwrap()), &token)
            .await;
        if esp["id"] == default_id.as_str() {
            reply.graph_error(400, "BadRequest");
        } else {
            assert_eq!(reply.status, 204);
        }
    }
    assert_eq!(get_esps(&server, &token).await.len(), 1);

    // The default's settings may change (as CIPP does); its name may not.
    let default_path = format!("{ESP}/{default_id}");
    let body = json!({"@odata.type": TYPE, "displayName": "All users and all devices", "showInstallationProgress": true, "installProgressTimeoutInMinutes": 60});
    let reply = server
        .send(
            Method::PATCH,
            &default_path,
            Some(&token),
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["showInstallationProgress"], true);
    let body = json!({"displayName": "Mine"});
    server
        .send(
            Method::PATCH,
            &default_path,
            Some(&token),
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
        .graph_error(400, "BadRequest");
}

#[tokio::test]
async fn assign_set_priority_and_bad_requests() {
    let server = Server::start().await;
    let token = server.token("esp-assign", &[RW], &[]);
    let mut ids = Vec::new();
    for name in ["A", "B", "C"] {
        let made = server.post_json(ESP, &token, &add_body(name)).await.json();
        ids.push(made["id"].as_str().unwrap().to_owned());
    }
    let group = "0d3c6f43-3ab2-4f5b-9d8e-8a1f2a0e5c11";
    // The portal's assign: the whole set at once.
    let body = json!({"enrollmentConfigurationAssignments": [
        {"@odata.type": "#microsoft.graph.enrollmentConfigurationAssignment",
         "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}},
        {"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}
    ]});
    let assign = format!("{ESP}/{}/assign", ids[2]);
    let reply = server
        .post_json(&assign, &token, body.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let listed = server
        .get(&format!("{ESP}/{}/assignments", ids[2]), &token)
        .await
        .json();
    let guid = ids[2].split('_').next().unwrap();
    let values = listed["value"].as_array().unwrap();
    assert_eq!(values.len(), 2);
    assert_eq!(values[0]["id"], format!("{guid}_{group}"));
    assert_eq!(values[0]["target"]["groupId"], group);
    assert_eq!(values[0]["source"], "direct");
    assert_eq!(
        values[1]["target"]["@odata.type"],
        "#microsoft.graph.allDevicesAssignmentTarget"
    );
    let one = server
        .get(
            &format!("{ESP}/{}/assignments/{guid}_{group}", ids[2]),
            &token,
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.text());
    // Reads only: Intune writes assignments through `assign`.
    assert_eq!(
        server
            .post_json(&format!("{ESP}/{}/assignments", ids[2]), &token, b"{}")
            .await
            .status,
        405
    );
    let expanded = server
        .get(&format!("{ESP}/{}?$expand=assignments", ids[2]), &token)
        .await;
    assert_eq!(expanded.status, 200, "{}", expanded.text());
    assert_eq!(expanded.json()["assignments"].as_array().unwrap().len(), 2);
    let expanded = server
        .get(
            &format!("{ESP}?$expand=assignments&$filter=priority%20eq%203"),
            &token,
        )
        .await
        .json();
    assert_eq!(
        expanded["value"][0]["assignments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // An empty set clears them.
    let clear = json!({"enrollmentConfigurationAssignments": []});
    assert_eq!(
        server
            .post_json(&assign, &token, clear.to_string().as_bytes())
            .await
            .status,
        204
    );
    let listed = server
        .get(&format!("{ESP}/{}/assignments", ids[2]), &token)
        .await
        .json();
    assert_eq!(listed["value"], json!([]));

    // setPriority: C first, A and B follow.
    let reply = server
        .post_json(
            &format!("{ESP}/{}/setPriority", ids[2]),
            &token,
            br#"{"priority": 1}"#,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let ordered = server
        .get(
            &format!("{ESP}?$orderby=priority&$filter=priority%20gt%200"),
            &token,
        )
        .await
        .json();
    let names: Vec<&str> = ordered["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["C", "A", "B"]);
    assert_eq!(
        server.get(&format!("{ESP}/$count"), &token).await.text(),
        "4"
    );

    // Bad input: clear errors, nothing written.
    for (path, body) in [
        (ESP.to_owned(), json!({"displayName": "no type"})),
        (
            ESP.to_owned(),
            json!({"@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration", "displayName": "L", "limit": 5}),
        ),
        (
            ESP.to_owned(),
            json!({"@odata.type": TYPE, "displayName": "x", "installProgressTimeoutInMinutes": "soon"}),
        ),
        (
            format!("{ESP}/{}/setPriority", ids[0]),
            json!({"priority": 0}),
        ),
        (format!("{ESP}/{}/setPriority", ids[0]), json!({})),
        (
            assign.clone(),
            json!({"enrollmentConfigurationAssignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "nope"}}]}),
        ),
        (
            assign.clone(),
            json!({"enrollmentConfigurationAssignments": [{"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": group}}]}),
        ),
    ] {
        server
            .post_json(&path, &token, body.to_string().as_bytes())
            .await
            .graph_error(400, "BadRequest");
    }
    server
        .post_json(ESP, &token, b"{\"@odata.type\": ")
        .await
        .graph_error(400, "BadRequest");
    assert_eq!(
        server.get(&format!("{ESP}/$count"), &token).await.text(),
        "4"
    );
    let default = server
        .get(&format!("{ESP}?$filter=priority%20eq%200"), &token)
        .await
        .json();
    let default_id = default["value"][0]["id"].as_str().unwrap().to_owned();
    server
        .post_json(
            &format!("{ESP}/{default_id}/assign"),
            &token,
            clear.to_string().as_bytes(),
        )
        .await
        .graph_error(400, "BadRequest");
    server
        .get(&format!("{ESP}/not-an-id"), &token)
        .await
        .graph_error(404, "ResourceNotFound");
    server
        .get(
            "/v1.0/deviceManagement/deviceEnrollmentConfigurations",
            &token,
        )
        .await
        .graph_error(400, "BadRequest");

    // Read-only tokens read; other tenants see only their own default.
    let reader = server.token("esp-assign", &[RO], &[]);
    assert_eq!(server.get(ESP, &reader).await.status, 200);
    server
        .post_json(ESP, &reader, &add_body("No"))
        .await
        .graph_error(403, "Forbidden");
    let other = server.token("esp-other", &[RW], &[]);
    assert_eq!(get_esps(&server, &other).await.len(), 1);
    server
        .get(&format!("{ESP}/{}", ids[0]), &other)
        .await
        .graph_error(404, "ResourceNotFound");
}
