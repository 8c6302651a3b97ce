//! Corporate device identifiers as Get-WindowsAutopilotInfoCommunity 5.0.16's `-Identifier
//! -Online` sends them (manufacturer and model with periods and commas stripped, the serial as
//! the BIOS reports it): `searchExistingIdentities`, then `importDeviceIdentityList` when the
//! search's `value` is empty. Then the list, the filters, overwrite and the errors.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{RO, RW, Server};

const BASE: &str = "/beta/deviceManagement/importedDeviceIdentities";

/// The script's `check-importeddevice` body.
fn search_body(manufacturer: &str, model: &str, serial: &str) -> Vec<u8> {
    format!(r#"{{"importedDeviceIdentities":[{{"importedDeviceIdentifier":"{manufacturer},{model},{serial}","importedDeviceIdentityType":"manufacturerModelSerial"}}]}}"#).into_bytes()
}

/// The script's `import-deviceidentifier` body.
fn import_body(manufacturer: &str, model: &str, serial: &str, overwrite: bool) -> Vec<u8> {
    format!(r#"{{"importedDeviceIdentities":[{{"importedDeviceIdentifier":"{manufacturer},{model},{serial}","importedDeviceIdentityType":"manufacturerModelSerial"}}],"overwriteImportedDeviceIdentities":{overwrite}}}"#).into_bytes()
}

async fn search(server: &Server, token: &str, body: &[u8]) -> Vec<Value> {
    let reply = server
        .post_json(&format!("{BASE}/searchExistingIdentities"), token, body)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["value"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_community_scripts_identifier_flow() {
    let server = Server::start().await;
    let token = server.token("identifiers", &[RW], &[]);
    // Win32_ComputerSystem "Microsoft Corporation" / "Surface Laptop 5" (no periods or commas
    // to strip); Win32_BIOS serial as is.
    let (manufacturer, model, serial) =
        ("Microsoft Corporation", "Surface Laptop 5", "0F33-2145-7H");
    assert!(
        search(&server, &token, &search_body(manufacturer, model, serial))
            .await
            .is_empty()
    );
    let reply = server
        .post_json(
            &format!("{BASE}/importDeviceIdentityList"),
            &token,
            &import_body(manufacturer, model, serial, false),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let imported = reply.json();
    assert_eq!(
        imported["@odata.context"],
        format!(
            "{}/beta/$metadata#Collection(microsoft.graph.importedDeviceIdentityResult)",
            server.base
        )
    );
    let first = &imported["value"][0];
    assert_eq!(
        first["@odata.type"],
        "#microsoft.graph.importedDeviceIdentityResult"
    );
    assert_eq!(
        first["importedDeviceIdentifier"],
        "MICROSOFTCORPORATION,SURFACELAPTOP5,0F3321457H"
    );
    assert_eq!(
        first["importedDeviceIdentityType"],
        "manufacturerModelSerial"
    );
    assert_eq!(first["platform"], "windows");
    assert_eq!(first["enrollmentState"], "notContacted");
    assert_eq!(first["status"], true);
    let id = first["id"].as_str().unwrap().to_owned();

    // A rerun finds it, however it is spelled, and does not import it again.
    let found = search(
        &server,
        &token,
        &search_body("MICROSOFT CORPORATION", "surface laptop 5", "0f3321457h"),
    )
    .await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], id.as_str());
    let again = server
        .post_json(
            &format!("{BASE}/importDeviceIdentityList"),
            &token,
            &import_body(manufacturer, model, serial, false),
        )
        .await
        .json();
    assert_eq!(
        (
            again["value"][0]["status"].clone(),
            again["value"][0]["id"].clone()
        ),
        (json!(false), json!(id))
    );

    // The admin center's view: the list, a filter, the count, one, delete.
    server
        .post_json(
            &format!("{BASE}/importDeviceIdentityList"),
            &token,
            &import_body("Dell Inc.", "Latitude 7440", "ABC123", false),
        )
        .await;
    let listed = server.get(BASE, &token).await.json();
    assert_eq!(listed["value"].as_array().unwrap().len(), 2);
    let filtered = server
        .get(
            &format!("{BASE}?$filter=contains(importedDeviceIdentifier,'LATITUDE')"),
            &token,
        )
        .await
        .json();
    assert_eq!(
        filtered["value"][0]["importedDeviceIdentifier"],
        "DELLINC,LATITUDE7440,ABC123"
    );
    assert_eq!(
        server.get(&format!("{BASE}/$count"), &token).await.text(),
        "2"
    );
    let one = server.get(&format!("{BASE}/{id}"), &token).await;
    assert_eq!(one.status, 200, "{}", one.text());
    assert_eq!(one.json()["description"], "");
    assert_eq!(
        server.delete(&format!("{BASE}/{id}"), &token).await.status,
        204
    );
    server
        .get(&format!("{BASE}/{id}"), &token)
        .await
        .graph_error(404, "ResourceNotFound");
    assert!(
        search(&server, &token, &search_body(manufacturer, model, serial))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn overwrite_errors_and_permissions() {
    let server = Server::start().await;
    let token = server.token("identifiers-errors", &[RW], &[]);
    let import = format!("{BASE}/importDeviceIdentityList");
    let body = json!({"importedDeviceIdentities": [
        {"importedDeviceIdentifier": "352099001761481", "importedDeviceIdentityType": "imei", "description": "Sales phone", "platform": "android"}
    ], "overwriteImportedDeviceIdentities": false});
    let first = server
        .post_json(&import, &token, body.to_string().as_bytes())
        .await
        .json();
    assert_eq!(first["value"][0]["platform"], "android");
    let body = json!({"importedDeviceIdentities": [
        {"importedDeviceIdentifier": "352099001761481", "importedDeviceIdentityType": "imei", "description": "Support phone", "platform": "android"}
    ], "overwriteImportedDeviceIdentities": true});
    let replaced = server
        .post_json(&import, &token, body.to_string().as_bytes())
        .await
        .json();
    assert_eq!(replaced["value"][0]["status"], true);
    assert_eq!(replaced["value"][0]["description"], "Support phone");
    assert_eq!(replaced["value"][0]["id"], first["value"][0]["id"]);

    // Identifiers that are not of their type: Intune's message with the count; nothing written.
    let body = json!({"importedDeviceIdentities": [
        {"importedDeviceIdentifier": "Contoso,Laptop", "importedDeviceIdentityType": "manufacturerModelSerial"},
        {"importedDeviceIdentifier": "Contoso,Laptop,SN1", "importedDeviceIdentityType": "manufacturerModelSerial"},
        {"importedDeviceIdentifier": "12AB", "importedDeviceIdentityType": "imei"}
    ]});
    let message = server
        .post_json(&import, &token, body.to_string().as_bytes())
        .await
        .graph_error(400, "BadRequest");
    assert!(
        message.contains("Invalid Device Identifier parameter found for 2 import records!"),
        "{message}"
    );
    assert_eq!(
        server.get(&format!("{BASE}/$count"), &token).await.text(),
        "1"
    );
    for bad in [
        json!({}),
        json!({"importedDeviceIdentities": []}),
        json!({"importedDeviceIdentities": [{"importedDeviceIdentifier": "SN1", "importedDeviceIdentityType": "serialNumber"}], "overwriteImportedDeviceIdentities": "yes"}),
        json!({"importedDeviceIdentities": [{"importedDeviceIdentifier": "SN1", "importedDeviceIdentityType": "serialNumber", "platform": "amiga"}]}),
    ] {
        server
            .post_json(&import, &token, bad.to_string().as_bytes())
            .await
            .graph_error(400, "BadRequest");
    }
    server
        .post_json(&import, &token, b"{\"importedDeviceIdentities\": [")
        .await
        .graph_error(400, "BadRequest");
    let too_many: Vec<Value> = (0..5001)
        .map(|i| json!({"importedDeviceIdentifier": format!("SN{i}"), "importedDeviceIdentityType": "serialNumber"}))
        .collect();
    server
        .post_json(
            &import,
            &token,
            json!({"importedDeviceIdentities": too_many})
                .to_string()
                .as_bytes(),
        )
        .await
        .graph_error(400, "BadRequest");

    // Identifiers come by the action only; PATCH is not routed either.
    assert_eq!(server.post_json(BASE, &token, b"{}").await.status, 405);
    let id = first["value"][0]["id"].as_str().unwrap();
    let reply = server
        .send(
            Method::PATCH,
            &format!("{BASE}/{id}"),
            Some(&token),
            Some(("application/json", b"{}".to_vec())),
        )
        .await;
    assert_eq!(reply.status, 405);
    server
        .get("/v1.0/deviceManagement/importedDeviceIdentities", &token)
        .await
        .graph_error(400, "BadRequest");

    // Reading takes Read.All; searching, as Intune was seen to require, ReadWrite.All.
    let reader = server.token("identifiers-errors", &[RO], &[]);
    assert_eq!(server.get(BASE, &reader).await.status, 200);
    let search = json!({"importedDeviceIdentities": [{"importedDeviceIdentifier": "352099001761481", "importedDeviceIdentityType": "imei"}]});
    server
        .post_json(
            &format!("{BASE}/searchExistingIdentities"),
            &reader,
            search.to_string().as_bytes(),
        )
        .await
        .graph_error(403, "Forbidden");
    let other = server.token("identifiers-other", &[RW], &[]);
    let found = server
        .post_json(
            &format!("{BASE}/searchExistingIdentities"),
            &other,
            search.to_string().as_bytes(),
        )
        .await
        .json();
    assert_eq!(
        found["value"],
        json!([]),
        "tenants do not see each other's identifiers"
    );
}
