//! Request bodies: the content type (415), the size (413), the time it may take to arrive
//! (408), and the lenient JSON reader (400).

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use serde_json::Value;

use crate::error::GraphError;
use crate::state::AppState;

/// Reads a whole body within the server's body timeout and `limit` bytes.
pub async fn within(
    state: &AppState,
    body: Body,
    limit: usize,
    too_large: impl FnOnce() -> GraphError,
) -> Result<Bytes, GraphError> {
    match tokio::time::timeout(state.config.body_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(GraphError::RequestTimeout(format!(
            "The request body did not arrive within {} seconds.",
            state.config.body_timeout.as_secs()
        ))),
    }
}

/// A Graph request's body: JSON (or no content type), at most the server's body limit.
pub async fn read(state: &AppState, req: Request) -> Result<Bytes, GraphError> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        let mime = ct.split(';').next().unwrap_or_default().trim();
        let json = mime.eq_ignore_ascii_case("application/json")
            || mime
                .rsplit_once('+')
                .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"));
        if !json && !mime.is_empty() {
            return Err(GraphError::UnsupportedMediaType(format!(
                "The content type '{mime}' is not supported; send application/json."
            )));
        }
    }
    let limit = state.config.body_limit();
    let too_large = || {
        GraphError::PayloadTooLarge(format!(
            "The request body is larger than {limit} bytes, the most this server accepts \
             ({} devices per request).",
            state.config.max_devices_per_request
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    within(state, req.into_body(), limit, too_large).await
}

/// Whether a body holds nothing but white space.
pub fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// The body as JSON; an empty body is an error.
pub fn json(body: &[u8]) -> Result<Value, GraphError> {
    if is_blank(body) {
        return Err(GraphError::bad_request(
            "The request body is empty; a JSON object is expected.",
        ));
    }
    crate::lenient_json::parse(body)
        .map_err(|e| GraphError::bad_request(format!("The request body is not valid JSON: {e}.")))
}

/// The body as a JSON object, else 400 with `message`.
pub fn object(body: &[u8], message: &str) -> Result<Value, GraphError> {
    let value = json(body)?;
    if !value.is_object() {
        return Err(GraphError::bad_request(message));
    }
    Ok(value)
}

/// A form body's (or a query string's) fields, decoded.
#[derive(Debug)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(body: &[u8]) -> Self {
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        Form(
            String::from_utf8_lossy(body)
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
