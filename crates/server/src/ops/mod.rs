//! What the server tells its operators about itself, beside the Graph namespace and without a
//! Graph token: liveness (`/healthz`), readiness (`/readyz`) and Prometheus metrics
//! (`/metrics`).

pub mod health;
pub mod metrics;

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use crate::worker::Liveness;

/// The probes' and metrics' settings and handles.
#[derive(Debug, Clone, Default)]
pub struct Ops {
    /// The metrics, when they are kept (`--metrics` not `off`).
    pub metrics: Option<PrometheusHandle>,
    /// `/metrics` is answered on the Graph listener (else only on its own listener, if any).
    pub metrics_on_main: bool,
    /// Requests and imports are also counted per tenant (`--metrics-per-tenant`); `/metrics` on
    /// the Graph listener then needs an admin token.
    pub per_tenant: bool,
    /// The registration worker, for `/readyz` (`None`: this process runs none).
    pub worker: Option<Arc<Liveness>>,
}

/// The paths answered here, on the Graph listener.
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";
/// The OpenAPI document ([`crate::openapi`]).
pub const OPENAPI: &str = "/openapi.json";

/// The router of a listener of its own for the operators (`--metrics-listen`): `/metrics`
/// without a token (the listener's address is the protection), `/healthz` and `/readyz`.
pub fn router(state: crate::state::AppState) -> axum::Router {
    use axum::extract::State;
    use axum::routing::get;
    let state = Arc::new(state);
    axum::Router::new()
        .route(
            METRICS,
            get(|State(s): State<Arc<crate::state::AppState>>| async move {
                match &s.ops.metrics {
                    Some(handle) => metrics::render(&s, handle).await,
                    None => axum::http::StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .route(HEALTHZ, get(|| async { health::live() }))
        .route(
            READYZ,
            get(|State(s): State<Arc<crate::state::AppState>>| async move {
                health::ready(&s).await
            }),
        )
        .with_state(state)
}

use axum::response::IntoResponse as _;

/// Serves [`router`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: crate::state::AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    if let Err(e) = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::error!(error = %e, "the metrics listener stopped");
    }
}
