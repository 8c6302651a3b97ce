//! Prometheus metrics, through the `metrics` facade and its Prometheus exporter. Code anywhere
//! counts with `metrics::counter!` and friends (a no-op until a recorder is installed); this
//! file installs the recorder, names a request's route, and renders the text format with the
//! gauges that are read at scrape time (the queue, the pool).
//!
//! Labels are bounded: a route is its template (never the raw path), a status its number, an
//! error its code and name, a scenario rule its name. Tenants appear only with
//! `--metrics-per-tenant`.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// Latency buckets, in seconds: from a cached read to a slow import.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls give the same handle).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let builder = match builder.set_buckets(BUCKETS) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "histogram buckets refused; summaries instead");
                    PrometheusBuilder::new()
                }
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(e) = metrics::set_global_recorder(recorder) {
                tracing::warn!(error = %e, "another metrics recorder is installed");
            }
            describe();
            handle
        })
        .clone()
}

/// Keeps the recorder's histograms trimmed (the exporter leaves this to its user).
pub fn spawn_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "autopilot_graph_http_requests_total",
        "Requests answered, by route template, method and status."
    );
    describe_histogram!(
        "autopilot_graph_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a request, by route template and method."
    );
    describe_counter!(
        "autopilot_graph_devices_imported_total",
        "Imported records accepted (each then processed by the registration service)."
    );
    describe_counter!(
        "autopilot_graph_registrations_total",
        "Records decided by the registration service, by status and error code and name."
    );
    describe_gauge!(
        "autopilot_graph_queue_processing",
        "Imported records still processing (state unknown)."
    );
    describe_gauge!(
        "autopilot_graph_queue_due",
        "Imported records due for the registration service now."
    );
    describe_gauge!(
        "autopilot_graph_queue_oldest_due_age_seconds",
        Unit::Seconds,
        "How long the oldest due record has waited past its due time."
    );
    describe_counter!(
        "autopilot_graph_worker_rounds_total",
        "Registration rounds, by result."
    );
    describe_histogram!(
        "autopilot_graph_worker_round_duration_seconds",
        Unit::Seconds,
        "Duration of a registration round."
    );
    describe_counter!(
        "autopilot_graph_throttled_total",
        "Requests refused with 429 by Intune's limits, by the limit reached."
    );
    describe_counter!(
        "autopilot_graph_scenario_rule_hits_total",
        "Requests and records a scenario rule shaped, by scenario/rule."
    );
    describe_gauge!(
        "autopilot_graph_store_connections",
        "Database connections of this instance, by state (idle, in_use)."
    );
    describe_gauge!(
        "autopilot_graph_store_connections_max",
        "The most database connections this instance opens."
    );
    describe_gauge!(
        "autopilot_graph_store_up",
        "1 when the store answered the last scrape's queue query, else 0."
    );
    describe_counter!(
        "autopilot_graph_tenant_requests_total",
        "Authenticated requests per tenant (only with --metrics-per-tenant)."
    );
    describe_counter!(
        "autopilot_graph_tenant_devices_imported_total",
        "Imported records accepted per tenant (only with --metrics-per-tenant)."
    );
    describe_gauge!(
        "autopilot_graph_build_info",
        "Always 1; the version of this build and its store in labels."
    );
}

/// How a request's route is named in the metrics and the request log.
pub fn route_label(path: &str) -> Cow<'static, str> {
    match path {
        super::HEALTHZ | super::READYZ | super::METRICS | super::OPENAPI => {
            return Cow::Owned(path.to_owned());
        }
        _ => {}
    }
    if let Some((_, endpoint)) = crate::handlers::token::endpoint_of(path) {
        return match endpoint {
            crate::handlers::token::Endpoint::Token => "/{tenant}/oauth2/v2.0/token".into(),
            crate::handlers::token::Endpoint::DeviceCode => {
                "/{tenant}/oauth2/v2.0/devicecode".into()
            }
        };
    }
    if path.eq_ignore_ascii_case("/devicelogin") {
        return "/devicelogin".into();
    }
    if let Some(rest) = path.strip_prefix(crate::handlers::management::PREFIX) {
        return match rest.split('/').filter(|s| !s.is_empty()).count() {
            3 => "/_autopilot-graph/tenants/{tenant}/scenarios".into(),
            4 => "/_autopilot-graph/tenants/{tenant}/scenarios/{name}".into(),
            _ => "/_autopilot-graph/unmatched".into(),
        };
    }
    match crate::route::route(path) {
        Ok(target) => target.template().into(),
        Err(_) => "unmatched".into(),
    }
}

/// Counts one answered request.
pub fn record_request(route: Cow<'static, str>, method: &Method, status: u16, took: Duration) {
    let method = method_label(method);
    metrics::counter!(
        "autopilot_graph_http_requests_total",
        "route" => route.clone(), "method" => method, "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(
        "autopilot_graph_http_request_duration_seconds",
        "route" => route, "method" => method
    )
    .record(took.as_secs_f64());
}

/// A method as a bounded label.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `GET /metrics`: the gauges read now, then everything in the text format.
pub async fn render(state: &AppState, handle: &PrometheusHandle) -> Response {
    let now = state.clock.now();
    match state.store.queue(now).await {
        Ok(queue) => {
            metrics::gauge!("autopilot_graph_queue_processing").set(queue.processing as f64);
            metrics::gauge!("autopilot_graph_queue_due").set(queue.due as f64);
            let age = queue
                .oldest_due
                .map_or(0.0, |t| (now - t).as_seconds_f64().max(0.0));
            metrics::gauge!("autopilot_graph_queue_oldest_due_age_seconds").set(age);
            metrics::gauge!("autopilot_graph_store_up").set(1.0);
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the store did not answer the queue query");
            metrics::gauge!("autopilot_graph_store_up").set(0.0);
        }
    }
    let pool = state.store.pool_stats();
    metrics::gauge!("autopilot_graph_store_connections", "state" => "idle")
        .set(f64::from(pool.idle));
    metrics::gauge!("autopilot_graph_store_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!("autopilot_graph_store_connections_max").set(f64::from(pool.max));
    metrics::gauge!(
        "autopilot_graph_build_info",
        "version" => env!("CARGO_PKG_VERSION"),
    )
    .set(1.0);
    let mut response = (StatusCode::OK, handle.render()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
