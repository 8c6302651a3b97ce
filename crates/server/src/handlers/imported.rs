//! `importedWindowsAutopilotDeviceIdentities`, of the tenant or of one upload: list, get,
//! create, delete, `$count`, and the bound `import` action.

use autopilot_domain::{ImportBatch, ImportedDevice, NewImportedDevice, UploadTarget};
use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;
use uuid::Uuid;

use crate::error::GraphError;
use crate::respond::{self, key_or_404};
use crate::route::{Imported, UploadRef};
use crate::state::{AppState, Ctx};
use crate::{body, wire};

const ENTITY: &str = "importedWindowsAutopilotDeviceIdentity";
const UPLOAD_ENTITY: &str = "importedWindowsAutopilotDeviceIdentityUpload";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Imported,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Imported::List { upload }, &Method::GET) => list(state, ctx, upload).await,
        (Imported::List { upload }, &Method::POST) => create(state, ctx, upload, body).await,
        (Imported::Item { upload, key }, &Method::GET) => get(state, ctx, upload, key).await,
        (Imported::Item { upload, key }, &Method::DELETE) => delete(state, ctx, upload, key).await,
        (Imported::Count { upload }, &Method::GET) => count(state, ctx, upload).await,
        (Imported::Import { upload }, &Method::POST) => import(state, ctx, upload, body).await,
        _ => Err(super::not_allowed(ctx, method)),
    }
}

/// The upload a path names must exist in the caller's tenant.
pub(crate) async fn existing_upload(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
) -> Result<Option<Uuid>, GraphError> {
    match upload {
        UploadRef::None | UploadRef::New => Ok(None),
        UploadRef::Key(key) => {
            let id = key_or_404(key, UPLOAD_ENTITY)?;
            match state.store.get_upload(ctx.tenant(), id).await? {
                Some(_) => Ok(Some(id)),
                None => Err(GraphError::not_found(UPLOAD_ENTITY, key)),
            }
        }
    }
}

/// The entity-set part of a context URL for imported devices.
fn set(upload: &UploadRef) -> String {
    match upload {
        UploadRef::Key(u) => format!("{}('{u}')/deviceIdentities", super::UPLOADS),
        UploadRef::None | UploadRef::New => super::IMPORTED.to_owned(),
    }
}

async fn list(state: &AppState, ctx: &Ctx, upload: &UploadRef) -> Result<Response, GraphError> {
    let upload_id = existing_upload(state, ctx, upload).await?;
    let scope = format!(
        "imported:{}",
        upload_id.map(|u| u.to_string()).unwrap_or_default()
    );
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = respond::page_and_count(
        ctx,
        &scope,
        |request| store.list_imported(tenant, upload_id, request),
        store.count_imported(tenant, upload_id, ctx.options.filter.as_ref()),
    )
    .await?;
    Ok(respond::list(
        ctx,
        &entity::IMPORTED_DEVICE,
        &set(upload),
        &scope,
        respond::map_page(&page, wire::ImportedWire),
        count,
    ))
}

async fn get(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    key: &str,
) -> Result<Response, GraphError> {
    let upload_id = existing_upload(state, ctx, upload).await?;
    let id = key_or_404(key, ENTITY)?;
    let device = state
        .store
        .get_imported(ctx.tenant(), id, upload_id)
        .await?
        .ok_or_else(|| GraphError::not_found(ENTITY, key))?;
    // The context names the upload by the id it has, however the path spelled it.
    let upload = upload_id.map_or(UploadRef::None, |u| {
        UploadRef::Key(u.hyphenated().to_string())
    });
    Ok(respond::entity(
        ctx,
        &entity::IMPORTED_DEVICE,
        &set(&upload),
        &wire::ImportedWire(&device),
    ))
}

async fn delete(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    key: &str,
) -> Result<Response, GraphError> {
    let upload = existing_upload(state, ctx, upload).await?;
    let id = key_or_404(key, ENTITY)?;
    let found = state
        .store
        .delete_imported(ctx.tenant(), id, upload)
        .await?;
    respond::no_content_or_404(found, key, ENTITY)
}

async fn count(state: &AppState, ctx: &Ctx, upload: &UploadRef) -> Result<Response, GraphError> {
    let upload = existing_upload(state, ctx, upload).await?;
    let n = state
        .store
        .count_imported(ctx.tenant(), upload, ctx.options.filter.as_ref())
        .await?;
    Ok(respond::text(n.to_string()))
}

async fn create(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    body: &[u8],
) -> Result<Response, GraphError> {
    let device = wire::parse_device(&body::json(body)?, "")?;
    let written = write(state, ctx, upload, None, vec![device]).await?;
    let Some(device) = written.first() else {
        return Err(GraphError::internal());
    };
    Ok(respond::created(
        ctx,
        &set(upload),
        device.id,
        wire::ImportedWire(device),
    ))
}

async fn import(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    body: &[u8],
) -> Result<Response, GraphError> {
    let devices = wire::parse_import(&body::json(body)?, state.config.max_devices_per_request)?;
    // One import id for the records of one call.
    let import_id = match upload {
        UploadRef::None => Some(Uuid::new_v4().hyphenated().to_string()),
        _ => None,
    };
    let created = write(state, ctx, upload, import_id, devices).await?;
    Ok(respond::collection(
        ctx,
        "Collection(microsoft.graph.importedWindowsAutopilotDeviceIdentity)",
        created.iter().map(wire::ImportedWire).collect(),
    ))
}

/// Writes devices in one transaction, due after the processing delay, and wakes the worker;
/// returns them in request order.
async fn write(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    import_id: Option<String>,
    devices: Vec<NewImportedDevice>,
) -> Result<Vec<ImportedDevice>, GraphError> {
    let target = match upload {
        UploadRef::None => UploadTarget::None,
        UploadRef::New => UploadTarget::New(Uuid::now_v7()),
        UploadRef::Key(key) => UploadTarget::Existing(key_or_404(key, UPLOAD_ENTITY)?),
    };
    let ids: Vec<Uuid> = devices.iter().map(|_| Uuid::now_v7()).collect();
    let import_id = import_id.unwrap_or_else(|| match target {
        UploadTarget::Existing(u) | UploadTarget::New(u) => u.hyphenated().to_string(),
        UploadTarget::None => ids
            .first()
            .copied()
            .unwrap_or_else(Uuid::now_v7)
            .hyphenated()
            .to_string(),
    });
    let now = state.clock.now();
    let delay = state.processing_delay(ctx.tenant());
    let due_at = ids.iter().map(|id| now + delay.for_record(*id)).collect();
    let batch = ImportBatch {
        import_id,
        upload: target,
        created_at: now,
        ids,
        due_at,
        devices,
    };
    let created = state.store.import_devices(ctx.tenant(), batch).await?;
    state.wake.wake();
    let n = created.len() as u64;
    metrics::counter!("autopilot_graph_devices_imported_total").increment(n);
    if state.ops.per_tenant {
        metrics::counter!(
            "autopilot_graph_tenant_devices_imported_total",
            "tenant" => ctx.tenant().as_str().to_owned()
        )
        .increment(n);
    }
    Ok(created)
}
