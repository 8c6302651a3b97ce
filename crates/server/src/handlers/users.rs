//! Entra ID users (`/users`): create, list (with `$filter` on `userPrincipalName` and the
//! rest of Entra's queries), get by id or user principal name, change, delete. They are who
//! `assignUserToDevice` and `updateDeviceProperties` may name.

use autopilot_domain::User;
use autopilot_domain::users::{self, UserKey};
use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;
use uuid::Uuid;

use crate::error::GraphError;
use crate::route::Users;
use crate::state::{AppState, Ctx};
use crate::{body, respond, wire};

const SET: &str = "users";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Users,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Users::List, &Method::GET) => list(state, ctx).await,
        (Users::List, &Method::POST) => create(state, ctx, body).await,
        (Users::Count, &Method::GET) => count(state, ctx).await,
        (Users::Item { key }, &Method::GET) => get(state, ctx, key).await,
        (Users::Item { key }, &Method::PATCH) => update(state, ctx, key, body).await,
        (Users::Item { key }, &Method::DELETE) => delete(state, ctx, key).await,
        _ => Err(super::not_allowed(ctx, method)),
    }
}

fn shaped<'a>(ctx: &Ctx, user: &'a User) -> wire::UserWire<'a> {
    wire::UserWire {
        user,
        version: ctx.target.version,
    }
}

async fn find(state: &AppState, ctx: &Ctx, key: &str) -> Result<User, GraphError> {
    state
        .store
        .get_user(ctx.tenant(), &UserKey::parse(key.trim()))
        .await?
        .ok_or_else(|| GraphError::directory_not_found(key))
}

async fn create(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let new = wire::parse_new_user(&body::json(body)?)?;
    let user = users::create(new, Uuid::new_v4(), state.clock.now())
        .map_err(|e| GraphError::DirectoryBadRequest(e.0))?;
    if !state.store.create_user(ctx.tenant(), &user).await? {
        return Err(GraphError::DirectoryBadRequest(users::UPN_TAKEN.into()));
    }
    Ok(respond::created(ctx, SET, user.id, shaped(ctx, &user)))
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let e = &entity::USER;
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = super::entra::page(
        ctx,
        e,
        SET,
        |request| store.list_users(tenant, request),
        |filter| async move { store.count_users(tenant, filter.as_ref()).await },
    )
    .await?;
    let page = respond::map_page(&page, |u| shaped(ctx, u));
    Ok(respond::list(ctx, e, SET, SET, page, count))
}

async fn count(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (store, tenant) = (&state.store, ctx.tenant());
    super::entra::count(ctx, &entity::USER, |filter| async move {
        store.count_users(tenant, filter.as_ref()).await
    })
    .await
}

async fn get(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let user = find(state, ctx, key).await?;
    Ok(respond::entity(
        ctx,
        &entity::USER,
        SET,
        &shaped(ctx, &user),
    ))
}

async fn update(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let patch = wire::parse_user_patch(&body::json(body)?)?;
    if let Some(name) = &patch.display_name {
        users::check_display_name(name).map_err(|e| GraphError::DirectoryBadRequest(e.0))?;
    }
    let user = find(state, ctx, key).await?;
    if state
        .store
        .update_user(ctx.tenant(), user.id, &patch)
        .await?
    {
        Ok(respond::no_content())
    } else {
        Err(GraphError::directory_not_found(key))
    }
}

async fn delete(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let user = find(state, ctx, key).await?;
    if state.store.delete_user(ctx.tenant(), user.id).await? {
        Ok(respond::no_content())
    } else {
        Err(GraphError::directory_not_found(key))
    }
}
