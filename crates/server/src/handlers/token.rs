//! A client-credentials token endpoint shaped like Entra ID's, for scripts that sign in as an
//! application: `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`,
//! `client_id`, `client_secret` and `scope=https://graph.microsoft.com/.default`. Applications
//! are registered with `autopilot-graph app add`; their secrets are stored salted and hashed.

use autopilot_domain::{Application, TenantId};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{self, TokenRequest};
use crate::state::AppState;

/// Whether a path is a token endpoint (`/{tenant}/oauth2/v2.0/token`); returns the tenant.
pub fn tenant_of(path: &str) -> Option<&str> {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [tenant, oauth, version, token]
            if oauth.eq_ignore_ascii_case("oauth2")
                && version.eq_ignore_ascii_case("v2.0")
                && token.eq_ignore_ascii_case("token") =>
        {
            Some(tenant)
        }
        _ => None,
    }
}

/// SHA-256 of the salt followed by the secret.
pub fn hash_secret(salt: &[u8], secret: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(secret.as_bytes());
    h.finalize().to_vec()
}

/// A new application: its record (to store) and its secret (to show once).
pub fn new_application(
    name: &str,
    roles: Vec<String>,
    now: time::OffsetDateTime,
) -> Result<(Application, String), String> {
    let mut secret_bytes = [0u8; 30];
    let mut salt = [0u8; 16];
    getrandom::fill(&mut secret_bytes).map_err(|e| e.to_string())?;
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret_bytes);
    Ok((
        Application {
            client_id: Uuid::new_v4(),
            name: name.to_owned(),
            secret_hash: hash_secret(&salt, &secret),
            secret_salt: salt.to_vec(),
            roles,
            created_at: now,
            certificates: Vec::new(),
        },
        secret,
    ))
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// An Entra-shaped OAuth error.
fn oauth_error(
    now: time::OffsetDateTime,
    status: StatusCode,
    error: &str,
    code: u32,
    description: &str,
) -> Response {
    let trace = Uuid::new_v4().to_string();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description} Trace ID: {trace}"),
        "error_codes": [code],
        "timestamp": crate::error::inner_error_date(now).replace('T', " ") + "Z",
        "trace_id": trace,
        "correlation_id": Uuid::new_v4().to_string(),
    });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Answers a token request.
pub async fn issue(state: &AppState, tenant: &str, body: &[u8]) -> Response {
    let now = state.clock.now();
    let params = form(body);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("grant_type") != Some("client_credentials") {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type; this endpoint issues client_credentials tokens only.",
        );
    }
    let scope = get("scope").unwrap_or_default();
    if !scope
        .split_whitespace()
        .any(|s| s.eq_ignore_ascii_case("https://graph.microsoft.com/.default"))
    {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (https://graph.microsoft.com/.default).",
        );
    }
    let Some(client_id) = get("client_id").and_then(|c| Uuid::parse_str(c.trim()).ok()) else {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let tid = TenantId::new(&auth::tenant_guid(tenant).hyphenated().to_string());
    let app = match state.store.get_application(&tid, client_id).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "token endpoint cannot read applications");
            return oauth_error(
                now,
                StatusCode::INTERNAL_SERVER_ERROR,
                "temporarily_unavailable",
                90033,
                "A transient error has occurred. Please try again.",
            );
        }
    };
    let Some(app) = app else {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
            ),
        );
    };
    let secret = get("client_secret").unwrap_or_default();
    let given = hash_secret(&app.secret_salt, secret);
    // Constant-time comparison.
    let same = given.len() == app.secret_hash.len()
        && given
            .iter()
            .zip(&app.secret_hash)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return oauth_error(
            now,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    let request = TokenRequest {
        tenant: tenant.to_owned(),
        app_id: app.client_id.hyphenated().to_string(),
        scopes: Vec::new(),
        roles: app.roles.clone(),
        lifetime: time::Duration::seconds(3599),
        now: state.clock.now(),
    };
    match auth::mint(&state.key, &request) {
        Ok(token) => {
            let body = json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token});
            let mut response = (StatusCode::OK, body.to_string()).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
        Err(_) => oauth_error(
            now,
            StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        ),
    }
}
