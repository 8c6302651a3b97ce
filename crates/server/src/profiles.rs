//! beta deployment profiles: the profiles, their assignments, and what they mean for a device.
//!
//! Groups: this server has no directory, so a group assignment target names a group by id, and
//! a device belongs to the group whose id [`group_id_for_tag`] derives from the device's group
//! tag (as an Entra dynamic group on `[OrderID]:<tag>` would hold it). `autopilot-graph group-id
//! --group-tag TAG` prints that id. `allDevicesAssignmentTarget` matches every device.
//!
//! A device matched by an assignment shows `deploymentProfileAssignmentStatus` `pending` (with
//! the profile as `intendedDeploymentProfile`) until `--profile-assignment-delay` after the
//! later of its registration and the assignment, then `assignedInSync` with the profile as
//! `deploymentProfile` and `deploymentProfileAssignedDateTime` set.

use autopilot_domain::{AutopilotDevice, DeploymentProfile, ProfileAssignment};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::GraphError;
use crate::wire;

/// The derived profile types, without namespace.
pub const PROFILE_TYPES: [&str; 2] = [
    "azureADWindowsAutopilotDeploymentProfile",
    "activeDirectoryWindowsAutopilotDeploymentProfile",
];

/// The group id that stands for the devices with a group tag.
pub fn group_id_for_tag(tag: &str) -> Uuid {
    let digest = Sha256::digest(format!(
        "autopilot-graph group tag {}",
        tag.trim().to_lowercase()
    ));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A profile's type from an `@odata.type` annotation (with or without `#` and namespace).
pub fn profile_type(annotation: &str) -> Option<&'static str> {
    let t = annotation.trim().trim_start_matches('#');
    let t = t
        .get(..16)
        .filter(|p| p.eq_ignore_ascii_case("microsoft.graph."))
        .map_or(t, |_| &t[16..]);
    PROFILE_TYPES
        .iter()
        .copied()
        .find(|p| p.eq_ignore_ascii_case(t))
}

const SERVER_OWNED: [&str; 6] = [
    "@odata.type",
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "assignments",
    "assignedDevices",
];

/// Checks a profile body and returns the properties to keep (merged over `previous`).
pub fn properties(body: &Value, previous: Option<&str>) -> Result<String, GraphError> {
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
        Value::String(wire::datetime(p.created_at)),
    );
    out.insert(
        "lastModifiedDateTime".into(),
        Value::String(wire::datetime(p.modified_at)),
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
    json!({"id": a.id.hyphenated().to_string(), "target": target})
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

/// Where a device stands with profiles at `now`.
#[derive(Debug, Clone)]
pub struct DeviceProfile<'a> {
    pub status: &'static str,
    pub assigned_at: Option<OffsetDateTime>,
    pub profile: Option<&'a DeploymentProfile>,
    pub intended: Option<&'a DeploymentProfile>,
}

/// Resolves a device's profile from the tenant's profiles and assignments.
pub fn resolve<'a>(
    device: &AutopilotDevice,
    profiles: &'a [DeploymentProfile],
    assignments: &[ProfileAssignment],
    now: OffsetDateTime,
    delay: time::Duration,
) -> DeviceProfile<'a> {
    let tag_group = (!device.group_tag.trim().is_empty())
        .then(|| group_id_for_tag(&device.group_tag).hyphenated().to_string());
    let matching = assignments.iter().find(|a| match &a.group_id {
        None => true,
        Some(g) => tag_group.as_deref() == Some(g.as_str()),
    });
    let Some(assignment) = matching else {
        return DeviceProfile {
            status: "notAssigned",
            assigned_at: None,
            profile: None,
            intended: None,
        };
    };
    let profile = profiles.iter().find(|p| p.id == assignment.profile_id);
    let due = device.created_at.max(assignment.created_at) + delay;
    if now >= due {
        DeviceProfile {
            status: "assignedInSync",
            assigned_at: Some(due),
            profile,
            intended: profile,
        }
    } else {
        DeviceProfile {
            status: "pending",
            assigned_at: None,
            profile: None,
            intended: profile,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_groups() {
        assert_eq!(
            profile_type("#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"),
            Some(PROFILE_TYPES[0])
        );
        assert_eq!(
            profile_type("activeDirectoryWindowsAutopilotDeploymentProfile"),
            Some(PROFILE_TYPES[1])
        );
        assert_eq!(
            profile_type("#microsoft.graph.windowsAutopilotDeploymentProfile"),
            None
        );
        assert_eq!(group_id_for_tag("Kiosk"), group_id_for_tag(" kiosk "));
        assert_ne!(group_id_for_tag("Kiosk"), group_id_for_tag("Sales"));
    }

    #[test]
    fn profile_bodies_are_checked() {
        assert!(properties(&json!({"displayName": "A"}), None).is_ok());
        assert!(properties(&json!({"description": "no name"}), None).is_err());
        assert!(
            properties(
                &json!({"displayName": "A", "deviceNameTemplate": "ABCDEFGHIJKLMNOP"}),
                None
            )
            .is_err()
        );
        let merged = properties(
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
