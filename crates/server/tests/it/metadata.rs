//! `$metadata` over a real socket, without a token: parsed as XML, it declares every type the
//! server answers with, and every property of every entity served (each collection, on both
//! versions, with data in it) has the type the document gives it.

use std::collections::HashMap;

use axum::http::Method;
use serde_json::{Value, json};

use crate::common::{IMPORTED, RW, Server, import_body};

/// A type of the document: its base and its properties (name to CSDL type), navigations too.
#[derive(Debug, Default)]
struct Type {
    base: Option<String>,
    properties: HashMap<String, String>,
    enum_members: Option<Vec<String>>,
}

struct Schema(HashMap<String, Type>);

impl Schema {
    fn parse(xml: &str) -> Schema {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let schema = doc
            .descendants()
            .find(|n| n.has_tag_name("Schema"))
            .expect("a Schema element");
        assert_eq!(schema.attribute("Namespace"), Some("microsoft.graph"));
        let mut types = HashMap::new();
        for node in schema.children().filter(roxmltree::Node::is_element) {
            let tag = node.tag_name().name();
            let Some(name) = node.attribute("Name") else {
                continue;
            };
            let mut t = Type {
                base: node
                    .attribute("BaseType")
                    .map(|b| b.trim_start_matches("graph.").to_owned()),
                ..Type::default()
            };
            match tag {
                "EntityType" | "ComplexType" => {
                    for p in node.children().filter(|c| {
                        c.has_tag_name("Property") || c.has_tag_name("NavigationProperty")
                    }) {
                        t.properties.insert(
                            p.attribute("Name").unwrap().to_owned(),
                            p.attribute("Type").unwrap().to_owned(),
                        );
                    }
                }
                "EnumType" => {
                    t.enum_members = Some(
                        node.children()
                            .filter(|c| c.has_tag_name("Member"))
                            .map(|m| m.attribute("Name").unwrap().to_owned())
                            .collect(),
                    );
                }
                _ => continue,
            }
            assert!(types.insert(name.to_owned(), t).is_none(), "{name} twice");
        }
        Schema(types)
    }

    /// The type of `property` on `ty` or a base of it.
    fn property(&self, ty: &str, property: &str) -> Option<&str> {
        let t = self.0.get(ty).unwrap_or_else(|| panic!("no type {ty}"));
        t.properties
            .get(property)
            .map(String::as_str)
            .or_else(|| t.base.as_deref().and_then(|b| self.property(b, property)))
    }

    /// Whether `derived` is `ty` or derives from it.
    fn is_a(&self, derived: &str, ty: &str) -> bool {
        derived == ty
            || self.0[derived]
                .base
                .as_deref()
                .is_some_and(|b| self.is_a(b, ty))
    }

    /// Checks a JSON object against `ty` (its `@odata.type`, when it names one, first).
    fn check_object(&self, ty: &str, value: &Value, at: &str) {
        let Value::Object(members) = value else {
            panic!("{at}: not an object: {value}");
        };
        let ty = match members.get("@odata.type").and_then(Value::as_str) {
            Some(named) => {
                let named = named.trim_start_matches("#microsoft.graph.");
                assert!(self.is_a(named, ty), "{at}: {named} is not a {ty}");
                named
            }
            None => ty,
        };
        for (name, v) in members {
            if name.starts_with('@') || name.contains("@odata.") {
                continue;
            }
            let declared = self
                .property(ty, name)
                .unwrap_or_else(|| panic!("{at}: {ty}.{name} is not declared"));
            self.check_value(declared, v, &format!("{at}.{name}"));
        }
    }

    fn check_value(&self, declared: &str, v: &Value, at: &str) {
        if v.is_null() {
            return;
        }
        if let Some(item) = declared
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            let items = v.as_array().unwrap_or_else(|| panic!("{at}: not an array"));
            for (i, x) in items.iter().enumerate() {
                self.check_value(item, x, &format!("{at}[{i}]"));
            }
            return;
        }
        let ok = match declared {
            "Edm.String" | "Edm.Binary" | "Edm.Guid" => v.is_string(),
            "Edm.DateTimeOffset" => v.as_str().is_some_and(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .is_ok()
            }),
            "Edm.Int32" | "Edm.Int64" => v.is_i64() || v.is_u64(),
            "Edm.Boolean" => v.is_boolean(),
            graph => {
                let name = graph.trim_start_matches("graph.");
                let t = self
                    .0
                    .get(name)
                    .unwrap_or_else(|| panic!("{at}: no type {name}"));
                match &t.enum_members {
                    Some(members) => v.as_str().is_some_and(|s| {
                        s.split(',').all(|m| members.iter().any(|x| x == m.trim()))
                    }),
                    None => {
                        self.check_object(name, v, at);
                        true
                    }
                }
            }
        };
        assert!(ok, "{at}: {v} is not a {declared}");
    }
}

async fn schema(server: &Server, version: &str) -> Schema {
    let reply = server
        .send(Method::GET, &format!("/{version}/$metadata"), None, None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.header("content-type").starts_with("application/xml"));
    Schema::parse(&reply.text())
}

/// Every item of a collection (or the one entity) at `path` against `ty`.
async fn check(server: &Server, schema: &Schema, token: &str, path: &str, ty: &str) -> usize {
    let reply = server.get(path, token).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    let body = reply.json();
    let items = match body.get("value").and_then(Value::as_array) {
        Some(items) => items.clone(),
        None => vec![body],
    };
    for (i, item) in items.iter().enumerate() {
        schema.check_object(ty, item, &format!("{path}[{i}]"));
    }
    items.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_declares_what_is_served() {
    let server = Server::start().await;
    let token = server.token(
        "metadata",
        &[
            RW,
            "DeviceManagementConfiguration.ReadWrite.All",
            "DeviceManagementManagedDevices.ReadWrite.All",
            "DeviceManagementManagedDevices.PrivilegedOperations.All",
            "Group.ReadWrite.All",
            "User.ReadWrite.All",
            "Organization.Read.All",
            "Device.Read.All",
        ],
        &[],
    );
    // Data in every collection.
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}/import"),
            &token,
            &import_body(["META-1".to_owned()]),
        )
        .await;
    assert_eq!(reply.status, 200);
    server.register(&token, "META-2", "Lab").await;
    let seed = server
        .post_json(
            "/beta/importedWindowsAutopilotDeviceIdentityUpload/deviceIdentities/import",
            &token,
            &import_body(["META-3".to_owned()]),
        )
        .await;
    assert_eq!(seed.status, 200, "{}", seed.text());
    let profile = json!({
        "@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
        "displayName": "Meta", "deviceNameTemplate": "LAB-%RAND:5%", "locale": "en-US",
        "outOfBoxExperienceSettings": {"hidePrivacySettings": true, "hideEULA": true,
            "userType": "standard", "deviceUsageType": "singleUser",
            "skipKeyboardSelectionPage": false, "hideEscapeLink": true},
        "enrollmentStatusScreenSettings": {"hideInstallationProgress": false,
            "allowDeviceUseBeforeProfileAndAppInstallComplete": true,
            "blockDeviceSetupRetryByUser": false, "allowLogCollectionOnInstallFailure": true,
            "customErrorMessage": "Call the desk", "installProgressTimeoutInMinutes": 60,
            "allowDeviceUseOnInstallFailure": true}
    });
    let reply = server
        .post_json(
            "/beta/deviceManagement/windowsAutopilotDeploymentProfiles",
            &token,
            profile.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let profile_id = reply.json()["id"].as_str().unwrap().to_owned();
    let group = json!({"displayName": "Meta lab", "mailEnabled": false, "mailNickname": "meta-lab",
        "securityEnabled": true});
    let reply = server
        .post_json("/v1.0/groups", &token, group.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let group_id = reply.json()["id"].as_str().unwrap().to_owned();
    let assignment = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget",
        "groupId": group_id}});
    let reply = server
        .post_json(
            &format!(
                "/beta/deviceManagement/windowsAutopilotDeploymentProfiles/{profile_id}/assignments"
            ),
            &token,
            assignment.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let user = json!({"accountEnabled": true, "displayName": "Adele Vance", "mailNickname": "adele",
        "userPrincipalName": "adele@contoso.com",
        "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}});
    let reply = server
        .post_json("/v1.0/users", &token, user.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let identities = br#"{"importedDeviceIdentities":[{"importedDeviceIdentifier":"Contoso,Laptop 7,META-9","importedDeviceIdentityType":"manufacturerModelSerial"}],"overwriteImportedDeviceIdentities":false}"#;
    let reply = server
        .post_json(
            "/beta/deviceManagement/importedDeviceIdentities/importDeviceIdentityList",
            &token,
            identities,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let identity_results = reply.json();
    let tid = autopilot_domain::TenantId::new(
        &autopilot_server::auth::tenant_guid("metadata").to_string(),
    );
    let now = time::OffsetDateTime::now_utc();
    let managed = autopilot_domain::managed::ManagedDevice {
        id: uuid::Uuid::new_v4(),
        device_name: "DESKTOP-META".into(),
        serial_number: "META-2".into(),
        manufacturer: "Contoso".into(),
        model: "Laptop 7".into(),
        operating_system: "Windows".into(),
        os_version: "10.0.26100.2605".into(),
        azure_ad_device_id: uuid::Uuid::new_v4().to_string(),
        user_principal_name: "adele@contoso.com".into(),
        user_display_name: "Adele Vance".into(),
        enrollment_profile_name: "Meta".into(),
        enrolled_at: now,
        last_sync_at: now,
        autopilot_id: None,
        wipe: None,
    };
    server
        .store()
        .put_managed_device(&tid, &managed)
        .await
        .unwrap();
    let reply = server
        .post_json(
            &format!("/v1.0/deviceManagement/managedDevices/{}/wipe", managed.id),
            &token,
            b"{\"keepEnrollmentData\":true}",
        )
        .await;
    assert!(reply.status < 300, "{}", reply.text());

    let v1 = schema(&server, "v1.0").await;
    let beta = schema(&server, "beta").await;
    let dm = "/deviceManagement";
    let mut seen = 0;
    for (schema, version) in [(&v1, "v1.0"), (&beta, "beta")] {
        for (path, ty) in [
            (
                format!("{dm}/importedWindowsAutopilotDeviceIdentities"),
                "importedWindowsAutopilotDeviceIdentity",
            ),
            (
                format!("{dm}/windowsAutopilotDeviceIdentities"),
                "windowsAutopilotDeviceIdentity",
            ),
            (format!("{dm}/managedDevices"), "managedDevice"),
            ("/devices".to_owned(), "device"),
            ("/groups".to_owned(), "group"),
            ("/users".to_owned(), "user"),
            ("/organization".to_owned(), "organization"),
        ] {
            seen += check(&server, schema, &token, &format!("/{version}{path}"), ty).await;
        }
    }
    for (path, ty) in [
        (
            "/importedWindowsAutopilotDeviceIdentityUploads",
            "importedWindowsAutopilotDeviceIdentityUpload",
        ),
        (
            "/windowsAutopilotDeviceIdentities?$expand=deploymentProfile,intendedDeploymentProfile",
            "windowsAutopilotDeviceIdentity",
        ),
        (
            "/windowsAutopilotDeploymentProfiles",
            "windowsAutopilotDeploymentProfile",
        ),
        (
            &format!("/windowsAutopilotDeploymentProfiles/{profile_id}/assignments") as &str,
            "windowsAutopilotDeploymentProfileAssignment",
        ),
        ("/windowsAutopilotSettings", "windowsAutopilotSettings"),
        (
            "/deviceEnrollmentConfigurations?$expand=assignments",
            "deviceEnrollmentConfiguration",
        ),
        ("/importedDeviceIdentities", "importedDeviceIdentity"),
    ] {
        seen += check(&server, &beta, &token, &format!("/beta{dm}{path}"), ty).await;
    }
    for (i, item) in identity_results["value"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        beta.check_object(
            "importedDeviceIdentity",
            item,
            &format!("importDeviceIdentityList[{i}]"),
        );
    }
    assert!(seen >= 20, "{seen} entities checked");
    // Beta's own types are not in v1.0's document; v1.0's enums lack beta's members.
    assert!(!v1.0.contains_key("windowsAutopilotDeploymentProfile"));
    assert!(
        beta.0
            .contains_key("activeDirectoryWindowsAutopilotDeploymentProfile")
    );
    let members = |s: &Schema| s.0["enrollmentState"].enum_members.clone().unwrap();
    assert!(!members(&v1).contains(&"blocked".to_owned()));
    assert!(members(&beta).contains(&"blocked".to_owned()));
    // Other methods are not the schema's.
    let reply = server
        .send(Method::POST, "/v1.0/$metadata", None, None)
        .await;
    assert_eq!(reply.status, 405);
}

/// Both documents against Microsoft's OpenAPI description of the Autopilot paths
/// (`../shared/spec/openapi/`): every type it describes that we declare has Microsoft's base,
/// property names and types, and enum members (tests/metadata/against_openapi.py, run with the
/// SDK's Python, which has PyYAML).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_matches_microsofts_openapi() {
    let Some(spec) = autopilot_testkit::shared_dir("spec/openapi") else {
        return;
    };
    let Some(python) = crate::common::official_client(
        "AUTOPILOT_GRAPH_SDK_PYTHON",
        std::path::Path::is_file,
        "msgraph-sdk (with PyYAML)",
    ) else {
        return;
    };
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/metadata/against_openapi.py"
    );
    for (version, file) in [
        ("v1.0", "autopilot-v1.0.yaml"),
        ("beta", "autopilot-beta.yaml"),
    ] {
        let reply = server
            .send(Method::GET, &format!("/{version}/$metadata"), None, None)
            .await;
        let ours = dir.path().join(format!("{version}.xml"));
        std::fs::write(&ours, &reply.body).unwrap();
        let output = std::process::Command::new(&python)
            .arg(script)
            .arg(&ours)
            .arg(spec.join(file))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{version}:\n{said}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let checked: usize = said.split_whitespace().next().unwrap().parse().unwrap();
        assert!(checked >= 6, "{said}");
    }
}
