//! Rendering answers: JSON with Graph's headers, single entities and collections with their
//! `@odata.context`, `$select` trimming, `@odata.nextLink`, `201` with `Location`, `204`.

use autopilot_domain::{Page, PageRequest, StoreError};
use autopilot_odata::EntityType;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::GraphError;
use crate::query;
use crate::state::Ctx;
use crate::wire::{Collection, Entity};

/// Marks a bare 500 (a panic, or a body that would not serialise) for the dispatcher to render
/// as a Graph error with the request's ids.
#[derive(Debug, Clone, Copy)]
pub struct Failed;

/// A bare 500 marked [`Failed`].
pub fn failed() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(Failed);
    response
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.insert("odata-version", HeaderValue::from_static("4.0"));
            response
        }
        Err(_) => failed(),
    }
}

/// A plain-text answer (`$count`).
pub fn text(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `204 No Content`.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// 204 when the store found what it was asked to change or remove, else 404 for `key`.
pub fn no_content_or_404(found: bool, key: &str, entity: &str) -> Result<Response, GraphError> {
    if found {
        Ok(no_content())
    } else {
        Err(GraphError::not_found(entity, key))
    }
}

/// Keys are GUIDs; anything else names nothing.
pub fn key_or_404(key: &str, entity: &str) -> Result<Uuid, GraphError> {
    Uuid::parse_str(key.trim()).map_err(|_| GraphError::not_found(entity, key))
}

/// One entity of `set` (its path below the service root), its `@odata.context` naming it.
pub fn single<T: Serialize>(ctx: &Ctx, set: &str, entity: T) -> Response {
    single_with(ctx, StatusCode::OK, set, entity)
}

pub fn single_with<T: Serialize>(ctx: &Ctx, status: StatusCode, set: &str, entity: T) -> Response {
    let context = format!("{}{set}/$entity", ctx.metadata());
    json(
        status,
        &Entity {
            context: &context,
            entity,
        },
    )
}

/// 201 for a new member of `set`, with its `Location`.
pub fn created<T: Serialize>(
    ctx: &Ctx,
    set: &str,
    id: impl std::fmt::Display,
    entity: T,
) -> Response {
    let mut response = single_with(ctx, StatusCode::CREATED, set, entity);
    let url = format!(
        "{}/{}/{set}('{id}')",
        ctx.origin,
        ctx.target.version.as_str()
    );
    if let Ok(v) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A collection that is not paged: all of `value`, its context `{metadata}{context}`.
pub fn collection<T: Serialize>(ctx: &Ctx, context: &str, value: Vec<T>) -> Response {
    let context = format!("{}{context}", ctx.metadata());
    json(
        StatusCode::OK,
        &Collection {
            context: &context,
            count: None,
            next_link: None,
            value,
        },
    )
}

/// Renders a list page: `$select` trims each item, `@odata.context` names the selection,
/// `@odata.nextLink` carries the options and the next page's token.
pub fn list<T: Serialize>(
    ctx: &Ctx,
    entity: &EntityType,
    set: &str,
    scope: &str,
    page: Page<T>,
    count: Option<u64>,
) -> Response {
    let context = format!(
        "{}{set}{}",
        ctx.metadata(),
        query::context_suffix(&ctx.options, entity)
    );
    let size = query::page_size(&ctx.options);
    let next_link = page.next.as_ref().map(|cursor| {
        query::next_link(
            &format!("{}{}", ctx.origin, ctx.path),
            &ctx.options,
            size,
            &query::encode_token(cursor, &ctx.options, scope),
        )
    });
    let Some(selected) = query::selected(&ctx.options, entity) else {
        return json(
            StatusCode::OK,
            &Collection {
                context: &context,
                count,
                next_link,
                value: page.items,
            },
        );
    };
    let value: Vec<Value> = page
        .items
        .iter()
        .map(|item| shape(item, Some(selected.as_slice())))
        .collect();
    json(
        StatusCode::OK,
        &Collection {
            context: &context,
            count,
            next_link,
            value,
        },
    )
}

/// One item as JSON, trimmed to `$select`.
fn shape<T: Serialize>(item: &T, selected: Option<&[&str]>) -> Value {
    let value = serde_json::to_value(item).unwrap_or(Value::Null);
    match selected {
        Some(names) => query::trim(value, names),
        None => value,
    }
}

/// Renders one entity with `$select` and expansions.
pub fn entity<T: Serialize>(ctx: &Ctx, entity: &EntityType, set: &str, item: &T) -> Response {
    let context = format!(
        "{}{set}{}/$entity",
        ctx.metadata(),
        query::context_suffix(&ctx.options, entity)
    );
    let Some(selected) = query::selected(&ctx.options, entity) else {
        return json(
            StatusCode::OK,
            &Entity {
                context: &context,
                entity: item,
            },
        );
    };
    json(
        StatusCode::OK,
        &Entity {
            context: &context,
            entity: shape(item, Some(selected.as_slice())),
        },
    )
}

/// One page of a list (none when `$top=0`) and, with `$count=true`, the filtered count. The
/// request's options become the store's page request for `scope` (what binds its
/// `$skiptoken`); the store calls run only if needed.
pub async fn page_and_count<T, P>(
    ctx: &Ctx,
    scope: &str,
    page: impl FnOnce(PageRequest) -> P,
    count: impl Future<Output = Result<u64, StoreError>>,
) -> Result<(Page<T>, Option<u64>), GraphError>
where
    P: Future<Output = Result<Page<T>, StoreError>>,
{
    page_counted(ctx, scope, ctx.options.count, page, count).await
}

/// [`page_and_count`] for the Intune collections that send `@odata.count` on every page,
/// asked for or not (captured on `windowsAutopilotDeviceIdentities` and `managedDevices`).
pub async fn page_always_counted<T, P>(
    ctx: &Ctx,
    scope: &str,
    page: impl FnOnce(PageRequest) -> P,
    count: impl Future<Output = Result<u64, StoreError>>,
) -> Result<(Page<T>, Option<u64>), GraphError>
where
    P: Future<Output = Result<Page<T>, StoreError>>,
{
    // Intune counts these lists always (an `@odata.count` nobody asked for); the console,
    // which does not read it, is spared the count of a whole tenant.
    page_counted(ctx, scope, !ctx.internal || ctx.options.count, page, count).await
}

async fn page_counted<T, P>(
    ctx: &Ctx,
    scope: &str,
    counted: bool,
    page: impl FnOnce(PageRequest) -> P,
    count: impl Future<Output = Result<u64, StoreError>>,
) -> Result<(Page<T>, Option<u64>), GraphError>
where
    P: Future<Output = Result<Page<T>, StoreError>>,
{
    let request = query::page_request(&ctx.options, scope)?;
    let page = if request.limit == 0 {
        Page {
            items: Vec::new(),
            next: None,
        }
    } else {
        page(request).await?
    };
    let count = if counted { Some(count.await?) } else { None };
    Ok((page, count))
}

/// The same page with its items turned into their wire shape.
pub fn map_page<'a, T, U>(page: &'a Page<T>, f: impl FnMut(&'a T) -> U) -> Page<U> {
    Page {
        items: page.items.iter().map(f).collect(),
        next: page.next.clone(),
    }
}
