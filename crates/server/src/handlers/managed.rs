//! Intune managed devices (`deviceManagement/managedDevices`): list with `$filter` (the
//! scripts look devices up by `serialNumber`, `eq` or `startsWith`), get, delete, and `wipe`.

use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;

use crate::error::GraphError;
use crate::route::Managed;
use crate::state::{AppState, Ctx};
use crate::{body, respond, wire};

const ENTITY: &str = "managedDevice";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Managed,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Managed::List, &Method::GET) => list(state, ctx).await,
        (Managed::Count, &Method::GET) => count(state, ctx).await,
        (Managed::Item { key }, &Method::GET) => get(state, ctx, key).await,
        (Managed::Item { key }, &Method::DELETE) => delete(state, ctx, key).await,
        (Managed::Wipe { key }, &Method::POST) => wipe(state, ctx, key, body).await,
        _ => Err(super::not_allowed(ctx, method)),
    }
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = respond::page_always_counted(
        ctx,
        "managedDevices",
        |request| store.list_managed_devices(tenant, request),
        store.count_managed_devices(tenant, ctx.options.filter.as_ref()),
    )
    .await?;
    let page = respond::map_page(&page, wire::ManagedDeviceWire);
    let e = &entity::MANAGED_DEVICE;
    Ok(respond::list(
        ctx,
        e,
        super::MANAGED,
        "managedDevices",
        page,
        count,
    ))
}

async fn count(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let filter = ctx.options.filter.as_ref();
    let n = state
        .store
        .count_managed_devices(ctx.tenant(), filter)
        .await?;
    Ok(respond::text(n.to_string()))
}

async fn get(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let id = respond::key_or_404(key, ENTITY)?;
    let device = state
        .store
        .get_managed_device(ctx.tenant(), id)
        .await?
        .ok_or_else(|| GraphError::not_found(ENTITY, key))?;
    let e = &entity::MANAGED_DEVICE;
    Ok(respond::entity(
        ctx,
        e,
        super::MANAGED,
        &wire::ManagedDeviceWire(&device),
    ))
}

async fn delete(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let id = respond::key_or_404(key, ENTITY)?;
    let found = state.store.delete_managed_device(ctx.tenant(), id).await?;
    respond::no_content_or_404(found, key, ENTITY)
}

async fn wipe(state: &AppState, ctx: &Ctx, key: &str, body: &[u8]) -> Result<Response, GraphError> {
    let parameters = if body::is_blank(body) {
        serde_json::Value::Null
    } else {
        body::json(body)?
    };
    let wipe = wire::parse_wipe(&parameters, state.clock.now())?;
    let id = respond::key_or_404(key, ENTITY)?;
    let found = state
        .store
        .wipe_managed_device(ctx.tenant(), id, &wipe)
        .await?;
    respond::no_content_or_404(found, key, ENTITY)
}
