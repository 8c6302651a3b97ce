//! The legacy `importedWindowsAutopilotDeviceIdentityUploads` containers: list, create, get,
//! delete, `$count`. Their devices are `imported.rs`'s, below the upload's path.

use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;
use uuid::Uuid;

use crate::error::GraphError;
use crate::respond::{self, key_or_404};
use crate::route::Uploads;
use crate::state::{AppState, Ctx};
use crate::{body, wire};

const ENTITY: &str = "importedWindowsAutopilotDeviceIdentityUpload";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Uploads,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Uploads::List, &Method::GET) => list(state, ctx).await,
        (Uploads::List, &Method::POST) => create(state, ctx, body).await,
        (Uploads::Item { key }, &Method::GET) => get(state, ctx, key).await,
        (Uploads::Item { key }, &Method::DELETE) => delete(state, ctx, key).await,
        (Uploads::Count, &Method::GET) => count(state, ctx).await,
        _ => Err(super::not_allowed(ctx, method)),
    }
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = respond::page_and_count(
        ctx,
        "uploads",
        |request| store.list_uploads(tenant, request),
        store.count_uploads(tenant, ctx.options.filter.as_ref()),
    )
    .await?;
    Ok(respond::list(
        ctx,
        &entity::UPLOAD,
        super::UPLOADS,
        "uploads",
        respond::map_page(&page, wire::UploadWire),
        count,
    ))
}

async fn create(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    if !body::is_blank(body) {
        // createdDateTimeUtc and status are the server's; the body only has to be an object.
        body::object(
            body,
            "The request body must be an importedWindowsAutopilotDeviceIdentityUpload object.",
        )?;
    }
    let id = Uuid::now_v7();
    let upload = state
        .store
        .create_upload(ctx.tenant(), id, state.clock.now())
        .await?;
    Ok(respond::created(
        ctx,
        super::UPLOADS,
        id,
        wire::UploadWire(&upload),
    ))
}

async fn get(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let id = key_or_404(key, ENTITY)?;
    let upload = state
        .store
        .get_upload(ctx.tenant(), id)
        .await?
        .ok_or_else(|| GraphError::not_found(ENTITY, key))?;
    Ok(respond::single(
        ctx,
        super::UPLOADS,
        wire::UploadWire(&upload),
    ))
}

async fn delete(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let id = key_or_404(key, ENTITY)?;
    let found = state.store.delete_upload(ctx.tenant(), id).await?;
    respond::no_content_or_404(found, key, ENTITY)
}

async fn count(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let n = state
        .store
        .count_uploads(ctx.tenant(), ctx.options.filter.as_ref())
        .await?;
    Ok(respond::text(n.to_string()))
}
