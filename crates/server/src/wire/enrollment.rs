//! Enrollment Status Page configurations on the wire, and the bodies of create, update,
//! `assign` and `setPriority`. The module's cmdlets interpolate PowerShell values into a
//! JSON text, so booleans come as `"True"`/`"False"` and the timeout as `"60"`: those are
//! read as the boolean and number they stand for.

use autopilot_domain::enrollment::{AssignmentTarget, EnrollmentConfiguration};
use autopilot_odata::{EntityType, entity};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::object::member;
use super::shape::{Described, WireValue, described_serialize};
use crate::error::GraphError;

const TYPE: &str = "microsoft.graph.windows10EnrollmentCompletionPageConfiguration";
/// The `@odata.type` every item carries (the module keeps the items that have it).
pub const ODATA_TYPE: &str = "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration";
/// The longest `customErrorMessage` Graph takes.
const MESSAGE_MAX: usize = 10_000;

/// A configuration on the wire, as its description orders it.
#[derive(Debug)]
pub struct EnrollmentWire<'a>(pub &'a EnrollmentConfiguration);

impl Described for EnrollmentWire<'_> {
    const ENTITY: &'static EntityType = &entity::ENROLLMENT_CONFIGURATION;

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Bool, Int, Owned, Str, Strings, Time};
        let c = self.0;
        let p = &c.page;
        Some(match property {
            "id" => Owned(c.id()),
            "displayName" => Str(&c.display_name),
            "description" => Str(&c.description),
            "priority" => Int(c.priority),
            "createdDateTime" => Time(c.created_at),
            "lastModifiedDateTime" => Time(Some(c.modified_at)),
            "version" => Int(c.version),
            "roleScopeTagIds" => Strings(&c.role_scope_tag_ids),
            "deviceEnrollmentConfigurationType" => {
                Str("windows10EnrollmentCompletionPageConfiguration")
            }
            "showInstallationProgress" => Bool(p.show_installation_progress),
            "blockDeviceSetupRetryByUser" => Bool(p.block_device_setup_retry_by_user),
            "allowDeviceResetOnInstallFailure" => Bool(p.allow_device_reset_on_install_failure),
            "allowLogCollectionOnInstallFailure" => Bool(p.allow_log_collection_on_install_failure),
            "customErrorMessage" => Str(&p.custom_error_message),
            "installProgressTimeoutInMinutes" => Int(p.install_progress_timeout_in_minutes),
            "allowDeviceUseOnInstallFailure" => Bool(p.allow_device_use_on_install_failure),
            "selectedMobileAppIds" => Strings(&p.selected_mobile_app_ids),
            "allowNonBlockingAppInstallation" => Bool(p.allow_non_blocking_app_installation),
            "installQualityUpdates" => Bool(p.install_quality_updates),
            "trackInstallProgressForAutopilotOnly" => {
                Bool(p.track_install_progress_for_autopilot_only)
            }
            "disableUserStatusTrackingAfterFirstUser" => {
                Bool(p.disable_user_status_tracking_after_first_user)
            }
            _ => return None,
        })
    }
}

described_serialize!(EnrollmentWire);

/// A configuration as JSON with its `@odata.type` first and, when `expanded`, its
/// `assignments`.
pub fn enrollment_json(c: &EnrollmentConfiguration, expanded: bool) -> Value {
    let mut object = Map::new();
    object.insert("@odata.type".into(), Value::from(ODATA_TYPE));
    if let Ok(Value::Object(members)) = serde_json::to_value(EnrollmentWire(c)) {
        object.extend(members);
    }
    if expanded {
        let assignments = c
            .assignments
            .iter()
            .map(|t| enrollment_assignment_json(c, t))
            .collect();
        object.insert("assignments".into(), Value::Array(assignments));
    }
    Value::Object(object)
}

/// One `enrollmentConfigurationAssignment`: its Intune id, its target, and its source.
pub fn enrollment_assignment_json(c: &EnrollmentConfiguration, t: &AssignmentTarget) -> Value {
    let (kind, group) = match t {
        AssignmentTarget::Group(id) => ("groupAssignmentTarget", Some(id.as_str())),
        AssignmentTarget::AllDevices => ("allDevicesAssignmentTarget", None),
        AssignmentTarget::AllLicensedUsers => ("allLicensedUsersAssignmentTarget", None),
    };
    let mut target = json!({
        "@odata.type": format!("#microsoft.graph.{kind}"),
        "deviceAndAppManagementAssignmentFilterId": null,
        "deviceAndAppManagementAssignmentFilterType": "none",
    });
    if let (Some(group), Value::Object(o)) = (group, &mut target) {
        o.insert("groupId".into(), Value::from(group));
    }
    json!({
        "id": t.assignment_id(c.guid),
        "target": target,
        "source": "direct",
        "sourceId": c.id(),
    })
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::bad_request(message)
}

/// A Boolean, or the text PowerShell makes of one.
fn lenient_bool(name: &str, v: &Value) -> Result<bool, GraphError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(bad(format!(
            "Cannot convert the literal '{}' to the expected type 'Edm.Boolean' of '{name}'.",
            literal(v)
        ))),
    }
}

/// An Int32, or its digits as text.
fn lenient_int(name: &str, v: &Value) -> Result<i32, GraphError> {
    let n = match v {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => s.trim().parse::<i32>().ok(),
        _ => None,
    };
    n.ok_or_else(|| {
        bad(format!(
            "Cannot convert the literal '{}' to the expected type 'Edm.Int32' of '{name}'.",
            literal(v)
        ))
    })
}

fn literal(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn string(name: &str, v: &Value) -> Result<String, GraphError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        other => Err(bad(format!(
            "Cannot convert the literal '{}' to the expected type 'Edm.String' of '{name}'.",
            literal(other)
        ))),
    }
}

fn strings(name: &str, v: &Value) -> Result<Vec<String>, GraphError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(|i| string(name, i)).collect(),
        _ => Err(bad(format!(
            "'{name}' must be a collection of strings (Collection(Edm.String))."
        ))),
    }
}

/// Reads a create (`existing` `None`) or update body onto a configuration: an update keeps
/// what the body does not name. Properties the server sets (`id`, `priority`, dates,
/// `version`, the type) are taken and ignored, as Intune ignores them.
pub fn parse_enrollment(
    body: &Value,
    existing: Option<&EnrollmentConfiguration>,
    fresh: EnrollmentConfiguration,
) -> Result<EnrollmentConfiguration, GraphError> {
    let Value::Object(object) = body else {
        return Err(bad(
            "The body must be a windows10EnrollmentCompletionPageConfiguration object.",
        ));
    };
    match member(object, "@odata.type") {
        Some(Value::String(t)) => {
            let t = t.trim().trim_start_matches('#');
            if !(t.eq_ignore_ascii_case(TYPE)
                || t.eq_ignore_ascii_case("windows10EnrollmentCompletionPageConfiguration"))
            {
                return Err(bad(format!(
                    "The type '{t}' is not served here: only '{ODATA_TYPE}' (the Enrollment Status Page) is."
                )));
            }
        }
        None | Some(Value::Null) if existing.is_some() => {}
        None | Some(Value::Null) => {
            return Err(bad(format!(
                "deviceEnrollmentConfiguration is abstract: give the body's @odata.type ('{ODATA_TYPE}')."
            )));
        }
        Some(_) => return Err(bad("@odata.type must be a string.")),
    }
    let mut c = existing.cloned().unwrap_or(fresh);
    let p = &mut c.page;
    for (name, value) in object {
        if name.starts_with('@') || name.contains("@odata.") {
            continue;
        }
        let n = |k: &str| name.eq_ignore_ascii_case(k);
        if n("displayName") {
            c.display_name = string(name, value)?;
        } else if n("description") {
            c.description = string(name, value)?;
        } else if n("roleScopeTagIds") {
            c.role_scope_tag_ids = strings(name, value)?;
        } else if n("showInstallationProgress") {
            p.show_installation_progress = lenient_bool(name, value)?;
        } else if n("blockDeviceSetupRetryByUser") {
            p.block_device_setup_retry_by_user = lenient_bool(name, value)?;
        } else if n("allowDeviceResetOnInstallFailure") {
            p.allow_device_reset_on_install_failure = lenient_bool(name, value)?;
        } else if n("allowLogCollectionOnInstallFailure") {
            p.allow_log_collection_on_install_failure = lenient_bool(name, value)?;
        } else if n("customErrorMessage") {
            p.custom_error_message = string(name, value)?;
        } else if n("installProgressTimeoutInMinutes") {
            p.install_progress_timeout_in_minutes = lenient_int(name, value)?;
        } else if n("allowDeviceUseOnInstallFailure") {
            p.allow_device_use_on_install_failure = lenient_bool(name, value)?;
        } else if n("selectedMobileAppIds") {
            p.selected_mobile_app_ids = strings(name, value)?;
        } else if n("allowNonBlockingAppInstallation") {
            p.allow_non_blocking_app_installation = lenient_bool(name, value)?;
        } else if n("installQualityUpdates") {
            p.install_quality_updates = lenient_bool(name, value)?;
        } else if n("trackInstallProgressForAutopilotOnly") {
            p.track_install_progress_for_autopilot_only = lenient_bool(name, value)?;
        } else if n("disableUserStatusTrackingAfterFirstUser") {
            p.disable_user_status_tracking_after_first_user = lenient_bool(name, value)?;
        } else if [
            "id",
            "priority",
            "createdDateTime",
            "lastModifiedDateTime",
            "version",
            "deviceEnrollmentConfigurationType",
            "assignments",
        ]
        .iter()
        .any(|k| n(k))
        {
        } else {
            return Err(bad(format!(
                "The property '{name}' does not exist on type '{TYPE}'. Make sure to only use property names that are defined by the type."
            )));
        }
    }
    if existing.is_none() && c.display_name.trim().is_empty() {
        return Err(bad(
            "A value is required for property 'displayName' of an Enrollment Status Page configuration.",
        ));
    }
    if c.page.custom_error_message.chars().count() > MESSAGE_MAX {
        return Err(bad(format!(
            "customErrorMessage is longer than {MESSAGE_MAX} characters."
        )));
    }
    if c.page.install_progress_timeout_in_minutes < 0 {
        return Err(bad("installProgressTimeoutInMinutes cannot be negative."));
    }
    for id in &c.page.selected_mobile_app_ids {
        if Uuid::try_parse(id.trim()).is_err() {
            return Err(bad(format!(
                "'{id}' in selectedMobileAppIds is not an app id (a GUID)."
            )));
        }
    }
    Ok(c)
}

/// The body of `assign`: `enrollmentConfigurationAssignments`, each with a target (a group,
/// all devices, or all licensed users).
pub fn parse_assign(body: &Value) -> Result<Vec<AssignmentTarget>, GraphError> {
    let object = body
        .as_object()
        .ok_or_else(|| bad("The body of 'assign' must be an object of its parameters."))?;
    let list = match member(object, "enrollmentConfigurationAssignments") {
        Some(Value::Array(list)) => list,
        Some(Value::Null) | None => {
            return Err(bad(
                "The parameter 'enrollmentConfigurationAssignments' of 'assign' is required.",
            ));
        }
        Some(_) => {
            return Err(bad(
                "The parameter 'enrollmentConfigurationAssignments' must be a collection.",
            ));
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("enrollmentConfigurationAssignments[{i}]");
            let target = item
                .as_object()
                .and_then(|o| member(o, "target"))
                .and_then(Value::as_object)
                .ok_or_else(|| bad(format!("{at} needs a 'target' object.")))?;
            let kind = match member(target, "@odata.type") {
                Some(Value::String(t)) => t
                    .trim()
                    .trim_start_matches('#')
                    .trim_start_matches("microsoft.graph.")
                    .to_owned(),
                _ => String::new(),
            };
            if kind.eq_ignore_ascii_case("allDevicesAssignmentTarget") {
                Ok(AssignmentTarget::AllDevices)
            } else if kind.eq_ignore_ascii_case("allLicensedUsersAssignmentTarget") {
                Ok(AssignmentTarget::AllLicensedUsers)
            } else if kind.eq_ignore_ascii_case("groupAssignmentTarget") {
                let group = member(target, "groupId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Uuid::try_parse(group.trim())
                    .map(|g| AssignmentTarget::Group(g.hyphenated().to_string()))
                    .map_err(|_| bad(format!("{at}: '{group}' is not a group id (a GUID).")))
            } else {
                Err(bad(format!(
                    "{at}: the target must be a #microsoft.graph.groupAssignmentTarget, \
                     #microsoft.graph.allDevicesAssignmentTarget or \
                     #microsoft.graph.allLicensedUsersAssignmentTarget (an Enrollment Status \
                     Page takes no exclusions)."
                )))
            }
        })
        .collect()
}

/// The body of `setPriority`: `{"priority": n}`.
pub fn parse_priority(body: &Value) -> Result<i32, GraphError> {
    let object = body
        .as_object()
        .ok_or_else(|| bad("The body of 'setPriority' must be an object of its parameters."))?;
    match member(object, "priority") {
        None | Some(Value::Null) => Err(bad(
            "The parameter 'priority' of 'setPriority' is required.",
        )),
        Some(v) => lenient_int("priority", v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autopilot_domain::TenantId;

    fn fresh() -> EnrollmentConfiguration {
        let mut c = EnrollmentConfiguration::default_for(
            &TenantId::new("t"),
            time::macros::datetime!(2026-12-07 10:00 UTC),
        );
        c.is_default = false;
        c.display_name.clear();
        c.page = Default::default();
        c
    }

    #[test]
    fn the_modules_add_body_is_read_as_it_means() {
        let body = crate::lenient_json::parse(
            br##"{
    "@odata.type": "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
    "displayName": "Lab ESP",
    "description": "",
    "showInstallationProgress": "True",
    "blockDeviceSetupRetryByUser": "True",
    "allowDeviceResetOnInstallFailure": "False",
    "allowLogCollectionOnInstallFailure": "False",
    "customErrorMessage": "",
    "installProgressTimeoutInMinutes": "60",
    "allowDeviceUseOnInstallFailure": "False",
}"##,
        )
        .unwrap();
        let c = parse_enrollment(&body, None, fresh()).unwrap();
        assert_eq!(c.display_name, "Lab ESP");
        assert!(c.page.show_installation_progress && c.page.block_device_setup_retry_by_user);
        assert_eq!(c.page.install_progress_timeout_in_minutes, 60);
        let v = enrollment_json(&c, true);
        assert_eq!(v["@odata.type"], ODATA_TYPE);
        assert_eq!(v["assignments"], json!([]));
        crate::wire::shape::assert_complete(&EnrollmentWire(&c));
    }

    #[test]
    fn bad_bodies_are_refused() {
        for body in [
            json!({"displayName": "no type"}),
            json!({"@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration", "displayName": "x"}),
            json!({"@odata.type": ODATA_TYPE}),
            json!({"@odata.type": ODATA_TYPE, "displayName": "x", "showInstallationProgress": "yes"}),
            json!({"@odata.type": ODATA_TYPE, "displayName": "x", "installProgressTimeoutInMinutes": "sixty"}),
            json!({"@odata.type": ODATA_TYPE, "displayName": "x", "installProgressTimeoutInMinutes": -1}),
            json!({"@odata.type": ODATA_TYPE, "displayName": "x", "selectedMobileAppIds": ["not-a-guid"]}),
            json!({"@odata.type": ODATA_TYPE, "displayName": "x", "colour": "blue"}),
            json!([1]),
        ] {
            assert!(parse_enrollment(&body, None, fresh()).is_err(), "{body}");
        }
        assert!(parse_assign(&json!({"enrollmentConfigurationAssignments": [{"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": Uuid::nil()}}]})).is_err());
        assert!(parse_assign(&json!({})).is_err());
        assert_eq!(parse_priority(&json!({"priority": "3"})).unwrap(), 3);
        assert!(parse_priority(&json!({"priority": 1.5})).is_err());
    }
}
