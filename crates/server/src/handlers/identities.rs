//! beta corporate device identifiers (`deviceManagement/importedDeviceIdentities`): list with
//! OData, `$count`, get, delete, and the two actions the Community script's `-Identifier`
//! calls, `searchExistingIdentities` and `importDeviceIdentityList`.

use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;
use serde_json::Value;

use crate::error::GraphError;
use crate::route::Identities;
use crate::state::{AppState, Ctx};
use crate::{body, respond, wire};

const ENTITY: &str = "importedDeviceIdentity";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Identities,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Identities::List, &Method::GET) => list(state, ctx).await,
        (Identities::Count, &Method::GET) => {
            let filter = ctx.options.filter.as_ref();
            let n = state.store.count_identities(ctx.tenant(), filter).await?;
            Ok(respond::text(n.to_string()))
        }
        (Identities::Item { key }, &Method::GET) => {
            let id = respond::key_or_404(key, ENTITY)?;
            let identity = state
                .store
                .get_identity(ctx.tenant(), id)
                .await?
                .ok_or_else(|| GraphError::not_found(ENTITY, key))?;
            let e = &entity::IMPORTED_IDENTITY;
            Ok(respond::entity(
                ctx,
                e,
                super::IDENTITIES,
                &wire::IdentityWire(&identity),
            ))
        }
        (Identities::Item { key }, &Method::DELETE) => {
            let id = respond::key_or_404(key, ENTITY)?;
            let found = state.store.delete_identity(ctx.tenant(), id).await?;
            respond::no_content_or_404(found, key, ENTITY)
        }
        (Identities::Import, &Method::POST) => import(state, ctx, body).await,
        (Identities::Search, &Method::POST) => search(state, ctx, body).await,
        _ => Err(super::not_allowed(ctx, method)),
    }
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = respond::page_and_count(
        ctx,
        "importedDeviceIdentities",
        |request| store.list_identities(tenant, request),
        store.count_identities(tenant, ctx.options.filter.as_ref()),
    )
    .await?;
    let page = respond::map_page(&page, wire::IdentityWire);
    Ok(respond::list(
        ctx,
        &entity::IMPORTED_IDENTITY,
        super::IDENTITIES,
        "importedDeviceIdentities",
        page,
        count,
    ))
}

/// `importDeviceIdentityList`: one result per identifier given, `status` true where this
/// call wrote it.
async fn import(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let value = body::object(
        body,
        "The body of 'importDeviceIdentityList' must be a JSON object.",
    )?;
    let now = state.clock.now();
    let (identities, overwrite) = wire::parse_identity_import(&value, now)?;
    let results = state
        .store
        .import_identities(ctx.tenant(), &identities, overwrite, now)
        .await?;
    let value: Vec<Value> = results.iter().map(wire::identity_result_json).collect();
    Ok(respond::collection(
        ctx,
        "Collection(microsoft.graph.importedDeviceIdentityResult)",
        value,
    ))
}

/// `searchExistingIdentities`: the identifiers the tenant has among those given.
async fn search(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let value = body::object(
        body,
        "The body of 'searchExistingIdentities' must be a JSON object.",
    )?;
    let keys = wire::parse_identity_search(&value)?;
    let found = state.store.search_identities(ctx.tenant(), &keys).await?;
    let value: Vec<wire::IdentityWire<'_>> = found.iter().map(wire::IdentityWire).collect();
    Ok(respond::collection(
        ctx,
        "Collection(microsoft.graph.importedDeviceIdentity)",
        value,
    ))
}
