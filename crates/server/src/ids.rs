//! `request-id` and `client-request-id`: the ids of one request (stamped on every response, error
//! or not, by the dispatcher's middleware).

use axum::extract::Request;
use axum::http::HeaderName;
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
