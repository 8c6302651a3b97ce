//! beta `windowsAutopilotDeploymentProfiles`: the two derived profile types (create, list,
//! get, update, delete) and their assignments (to all devices or to a group).

use autopilot_domain::profiles::{assignment_id, valid_assignment_id};
use autopilot_domain::{AddAssignment, DeploymentProfile, ProfileAssignment};
use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::Value;
use uuid::Uuid;

use crate::body;
use crate::error::GraphError;
use crate::respond::{self, key_or_404};
use crate::route::Profiles;
use crate::state::{AppState, Ctx};
use crate::wire::{self, assignment_json, profile_json};

const ENTITY: &str = "windowsAutopilotDeploymentProfile";
const ASSIGNMENT: &str = "windowsAutopilotDeploymentProfileAssignment";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Profiles,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Profiles::List, &Method::GET) => list(state, ctx).await,
        (Profiles::List, &Method::POST) => create(state, ctx, body).await,
        (Profiles::Item { key }, &Method::GET) => get(state, ctx, key).await,
        (Profiles::Item { key }, &Method::PATCH) => update(state, ctx, key, body).await,
        (Profiles::Item { key }, &Method::DELETE) => delete(state, ctx, key).await,
        (Profiles::Assignments { key }, &Method::GET) => list_assignments(state, ctx, key).await,
        (Profiles::AssignedDevices { key }, &Method::GET) => {
            assigned_devices(state, ctx, key).await
        }
        (Profiles::Assignments { key }, &Method::POST) => assign(state, ctx, key, body).await,
        (Profiles::AssignmentItem { key, assignment }, &Method::GET) => {
            get_assignment(state, ctx, key, assignment).await
        }
        (Profiles::AssignmentItem { key, assignment }, &Method::DELETE) => {
            unassign(state, ctx, key, assignment).await
        }
        _ => Err(super::not_allowed(ctx, method)),
    }
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let profiles = state.store.list_profiles(ctx.tenant()).await?;
    let value: Vec<Value> = profiles.iter().map(profile_json).collect();
    Ok(respond::collection(ctx, super::PROFILES, value))
}

async fn create(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let value = body::json(body)?;
    let kind = value
        .get("@odata.type")
        .and_then(Value::as_str)
        .and_then(wire::profile_type)
        .ok_or_else(|| {
            GraphError::bad_request(
                "A deployment profile needs '@odata.type': #microsoft.graph.azureADWindowsAutopilotDeploymentProfile or #microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile.",
            )
        })?;
    let now = state.clock.now();
    let profile = DeploymentProfile {
        id: Uuid::now_v7(),
        odata_type: kind.to_owned(),
        properties: wire::profile_properties(&value, None)?,
        created_at: now,
        modified_at: now,
    };
    state.store.put_profile(ctx.tenant(), &profile).await?;
    Ok(respond::created(
        ctx,
        super::PROFILES,
        profile.id,
        profile_json(&profile),
    ))
}

/// The profile `key` names, else 404.
async fn find(state: &AppState, ctx: &Ctx, key: &str) -> Result<DeploymentProfile, GraphError> {
    let id = key_or_404(key, ENTITY)?;
    state
        .store
        .list_profiles(ctx.tenant())
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| GraphError::not_found(ENTITY, key))
}

async fn get(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let profile = find(state, ctx, key).await?;
    Ok(respond::single(
        ctx,
        super::PROFILES,
        profile_json(&profile),
    ))
}

async fn update(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let mut profile = find(state, ctx, key).await?;
    let value = body::json(body)?;
    if let Some(t) = value.get("@odata.type").and_then(Value::as_str)
        && wire::profile_type(t) != Some(profile.odata_type.as_str())
    {
        return Err(GraphError::bad_request(
            "A profile's @odata.type cannot change.",
        ));
    }
    profile.properties = wire::profile_properties(&value, Some(&profile.properties))?;
    profile.modified_at = state.clock.now();
    state.store.put_profile(ctx.tenant(), &profile).await?;
    Ok(respond::single(
        ctx,
        super::PROFILES,
        profile_json(&profile),
    ))
}

async fn delete(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let id = key_or_404(key, ENTITY)?;
    let found = state.store.delete_profile(ctx.tenant(), id).await?;
    respond::no_content_or_404(found, key, ENTITY)
}

/// `{profiles}('{id}')/assignments`, as contexts name it.
fn assignments_set(profile: &DeploymentProfile) -> String {
    format!("{}('{}')/assignments", super::PROFILES, profile.id)
}

/// The profile's assignments.
async fn assignments_of(
    state: &AppState,
    ctx: &Ctx,
    profile: &DeploymentProfile,
) -> Result<Vec<ProfileAssignment>, GraphError> {
    let mut all = state.store.list_assignments(ctx.tenant()).await?;
    all.retain(|a| a.profile_id == profile.id);
    Ok(all)
}

async fn list_assignments(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let profile = find(state, ctx, key).await?;
    let value: Vec<Value> = assignments_of(state, ctx, &profile)
        .await?
        .iter()
        .map(assignment_json)
        .collect();
    Ok(respond::collection(ctx, &assignments_set(&profile), value))
}

async fn assign(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let profile = find(state, ctx, key).await?;
    let value = body::json(body)?;
    let group_id = wire::assignment_target(&value)?;
    // Graph keeps the id a client gives (the module sends Intune's own form); else Intune's.
    let id = match value.get("id") {
        None | Some(Value::Null) => assignment_id(profile.id, group_id.as_deref()),
        Some(Value::String(id)) if valid_assignment_id(id) => id.clone(),
        Some(_) => {
            return Err(GraphError::bad_request(
                "The assignment 'id' must be a string of 1 to 200 characters without spaces, '/', quotes, '?', '#', parentheses or '%'.",
            ));
        }
    };
    let assignment = ProfileAssignment {
        id,
        profile_id: profile.id,
        group_id,
        created_at: state.clock.now(),
    };
    match state
        .store
        .add_assignment(ctx.tenant(), &assignment)
        .await?
    {
        AddAssignment::Added => {}
        AddAssignment::NoProfile => return Err(GraphError::not_found(ENTITY, key)),
        AddAssignment::IdTaken => {
            return Err(GraphError::Conflict(format!(
                "The profile assignment '{}' exists already; delete it first to assign again.",
                assignment.id
            )));
        }
    }
    Ok(respond::single_with(
        ctx,
        StatusCode::CREATED,
        &assignments_set(&profile),
        assignment_json(&assignment),
    ))
}

async fn get_assignment(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    assignment: &str,
) -> Result<Response, GraphError> {
    let profile = find(state, ctx, key).await?;
    let found = assignments_of(state, ctx, &profile)
        .await?
        .into_iter()
        .find(|a| a.id.eq_ignore_ascii_case(assignment.trim()))
        .ok_or_else(|| GraphError::not_found(ASSIGNMENT, assignment))?;
    Ok(respond::single(
        ctx,
        &assignments_set(&profile),
        assignment_json(&found),
    ))
}

async fn unassign(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    assignment: &str,
) -> Result<Response, GraphError> {
    let profile = find(state, ctx, key).await?;
    let id = assignments_of(state, ctx, &profile)
        .await?
        .into_iter()
        .find(|a| a.id.eq_ignore_ascii_case(assignment.trim()))
        .map(|a| a.id);
    let found = match id {
        Some(id) => {
            let tenant = ctx.tenant();
            state
                .store
                .delete_assignment(tenant, profile.id, &id)
                .await?
        }
        None => false,
    };
    respond::no_content_or_404(found, assignment, ASSIGNMENT)
}

/// `Get-AutopilotProfileAssignedDevice`: the devices the profile is assigned (or pending) to.
async fn assigned_devices(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let profile = find(state, ctx, key).await?;
    let devices = super::devices::assigned_to(state, ctx, profile.id).await?;
    let set = format!("{}('{}')/assignedDevices", super::PROFILES, profile.id);
    Ok(respond::collection(ctx, &set, devices))
}
