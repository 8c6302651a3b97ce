//! Entra ID device objects (`/devices`): list with `$filter` (including `physicalIds/any(...)`),
//! `$search` and `$count` under Entra's advanced-query rules, get by id or `deviceId`, delete.

use autopilot_domain::DirectoryKey;
use autopilot_odata::entity;
use axum::http::Method;
use axum::response::Response;
use uuid::Uuid;

use crate::error::GraphError;
use crate::respond;
use crate::route::{DeviceRef, Directory};
use crate::state::{AppState, Ctx};
use crate::wire;

/// The entity set, as `@odata.context` names it.
const SET: &str = "devices";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Directory,
    method: &Method,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Directory::Devices, &Method::GET) => list(state, ctx).await,
        (Directory::DevicesCount, &Method::GET) => count(state, ctx).await,
        (Directory::Device { key }, &Method::GET) => get(state, ctx, key).await,
        (Directory::Device { key }, &Method::DELETE) => delete(state, ctx, key).await,
        (Directory::MemberOf { key, .. }, &Method::GET) => member_of(state, ctx, key).await,
        _ => Err(super::not_allowed(ctx, method)),
    }
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let e = &entity::DIRECTORY_DEVICE;
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = super::entra::page(
        ctx,
        e,
        SET,
        |request| store.list_directory_devices(tenant, request),
        |filter| async move { store.count_directory_devices(tenant, filter.as_ref()).await },
    )
    .await?;
    let version = ctx.target.version;
    let page = respond::map_page(&page, |d| wire::DirectoryDeviceWire(d, version));
    Ok(respond::list(ctx, e, SET, SET, page, count))
}

async fn count(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (store, tenant) = (&state.store, ctx.tenant());
    super::entra::count(ctx, &entity::DIRECTORY_DEVICE, |filter| async move {
        store.count_directory_devices(tenant, filter.as_ref()).await
    })
    .await
}

/// The store's key for a path's key: object ids are GUIDs, as Entra checks them.
fn directory_key(key: &DeviceRef) -> Result<DirectoryKey, GraphError> {
    match key {
        DeviceRef::Id(id) => Uuid::parse_str(id.trim())
            .map(DirectoryKey::Id)
            .map_err(|_| {
                GraphError::DirectoryBadRequest(format!("Invalid object identifier '{id}'."))
            }),
        DeviceRef::DeviceId(d) => Ok(DirectoryKey::DeviceId(d.clone())),
    }
}

fn key_text(key: &DeviceRef) -> &str {
    match key {
        DeviceRef::Id(k) | DeviceRef::DeviceId(k) => k,
    }
}

async fn get(state: &AppState, ctx: &Ctx, key: &DeviceRef) -> Result<Response, GraphError> {
    let found = state
        .store
        .get_directory_device(ctx.tenant(), &directory_key(key)?)
        .await?
        .ok_or_else(|| GraphError::directory_not_found(key_text(key)))?;
    Ok(respond::entity(
        ctx,
        &entity::DIRECTORY_DEVICE,
        SET,
        &wire::DirectoryDeviceWire(&found, ctx.target.version),
    ))
}

async fn delete(state: &AppState, ctx: &Ctx, key: &DeviceRef) -> Result<Response, GraphError> {
    let tenant = ctx.tenant();
    let not_found = || GraphError::directory_not_found(key_text(key));
    let id = match directory_key(key)? {
        DirectoryKey::Id(id) => id,
        other => {
            let found = state.store.get_directory_device(tenant, &other).await?;
            found.ok_or_else(not_found)?.id
        }
    };
    if state.store.delete_directory_device(tenant, id).await? {
        Ok(respond::no_content())
    } else {
        Err(not_found())
    }
}

/// The groups a device is a member of (groups hold no groups here, so `transitiveMemberOf` is
/// the same list).
async fn member_of(state: &AppState, ctx: &Ctx, key: &DeviceRef) -> Result<Response, GraphError> {
    let device = state
        .store
        .get_directory_device(ctx.tenant(), &directory_key(key)?)
        .await?
        .ok_or_else(|| GraphError::directory_not_found(key_text(key)))?;
    let groups = state.store.member_of(ctx.tenant(), device.id).await?;
    let version = ctx.target.version;
    let items = groups
        .iter()
        .map(|group| wire::Typed {
            odata_type: "#microsoft.graph.group",
            object: wire::GroupWire { group, version },
        })
        .collect();
    let page = autopilot_domain::Page { items, next: None };
    Ok(respond::list(
        ctx,
        &entity::GROUP,
        "directoryObjects",
        "memberOf",
        page,
        None,
    ))
}
