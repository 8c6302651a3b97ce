//! beta deployment profiles and their assignments on the wire: bodies checked and merged,
//! profiles written with their derived type and defaults. What a profile means for a device
//! is the domain's (`autopilot_domain::profiles`).

pub use autopilot_domain::profiles::profile_type;
use autopilot_domain::{DeploymentProfile, ProfileAssignment};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::datetime;
use crate::error::GraphError;

const SERVER_OWNED: [&str; 6] = [
    "@odata.type",
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "assignments",
    "assignedDevices",
];

/// Checks a profile body and returns the properties to keep (merged over `previous`).
pub fn profile_properties(body: &Value, previous: Option<&str>) -> Result<String, GraphError> {
    let Value::Object(object) = body else {
        return Err(GraphError::bad_request(
            "The request body must be a windowsAutopilotDeploymentProfile object.",
        ));
    };
    let mut merged: Map<String, Value> = previous
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default();
    for (k, v) in object {
        if !SERVER_OWNED.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            merged.insert(k.clone(), v.clone());
        }
    }
    let text = |name: &str| merged.get(name).and_then(Value::as_str).unwrap_or_default();
    let display = text("displayName");
    if display.trim().is_empty() {
        return Err(GraphError::bad_request(
            "A deployment profile needs a displayName.",
        ));
    }
    if display.chars().count() > 200 {
        return Err(GraphError::bad_request(
            "displayName is longer than 200 characters.",
        ));
    }
    if text("description").chars().count() > 1500 {
        return Err(GraphError::bad_request(
            "description is longer than 1500 characters.",
        ));
    }
    if text("deviceNameTemplate").chars().count() > 15 {
        return Err(GraphError::bad_request(
            "deviceNameTemplate must give names of at most 15 characters.",
        ));
    }
    Ok(Value::Object(merged).to_string())
}

/// A profile on the wire: its derived type, id, defaults, the stored properties, timestamps.
pub fn profile_json(p: &DeploymentProfile) -> Value {
    let mut out = Map::new();
    out.insert(
        "@odata.type".into(),
        Value::String(format!("#microsoft.graph.{}", p.odata_type)),
    );
    out.insert("id".into(), Value::String(p.id.hyphenated().to_string()));
    let defaults = json!({
        "displayName": "", "description": "", "language": "", "locale": "",
        "extractHardwareHash": false, "hardwareHashExtractionEnabled": false,
        "deviceNameTemplate": "", "deviceType": "windowsPc", "enableWhiteGlove": false,
        "preprovisioningAllowed": false, "roleScopeTagIds": ["0"],
        "managementServiceAppId": null, "outOfBoxExperienceSettings": null,
        "enrollmentStatusScreenSettings": null
    });
    if let Value::Object(d) = defaults {
        out.extend(d);
    }
    if let Ok(Value::Object(stored)) = serde_json::from_str::<Value>(&p.properties) {
        out.extend(stored);
    }
    out.insert(
        "createdDateTime".into(),
        Value::String(datetime(p.created_at)),
    );
    out.insert(
        "lastModifiedDateTime".into(),
        Value::String(datetime(p.modified_at)),
    );
    Value::Object(out)
}

/// An assignment on the wire.
pub fn assignment_json(a: &ProfileAssignment) -> Value {
    let target = match &a.group_id {
        None => json!({"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}),
        Some(group) => {
            json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group})
        }
    };
    json!({"id": a.id, "target": target})
}

/// Reads an assignment body's target: `None` for all devices, `Some(group id)`.
pub fn assignment_target(body: &Value) -> Result<Option<String>, GraphError> {
    let target = body
        .get("target")
        .ok_or_else(|| GraphError::bad_request("A profile assignment needs a 'target'."))?;
    let kind = target
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = kind
        .trim_start_matches('#')
        .trim_start_matches("microsoft.graph.");
    if kind.eq_ignore_ascii_case("allDevicesAssignmentTarget") {
        return Ok(None);
    }
    if kind.eq_ignore_ascii_case("groupAssignmentTarget") {
        let group = target
            .get("groupId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Uuid::parse_str(group.trim())
            .map(|g| Some(g.hyphenated().to_string()))
            .map_err(|_| {
                GraphError::bad_request(format!("'{group}' is not a group id (a GUID)."))
            });
    }
    Err(GraphError::bad_request(
        "The target must be a #microsoft.graph.groupAssignmentTarget or #microsoft.graph.allDevicesAssignmentTarget.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_bodies_are_checked() {
        assert!(profile_properties(&json!({"displayName": "A"}), None).is_ok());
        assert!(profile_properties(&json!({"description": "no name"}), None).is_err());
        assert!(
            profile_properties(
                &json!({"displayName": "A", "deviceNameTemplate": "ABCDEFGHIJKLMNOP"}),
                None
            )
            .is_err()
        );
        let merged = profile_properties(
            &json!({"description": "d", "id": "ignored"}),
            Some(r#"{"displayName":"A"}"#),
        )
        .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&merged).unwrap(),
            json!({"displayName": "A", "description": "d"})
        );
    }
}
