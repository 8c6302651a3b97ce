//! The legacy upload container and its device identities.

use crate::common::{IMPORTED, Server, import_body};

const UPLOADS: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads";

#[tokio::test]
async fn an_upload_holds_its_devices_and_takes_them_when_deleted() {
    let (server, _clock) = Server::with_manual_clock("30s").await;
    let token = server.rw("uploads");
    let reply = server
        .post_json(
            UPLOADS,
            &token,
            br##"{"@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentityUpload", "createdDateTimeUtc": "2016-12-31T23:58:44.2908994-08:00", "status": "pending"}"##,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let upload = reply.json();
    assert_eq!(upload["status"], "noUpload", "status is the server's");
    let created = upload["createdDateTimeUtc"].as_str().unwrap();
    assert!(
        created.ends_with('Z') && !created.starts_with("2016"),
        "{created}"
    );
    let id = upload["id"].as_str().unwrap().to_owned();
    let devices = format!("{UPLOADS}/{id}/deviceIdentities");

    let reply = server
        .post_json(
            &format!("{devices}/import"),
            &token,
            &import_body(["UP1".to_owned(), "UP2".to_owned()]),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let value = reply.json()["value"].as_array().unwrap().clone();
    assert!(value.iter().all(|d| d["importId"] == id.as_str()));
    let reply = server
        .post_json(
            &devices,
            &token,
            format!(
                "{{\"serialNumber\":\"UP3\",\"hardwareIdentifier\":\"{}\"}}",
                crate::common::hash("UP3")
            )
            .as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert!(
        reply.json()["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with(&format!(
                "importedWindowsAutopilotDeviceIdentityUploads('{id}')/deviceIdentities/$entity"
            ))
    );

    let list = server.get(&devices, &token).await.json();
    assert_eq!(list["value"].as_array().unwrap().len(), 3);
    assert_eq!(
        server
            .get(&format!("{devices}/$count"), &token)
            .await
            .text(),
        "3"
    );
    assert_eq!(
        server
            .get(&format!("{UPLOADS}('{id}')"), &token)
            .await
            .json()["status"],
        "pending"
    );
    // The upload's devices are in the plain collection too.
    assert_eq!(
        server
            .get(&format!("/beta{IMPORTED}/$count"), &token)
            .await
            .text(),
        "3"
    );

    // Processed, the upload is complete (all three register).
    server.advance(time::Duration::seconds(30));
    for d in &value {
        let record = server
            .wait_decided(&format!("{devices}/{}", d["id"].as_str().unwrap()), &token)
            .await;
        assert_eq!(record["state"]["deviceImportStatus"], "complete");
    }
    assert_eq!(
        server
            .get(&format!("{UPLOADS}('{id}')"), &token)
            .await
            .json()["status"],
        "complete"
    );

    let one = value[0]["id"].as_str().unwrap();
    assert_eq!(
        server.get(&format!("{devices}/{one}"), &token).await.status,
        200
    );
    assert_eq!(
        server
            .delete(&format!("{devices}('{one}')"), &token)
            .await
            .status,
        204
    );
    server
        .get(&format!("{devices}/{one}"), &token)
        .await
        .graph_error(404, "ResourceNotFound");

    assert_eq!(
        server
            .delete(&format!("{UPLOADS}/{id}"), &token)
            .await
            .status,
        204
    );
    server
        .get(&format!("{UPLOADS}/{id}"), &token)
        .await
        .graph_error(404, "ResourceNotFound");
    server
        .get(&devices, &token)
        .await
        .graph_error(404, "ResourceNotFound");
    assert_eq!(
        server
            .get(&format!("/beta{IMPORTED}/$count"), &token)
            .await
            .text(),
        "0"
    );
    server
        .post_json(
            &format!("{devices}/import"),
            &token,
            &import_body(["UP4".to_owned()]),
        )
        .await
        .graph_error(404, "ResourceNotFound");
}

#[tokio::test]
async fn uploads_list_and_empty_body_create() {
    let server = Server::start().await;
    let token = server.rw("uploads-list");
    for _ in 0..3 {
        let reply = server
            .send(reqwest::Method::POST, UPLOADS, Some(&token), None)
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let list = server.get(UPLOADS, &token).await.json();
    assert_eq!(list["value"].as_array().unwrap().len(), 3);
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["status"] == "noUpload")
    );
    assert_eq!(
        server
            .get(&format!("{UPLOADS}/$count"), &token)
            .await
            .text(),
        "3"
    );
    let other = server.rw("someone-else");
    assert!(
        server.get(UPLOADS, &other).await.json()["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
