//! The bound actions on one registered device: `assignUserToDevice`,
//! `unassignUserFromDevice`, `updateDeviceProperties` (4 parameters on v1.0, 7 on beta), and
//! beta's `allowNextEnrollment`, `assignResourceAccountToDevice` and
//! `unassignResourceAccountFromDevice`. Each answers 204; only the parameters given change.

use autopilot_domain::{DevicePatch, UserKey, UserlessEnrollmentStatus};
use axum::response::Response;
use serde_json::Value;

use crate::body;
use crate::error::GraphError;
use crate::respond;
use crate::route::Version;
use crate::state::{AppState, Ctx};

/// The parameters an action takes, by version.
fn action_parameters(action: &str, version: Version) -> &'static [&'static str] {
    match (action, version) {
        ("assignUserToDevice", _) => &["userPrincipalName", "addressableUserName"],
        ("updateDeviceProperties", Version::V1) => &[
            "userPrincipalName",
            "addressableUserName",
            "groupTag",
            "displayName",
        ],
        ("updateDeviceProperties", Version::Beta) => &[
            "userPrincipalName",
            "addressableUserName",
            "groupTag",
            "displayName",
            "deviceAccountUpn",
            "deviceAccountPassword",
            "deviceFriendlyName",
        ],
        ("assignResourceAccountToDevice", _) => &[
            "userPrincipalName",
            "addressableUserName",
            "resourceAccountName",
        ],
        _ => &[],
    }
}

/// An action's parameters: each a string (or null, read as ""), each one the action takes.
fn action_arguments(
    action: &str,
    version: Version,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, GraphError> {
    if body::is_blank(body) {
        return Ok(Vec::new());
    }
    let Value::Object(object) = body::json(body)? else {
        return Err(GraphError::bad_request(format!(
            "The body of '{action}' must be an object of its parameters."
        )));
    };
    let allowed = action_parameters(action, version);
    let mut out = Vec::new();
    for (name, value) in &object {
        if name.starts_with('@') {
            continue;
        }
        let Some(param) = allowed.iter().find(|p| p.eq_ignore_ascii_case(name)) else {
            return Err(GraphError::bad_request(format!(
                "The parameter '{name}' is not in scope of the action '{action}' in {}.",
                version.as_str()
            )));
        };
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            _ => {
                return Err(GraphError::bad_request(format!(
                    "The parameter '{param}' of '{action}' must be a string."
                )));
            }
        };
        out.push((*param, text));
    }
    Ok(out)
}

fn looks_like_upn(upn: &str) -> bool {
    matches!(upn.split_once('@'), Some((user, domain)) if !user.is_empty() && domain.contains('.') && !upn.contains(' '))
}

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    action: &'static str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let args = action_arguments(action, ctx.target.version, body)?;
    let arg = |name: &str| {
        args.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let mut patch = DevicePatch::default();
    match action {
        "assignUserToDevice" => {
            let upn = arg("userPrincipalName").unwrap_or_default();
            if !looks_like_upn(&upn) {
                return Err(GraphError::bad_request(format!(
                    "assignUserToDevice needs a userPrincipalName like user@contoso.com, not '{upn}'."
                )));
            }
            patch.user_principal_name = Some(upn);
            patch.addressable_user_name = Some(arg("addressableUserName").unwrap_or_default());
        }
        "unassignUserFromDevice" => {
            patch.user_principal_name = Some(String::new());
            patch.addressable_user_name = Some(String::new());
        }
        "updateDeviceProperties" => {
            if let Some(upn) = arg("userPrincipalName")
                && !upn.is_empty()
                && !looks_like_upn(&upn)
            {
                return Err(GraphError::bad_request(format!(
                    "userPrincipalName must look like user@contoso.com, not '{upn}'."
                )));
            }
            patch.user_principal_name = arg("userPrincipalName");
            patch.addressable_user_name = arg("addressableUserName");
            patch.group_tag = arg("groupTag");
            patch.display_name = arg("displayName");
            patch.device_account_upn = arg("deviceAccountUpn");
            patch.device_account_password = arg("deviceAccountPassword");
            patch.device_friendly_name = arg("deviceFriendlyName");
        }
        "allowNextEnrollment" => {
            patch.userless_enrollment_status = Some(UserlessEnrollmentStatus::Allowed);
        }
        "assignResourceAccountToDevice" => {
            let name = arg("resourceAccountName").unwrap_or_default();
            if name.trim().is_empty() {
                return Err(GraphError::bad_request(
                    "assignResourceAccountToDevice needs a resourceAccountName.",
                ));
            }
            patch.resource_name = Some(name);
            patch.user_principal_name = arg("userPrincipalName");
            patch.addressable_user_name = arg("addressableUserName");
        }
        "unassignResourceAccountFromDevice" => patch.resource_name = Some(String::new()),
        _ => return Err(GraphError::segment_not_found(action)),
    }
    let id = respond::key_or_404(key, "windowsAutopilotDeviceIdentity")?;
    if matches!(action, "assignUserToDevice" | "updateDeviceProperties") {
        check_user(state, ctx, id, key, patch.user_principal_name.as_deref()).await?;
    }
    let now = state.clock.now();
    let found = state
        .store
        .update_device(ctx.tenant(), id, &patch, now)
        .await?;
    // The Entra object's name and physical ids followed; dynamic groups look again.
    if found && (patch.group_tag.is_some() || patch.display_name.is_some()) {
        state.wake.wake();
    }
    respond::no_content_or_404(found, key, "windowsAutopilotDeviceIdentity")
}

/// Intune assigns only a user of the tenant's directory: an unknown one is a 400 (for a device
/// that exists; an unknown device stays a 404).
async fn check_user(
    state: &AppState,
    ctx: &Ctx,
    device: uuid::Uuid,
    key: &str,
    upn: Option<&str>,
) -> Result<(), GraphError> {
    let Some(upn) = upn.filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let tenant = ctx.tenant();
    if state.store.get_device(tenant, device).await?.is_none() {
        return Err(GraphError::not_found("windowsAutopilotDeviceIdentity", key));
    }
    let user = UserKey::Upn(upn.to_owned());
    if state.store.get_user(tenant, &user).await?.is_none() {
        return Err(GraphError::bad_request(format!(
            "The user '{upn}' was not found in the tenant's directory. Assign a user that exists (POST /users, or autopilot-graph user add)."
        )));
    }
    Ok(())
}
