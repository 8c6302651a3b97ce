//! The router and the handlers of the import surface.

use std::sync::Arc;

use crate::profiles;
use autopilot_domain::sync::SyncDecision;
use autopilot_domain::{
    Access, Clock, DeploymentProfile, DevicePatch, ImportBatch, ImportedDevice, NewImportedDevice,
    Principal, ProfileAssignment, Store, StoreError, UploadTarget, UserlessEnrollmentStatus,
};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::auth::{SigningKey, authenticate};
use crate::delay::ProcessingDelay;
use crate::error::GraphError;
use crate::ids::{self, RequestIds};
use crate::query;
use crate::route::Version;
use crate::route::{self, Resource, Target, UploadRef};
use crate::wire::{
    self, Collection, DeviceWireBeta, DeviceWireV1, Entity, ImportedWire, UploadWire,
};
use crate::worker::Wake;
use autopilot_odata::{EntityType, Query, entity};
use serde_json::Value;

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
    /// The least time between two manual Autopilot syncs (Intune: 10 minutes).
    pub sync_interval: time::Duration,
    /// How long a manual sync runs.
    pub sync_duration: time::Duration,
    /// How long after registration (or the assignment) a matching profile becomes
    /// `assignedInSync`.
    pub profile_assignment_delay: time::Duration,
    /// Request limits; `None` turns throttling off.
    pub throttle: Option<crate::throttle::Limits>,
    /// The most bytes of request line and headers (431 beyond).
    pub max_header_bytes: usize,
    /// How long a client may take to send a whole request body (408 beyond).
    pub body_timeout: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_devices_per_request: 500,
            scheme: "http",
            processing_delay: ProcessingDelay::default(),
            sync_interval: time::Duration::minutes(10),
            sync_duration: time::Duration::seconds(20),
            profile_assignment_delay: time::Duration::seconds(60),
            throttle: Some(crate::throttle::Limits::INTUNE),
            max_header_bytes: crate::listen::ConnLimits::default().max_header_bytes,
            body_timeout: std::time::Duration::from_secs(120),
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
    /// Request counters for throttling.
    pub throttle: Arc<crate::throttle::Throttle>,
    /// `jwks` authentication; `None`: development tokens signed with `key`.
    pub jwks: Option<Arc<crate::jwks::JwksVerifier>>,
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
    options: Query,
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
    // The caller's tenant and application join the span once authenticated.
    let span = tracing::info_span!(
        "request",
        tenant = tracing::field::Empty,
        app = tracing::field::Empty
    );
    let response = match handle(&state, req).instrument(span.clone()).await {
        Ok(response) => response,
        Err(error) => error.into_response_for(&ids),
    };
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %path,
            status,
            request_id = %ids.request_id,
            "request"
        );
        // The audit trail: every write, who made it (the span's tenant and app), what it
        // addressed (the path holds the ids), and how it ended. Never a body, so never a hash,
        // product key or token.
        if method != Method::GET && method != Method::HEAD && method != Method::OPTIONS {
            tracing::info!(
                target: "audit",
                method = %method,
                path = %path,
                status,
                outcome = if status < 400 { "succeeded" } else { "failed" },
                request_id = %ids.request_id,
                client_request_id = %ids.client_request_id,
                "write"
            );
        }
    });
    response
}

/// One request through the dispatcher without the middleware (for `$batch` sub-requests):
/// fresh request ids, errors rendered, ids stamped.
pub(crate) async fn dispatch_inner(state: &AppState, req: Request) -> Response {
    let ids = RequestIds::for_request(&req);
    let mut response = match Box::pin(handle(state, req)).await {
        Ok(response) => response,
        Err(error) => error.into_response_for(&ids),
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
        headers.insert(ids::REQUEST_ID.clone(), v);
    }
    if let Ok(v) = HeaderValue::from_str(&ids.client_request_id) {
        headers.insert(ids::CLIENT_REQUEST_ID.clone(), v);
    }
    response
}

/// The origin a `$batch` sub-request inherits from its batch.
#[derive(Debug, Clone)]
pub(crate) struct BatchOrigin(pub String);

/// `scheme://host` for links: the forwarding headers a proxy sets, else the listener's scheme
/// and the `Host` header.
fn origin(req: &Request, default_scheme: &'static str) -> String {
    if let Some(BatchOrigin(origin)) = req.extensions().get::<BatchOrigin>() {
        return origin.clone();
    }
    let scheme = req
        .extensions()
        .get::<crate::listen::Scheme>()
        .map_or(default_scheme, |s| s.0);
    let headers = req.headers();
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

/// The size of the request line and headers as sent (near enough: separators counted once).
fn head_size(req: &Request) -> usize {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let line = req.method().as_str().len() + target + 12;
    req.headers()
        .iter()
        .fold(line, |n, (k, v)| n + k.as_str().len() + v.len() + 4)
}

/// Reads a whole body within the server's body timeout and `limit` bytes.
async fn body_within(
    state: &AppState,
    body: axum::body::Body,
    limit: usize,
    too_large: impl FnOnce() -> GraphError,
) -> Result<axum::body::Bytes, GraphError> {
    match tokio::time::timeout(state.config.body_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(GraphError::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeout",
            format!(
                "The request body did not arrive within {} seconds.",
                state.config.body_timeout.as_secs()
            ),
        )),
    }
}

async fn handle(state: &AppState, req: Request) -> Result<Response, GraphError> {
    if head_size(&req) > state.config.max_header_bytes {
        return Err(GraphError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "RequestHeaderFieldsTooLarge",
            format!(
                "The request line and headers are larger than {} bytes, the most this server \
                 accepts.",
                state.config.max_header_bytes
            ),
        ));
    }
    // The token endpoint lives beside the Graph versions, as login.microsoftonline.com does.
    if let Some(tenant) = crate::token_endpoint::tenant_of(req.uri().path()) {
        if req.method() != Method::POST {
            return Err(GraphError::method_not_allowed(
                req.method().as_str(),
                "/{tenant}/oauth2/v2.0/token",
                "POST",
            ));
        }
        let tenant = tenant.to_owned();
        let body = body_within(state, req.into_body(), 64 * 1024, || {
            GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                "The token request is too large.",
            )
        })
        .await?;
        return Ok(crate::token_endpoint::issue(state, &tenant, &body).await);
    }
    // An unknown version is the gateway's 404 before anything else; other routing errors
    // come after authentication, as Graph's do.
    let routed = route::route(req.uri().path());
    if let Err(e) = &routed
        && e.status == StatusCode::NOT_FOUND
    {
        return Err(e.clone());
    }
    let authorization_text = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let principal = match &state.jwks {
        Some(verifier) => verifier.authenticate(authorization_text).await,
        None => authenticate(&state.key, authorization_text),
    }
    .map_err(|e| GraphError::unauthenticated(e.to_string()))?;
    let span = tracing::Span::current();
    span.record("tenant", principal.tenant.as_str());
    span.record("app", principal.app_id.as_str());
    let target = routed?;
    let method = req.method().clone();
    let access = match (&target.resource, &method) {
        (_, &Method::GET) => Access::Read,
        (_, &Method::POST) | (_, &Method::DELETE) | (_, &Method::PATCH) => Access::Write,
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
    // Each request counts, batch sub-requests one by one (the batch itself does not).
    if target.resource != Resource::Batch
        && let Err(seconds) = store(
            state
                .throttle
                .admit(
                    state.store.as_ref(),
                    principal.tenant.as_str(),
                    &principal.app_id,
                    access == Access::Write,
                    state.clock.now(),
                )
                .await,
        )?
    {
        return Err(GraphError::too_many_requests(
            "Please retry again later.",
            seconds,
        ));
    }
    let needed = crate::permissions::required(&target.resource, &method);
    if !needed.is_empty() && !principal.has_any(needed) {
        let names: Vec<&str> = needed.iter().map(|p| p.name()).collect();
        return Err(GraphError::forbidden(&names));
    }
    let authorization = req.headers().get(header::AUTHORIZATION).cloned();
    let options = query::parse(req.uri().query())?;
    check_options(&target, &options)?;
    let ctx = Ctx {
        origin: origin(&req, state.config.scheme),
        path: req.uri().path().to_owned(),
        target,
        options,
        principal,
    };
    let body = if method == Method::POST || method == Method::PATCH {
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
                Some(device) => Ok(entity_response(
                    &ctx,
                    &entity::IMPORTED_DEVICE,
                    &imported_set(&ctx, &upload_ref(upload)),
                    &ImportedWire::from(&device),
                )),
                None => Err(GraphError::not_found(
                    "importedWindowsAutopilotDeviceIdentity",
                    &key,
                )),
            }
        }
        (Resource::ImportedItem { upload, key }, Method::DELETE) => {
            let upload = existing_upload(state, &ctx, &upload).await?;
            let id = key_or_404(&key, "importedWindowsAutopilotDeviceIdentity")?;
            no_content_or_404(
                store(
                    state
                        .store
                        .delete_imported(&ctx.principal.tenant, id, upload)
                        .await,
                )?,
                &key,
                "importedWindowsAutopilotDeviceIdentity",
            )
        }
        (Resource::ImportedCount { upload }, Method::GET) => {
            let upload = existing_upload(state, &ctx, &upload).await?;
            let n = store(
                state
                    .store
                    .count_imported(&ctx.principal.tenant, upload, ctx.options.filter.as_ref())
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
            Ok(created(&ctx, UPLOADS, id, UploadWire::from(&upload)))
        }
        (Resource::UploadItem { key }, Method::GET) => {
            let id = key_or_404(&key, "importedWindowsAutopilotDeviceIdentityUpload")?;
            match store(state.store.get_upload(&ctx.principal.tenant, id).await)? {
                Some(upload) => Ok(single(&ctx, UPLOADS, UploadWire::from(&upload))),
                None => Err(GraphError::not_found(
                    "importedWindowsAutopilotDeviceIdentityUpload",
                    &key,
                )),
            }
        }
        (Resource::UploadItem { key }, Method::DELETE) => {
            let id = key_or_404(&key, "importedWindowsAutopilotDeviceIdentityUpload")?;
            no_content_or_404(
                store(state.store.delete_upload(&ctx.principal.tenant, id).await)?,
                &key,
                "importedWindowsAutopilotDeviceIdentityUpload",
            )
        }
        (Resource::UploadsCount, Method::GET) => {
            let n = store(
                state
                    .store
                    .count_uploads(&ctx.principal.tenant, ctx.options.filter.as_ref())
                    .await,
            )?;
            Ok(text(n.to_string()))
        }
        (Resource::Devices, Method::GET) => list_devices(state, &ctx).await,
        (Resource::DeviceItem { key }, Method::GET) => {
            let id = key_or_404(&key, "windowsAutopilotDeviceIdentity")?;
            match store(state.store.get_device(&ctx.principal.tenant, id).await)? {
                Some(device) => {
                    let (set, e) = (DEVICES, &entity::AUTOPILOT_DEVICE);
                    Ok(match ctx.target.version {
                        Version::V1 => entity_response(&ctx, e, set, &DeviceWireV1::from(&device)),
                        Version::Beta => {
                            let (profiles, assignments) = profile_context(state, &ctx).await?;
                            let value = beta_device(state, &ctx, &device, &profiles, &assignments);
                            entity_response(&ctx, e, set, &value)
                        }
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
        (Resource::DeviceAction { key, action }, Method::POST) => {
            device_action(state, &ctx, &key, action, &body.unwrap_or_default()).await
        }
        (Resource::DeleteDevices, Method::POST) => {
            delete_devices(state, &ctx, &body.unwrap_or_default()).await
        }
        (Resource::Batch, Method::POST) => {
            let value = parse_json(&body.unwrap_or_default())?;
            let responses = Box::pin(crate::batch::run(
                state,
                ctx.target.version,
                &ctx.origin,
                authorization,
                &value,
            ))
            .await?;
            Ok(json(StatusCode::OK, &responses))
        }
        (Resource::Profiles, Method::GET) => {
            let profiles = store(state.store.list_profiles(&ctx.principal.tenant).await)?;
            let value: Vec<Value> = profiles.iter().map(profiles::profile_json).collect();
            let context = format!("{}{PROFILES}", ctx.metadata());
            Ok(json(
                StatusCode::OK,
                &Collection {
                    context: &context,
                    count: None,
                    next_link: None,
                    value,
                },
            ))
        }
        (Resource::Profiles, Method::POST) => {
            let value = parse_json(&body.unwrap_or_default())?;
            let kind = value
                .get("@odata.type")
                .and_then(Value::as_str)
                .and_then(profiles::profile_type)
                .ok_or_else(|| {
                    GraphError::bad_request(
                        "A deployment profile needs '@odata.type': #microsoft.graph.azureADWindowsAutopilotDeploymentProfile or #microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile.",
                    )
                })?;
            let now = state.clock.now();
            let profile = DeploymentProfile {
                id: Uuid::now_v7(),
                odata_type: kind.to_owned(),
                properties: profiles::properties(&value, None)?,
                created_at: now,
                modified_at: now,
            };
            store(
                state
                    .store
                    .put_profile(&ctx.principal.tenant, &profile)
                    .await,
            )?;
            Ok(created(
                &ctx,
                PROFILES,
                profile.id,
                profiles::profile_json(&profile),
            ))
        }
        (Resource::ProfileItem { key }, Method::GET) => {
            let profile = find_profile(state, &ctx, &key).await?;
            Ok(single(&ctx, PROFILES, profiles::profile_json(&profile)))
        }
        (Resource::ProfileItem { key }, Method::PATCH) => {
            let mut profile = find_profile(state, &ctx, &key).await?;
            let value = parse_json(&body.unwrap_or_default())?;
            if let Some(t) = value.get("@odata.type").and_then(Value::as_str)
                && profiles::profile_type(t) != Some(profile.odata_type.as_str())
            {
                return Err(GraphError::bad_request(
                    "A profile's @odata.type cannot change.",
                ));
            }
            profile.properties = profiles::properties(&value, Some(&profile.properties))?;
            profile.modified_at = state.clock.now();
            store(
                state
                    .store
                    .put_profile(&ctx.principal.tenant, &profile)
                    .await,
            )?;
            Ok(single(&ctx, PROFILES, profiles::profile_json(&profile)))
        }
        (Resource::ProfileItem { key }, Method::DELETE) => {
            let id = key_or_404(&key, "windowsAutopilotDeploymentProfile")?;
            no_content_or_404(
                store(state.store.delete_profile(&ctx.principal.tenant, id).await)?,
                &key,
                "windowsAutopilotDeploymentProfile",
            )
        }
        (Resource::ProfileAssignments { key }, Method::GET) => {
            let profile = find_profile(state, &ctx, &key).await?;
            let all = store(state.store.list_assignments(&ctx.principal.tenant).await)?;
            let value: Vec<Value> = all
                .iter()
                .filter(|a| a.profile_id == profile.id)
                .map(profiles::assignment_json)
                .collect();
            let context = format!("{}{PROFILES}('{}')/assignments", ctx.metadata(), profile.id);
            Ok(json(
                StatusCode::OK,
                &Collection {
                    context: &context,
                    count: None,
                    next_link: None,
                    value,
                },
            ))
        }
        (Resource::ProfileAssignments { key }, Method::POST) => {
            let profile = find_profile(state, &ctx, &key).await?;
            let value = parse_json(&body.unwrap_or_default())?;
            let assignment = ProfileAssignment {
                id: Uuid::now_v7(),
                profile_id: profile.id,
                group_id: profiles::assignment_target(&value)?,
                created_at: state.clock.now(),
            };
            if !store(
                state
                    .store
                    .add_assignment(&ctx.principal.tenant, &assignment)
                    .await,
            )? {
                return Err(GraphError::not_found(
                    "windowsAutopilotDeploymentProfile",
                    &key,
                ));
            }
            let set = format!("{PROFILES}('{}')/assignments", profile.id);
            Ok(single_with(
                &ctx,
                StatusCode::CREATED,
                &set,
                profiles::assignment_json(&assignment),
            ))
        }
        (Resource::ProfileAssignmentItem { key, assignment }, Method::GET) => {
            let profile = find_profile(state, &ctx, &key).await?;
            let all = store(state.store.list_assignments(&ctx.principal.tenant).await)?;
            let found = all
                .iter()
                .find(|a| {
                    a.profile_id == profile.id
                        && Uuid::parse_str(assignment.trim()).is_ok_and(|id| id == a.id)
                })
                .ok_or_else(|| {
                    GraphError::not_found(
                        "windowsAutopilotDeploymentProfileAssignment",
                        &assignment,
                    )
                })?;
            let set = format!("{PROFILES}('{}')/assignments", profile.id);
            Ok(single(&ctx, &set, profiles::assignment_json(found)))
        }
        (Resource::ProfileAssignmentItem { key, assignment }, Method::DELETE) => {
            let profile = find_profile(state, &ctx, &key).await?;
            let id = key_or_404(&assignment, "windowsAutopilotDeploymentProfileAssignment")?;
            no_content_or_404(
                store(
                    state
                        .store
                        .delete_assignment(&ctx.principal.tenant, profile.id, id)
                        .await,
                )?,
                &assignment,
                "windowsAutopilotDeploymentProfileAssignment",
            )
        }
        (Resource::DeviceProfileNav { key, intended }, Method::GET) => {
            if ctx.target.version == Version::V1 {
                return Err(GraphError::segment_not_found(if intended {
                    "intendedDeploymentProfile"
                } else {
                    "deploymentProfile"
                }));
            }
            let id = key_or_404(&key, "windowsAutopilotDeviceIdentity")?;
            let device = store(state.store.get_device(&ctx.principal.tenant, id).await)?
                .ok_or_else(|| GraphError::not_found("windowsAutopilotDeviceIdentity", &key))?;
            let (profiles, assignments) = profile_context(state, &ctx).await?;
            let resolved = profiles::resolve(
                &device,
                &profiles,
                &assignments,
                state.clock.now(),
                state.config.profile_assignment_delay,
            );
            let nav = if intended {
                "intendedDeploymentProfile"
            } else {
                "deploymentProfile"
            };
            let profile = if intended {
                resolved.intended
            } else {
                resolved.profile
            };
            match profile {
                Some(p) => {
                    let set = format!("{DEVICES}('{id}')/{nav}");
                    Ok(single(&ctx, &set, profiles::profile_json(p)))
                }
                None => Err(GraphError::new(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFound",
                    format!("The device has no {nav}."),
                )),
            }
        }
        (Resource::Settings, Method::GET) => settings(state, &ctx).await,
        (Resource::Settings, Method::PATCH) => {
            // Every property is the service's own (ids and sync times): the values are read,
            // to answer malformed bodies with 400, and otherwise ignored.
            let value = parse_json(&body.unwrap_or_default())?;
            if !value.is_object() {
                return Err(GraphError::bad_request(
                    "The request body must be a windowsAutopilotSettings object.",
                ));
            }
            settings(state, &ctx).await
        }
        (Resource::SettingsSync, Method::POST) => {
            let decision = store(
                state
                    .store
                    .trigger_sync(
                        &ctx.principal.tenant,
                        state.clock.now(),
                        state.config.sync_interval,
                        state.config.sync_duration,
                    )
                    .await,
            )?;
            match decision {
                SyncDecision::Start { .. } => Ok(StatusCode::NO_CONTENT.into_response()),
                SyncDecision::InProgress => Err(GraphError::new(
                    StatusCode::CONFLICT,
                    "Conflict",
                    "A sync with the Windows Autopilot deployment service is already in progress.",
                )),
                SyncDecision::TooSoon { retry_after_secs } => Err(GraphError::too_many_requests(
                    format!(
                        "A sync was triggered less than {} minutes ago. Please retry after {retry_after_secs} seconds.",
                        state.config.sync_interval.whole_minutes()
                    ),
                    retry_after_secs,
                )),
            }
        }
        (Resource::DevicesCount, Method::GET) => {
            let n = store(
                state
                    .store
                    .count_devices(&ctx.principal.tenant, ctx.options.filter.as_ref())
                    .await,
            )?;
            Ok(text(n.to_string()))
        }
        (resource, method) => Err(GraphError::method_not_allowed(
            method.as_str(),
            resource.template(),
            resource.allowed(),
        )),
    }
}

/// Checks the query options against the entity the route serves: lists and counts take them
/// all, single entities `$select` and `$expand`, actions none.
fn check_options(target: &Target, options: &Query) -> Result<(), GraphError> {
    let entity = match &target.resource {
        Resource::Imported { .. }
        | Resource::ImportedItem { .. }
        | Resource::ImportedCount { .. } => &entity::IMPORTED_DEVICE,
        Resource::Uploads | Resource::UploadItem { .. } | Resource::UploadsCount => &entity::UPLOAD,
        Resource::Devices | Resource::DeviceItem { .. } | Resource::DevicesCount => {
            &entity::AUTOPILOT_DEVICE
        }
        Resource::Import { .. }
        | Resource::DeviceAction { .. }
        | Resource::DeleteDevices
        | Resource::SettingsSync
        | Resource::Batch
        | Resource::Profiles
        | Resource::ProfileItem { .. }
        | Resource::ProfileAssignments { .. }
        | Resource::ProfileAssignmentItem { .. }
        | Resource::DeviceProfileNav { .. } => return Ok(()),
        Resource::Settings => {
            if options.filter.is_some() || !options.orderby.is_empty() || !options.expand.is_empty()
            {
                return Err(GraphError::bad_request(
                    "windowsAutopilotSettings takes $select only.",
                ));
            }
            return Ok(());
        }
    };
    let single = matches!(
        target.resource,
        Resource::ImportedItem { .. } | Resource::UploadItem { .. } | Resource::DeviceItem { .. }
    );
    if single
        && (options.filter.is_some()
            || !options.orderby.is_empty()
            || options.top.is_some()
            || options.skip.is_some()
            || options.skiptoken.is_some())
    {
        return Err(GraphError::bad_request(
            "Query options other than $select and $expand are not allowed on a single entity.",
        ));
    }
    query::check(options, entity)?;
    if !options.expand.is_empty() && target.version == Version::V1 {
        return Err(GraphError::bad_request(format!(
            "Could not find a navigation property named '{}' on type 'microsoft.graph.{}' in v1.0.",
            options.expand[0], entity.name
        )));
    }
    // The upload's deviceIdentities navigation is reached by path, not expanded.
    if !options.expand.is_empty() && entity.name != entity::AUTOPILOT_DEVICE.name {
        return Err(GraphError::bad_request(format!(
            "$expand is not supported on {}.",
            entity.name
        )));
    }
    Ok(())
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
        StoreError::InvalidQuery(message) => GraphError::bad_request(message),
        StoreError::Unavailable(message) | StoreError::Conflict(message) => {
            tracing::warn!(%message, "storage unavailable");
            GraphError::service_unavailable(
                "The service is temporarily unavailable; try again shortly.",
                5,
            )
        }
        StoreError::Backend(message) => {
            tracing::error!(%message, "storage failure");
            GraphError::internal()
        }
    })
}

/// Keys are GUIDs; anything else names nothing.
/// 204 when the store found what it was asked to change or remove, else 404 for `key`.
fn no_content_or_404(found: bool, key: &str, entity: &str) -> Result<Response, GraphError> {
    if found {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(GraphError::not_found(entity, key))
    }
}

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
    body_within(state, req.into_body(), limit, too_large).await
}

fn parse_json(body: &[u8]) -> Result<Value, GraphError> {
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

/// Collections below the service root, as they appear in contexts and links.
const UPLOADS: &str = "deviceManagement/importedWindowsAutopilotDeviceIdentityUploads";
const PROFILES: &str = "deviceManagement/windowsAutopilotDeploymentProfiles";
const DEVICES: &str = "deviceManagement/windowsAutopilotDeviceIdentities";

/// One entity of `set` (its path below the service root), its `@odata.context` naming it.
fn single<T: Serialize>(ctx: &Ctx, set: &str, entity: T) -> Response {
    single_with(ctx, StatusCode::OK, set, entity)
}

fn single_with<T: Serialize>(ctx: &Ctx, status: StatusCode, set: &str, entity: T) -> Response {
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
fn created<T: Serialize>(ctx: &Ctx, set: &str, id: impl std::fmt::Display, entity: T) -> Response {
    let mut response = single_with(ctx, StatusCode::CREATED, set, entity);
    set_location(
        &mut response,
        &format!(
            "{}/{}/{set}('{id}')",
            ctx.origin,
            ctx.target.version.as_str()
        ),
    );
    response
}

fn set_location(response: &mut Response, url: &str) {
    if let Ok(v) = HeaderValue::from_str(url) {
        response.headers_mut().insert(header::LOCATION, v);
    }
}

/// Renders a list page: `$select` trims each item, `@odata.context` names the selection,
/// `@odata.nextLink` carries the options and the next page's token.
fn list_response<T: Serialize>(
    ctx: &Ctx,
    entity: &EntityType,
    set: &str,
    scope: &str,
    page: autopilot_domain::Page<T>,
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
    let selected = query::selected(&ctx.options, entity);
    if selected.is_none() {
        return json(
            StatusCode::OK,
            &Collection {
                context: &context,
                count,
                next_link,
                value: page.items,
            },
        );
    }
    let value: Vec<Value> = page
        .items
        .iter()
        .map(|item| shape(item, selected.as_deref()))
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
fn entity_response<T: Serialize>(ctx: &Ctx, entity: &EntityType, set: &str, item: &T) -> Response {
    let context = format!(
        "{}{set}{}/$entity",
        ctx.metadata(),
        query::context_suffix(&ctx.options, entity)
    );
    let selected = query::selected(&ctx.options, entity);
    if selected.is_none() {
        return json(
            StatusCode::OK,
            &Entity {
                context: &context,
                entity: item,
            },
        );
    }
    json(
        StatusCode::OK,
        &Entity {
            context: &context,
            entity: shape(item, selected.as_deref()),
        },
    )
}

/// One page of a list (none when `$top=0`) and, with `$count=true`, the filtered count. The
/// store calls are futures: each runs only if needed.
async fn page_and_count<T>(
    ctx: &Ctx,
    limit: u32,
    page: impl Future<Output = Result<autopilot_domain::Page<T>, StoreError>>,
    count: impl Future<Output = Result<u64, StoreError>>,
) -> Result<(autopilot_domain::Page<T>, Option<u64>), GraphError> {
    let page = if limit == 0 {
        autopilot_domain::Page {
            items: Vec::new(),
            next: None,
        }
    } else {
        store(page.await)?
    };
    let count = if ctx.options.count {
        Some(store(count.await)?)
    } else {
        None
    };
    Ok((page, count))
}

/// The same page with its items turned into their wire shape.
fn map_page<'a, T, U>(
    page: &'a autopilot_domain::Page<T>,
    f: impl FnMut(&'a T) -> U,
) -> autopilot_domain::Page<U> {
    autopilot_domain::Page {
        items: page.items.iter().map(f).collect(),
        next: page.next.clone(),
    }
}

async fn list_imported(
    state: &AppState,
    ctx: &Ctx,
    upload: &UploadRef,
) -> Result<Response, GraphError> {
    let upload_id = existing_upload(state, ctx, upload).await?;
    let scope = format!(
        "imported:{}",
        upload_id.map(|u| u.to_string()).unwrap_or_default()
    );
    let request = query::page_request(&ctx.options, &scope)?;
    let tenant = &ctx.principal.tenant;
    let (page, count) = page_and_count(
        ctx,
        request.limit,
        state
            .store
            .list_imported(tenant, upload_id, request.clone()),
        state
            .store
            .count_imported(tenant, upload_id, ctx.options.filter.as_ref()),
    )
    .await?;
    Ok(list_response(
        ctx,
        &entity::IMPORTED_DEVICE,
        &imported_set(ctx, upload),
        &scope,
        map_page(&page, ImportedWire::from),
        count,
    ))
}

async fn list_devices(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let request = query::page_request(&ctx.options, "devices")?;
    let tenant = &ctx.principal.tenant;
    let (page, count) = page_and_count(
        ctx,
        request.limit,
        state.store.list_devices(tenant, request),
        state
            .store
            .count_devices(tenant, ctx.options.filter.as_ref()),
    )
    .await?;
    let (set, e) = (DEVICES, &entity::AUTOPILOT_DEVICE);
    Ok(match ctx.target.version {
        Version::V1 => list_response(
            ctx,
            e,
            set,
            "devices",
            map_page(&page, DeviceWireV1::from),
            count,
        ),
        Version::Beta => {
            let (profiles, assignments) = profile_context(state, ctx).await?;
            let shaped = map_page(&page, |d| {
                beta_device(state, ctx, d, &profiles, &assignments)
            });
            list_response(ctx, e, set, "devices", shaped, count)
        }
    })
}

async fn list_uploads(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let request = query::page_request(&ctx.options, "uploads")?;
    let tenant = &ctx.principal.tenant;
    let (page, count) = page_and_count(
        ctx,
        request.limit,
        state.store.list_uploads(tenant, request),
        state
            .store
            .count_uploads(tenant, ctx.options.filter.as_ref()),
    )
    .await?;
    Ok(list_response(
        ctx,
        &entity::UPLOAD,
        UPLOADS,
        "uploads",
        map_page(&page, UploadWire::from),
        count,
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
    let written = write_devices(state, ctx, upload, None, vec![device]).await?;
    let Some(device) = written.first() else {
        return Err(GraphError::internal());
    };
    let set = imported_set(ctx, upload);
    Ok(created(ctx, &set, device.id, ImportedWire::from(device)))
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

/// The parameters an action takes, by version.
fn action_parameters(action: &str, version: Version) -> &'static [&'static str] {
    match (action, version) {
        ("assignUserToDevice", _) => &["userPrincipalName", "addressableUserName"],
        ("updateDeviceProperties", Version::V1) => &[
            "userPrincipalName",
            "addressableUserName",
            "groupTag",
            "displayName",
        ],
        ("updateDeviceProperties", Version::Beta) => &[
            "userPrincipalName",
            "addressableUserName",
            "groupTag",
            "displayName",
            "deviceAccountUpn",
            "deviceAccountPassword",
            "deviceFriendlyName",
        ],
        ("assignResourceAccountToDevice", _) => &[
            "userPrincipalName",
            "addressableUserName",
            "resourceAccountName",
        ],
        _ => &[],
    }
}

/// An action's parameters: each a string (or null, read as ""), each one the action takes.
fn action_arguments(
    action: &str,
    version: Version,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, GraphError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let Value::Object(object) = parse_json(body)? else {
        return Err(GraphError::bad_request(format!(
            "The body of '{action}' must be an object of its parameters."
        )));
    };
    let allowed = action_parameters(action, version);
    let mut out = Vec::new();
    for (name, value) in &object {
        if name.starts_with('@') {
            continue;
        }
        let Some(param) = allowed.iter().find(|p| p.eq_ignore_ascii_case(name)) else {
            return Err(GraphError::bad_request(format!(
                "The parameter '{name}' is not in scope of the action '{action}' in {}.",
                version.as_str()
            )));
        };
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            _ => {
                return Err(GraphError::bad_request(format!(
                    "The parameter '{param}' of '{action}' must be a string."
                )));
            }
        };
        out.push((*param, text));
    }
    Ok(out)
}

fn looks_like_upn(upn: &str) -> bool {
    matches!(upn.split_once('@'), Some((user, domain)) if !user.is_empty() && domain.contains('.') && !upn.contains(' '))
}

async fn device_action(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    action: &'static str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let beta_only = matches!(
        action,
        "allowNextEnrollment"
            | "assignResourceAccountToDevice"
            | "unassignResourceAccountFromDevice"
    );
    if beta_only && ctx.target.version == Version::V1 {
        return Err(GraphError::segment_not_found(action));
    }
    let args = action_arguments(action, ctx.target.version, body)?;
    let arg = |name: &str| {
        args.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let mut patch = DevicePatch::default();
    match action {
        "assignUserToDevice" => {
            let upn = arg("userPrincipalName").unwrap_or_default();
            if !looks_like_upn(&upn) {
                return Err(GraphError::bad_request(format!(
                    "assignUserToDevice needs a userPrincipalName like user@contoso.com, not '{upn}'."
                )));
            }
            patch.user_principal_name = Some(upn);
            patch.addressable_user_name = Some(arg("addressableUserName").unwrap_or_default());
        }
        "unassignUserFromDevice" => {
            patch.user_principal_name = Some(String::new());
            patch.addressable_user_name = Some(String::new());
        }
        "updateDeviceProperties" => {
            if let Some(upn) = arg("userPrincipalName")
                && !upn.is_empty()
                && !looks_like_upn(&upn)
            {
                return Err(GraphError::bad_request(format!(
                    "userPrincipalName must look like user@contoso.com, not '{upn}'."
                )));
            }
            patch.user_principal_name = arg("userPrincipalName");
            patch.addressable_user_name = arg("addressableUserName");
            patch.group_tag = arg("groupTag");
            patch.display_name = arg("displayName");
            patch.device_account_upn = arg("deviceAccountUpn");
            patch.device_account_password = arg("deviceAccountPassword");
            patch.device_friendly_name = arg("deviceFriendlyName");
        }
        "allowNextEnrollment" => {
            patch.userless_enrollment_status = Some(UserlessEnrollmentStatus::Allowed);
        }
        "assignResourceAccountToDevice" => {
            let name = arg("resourceAccountName").unwrap_or_default();
            if name.trim().is_empty() {
                return Err(GraphError::bad_request(
                    "assignResourceAccountToDevice needs a resourceAccountName.",
                ));
            }
            patch.resource_name = Some(name);
            patch.user_principal_name = arg("userPrincipalName");
            patch.addressable_user_name = arg("addressableUserName");
        }
        "unassignResourceAccountFromDevice" => patch.resource_name = Some(String::new()),
        _ => return Err(GraphError::segment_not_found(action)),
    }
    let id = key_or_404(key, "windowsAutopilotDeviceIdentity")?;
    no_content_or_404(
        store(
            state
                .store
                .update_device(&ctx.principal.tenant, id, &patch)
                .await,
        )?,
        key,
        "windowsAutopilotDeviceIdentity",
    )
}

async fn delete_devices(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let value = parse_json(body)?;
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
    let results = store(
        state
            .store
            .delete_devices_by_serial(&ctx.principal.tenant, &serials)
            .await,
    )?;
    let value: Vec<Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "serialNumber": r.serial_number,
                "deviceRegistrationId": r.device_registration_id,
                "deletionState": if r.accepted { "accepted" } else { "failed" },
                "errorMessage": r.error_message,
            })
        })
        .collect();
    let context = format!(
        "{}Collection(microsoft.graph.deletedWindowsAutopilotDeviceState)",
        ctx.metadata()
    );
    Ok(json(
        StatusCode::OK,
        &Collection {
            context: &context,
            count: None,
            next_link: None,
            value,
        },
    ))
}

async fn settings(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (id, times, previous) = store(state.store.sync_state(&ctx.principal.tenant).await)?;
    let view = autopilot_domain::sync::view(times, state.clock.now(), previous);
    let when =
        |t: Option<time::OffsetDateTime>| t.map_or_else(|| wire::NEVER.to_owned(), wire::datetime);
    let body = serde_json::json!({
        "id": id.hyphenated().to_string(),
        "lastSyncDateTime": when(view.last_sync),
        "lastManualSyncTriggerDateTime": when(view.last_manual_trigger),
        "syncStatus": view.status.as_str(),
    });
    let body = match &ctx.options.select[..] {
        [] => body,
        selected => {
            let names: Vec<String> = selected.iter().map(|p| p.name()).collect();
            let refs: Vec<&str> = std::iter::once("id")
                .chain(names.iter().map(String::as_str))
                .collect();
            query::trim(body, &refs)
        }
    };
    Ok(single(
        ctx,
        "deviceManagement/windowsAutopilotSettings",
        body,
    ))
}

async fn find_profile(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
) -> Result<DeploymentProfile, GraphError> {
    let id = key_or_404(key, "windowsAutopilotDeploymentProfile")?;
    store(state.store.list_profiles(&ctx.principal.tenant).await)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| GraphError::not_found("windowsAutopilotDeploymentProfile", key))
}

/// The tenant's profiles and assignments (few), for resolving devices' profiles.
async fn profile_context(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(Vec<DeploymentProfile>, Vec<ProfileAssignment>), GraphError> {
    let assignments = store(state.store.list_assignments(&ctx.principal.tenant).await)?;
    if assignments.is_empty() {
        return Ok((Vec::new(), assignments));
    }
    let profiles = store(state.store.list_profiles(&ctx.principal.tenant).await)?;
    Ok((profiles, assignments))
}

/// A beta device as JSON: its profile standing, and `$expand`ed profile navigations.
fn beta_device(
    state: &AppState,
    ctx: &Ctx,
    device: &autopilot_domain::AutopilotDevice,
    profiles: &[DeploymentProfile],
    assignments: &[ProfileAssignment],
) -> Value {
    let resolved = profiles::resolve(
        device,
        profiles,
        assignments,
        state.clock.now(),
        state.config.profile_assignment_delay,
    );
    let wire = DeviceWireBeta::from(device).with_profile(resolved.status, resolved.assigned_at);
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
                profile.map_or(Value::Null, profiles::profile_json),
            );
        }
    }
    value
}
