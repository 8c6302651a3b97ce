use super::*;

/// `docs/openapi.json` is what the code generates; regenerate it with
/// `cargo run -- openapi > docs/openapi.json`.
#[test]
fn the_committed_document_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = text();
    if committed != current {
        let old: Value = serde_json::from_str(&committed).unwrap_or(Value::Null);
        panic!(
            "docs/openapi.json is stale ({}); run `cargo run -- openapi > docs/openapi.json`",
            differences(&old, &document()).join("; ")
        );
    }
}

/// A route taken away (or added) is named.
#[test]
fn a_changed_route_is_named() {
    let current = document();
    let mut older = current.clone();
    let paths = older["paths"].as_object_mut().unwrap();
    let devices = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/{id}";
    paths[devices].as_object_mut().unwrap().remove("delete");
    paths.remove("/beta/deviceManagement/windowsAutopilotSettings/sync");
    let said = differences(&older, &current);
    assert!(said.contains(&format!("new: DELETE {devices}")), "{said:?}");
    assert!(
        said.contains(&"new: POST /beta/deviceManagement/windowsAutopilotSettings/sync".to_owned()),
        "{said:?}"
    );
    assert!(differences(&current, &current).is_empty());
    let said = differences(&current, &older);
    assert!(
        said.contains(&format!("gone: DELETE {devices}")),
        "{said:?}"
    );
}

/// Every operation has an id, unique; every `$ref` names a component.
#[test]
fn the_document_holds_together() {
    let doc = document();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}"));
            assert!(ids.insert(id.to_owned()), "{id} twice");
        }
    }
    let text = serde_json::to_string(&doc).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in text.split("\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(
            schemas.contains_key(name),
            "{name} is referenced, not defined"
        );
    }
    assert!(ids.len() > 150, "{}", ids.len());
}
