//! Graph errors: one type, one renderer. Every error body is
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}` with
//! `Content-Type: application/json`.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;

use crate::ids::RequestIds;

/// An error as Graph reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    /// For 405: the methods the route takes.
    pub allow: Option<&'static str>,
    /// For 401: send `WWW-Authenticate`.
    pub challenge: bool,
    /// For 429: the `Retry-After` seconds.
    pub retry_after: Option<u64>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            allow: None,
            challenge: false,
            retry_after: None,
        }
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(message: impl Into<String>, retry_after: u64) -> Self {
        GraphError {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message)
        }
    }

    /// 503 with `Retry-After`: the service cannot answer now, and says when to try again.
    pub fn service_unavailable(message: impl Into<String>, retry_after: u64) -> Self {
        GraphError {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                message,
            )
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// What Graph answers for a path segment it does not know.
    pub fn segment_not_found(segment: &str) -> Self {
        Self::bad_request(format!("Resource not found for the segment '{segment}'."))
    }

    pub fn invalid_version(segment: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("Invalid version: {segment}"),
        )
    }

    pub fn not_found(entity: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The {entity} with id '{id}' was not found."),
        )
    }

    pub fn method_not_allowed(method: &str, path: &str, allow: &'static str) -> Self {
        GraphError {
            allow: Some(allow),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!(
                    "No OData route exists that match template {path} with http verb {method}; \
                     this resource accepts {allow}."
                ),
            )
        }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        GraphError {
            challenge: true,
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                message,
            )
        }
    }

    pub fn forbidden(permissions: &[&str]) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "Application is not authorized to perform this operation. Application must have \
                 one of the following scopes: {}",
                permissions.join(", ")
            ),
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An internal server error occurred. The request can be retried.",
        )
    }

    /// Renders the error for one request.
    pub fn into_response_for(self, ids: &RequestIds) -> Response {
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
        let body = Body {
            error: Inner {
                code: &self.code,
                message: &self.message,
                inner_error: InnerError {
                    date: inner_error_date(OffsetDateTime::now_utc()),
                    request_id: &ids.request_id,
                    client_request_id: &ids.client_request_id,
                },
            },
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(seconds) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        if self.challenge {
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

/// `innerError.date` as Graph writes it: `2024-02-07T07:04:41` (UTC, no fraction, no zone).
pub fn inner_error_date(t: OffsetDateTime) -> String {
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
