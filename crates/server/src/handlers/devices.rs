//! `windowsAutopilotDeviceIdentities`: registered devices. List, get, delete, `$count`,
//! `deleteDevices`, and beta's deployment-profile navigations. The bound actions on one
//! device are `actions.rs`'s.

use autopilot_domain::profiles::resolve;
use autopilot_domain::{AutopilotDevice, DeploymentProfile, ProfileAssignment};
use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;
use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::body;
use crate::error::GraphError;
use crate::respond::{self, key_or_404};
use crate::route::{Devices, Version};
use crate::state::{AppState, Ctx};
use crate::wire::{self, DeviceWire};

const ENTITY: &str = "windowsAutopilotDeviceIdentity";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Devices,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Devices::List, &Method::GET) => list(state, ctx).await,
        (Devices::Item { key }, &Method::GET) => get(state, ctx, key).await,
        (Devices::Item { key }, &Method::DELETE) => delete(state, ctx, key).await,
        (Devices::Count, &Method::GET) => count(state, ctx).await,
        (Devices::Action { key, action }, &Method::POST) => {
            super::actions::call(state, ctx, key, action, body).await
        }
        (Devices::DeleteDevices, &Method::POST) => delete_devices(state, ctx, body).await,
        (Devices::ProfileNav { key, intended }, &Method::GET) => {
            profile_nav(state, ctx, key, *intended).await
        }
        _ => Err(super::not_allowed(ctx, method)),
    }
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = respond::page_always_counted(
        ctx,
        "devices",
        |request| store.list_devices(tenant, request),
        store.count_devices(tenant, ctx.options.filter.as_ref()),
    )
    .await?;
    let (set, e) = (super::DEVICES, &entity::AUTOPILOT_DEVICE);
    Ok(match ctx.target.version {
        Version::V1 => {
            let shaped = respond::map_page(&page, |d| DeviceWire::new(d, Version::V1));
            respond::list(ctx, e, set, "devices", shaped, count)
        }
        Version::Beta => {
            let profiles = ProfileContext::load(state, ctx, &page.items).await?;
            let shaped = respond::map_page(&page, |d| profiles.beta_device(state, ctx, d));
            respond::list(ctx, e, set, "devices", shaped, count)
        }
    })
}

async fn get(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let device = find(state, ctx, key).await?;
    let (set, e) = (super::DEVICES, &entity::AUTOPILOT_DEVICE);
    Ok(match ctx.target.version {
        Version::V1 => respond::entity(ctx, e, set, &DeviceWire::new(&device, Version::V1)),
        Version::Beta => {
            let profiles = ProfileContext::load(state, ctx, std::slice::from_ref(&device)).await?;
            respond::entity(ctx, e, set, &profiles.beta_device(state, ctx, &device))
        }
    })
}

/// The registered device `key` names, else 404.
async fn find(state: &AppState, ctx: &Ctx, key: &str) -> Result<AutopilotDevice, GraphError> {
    let id = key_or_404(key, ENTITY)?;
    state
        .store
        .get_device(ctx.tenant(), id)
        .await?
        .ok_or_else(|| GraphError::not_found(ENTITY, key))
}

async fn delete(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    // Intune answers a delete of an unknown device with 400 and this message.
    let missing = || {
        GraphError::bad_request(format!(
            "Cannot find device with ztd Id {key} and accountId {} to delete",
            ctx.tenant()
        ))
    };
    let id = Uuid::parse_str(key.trim()).map_err(|_| missing())?;
    if state.store.delete_device(ctx.tenant(), id).await? {
        Ok(respond::no_content())
    } else {
        Err(missing())
    }
}

async fn count(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let n = state
        .store
        .count_devices(ctx.tenant(), ctx.options.filter.as_ref())
        .await?;
    Ok(respond::text(n.to_string()))
}

async fn delete_devices(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let value = body::json(body)?;
    let serials = match value
        .get("serialNumbers")
        .or_else(|| value.get("SerialNumbers"))
    {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    GraphError::bad_request(format!("serialNumbers[{i}] must be a string."))
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(GraphError::bad_request(
                "deleteDevices needs a non-empty 'serialNumbers' array.",
            ));
        }
    };
    if serials.len() > 1000 {
        return Err(GraphError::bad_request(
            "deleteDevices takes at most 1000 serial numbers per request.",
        ));
    }
    let results = state
        .store
        .delete_devices_by_serial(ctx.tenant(), &serials)
        .await?;
    let value: Vec<Value> = results.iter().map(wire::deleted_device).collect();
    Ok(respond::collection(
        ctx,
        "Collection(microsoft.graph.deletedWindowsAutopilotDeviceState)",
        value,
    ))
}

/// beta `{id}/deploymentProfile` and `{id}/intendedDeploymentProfile`.
async fn profile_nav(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    intended: bool,
) -> Result<Response, GraphError> {
    let nav = if intended {
        "intendedDeploymentProfile"
    } else {
        "deploymentProfile"
    };
    let device = find(state, ctx, key).await?;
    let profiles = ProfileContext::load(state, ctx, std::slice::from_ref(&device)).await?;
    let resolved = profiles.resolve(state, &device);
    let profile = if intended {
        resolved.intended
    } else {
        resolved.profile
    };
    match profile {
        Some(p) => {
            let set = format!("{}('{}')/{nav}", super::DEVICES, device.id);
            Ok(respond::single(ctx, &set, wire::profile_json(p)))
        }
        None => Err(GraphError::NotFound(format!("The device has no {nav}."))),
    }
}

/// The registered devices (beta, as JSON) whose profile, assigned or intended, is `profile`,
/// in id order: every device of the tenant is resolved, a page of 1000 at a time.
pub(super) async fn assigned_to(
    state: &AppState,
    ctx: &Ctx,
    profile: Uuid,
) -> Result<Vec<Value>, GraphError> {
    let mut out = Vec::new();
    let mut request = autopilot_domain::PageRequest::first(1000);
    loop {
        let page = state
            .store
            .list_devices(ctx.tenant(), request.clone())
            .await?;
        let profiles = ProfileContext::load(state, ctx, &page.items).await?;
        for device in &page.items {
            let intended = profiles.resolve(state, device).intended;
            if intended.is_some_and(|p| p.id == profile) {
                out.push(profiles.beta_device(state, ctx, device));
            }
        }
        match page.next {
            Some(cursor) => request.after = Some(cursor),
            None => return Ok(out),
        }
    }
}

/// The tenant's profiles and assignments (few), and the groups of the devices at hand, for
/// resolving devices' profiles.
struct ProfileContext {
    profiles: Vec<DeploymentProfile>,
    assignments: Vec<ProfileAssignment>,
    /// Autopilot device id to its Entra groups and when it joined each.
    groups: HashMap<Uuid, Vec<(Uuid, OffsetDateTime)>>,
    /// How long an assignment takes in the tenant.
    delay: time::Duration,
    /// The tenant (its GUID), for the scenarios' profile rules.
    tenant: String,
}

impl ProfileContext {
    async fn load(
        state: &AppState,
        ctx: &Ctx,
        devices: &[AutopilotDevice],
    ) -> Result<Self, GraphError> {
        let assignments = state.store.list_assignments(ctx.tenant()).await?;
        if assignments.is_empty() {
            return Ok(ProfileContext {
                profiles: Vec::new(),
                assignments,
                groups: HashMap::new(),
                delay: state.profile_assignment_delay(ctx.tenant()),
                tenant: ctx.tenant().as_str().to_owned(),
            });
        }
        let profiles = state.store.list_profiles(ctx.tenant()).await?;
        let ids: Vec<Uuid> = devices.iter().map(|d| d.id).collect();
        let mut groups: HashMap<Uuid, Vec<(Uuid, OffsetDateTime)>> = HashMap::new();
        for (device, group, joined) in state
            .store
            .groups_of_autopilot_devices(ctx.tenant(), &ids)
            .await?
        {
            groups.entry(device).or_default().push((group, joined));
        }
        Ok(ProfileContext {
            profiles,
            assignments,
            groups,
            delay: state.profile_assignment_delay(ctx.tenant()),
            tenant: ctx.tenant().as_str().to_owned(),
        })
    }

    fn resolve(
        &self,
        state: &AppState,
        device: &AutopilotDevice,
    ) -> autopilot_domain::profiles::DeviceProfile<'_> {
        let groups = self.groups.get(&device.id).map_or(&[][..], Vec::as_slice);
        let resolved = resolve(
            device,
            groups,
            &self.profiles,
            &self.assignments,
            state.clock.now(),
            self.delay,
        );
        // A scenario may keep a device's assignment pending, or fail it.
        if resolved.intended.is_none() {
            return resolved;
        }
        match state.scenarios.profile_effect(&self.tenant, device) {
            Some(effect) => autopilot_domain::profiles::DeviceProfile {
                status: match effect {
                    autopilot_scenario::ProfileEffect::Pending => "pending",
                    autopilot_scenario::ProfileEffect::Failed => "failed",
                },
                assigned_at: None,
                profile: None,
                intended: resolved.intended,
            },
            None => resolved,
        }
    }

    /// A beta device as JSON: its profile standing, and `$expand`ed profile navigations.
    fn beta_device(&self, state: &AppState, ctx: &Ctx, device: &AutopilotDevice) -> Value {
        let resolved = self.resolve(state, device);
        let wire = DeviceWire::new(device, Version::Beta)
            .with_profile(resolved.status, resolved.assigned_at);
        let mut value = serde_json::to_value(&wire).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            for p in &ctx.options.expand {
                let name = p.name();
                let (key, profile) = if name.eq_ignore_ascii_case("deploymentProfile") {
                    ("deploymentProfile", resolved.profile)
                } else if name.eq_ignore_ascii_case("intendedDeploymentProfile") {
                    ("intendedDeploymentProfile", resolved.intended)
                } else {
                    continue;
                };
                map.insert(
                    key.to_owned(),
                    profile.map_or(Value::Null, wire::profile_json),
                );
            }
        }
        value
    }
}
