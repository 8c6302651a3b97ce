//! `/healthz`: the process answers. `/readyz`: it can serve, meaning the store answers within
//! two seconds with the schema this build migrates to, and the registration worker is alive;
//! otherwise 503 with `Retry-After` and every reason.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;

/// How long the store has to answer a readiness probe.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

fn reply(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The process is up.
pub fn live() -> Response {
    reply(StatusCode::OK, &json!({ "status": "ok" }))
}

/// The server can take requests.
pub async fn ready(state: &AppState) -> Response {
    let mut problems: Vec<String> = Vec::new();
    let store = match tokio::time::timeout(STORE_TIMEOUT, state.store.schema()).await {
        Ok(Ok(schema)) => match schema.problem() {
            Some(p) => {
                problems.push(p);
                "schema"
            }
            None => "ok",
        },
        Ok(Err(e)) => {
            problems.push(format!("the store does not answer: {e}"));
            "unavailable"
        }
        Err(_) => {
            problems.push(format!(
                "the store did not answer within {} s",
                STORE_TIMEOUT.as_secs()
            ));
            "unavailable"
        }
    };
    let worker = match &state.ops.worker {
        Some(liveness) => match liveness.problem() {
            Some(p) => {
                problems.push(p);
                "stopped"
            }
            None => "ok",
        },
        None => "none",
    };
    let checks = json!({ "store": store, "worker": worker });
    if problems.is_empty() {
        reply(
            StatusCode::OK,
            &json!({ "status": "ready", "checks": checks }),
        )
    } else {
        let mut response = reply(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "status": "not ready", "checks": checks, "reasons": problems }),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        response
    }
}
