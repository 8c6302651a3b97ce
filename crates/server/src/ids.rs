//! `request-id` and `client-request-id` on every response, error or not.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
pub static CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// The ids of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub request_id: String,
    /// What the client sent (when it is a sensible header value), else the request id, as Graph
    /// does.
    pub client_request_id: String,
}

impl RequestIds {
    pub fn for_request(req: &Request) -> Self {
        let request_id = Uuid::new_v4().hyphenated().to_string();
        let client_request_id = req
            .headers()
            .get(&CLIENT_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 200)
            .map_or_else(|| request_id.clone(), str::to_owned);
        RequestIds {
            request_id,
            client_request_id,
        }
    }
}

/// Middleware: assigns the ids, hands them to the handler, and stamps them on the response.
pub async fn stamp(mut req: Request, next: Next) -> Response {
    let ids = RequestIds::for_request(&req);
    req.extensions_mut().insert(ids.clone());
    let mut response = next.run(req).await;
    if response
        .extensions()
        .get::<crate::app::Panicked>()
        .is_some()
    {
        response = crate::error::GraphError::internal().into_response_for(&ids);
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
