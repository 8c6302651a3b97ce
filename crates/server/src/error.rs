//! Graph errors: one table of the errors we answer, one renderer. Every error body is
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}` with
//! `Content-Type: application/json`.
//!
//! Each variant's status and code are given once, in [`GraphError::status_and_code`]; the
//! constructors below hold Graph's message texts. Internal errors become Graph errors through
//! `From` (the store's in [`From<StoreError>`]), so handlers use `?`.

use autopilot_domain::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;

use crate::ids::RequestIds;

/// An error as Graph reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// 400 `BadRequest`: the request is malformed or names what does not exist as a segment.
    BadRequest(String),
    /// 401 `InvalidAuthenticationToken`, with `WWW-Authenticate`.
    Unauthenticated(String),
    /// 403 `Forbidden`.
    Forbidden(String),
    /// 404 `ResourceNotFound`.
    NotFound(String),
    /// 405 `MethodNotAllowed`, with `Allow`.
    MethodNotAllowed {
        message: String,
        allow: &'static str,
    },
    /// 408 `RequestTimeout`: the body did not arrive in time.
    RequestTimeout(String),
    /// 409 `Conflict`.
    Conflict(String),
    /// 413 `RequestEntityTooLarge`.
    PayloadTooLarge(String),
    /// 415 `UnsupportedMediaType`.
    UnsupportedMediaType(String),
    /// 424 `FailedDependency`: a `$batch` request whose dependency failed.
    FailedDependency(String),
    /// 429 `TooManyRequests`, with `Retry-After`.
    TooManyRequests { message: String, retry_after: u64 },
    /// 431 `RequestHeaderFieldsTooLarge`.
    HeaderFieldsTooLarge(String),
    /// 500 `InternalServerError`.
    Internal,
    /// 503 `ServiceUnavailable`, with `Retry-After`.
    ServiceUnavailable { message: String, retry_after: u64 },
    /// 400 `Request_BadRequest`: the directory's (Entra ID's) bad request.
    DirectoryBadRequest(String),
    /// 400 `Request_UnsupportedQuery`: a directory query Entra does not run as asked.
    UnsupportedQuery(String),
    /// 404 `Request_ResourceNotFound`: a directory object that is not there.
    DirectoryNotFound(String),
    /// Another error status a scenario asks for (500, 502, 504, ...), with the code Graph's
    /// gateway gives it.
    Status { status: u16, message: String },
}

impl GraphError {
    /// The table: each error's status and code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            GraphError::BadRequest(_) => (StatusCode::BAD_REQUEST, "BadRequest"),
            GraphError::Unauthenticated(_) => {
                (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken")
            }
            GraphError::Forbidden(_) => (StatusCode::FORBIDDEN, "Forbidden"),
            GraphError::NotFound(_) => (StatusCode::NOT_FOUND, "ResourceNotFound"),
            GraphError::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed")
            }
            GraphError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "RequestTimeout"),
            GraphError::Conflict(_) => (StatusCode::CONFLICT, "Conflict"),
            GraphError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge")
            }
            GraphError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType")
            }
            GraphError::FailedDependency(_) => (StatusCode::FAILED_DEPENDENCY, "FailedDependency"),
            GraphError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests")
            }
            GraphError::HeaderFieldsTooLarge(_) => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "RequestHeaderFieldsTooLarge",
            ),
            GraphError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
            GraphError::ServiceUnavailable { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
            }
            GraphError::DirectoryBadRequest(_) => (StatusCode::BAD_REQUEST, "Request_BadRequest"),
            GraphError::UnsupportedQuery(_) => {
                (StatusCode::BAD_REQUEST, "Request_UnsupportedQuery")
            }
            GraphError::DirectoryNotFound(_) => (StatusCode::NOT_FOUND, "Request_ResourceNotFound"),
            GraphError::Status { status, .. } => {
                let s = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let code = match s.as_u16() {
                    502 => "BadGateway",
                    504 => "GatewayTimeout",
                    500..=599 => "InternalServerError",
                    _ => "BadRequest",
                };
                (s, code)
            }
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    pub fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    pub fn message(&self) -> &str {
        match self {
            GraphError::BadRequest(m)
            | GraphError::Unauthenticated(m)
            | GraphError::Forbidden(m)
            | GraphError::NotFound(m)
            | GraphError::MethodNotAllowed { message: m, .. }
            | GraphError::RequestTimeout(m)
            | GraphError::Conflict(m)
            | GraphError::PayloadTooLarge(m)
            | GraphError::UnsupportedMediaType(m)
            | GraphError::FailedDependency(m)
            | GraphError::TooManyRequests { message: m, .. }
            | GraphError::HeaderFieldsTooLarge(m)
            | GraphError::ServiceUnavailable { message: m, .. }
            | GraphError::DirectoryBadRequest(m)
            | GraphError::UnsupportedQuery(m)
            | GraphError::DirectoryNotFound(m)
            | GraphError::Status { message: m, .. } => m,
            GraphError::Internal => {
                "An internal server error occurred. The request can be retried."
            }
        }
    }

    /// The `Retry-After` seconds of 429 and 503.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            GraphError::TooManyRequests { retry_after, .. }
            | GraphError::ServiceUnavailable { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(message: impl Into<String>, retry_after: u64) -> Self {
        GraphError::TooManyRequests {
            message: message.into(),
            retry_after: retry_after.max(1),
        }
    }

    /// 503 with `Retry-After`: the service cannot answer now, and says when to try again.
    pub fn service_unavailable(message: impl Into<String>, retry_after: u64) -> Self {
        GraphError::ServiceUnavailable {
            message: message.into(),
            retry_after: retry_after.max(1),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        GraphError::BadRequest(message.into())
    }

    /// What Graph answers for a path segment it does not know.
    pub fn segment_not_found(segment: &str) -> Self {
        Self::bad_request(format!("Resource not found for the segment '{segment}'."))
    }

    pub fn invalid_version(segment: &str) -> Self {
        GraphError::NotFound(format!("Invalid version: {segment}"))
    }

    /// 404 for a directory object, in Entra's words.
    pub fn directory_not_found(id: &str) -> Self {
        GraphError::DirectoryNotFound(format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ))
    }

    pub fn not_found(entity: &str, id: &str) -> Self {
        GraphError::NotFound(format!("The {entity} with id '{id}' was not found."))
    }

    pub fn method_not_allowed(method: &str, path: &str, allow: &'static str) -> Self {
        GraphError::MethodNotAllowed {
            message: format!(
                "No OData route exists that match template {path} with http verb {method}; \
                 this resource accepts {allow}."
            ),
            allow,
        }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        GraphError::Unauthenticated(message.into())
    }

    pub fn forbidden(permissions: &[&str]) -> Self {
        GraphError::Forbidden(format!(
            "Application is not authorized to perform this operation. Application must have \
             one of the following scopes: {}",
            permissions.join(", ")
        ))
    }

    pub fn internal() -> Self {
        GraphError::Internal
    }

    /// Renders the error for one request; `now` (the server's clock) dates it.
    pub fn into_response_for(self, ids: &RequestIds, now: OffsetDateTime) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
            #[serde(rename = "innerError")]
            inner_error: InnerError<'a>,
        }
        #[derive(Serialize)]
        struct InnerError<'a> {
            date: String,
            #[serde(rename = "request-id")]
            request_id: &'a str,
            #[serde(rename = "client-request-id")]
            client_request_id: &'a str,
        }
        let (status, code) = self.status_and_code();
        let body = Body {
            error: Inner {
                code,
                message: self.message(),
                inner_error: InnerError {
                    date: inner_error_date(now),
                    request_id: &ids.request_id,
                    client_request_id: &ids.client_request_id,
                },
            },
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let GraphError::MethodNotAllowed { allow, .. } = &self {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(seconds) = self.retry_after()
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        if let GraphError::Unauthenticated(_) = &self {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"autopilot-graph\", \
                     client_id=\"00000003-0000-0000-c000-000000000000\"",
                ),
            );
        }
        response
    }
}

impl From<StoreError> for GraphError {
    fn from(e: StoreError) -> Self {
        match e {
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
        }
    }
}

/// `innerError.date` as Graph writes it: `2024-02-07T07:04:41` (UTC, no fraction, no zone).
pub fn inner_error_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_renders_its_row_of_the_table() {
        let ids = RequestIds {
            request_id: "r".into(),
            client_request_id: "c".into(),
        };
        let now = time::macros::datetime!(2026-12-06 10:11:12.5 UTC);
        let all = [
            GraphError::bad_request("b"),
            GraphError::unauthenticated("u"),
            GraphError::forbidden(&["X"]),
            GraphError::not_found("e", "1"),
            GraphError::method_not_allowed("PUT", "~/x", "GET"),
            GraphError::RequestTimeout("t".into()),
            GraphError::Conflict("c".into()),
            GraphError::PayloadTooLarge("p".into()),
            GraphError::UnsupportedMediaType("m".into()),
            GraphError::FailedDependency("f".into()),
            GraphError::too_many_requests("slow", 0),
            GraphError::HeaderFieldsTooLarge("h".into()),
            GraphError::internal(),
            GraphError::service_unavailable("later", 5),
        ];
        for e in all {
            let (status, code) = e.status_and_code();
            let retry = e.retry_after();
            let response = e.into_response_for(&ids, now);
            assert_eq!(response.status(), status);
            assert_eq!(
                response.headers().get(header::RETRY_AFTER).is_some(),
                retry.is_some(),
                "{code}"
            );
            assert!(retry.is_none_or(|s| s >= 1));
        }
        assert_eq!(inner_error_date(now), "2026-12-06T10:11:12");
    }
}
