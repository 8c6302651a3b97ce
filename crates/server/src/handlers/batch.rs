//! JSON batching: `POST /{version}/$batch` with up to 20 requests. Each sub-request goes through
//! the same dispatcher in-process (no loopback HTTP), authenticated and authorised on its own
//! with the batch's bearer token; `dependsOn` runs a request after the ones it names, and a
//! request whose dependency failed gets 424 Failed Dependency.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::error::GraphError;
use crate::ids::RequestIds;
use crate::route::Version;
use crate::state::{AppState, BatchOrigin, Ctx, Dispatch};

/// What a sub-request's URL may hold as written in the JSON but an HTTP URI may not (clients
/// write `$search="deviceId:..."` unencoded there): encoded before routing.
const NOT_IN_URIS: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The most requests one batch may hold.
pub const MAX_REQUESTS: usize = 20;

struct SubRequest {
    id: String,
    method: axum::http::Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    depends_on: Vec<String>,
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::bad_request(message)
}

fn parse(body: &Value) -> Result<Vec<SubRequest>, GraphError> {
    let Some(Value::Array(requests)) = body.get("requests") else {
        return Err(bad("A batch request body needs a 'requests' array."));
    };
    if requests.is_empty() {
        return Err(bad("The batch holds no requests."));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(bad(format!(
            "The batch holds {} requests; at most {MAX_REQUESTS} are allowed.",
            requests.len()
        )));
    }
    let mut out: Vec<SubRequest> = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let Value::Object(r) = r else {
            return Err(bad(format!("requests[{i}] must be an object.")));
        };
        let text = |name: &str| r.get(name).and_then(Value::as_str).map(str::to_owned);
        let id = text("id")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(format!("requests[{i}] needs an 'id' (a non-empty string).")))?;
        if out.iter().any(|o| o.id.eq_ignore_ascii_case(&id)) {
            return Err(bad(format!(
                "The request id '{id}' appears more than once in the batch."
            )));
        }
        let method = text("method")
            .and_then(|m| axum::http::Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
            .ok_or_else(|| bad(format!("requests[{i}] ('{id}') needs a 'method'.")))?;
        let url = text("url")
            .filter(|u| !u.is_empty())
            .ok_or_else(|| bad(format!("requests[{i}] ('{id}') needs a 'url'.")))?;
        if url.contains("://") {
            return Err(bad(format!(
                "requests[{i}] ('{id}'): the url must be relative to the version, like /deviceManagement/..."
            )));
        }
        let headers: Vec<(String, String)> = match r.get("headers") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(h)) => h
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect(),
            Some(_) => {
                return Err(bad(format!(
                    "requests[{i}] ('{id}'): 'headers' must be an object."
                )));
            }
        };
        let body = match r.get("body") {
            None | Some(Value::Null) => None,
            Some(b) => {
                if !headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                {
                    return Err(bad(format!(
                        "requests[{i}] ('{id}') has a body but no Content-Type header."
                    )));
                }
                Some(match b {
                    // A string body is base64 (for non-JSON content); an object is JSON.
                    Value::String(s) => base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .map_err(|_| {
                            bad(format!(
                                "requests[{i}] ('{id}'): a string body must be base64."
                            ))
                        })?,
                    other => serde_json::to_vec(other).unwrap_or_default(),
                })
            }
        };
        let depends_on = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) => ids
                .iter()
                .map(|d| {
                    let d = d.as_str().unwrap_or_default();
                    out.iter()
                        .find(|o| o.id.eq_ignore_ascii_case(d))
                        .map(|o| o.id.clone())
                        .ok_or_else(|| {
                            bad(format!(
                                "requests[{i}] ('{id}') depends on '{d}', which is not an earlier request of the batch."
                            ))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(bad(format!("requests[{i}] ('{id}'): 'dependsOn' must be an array."))),
        };
        out.push(SubRequest {
            id,
            method,
            url,
            headers,
            body,
            depends_on,
        });
    }
    Ok(out)
}

/// `POST $batch`: runs each request through `inner`, the dispatcher, and answers their
/// responses.
pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    body: &[u8],
    inner: Dispatch,
) -> Result<Response, GraphError> {
    let value = crate::body::json(body)?;
    let responses = run(
        state,
        ctx.target.version,
        &ctx.origin,
        ctx.authorization.as_ref(),
        &value,
        inner,
    )
    .await?;
    Ok(crate::respond::json(StatusCode::OK, &responses))
}

/// Runs a batch; `authorization` is the batch's own `Authorization` header.
async fn run(
    state: &AppState,
    version: Version,
    origin: &str,
    authorization: Option<&HeaderValue>,
    body: &Value,
    inner: Dispatch,
) -> Result<Value, GraphError> {
    let requests = parse(body)?;
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(requests.len());
    for r in requests {
        let failed_dependency = r
            .depends_on
            .iter()
            .find(|d| statuses.get(*d).is_none_or(|s| *s >= 400));
        let (status, headers, body) = if let Some(dep) = failed_dependency {
            let ids = RequestIds {
                request_id: uuid::Uuid::new_v4().to_string(),
                client_request_id: uuid::Uuid::new_v4().to_string(),
            };
            let error = GraphError::FailedDependency(format!(
                "The request depends on '{dep}', which failed."
            ));
            render(error.into_response_for(&ids, state.clock.now())).await
        } else {
            let url = if r.url.starts_with('/') {
                r.url.clone()
            } else {
                format!("/{}", r.url)
            };
            let url = percent_encoding::utf8_percent_encode(&url, NOT_IN_URIS);
            let mut request = Request::builder()
                .method(r.method.clone())
                .uri(format!("/{}{url}", version.as_str()));
            if let Some(auth) = authorization {
                request = request.header(header::AUTHORIZATION, auth.clone());
            }
            for (k, v) in &r.headers {
                if !k.eq_ignore_ascii_case("authorization") {
                    request = request.header(k.as_str(), v.as_str());
                }
            }
            let mut request = request
                .body(Body::from(r.body.clone().unwrap_or_default()))
                .map_err(|e| {
                    bad(format!(
                        "request '{}' is not a valid HTTP request: {e}",
                        r.id
                    ))
                })?;
            request
                .extensions_mut()
                .insert(BatchOrigin(origin.to_owned()));
            if r.url
                .trim_start_matches('/')
                .to_ascii_lowercase()
                .starts_with("$batch")
            {
                let ids = RequestIds::for_request(&request);
                let error = bad("A batch cannot contain another batch.");
                render(error.into_response_for(&ids, state.clock.now())).await
            } else {
                render(inner(state, request).await).await
            }
        };
        statuses.insert(r.id.clone(), status);
        let mut entry = Map::new();
        entry.insert("id".into(), Value::String(r.id));
        entry.insert("status".into(), Value::from(status));
        entry.insert("headers".into(), Value::Object(headers));
        if let Some(body) = body {
            entry.insert("body".into(), body);
        }
        responses.push(Value::Object(entry));
    }
    Ok(json!({ "responses": responses }))
}

/// A sub-response as the batch shows it: status, headers, and the body as JSON (or text, or
/// base64 for anything else).
async fn render(response: Response) -> (u16, Map<String, Value>, Option<Value>) {
    let status = response.status().as_u16();
    let mut headers = Map::new();
    for (name, value) in response.headers() {
        if name == header::CONTENT_LENGTH {
            continue;
        }
        if let Ok(v) = value.to_str() {
            headers.insert(name.as_str().to_owned(), Value::String(v.to_owned()));
        }
    }
    let content_type = headers
        .get("content-type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        None
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice(&bytes).ok()
    } else if content_type.starts_with("text/") {
        Some(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    } else {
        Some(Value::String(
            base64::engine::general_purpose::STANDARD.encode(&bytes),
        ))
    };
    (status, headers, body)
}
