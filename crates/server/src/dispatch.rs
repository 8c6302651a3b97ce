//! The dispatcher: every request, `$batch` sub-requests included, passes here once. In order:
//! the size of its head (431), the token endpoint, routing (404), authentication (401), the
//! resource's row of [`Resource::spec`] (405), throttling (429), permissions (403), query
//! options (400), the body (408, 413, 415), then the family's handler. Errors of every step are
//! rendered once, with the request's ids and the server's clock.

use std::sync::Arc;

use autopilot_domain::Principal;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use crate::auth::authenticate;
use crate::error::GraphError;
use crate::ids::{CLIENT_REQUEST_ID, REQUEST_ID, RequestIds};
use crate::respond::{self, Failed};
use crate::route::{self, Target};
use crate::route::{Resource, Spec};
use crate::state::{AppState, BatchOrigin, Ctx};
use crate::{body, handlers, ops, query, scenarios};

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let state = Arc::new(state);
    Router::new()
        .fallback(dispatch)
        .with_state(state.clone())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(on_panic))
        .layer(axum::middleware::from_fn_with_state(state, stamp))
}

fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    respond::failed()
}

/// Middleware: assigns the ids, hands them to the dispatcher, renders a [`Failed`] response as
/// a Graph error, and stamps the ids on every response.
async fn stamp(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let ids = RequestIds::for_request(&req);
    req.extensions_mut().insert(ids.clone());
    let response = next.run(req).await;
    finish(&state, &ids, response)
}

fn finish(state: &AppState, ids: &RequestIds, mut response: Response) -> Response {
    if response.extensions().get::<Failed>().is_some() {
        response = GraphError::internal().into_response_for(ids, state.clock.now());
    }
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
        headers.insert(REQUEST_ID.clone(), v);
    }
    if let Ok(v) = HeaderValue::from_str(&ids.client_request_id) {
        headers.insert(CLIENT_REQUEST_ID.clone(), v);
    }
    response
}

async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let ids = req
        .extensions()
        .get::<RequestIds>()
        .cloned()
        .unwrap_or_else(|| RequestIds::for_request(&req));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let began = std::time::Instant::now();
    // The caller's tenant and application join the span once authenticated.
    let span = tracing::info_span!(
        "request",
        tenant = tracing::field::Empty,
        app = tracing::field::Empty
    );
    let response = match handle(&state, req).instrument(span.clone()).await {
        Ok(response) => response,
        Err(error) => error.into_response_for(&ids, state.clock.now()),
    };
    let took = began.elapsed();
    let status = response.status().as_u16();
    let scenario = response
        .extensions()
        .get::<Arc<scenarios::Shaping>>()
        .map(|s| s.name.clone());
    // Asked inside the request's span, where the lines go (a filter may name the span).
    let logged = span.in_scope(|| {
        tracing::enabled!(tracing::Level::INFO)
            || tracing::enabled!(target: "audit", tracing::Level::INFO)
    });
    // The route template costs a second routing of the path: only for a log line or a metric.
    if !logged && state.ops.metrics.is_none() {
        return response;
    }
    let route = ops::metrics::route_label(&path);
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %path,
            route = %route,
            status,
            ms = took.as_secs_f64() * 1000.0,
            request_id = %ids.request_id,
            scenario = scenario.as_deref(),
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
                scenario = scenario.as_deref(),
                request_id = %ids.request_id,
                client_request_id = %ids.client_request_id,
                "write"
            );
        }
    });
    if state.ops.metrics.is_some() {
        ops::metrics::record_request(route, &method, status, took);
    }
    response
}

/// A request the server makes of itself (the console), with the caller it acts for. Only code
/// can set it: request extensions never come from the network.
#[derive(Debug, Clone)]
pub struct Internal(pub Principal);

/// Runs a request the server makes of itself through every step of the dispatcher (routing,
/// permissions, throttling, query options, the handler), as `principal`.
/// Writes get an audit line naming the console and the tenant acted for.
pub async fn internal(state: &AppState, mut req: Request, principal: Principal) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let tenant = principal.tenant.as_str().to_owned();
    req.extensions_mut().insert(Internal(principal));
    let response = dispatch_inner(state, req).await;
    let status = response.status().as_u16();
    if method != Method::GET {
        tracing::info!(
            target: "audit",
            method = %method,
            path = %path,
            status,
            outcome = if status < 400 { "succeeded" } else { "failed" },
            tenant = %tenant,
            via = "console",
            "write"
        );
    }
    response
}

/// One request through the dispatcher without the middleware (for `$batch` sub-requests):
/// fresh request ids, errors rendered, ids stamped. Its type is [`crate::state::Dispatch`].
fn dispatch_inner(
    state: &AppState,
    req: Request,
) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send + '_>> {
    Box::pin(async move {
        let ids = RequestIds::for_request(&req);
        let response = match handle(state, req).await {
            Ok(response) => response,
            Err(error) => error.into_response_for(&ids, state.clock.now()),
        };
        finish(state, &ids, response)
    })
}

async fn handle(state: &AppState, req: Request) -> Result<Response, GraphError> {
    if head_size(&req) > state.config.max_header_bytes {
        return Err(GraphError::HeaderFieldsTooLarge(format!(
            "The request line and headers are larger than {} bytes, the most this server \
             accepts.",
            state.config.max_header_bytes
        )));
    }
    if let Some(response) = operator(state, req.method(), req.uri().path(), req.headers()).await? {
        return Ok(response);
    }
    // The admin console, for browsers (never a `$batch` sub-request).
    if crate::console::owns(req.uri().path(), req.headers())
        && req.extensions().get::<BatchOrigin>().is_none()
    {
        return Ok(crate::console::call(state, req).await);
    }
    // The token endpoint lives beside the Graph versions, as login.microsoftonline.com does.
    if let Some((tenant, endpoint)) = handlers::token::endpoint_of(req.uri().path()) {
        let tenant = tenant.to_owned();
        return token(state, &tenant, endpoint, req).await;
    }
    if req.uri().path().eq_ignore_ascii_case("/devicelogin") && req.method() == Method::GET {
        return Ok(handlers::token::sign_in_page());
    }
    // The management API, beside the Graph versions, for admin tokens only.
    if req.uri().path().starts_with(handlers::management::PREFIX) {
        let principal = match presented(&req) {
            Ok(session) => session,
            Err(authorization) => authenticated(state, authorization.as_deref()).await?,
        };
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let body = body::within(state, req.into_body(), 1024 * 1024, || {
            GraphError::PayloadTooLarge("A scenario document is at most 1 MiB.".to_owned())
        })
        .await?;
        return handlers::management::call(state, &principal, &method, &path, &body).await;
    }
    // An unknown version is the gateway's 404 before anything else; other routing errors
    // come after authentication, as Graph's do.
    let routed = route::route(req.uri().path());
    if let Err(e) = &routed
        && e.status() == StatusCode::NOT_FOUND
    {
        return Err(e.clone());
    }
    // The schema is Graph's to anyone, before authentication.
    if let Ok(target) = &routed
        && target.resource == Resource::Metadata
    {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let spec = target.resource.spec();
            return Err(GraphError::method_not_allowed(
                req.method().as_str(),
                spec.template,
                spec.allow,
            ));
        }
        return Ok(handlers::metadata::respond(target.version));
    }
    let principal = match presented(&req) {
        Ok(session) => session,
        Err(authorization) => authenticated(state, authorization.as_deref()).await?,
    };
    if state.ops.per_tenant {
        metrics::counter!(
            "autopilot_graph_tenant_requests_total",
            "tenant" => principal.tenant.as_str().to_owned()
        )
        .increment(1);
    }
    let target = routed?;
    let method = req.method().clone();
    let spec = target.resource.spec();
    admit(state, &target, &spec, &method, &principal).await?;
    if state.scenarios.is_empty() {
        return carry_out(state, req, target, spec, method, principal).await;
    }
    let Some(shaping) =
        state
            .scenarios
            .request(principal.tenant.as_str(), method.as_str(), req.uri().path())
    else {
        return carry_out(state, req, target, spec, method, principal).await;
    };
    shaped(state, req, target, spec, method, principal, shaping).await
}

/// The operators' paths: `/healthz`, `/readyz`, and `/metrics` when it is served here. No
/// Graph token, except for metrics that name tenants (an admin token then).
async fn operator(
    state: &AppState,
    method: &Method,
    path: &str,
    headers: &axum::http::HeaderMap,
) -> Result<Option<Response>, GraphError> {
    let is_metrics = path == ops::METRICS && state.ops.metrics_on_main;
    if path != ops::HEALTHZ && path != ops::READYZ && path != ops::OPENAPI && !is_metrics {
        return Ok(None);
    }
    let handle = match &state.ops.metrics {
        Some(handle) => Some(handle),
        None if is_metrics => return Ok(None),
        None => None,
    };
    if method != Method::GET && method != Method::HEAD {
        return Err(GraphError::method_not_allowed(
            method.as_str(),
            path,
            "GET, HEAD",
        ));
    }
    Ok(Some(match (path, handle) {
        (ops::HEALTHZ, _) => ops::health::live(),
        (ops::OPENAPI, _) => crate::openapi::respond(),
        (ops::READYZ, _) => ops::health::ready(state).await,
        (_, Some(handle)) => {
            if state.ops.per_tenant {
                let authorization = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok());
                let principal = authenticated(state, authorization).await?;
                if !handlers::management::is_admin(&principal) {
                    return Err(GraphError::forbidden(&[handlers::management::ADMIN]));
                }
            }
            ops::metrics::render(state, handle).await
        }
        (_, None) => return Ok(None),
    }))
}

/// A request a scenario's rule shapes: its fault before or after the request is carried out,
/// its latency, its dropped connection; the response names the rule.
async fn shaped(
    state: &AppState,
    req: Request,
    target: Target,
    spec: Spec,
    method: Method,
    principal: Principal,
    shaping: scenarios::Shaping,
) -> Result<Response, GraphError> {
    use autopilot_scenario::Effect;
    let ids = req
        .extensions()
        .get::<RequestIds>()
        .cloned()
        .unwrap_or_else(|| RequestIds::for_request(&req));
    let render = |result: Result<Response, GraphError>| {
        result.unwrap_or_else(|e| e.into_response_for(&ids, state.clock.now()))
    };
    let mut response = match &shaping.effect {
        Effect::Latency(range) => {
            tokio::time::sleep(scenarios::draw(*range)).await;
            render(carry_out(state, req, target, spec, method, principal).await)
        }
        Effect::Sync(refusal) => render(Err(scenarios::sync_refusal(*refusal))),
        effect if scenarios::before(effect) => match effect {
            Effect::Status {
                status,
                retry_after,
                ..
            } => render(Err(scenarios::fault(*status, *retry_after))),
            _ => scenarios::dropped(),
        },
        Effect::Status {
            status,
            retry_after,
            ..
        } => {
            // Carried out first: the write stands, and the client still sees the fault.
            let _done = carry_out(state, req, target, spec, method, principal).await;
            render(Err(scenarios::fault(*status, *retry_after)))
        }
        Effect::Drop { .. } => {
            let _done = carry_out(state, req, target, spec, method, principal).await;
            scenarios::dropped()
        }
        _ => render(carry_out(state, req, target, spec, method, principal).await),
    };
    scenarios::mark(&mut response, &shaping);
    Ok(response)
}

/// The request, authenticated and admitted, carried out: its options, its body, its handler.
async fn carry_out(
    state: &AppState,
    req: Request,
    target: Target,
    spec: Spec,
    method: Method,
    principal: Principal,
) -> Result<Response, GraphError> {
    let options = query::parse(req.uri().query())?;
    query::check_options(&options, spec.options, target.version)?;
    let ctx = Ctx {
        origin: origin(&req, state.config.scheme),
        path: req.uri().path().to_owned(),
        authorization: req.headers().get(header::AUTHORIZATION).cloned(),
        eventual: req
            .headers()
            .get("consistencylevel")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"eventual")),
        internal: req.extensions().get::<Internal>().is_some(),
        target,
        options,
        principal,
    };
    let body = if method == Method::POST || method == Method::PATCH {
        body::read(state, req).await?
    } else {
        Bytes::new()
    };
    handlers::call(state, &ctx, &method, &body, dispatch_inner).await
}

/// `POST /{tenant}/oauth2/v2.0/token` and `.../devicecode`.
async fn token(
    state: &AppState,
    tenant: &str,
    endpoint: handlers::token::Endpoint,
    req: Request,
) -> Result<Response, GraphError> {
    if req.method() != Method::POST {
        return Err(GraphError::method_not_allowed(
            req.method().as_str(),
            "/{tenant}/oauth2/v2.0/token",
            "POST",
        ));
    }
    let origin = origin(&req, state.config.scheme);
    let body = body::within(state, req.into_body(), 64 * 1024, || {
        GraphError::PayloadTooLarge("The token request is too large.".to_owned())
    })
    .await?;
    Ok(handlers::token::answer(state, tenant, endpoint, &origin, &body).await)
}

/// The caller, from its bearer token; its tenant and application join the request's span.
/// Who sends `req`: the console's own requests carry the principal of their session (checked
/// already), `Ok`; every other request, `Err` its `Authorization` header, for [`authenticated`].
/// Not async: a request is not `Sync`, so no reference to it may be held across an await.
fn presented(req: &Request) -> Result<Principal, Option<String>> {
    match req.extensions().get::<Internal>() {
        Some(Internal(principal)) => Ok(principal.clone()),
        None => Err(req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)),
    }
}

async fn authenticated(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<Principal, GraphError> {
    // A token verified before is taken from the cache (`token_cache.rs`).
    let token = crate::auth::bearer(authorization).ok();
    let cached = token.and_then(|t| state.tokens.get(t));
    let principal = match cached {
        Some(principal) => principal,
        None => {
            let principal = match &state.jwks {
                Some(verifier) => verifier.authenticate(authorization).await,
                None => authenticate(&state.key, authorization),
            }
            .map_err(|e| GraphError::unauthenticated(e.to_string()))?;
            if let Some(token) = token {
                state.tokens.put(token, &principal);
            }
            principal
        }
    };
    let span = tracing::Span::current();
    span.record("tenant", principal.tenant.as_str());
    span.record("app", principal.app_id.as_str());
    Ok(principal)
}

/// The method (405), the request budget (429) and the permissions (403).
async fn admit(
    state: &AppState,
    target: &Target,
    spec: &Spec,
    method: &Method,
    principal: &Principal,
) -> Result<(), GraphError> {
    if !spec.allows(method) {
        return Err(GraphError::method_not_allowed(
            method.as_str(),
            spec.template,
            spec.allow,
        ));
    }
    // Each request counts, batch sub-requests one by one (the batch itself does not).
    if target.resource != Resource::Batch {
        let write = matches!(*method, Method::POST | Method::DELETE | Method::PATCH);
        let admitted = state
            .throttle
            .admit(
                state.store.as_ref(),
                principal.tenant.as_str(),
                &principal.app_id,
                write,
                state.clock.now(),
            )
            .await?;
        if let Err(refusal) = admitted {
            metrics::counter!("autopilot_graph_throttled_total", "limit" => refusal.limit)
                .increment(1);
            return Err(GraphError::too_many_requests(
                "Please retry again later.",
                refusal.retry_after,
            ));
        }
    }
    let needed = spec.required(method);
    let allowed = needed.is_empty() || principal.has_any(needed);
    let operation = autopilot_domain::usage::operation(
        method.as_str(),
        target.version.as_str(),
        &format!("{:?}", target.resource),
    );
    state
        .usage
        .record(principal, operation, needed, allowed, state.clock.now());
    if !allowed {
        let names: Vec<&str> = needed.iter().map(|p| p.name()).collect();
        return Err(GraphError::forbidden(&names));
    }
    Ok(())
}

/// `scheme://host` for links: the forwarding headers a proxy sets, else the listener's scheme
/// and the `Host` header.
pub(crate) fn origin(req: &Request, default_scheme: &'static str) -> String {
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
