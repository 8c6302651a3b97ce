//! The router and the handlers of the import surface.

use std::sync::Arc;

use autopilot_domain::{
    Access, Clock, ImportBatch, ImportedDevice, NewImportedDevice, Principal, Store, StoreError,
    UploadTarget,
};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::{SigningKey, authenticate};
use crate::delay::ProcessingDelay;
use crate::error::GraphError;
use crate::ids::{self, RequestIds};
use crate::query::{self, QueryOptions};
use crate::route::Version;
use crate::route::{self, Resource, Target, UploadRef};
use crate::wire::{
    self, Collection, DeviceWireBeta, DeviceWireV1, Entity, ImportedWire, UploadWire,
};
use crate::worker::Wake;

/// Settings of the protocol layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The most devices one request may import.
    pub max_devices_per_request: usize,
    /// The scheme to put in `@odata.context` and `@odata.nextLink` when the request does not
    /// say (`X-Forwarded-Proto`).
    pub scheme: &'static str,
    /// How long the registration service takes per record.
    pub processing_delay: ProcessingDelay,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_devices_per_request: 500,
            scheme: "http",
            processing_delay: ProcessingDelay::default(),
        }
    }
}

impl ServerConfig {
    /// The largest request body: about 4.5 KB per device as base64, four times that as the
    /// byte arrays Windows PowerShell 5.1 sends, plus room for the envelope.
    pub fn body_limit(&self) -> usize {
        self.max_devices_per_request.saturating_mul(16 * 1024) + 64 * 1024
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub key: SigningKey,
    pub config: ServerConfig,
    /// Wakes the registration worker when records are imported.
    pub wake: Wake,
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .fallback(dispatch)
        .with_state(Arc::new(state))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(on_panic))
        .layer(axum::middleware::from_fn(ids::stamp))
}

/// Marks a response made from a panic, so that the id middleware renders the Graph error.
#[derive(Debug, Clone, Copy)]
pub struct Panicked;

fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(Panicked);
    response
}

/// Everything a handler needs to know about the request besides its body.
struct Ctx {
    target: Target,
    /// `scheme://host`, from the request.
    origin: String,
    /// The request path as sent, for `@odata.nextLink`.
    path: String,
    options: QueryOptions,
    principal: Principal,
}

impl Ctx {
    fn metadata(&self) -> String {
        format!(
            "{}/{}/$metadata#",
            self.origin,
            self.target.version.as_str()
        )
    }
}

async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let ids = req
        .extensions()
        .get::<RequestIds>()
        .cloned()
        .unwrap_or_else(|| RequestIds::for_request(&req));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = match handle(&state, req).await {
        Ok(response) => response,
        Err(error) => error.into_response_for(&ids),
    };
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        request_id = %ids.request_id,
        "request"
    );
    response
}

fn origin(headers: &HeaderMap, scheme: &str) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or_default().trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let scheme = header("x-forwarded-proto").unwrap_or_else(|| scheme.to_owned());
    let host = header("x-forwarded-host")
        .or_else(|| header(header::HOST.as_str()))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{scheme}://{host}")
}

async fn handle(state: &AppState, req: Request) -> Result<Response, GraphError> {
    // An unknown version is the gateway's 404 before anything else; other routing errors
    // come after authentication, as Graph's do.
    let routed = route::route(req.uri().path());
    if let Err(e) = &routed
        && e.status == StatusCode::NOT_FOUND
    {
        return Err(e.clone());
    }
    let principal = authenticate(
        &state.key,
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    )
    .map_err(|e| GraphError::unauthenticated(e.to_string()))?;
    let target = routed?;
    let method = req.method().clone();
    let access = match (&target.resource, &method) {
        (_, &Method::GET) => Access::Read,
        (_, &Method::POST) | (_, &Method::DELETE) => Access::Write,
        _ => Access::Read,
    };
    let allowed = target.resource.allowed();
    if !allowed.split(", ").any(|m| m == method.as_str()) {
        return Err(GraphError::method_not_allowed(
            method.as_str(),
            target.resource.template(),
            allowed,
        ));
    }
    if !principal.allows(access) {
        let names: Vec<&str> = access.granted_by().iter().map(|p| p.name()).collect();
        return Err(GraphError::forbidden(&names));
    }
    let options = query::parse(req.uri().query())?;
    let ctx = Ctx {
        origin: origin(req.headers(), state.config.scheme),
        path: req.uri().path().to_owned(),
        target,
        options,
        principal,
    };
    let body = if method == Method::POST {
        Some(read_body(state, req).await?)
    } else {
        None
    };
    let resource = ctx.target.resource.clone();
    match (resource, method) {
        (Resource::Imported { upload }, Method::GET) => list_imported(state, &ctx, &upload).await,
        (Resource::Imported { upload }, Method::POST) => {
            let body = body.unwrap_or_default();
            let device = wire::parse_device(&parse_json(&body)?, "")?;
            create_imported(state, &ctx, &upload, device).await
        }
        (Resource::ImportedItem { upload, key }, Method::GET) => {
            let upload = existing_upload(state, &ctx, &upload).await?;
            let id = key_or_404(&key, "importedWindowsAutopilotDeviceIdentity")?;
            match store(
                state
                    .store
                    .get_imported(&ctx.principal.tenant, id, upload)
                    .await,
            )? {
                Some(device) => {
                    let context = format!(
                        "{}{}/$entity",
                        ctx.metadata(),
                        imported_set(&ctx, &upload_ref(upload))
                    );
                    Ok(json(
                        StatusCode::OK,
                        &Entity {
                            context: &context,
                            entity: ImportedWire::from(&device),
                        },
                    ))
                }
                None => Err(GraphError::not_found(
                    "importedWindowsAutopilotDeviceIdentity",
                    &key,
                )),
            }
        }
        (Resource::ImportedItem { upload, key }, Method::DELETE) => {
            let upload = existing_upload(state, &ctx, &upload).await?;
            let id = key_or_404(&key, "importedWindowsAutopilotDeviceIdentity")?;
            if store(
                state
                    .store
                    .delete_imported(&ctx.principal.tenant, id, upload)
                    .await,
            )? {
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                Err(GraphError::not_found(
                    "importedWindowsAutopilotDeviceIdentity",
                    &key,
                ))
            }
        }
        (Resource::ImportedCount { upload }, Method::GET) => {
            let upload = existing_upload(state, &ctx, &upload).await?;
            let n = store(
                state
                    .store
                    .count_imported(&ctx.principal.tenant, upload)
                    .await,
            )?;
            Ok(text(n.to_string()))
        }
        (Resource::Import { upload }, Method::POST) => {
            let body = body.unwrap_or_default();
            let devices =
                wire::parse_import(&parse_json(&body)?, state.config.max_devices_per_request)?;
            import(state, &ctx, &upload, devices).await
        }
        (Resource::Uploads, Method::GET) => list_uploads(state, &ctx).await,
        (Resource::Uploads, Method::POST) => {
            let body = body.unwrap_or_default();
            if !body.iter().all(u8::is_ascii_whitespace) {
                // createdDateTimeUtc and status are the server's; the body only has to be an object.
                let value = parse_json(&body)?;
                if !value.is_object() {
                    return Err(GraphError::bad_request(
                        "The request body must be an importedWindowsAutopilotDeviceIdentityUpload object.",
                    ));
                }
            }
            let id = Uuid::now_v7();
            let upload = store(
                state
                    .store
                    .create_upload(&ctx.principal.tenant, id, state.clock.now())
                    .await,
            )?;
            let context = format!(
                "{}deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/$entity",
                ctx.metadata()
            );
            let mut response = json(
                StatusCode::CREATED,
                &Entity {
                    context: &context,
                    entity: UploadWire::from(&upload),
                },
            );
            set_location(
                &mut response,
                &format!(
                    "{}/{}/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads('{id}')",
                    ctx.origin,
                    ctx.target.version.as_str()
                ),
            );
            Ok(response)
        }
        (Resource::UploadItem { key }, Method::GET) => {
            let id = key_or_404(&key, "importedWindowsAutopilotDeviceIdentityUpload")?;
            match store(state.store.get_upload(&ctx.principal.tenant, id).await)? {
                Some(upload) => {
                    let context = format!(
                        "{}deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/$entity",
                        ctx.metadata()
                    );
                    Ok(json(
                        StatusCode::OK,
                        &Entity {
                            context: &context,
                            entity: UploadWire::from(&upload),
                        },
                    ))
                }
                None => Err(GraphError::not_found(
                    "importedWindowsAutopilotDeviceIdentityUpload",
                    &key,
                )),
            }
        }
        (Resource::UploadItem { key }, Method::DELETE) => {
            let id = key_or_404(&key, "importedWindowsAutopilotDeviceIdentityUpload")?;
            if store(state.store.delete_upload(&ctx.principal.tenant, id).await)? {
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                Err(GraphError::not_found(
                    "importedWindowsAutopilotDeviceIdentityUpload",
                    &key,
                ))
            }
        }
        (Resource::UploadsCount, Method::GET) => {
            // Uploads are few; count them by paging through.
            let mut n = 0u64;
            let mut after = None;
            loop {
                let page = store(
                    state
                        .store
                        .list_uploads(
                            &ctx.principal.tenant,
                            autopilot_domain::PageRequest {
                                after,
                                limit: query::MAX_PAGE,
                            },
                        )
                        .await,
                )?;
                n += page.items.len() as u64;
                match page.next_after {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Ok(text(n.to_string()))
        }
        (Resource::Devices, Method::GET) => list_devices(state, &ctx).await,
        (Resource::DeviceItem { key }, Method::GET) => {
            let id = key_or_404(&key, "windowsAutopilotDeviceIdentity")?;
            match store(state.store.get_device(&ctx.principal.tenant, id).await)? {
                Some(device) => {
                    let context = format!(
                        "{}deviceManagement/windowsAutopilotDeviceIdentities/$entity",
                        ctx.metadata()
                    );
                    Ok(match ctx.target.version {
                        Version::V1 => json(
                            StatusCode::OK,
                            &Entity {
                                context: &context,
                                entity: DeviceWireV1::from(&device),
                            },
                        ),
                        Version::Beta => json(
                            StatusCode::OK,
                            &Entity {
                                context: &context,
                                entity: DeviceWireBeta::from(&device),
                            },
                        ),
                    })
                }
                None => Err(GraphError::not_found(
                    "windowsAutopilotDeviceIdentity",
                    &key,
                )),
            }
        }
        (Resource::DeviceItem { key }, Method::DELETE) => {
            // Intune answers a delete of an unknown device with 400 and this message.
            let missing = || {
                GraphError::bad_request(format!(
                    "Cannot find device with ztd Id {key} and accountId {} to delete",
                    ctx.principal.tenant
                ))
            };
            let id = Uuid::parse_str(key.trim()).map_err(|_| missing())?;
            if store(state.store.delete_device(&ctx.principal.tenant, id).await)? {
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                Err(missing())
            }
        }
        (Resource::DevicesCount, Method::GET) => {
            let n = store(state.store.count_devices(&ctx.principal.tenant).await)?;
            Ok(text(n.to_string()))
        }
        (resource, method) => Err(GraphError::method_not_allowed(
            method.as_str(),
            resource.template(),
            resource.allowed(),
        )),
    }
}

fn upload_ref(upload: Option<Uuid>) -> UploadRef {
    upload.map_or(UploadRef::None, |u| {
        UploadRef::Key(u.hyphenated().to_string())
    })
}

/// The entity-set part of a context URL for imported devices.
fn imported_set(_ctx: &Ctx, upload: &UploadRef) -> String {
    match upload {
        UploadRef::Key(u) => format!(
            "deviceManagement/importedWindowsAutopilotDeviceIdentityUploads('{u}')/deviceIdentities"
        ),
        UploadRef::None | UploadRef::New => {
            "deviceManagement/importedWindowsAutopilotDeviceIdentities".to_owned()
        }
    }
}

fn store<T>(result: Result<T, StoreError>) -> Result<T, GraphError> {
    result.map_err(|e| match e {
        StoreError::UploadNotFound(id) => GraphError::not_found(
            "importedWindowsAutopilotDeviceIdentityUpload",
            &id.hyphenated().to_string(),
        ),
        StoreError::Backend(message) => {
            tracing::error!(%message, "storage failure");
            GraphError::internal()
        }
    })
}

/// Keys are GUIDs; anything else names nothing.
fn key_or_404(key: &str, entity: &str) -> Result<Uuid, GraphError> {
    Uuid::parse_str(key.trim()).map_err(|_| GraphError::not_found(entity, key))
}

/// The upload a path names must exist in the caller's tenant.
async fn existing_upload(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
) -> Result<Option<Uuid>, GraphError> {
    match upload {
        UploadRef::None | UploadRef::New => Ok(None),
        UploadRef::Key(key) => {
            let id = key_or_404(key, "importedWindowsAutopilotDeviceIdentityUpload")?;
            match store(state.store.get_upload(&ctx.principal.tenant, id).await)? {
                Some(_) => Ok(Some(id)),
                None => Err(GraphError::not_found(
                    "importedWindowsAutopilotDeviceIdentityUpload",
                    key,
                )),
            }
        }
    }
}

async fn read_body(state: &AppState, req: Request) -> Result<axum::body::Bytes, GraphError> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        let mime = ct.split(';').next().unwrap_or_default().trim();
        let json = mime.eq_ignore_ascii_case("application/json")
            || mime
                .rsplit_once('+')
                .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"));
        if !json && !mime.is_empty() {
            return Err(GraphError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                format!("The content type '{mime}' is not supported; send application/json."),
            ));
        }
    }
    let limit = state.config.body_limit();
    let too_large = || {
        GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!(
                "The request body is larger than {limit} bytes, the most this server accepts \
                 ({} devices per request).",
                state.config.max_devices_per_request
            ),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| too_large())
}

fn parse_json(body: &[u8]) -> Result<serde_json::Value, GraphError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(GraphError::bad_request(
            "The request body is empty; a JSON object is expected.",
        ));
    }
    crate::lenient_json::parse(body)
        .map_err(|e| GraphError::bad_request(format!("The request body is not valid JSON: {e}.")))
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
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
        Err(_) => GraphError::internal().into_response_for(&RequestIds {
            request_id: String::new(),
            client_request_id: String::new(),
        }),
    }
}

fn text(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn set_location(response: &mut Response, url: &str) {
    if let Ok(v) = HeaderValue::from_str(url) {
        response.headers_mut().insert(header::LOCATION, v);
    }
}

/// `@odata.nextLink`: the request's own URL with its options and the continuation token.
fn next_link(ctx: &Ctx, page_size: u32, after: Uuid) -> String {
    let mut link = format!("{}{}?$top={page_size}", ctx.origin, ctx.path);
    if ctx.options.count {
        link.push_str("&$count=true");
    }
    link.push_str("&$skiptoken=");
    link.push_str(&query::encode_skip_token(after));
    link
}

async fn list_imported(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
) -> Result<Response, GraphError> {
    let upload_id = existing_upload(state, ctx, upload).await?;
    let size = query::page_size(&ctx.options);
    let tenant = &ctx.principal.tenant;
    let page = if size == 0 {
        autopilot_domain::Page {
            items: Vec::new(),
            next_after: None,
        }
    } else {
        store(
            state
                .store
                .list_imported(
                    tenant,
                    upload_id,
                    autopilot_domain::PageRequest {
                        after: ctx.options.skip_token,
                        limit: size,
                    },
                )
                .await,
        )?
    };
    let count = if ctx.options.count {
        Some(store(state.store.count_imported(tenant, upload_id).await)?)
    } else {
        None
    };
    let context = format!("{}{}", ctx.metadata(), imported_set(ctx, upload));
    Ok(json(
        StatusCode::OK,
        &Collection {
            context: &context,
            count,
            next_link: page.next_after.map(|after| next_link(ctx, size, after)),
            value: page.items.iter().map(ImportedWire::from).collect(),
        },
    ))
}

async fn list_devices(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let size = query::page_size(&ctx.options);
    let tenant = &ctx.principal.tenant;
    let page = if size == 0 {
        autopilot_domain::Page {
            items: Vec::new(),
            next_after: None,
        }
    } else {
        store(
            state
                .store
                .list_devices(
                    tenant,
                    autopilot_domain::PageRequest {
                        after: ctx.options.skip_token,
                        limit: size,
                    },
                )
                .await,
        )?
    };
    let count = if ctx.options.count {
        Some(store(state.store.count_devices(tenant).await)?)
    } else {
        None
    };
    let context = format!(
        "{}deviceManagement/windowsAutopilotDeviceIdentities",
        ctx.metadata()
    );
    let next_link = page.next_after.map(|after| next_link(ctx, size, after));
    Ok(match ctx.target.version {
        Version::V1 => json(
            StatusCode::OK,
            &Collection {
                context: &context,
                count,
                next_link,
                value: page.items.iter().map(DeviceWireV1::from).collect(),
            },
        ),
        Version::Beta => json(
            StatusCode::OK,
            &Collection {
                context: &context,
                count,
                next_link,
                value: page.items.iter().map(DeviceWireBeta::from).collect(),
            },
        ),
    })
}

async fn list_uploads(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let size = query::page_size(&ctx.options);
    let page = if size == 0 {
        autopilot_domain::Page {
            items: Vec::new(),
            next_after: None,
        }
    } else {
        store(
            state
                .store
                .list_uploads(
                    &ctx.principal.tenant,
                    autopilot_domain::PageRequest {
                        after: ctx.options.skip_token,
                        limit: size,
                    },
                )
                .await,
        )?
    };
    let context = format!(
        "{}deviceManagement/importedWindowsAutopilotDeviceIdentityUploads",
        ctx.metadata()
    );
    Ok(json(
        StatusCode::OK,
        &Collection {
            context: &context,
            count: ctx
                .options
                .count
                .then_some(page.items.len() as u64)
                .filter(|_| page.next_after.is_none()),
            next_link: page.next_after.map(|after| next_link(ctx, size, after)),
            value: page.items.iter().map(UploadWire::from).collect(),
        },
    ))
}

/// Writes devices in one transaction; returns them in request order.
async fn write_devices(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    import_id: Option<String>,
    devices: Vec<NewImportedDevice>,
) -> Result<Vec<ImportedDevice>, GraphError> {
    let target = match upload {
        UploadRef::None => UploadTarget::None,
        UploadRef::New => UploadTarget::New(Uuid::now_v7()),
        UploadRef::Key(key) => UploadTarget::Existing(key_or_404(
            key,
            "importedWindowsAutopilotDeviceIdentityUpload",
        )?),
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
    let due_at = ids
        .iter()
        .map(|id| now + state.config.processing_delay.for_record(*id))
        .collect();
    let created = store(
        state
            .store
            .import_devices(
                &ctx.principal.tenant,
                ImportBatch {
                    import_id,
                    upload: target,
                    created_at: now,
                    ids,
                    due_at,
                    devices,
                },
            )
            .await,
    )?;
    state.wake.wake();
    Ok(created)
}

async fn create_imported(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    device: NewImportedDevice,
) -> Result<Response, GraphError> {
    let created = write_devices(state, ctx, upload, None, vec![device]).await?;
    let Some(device) = created.first() else {
        return Err(GraphError::internal());
    };
    let set = imported_set(ctx, upload);
    let context = format!("{}{set}/$entity", ctx.metadata());
    let mut response = json(
        StatusCode::CREATED,
        &Entity {
            context: &context,
            entity: ImportedWire::from(device),
        },
    );
    set_location(
        &mut response,
        &format!(
            "{}/{}/{set}('{}')",
            ctx.origin,
            ctx.target.version.as_str(),
            device.id
        ),
    );
    Ok(response)
}

async fn import(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
    devices: Vec<NewImportedDevice>,
) -> Result<Response, GraphError> {
    // One import id for the records of one call.
    let import_id = match upload {
        UploadRef::None => Some(Uuid::new_v4().hyphenated().to_string()),
        _ => None,
    };
    let created = write_devices(state, ctx, upload, import_id, devices).await?;
    let context = format!(
        "{}Collection(microsoft.graph.importedWindowsAutopilotDeviceIdentity)",
        ctx.metadata()
    );
    Ok(json(
        StatusCode::OK,
        &Collection {
            context: &context,
            count: None,
            next_link: None,
            value: created.iter().map(ImportedWire::from).collect(),
        },
    ))
}
