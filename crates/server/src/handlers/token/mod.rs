//! A token endpoint shaped like Entra ID's v2.0 endpoint, beside the Graph versions:
//! `POST /{tenant}/oauth2/v2.0/token` for the client-credentials grant (a client secret, or a
//! client assertion signed with a registered certificate: [`assertion`]) and the device-code
//! grant ([`device_code`], with `POST /{tenant}/oauth2/v2.0/devicecode`). Applications are
//! registered with `autopilot-graph app add`; their secrets are stored salted and hashed.
//! Refusals carry Entra's `error`, `AADSTS` code and text.

mod assertion;
mod device_code;

use autopilot_domain::{Application, TenantId};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{self, TokenRequest};
use crate::body::Form;
use crate::state::AppState;

/// `client_id` of a token request.
trait ClientId {
    /// `client_id`, a GUID, else Entra's missing-parameter refusal.
    fn client_id(&self) -> Result<Uuid, Refusal>;
}

impl ClientId for Form {
    fn client_id(&self) -> Result<Uuid, Refusal> {
        self.get("client_id")
            .and_then(|c| Uuid::parse_str(c.trim()).ok())
            .ok_or_else(|| Refusal::missing("client_id"))
    }
}

pub use device_code::sign_in_page;

/// The endpoints under `/{tenant}/oauth2/v2.0/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    DeviceCode,
}

/// Whether a path is a token endpoint (`/{tenant}/oauth2/v2.0/token` or `.../devicecode`);
/// returns the tenant and which.
pub fn endpoint_of(path: &str) -> Option<(&str, Endpoint)> {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [tenant, oauth, version, last]
            if oauth.eq_ignore_ascii_case("oauth2") && version.eq_ignore_ascii_case("v2.0") =>
        {
            if last.eq_ignore_ascii_case("token") {
                Some((tenant, Endpoint::Token))
            } else if last.eq_ignore_ascii_case("devicecode") {
                Some((tenant, Endpoint::DeviceCode))
            } else {
                None
            }
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

/// A request Entra would refuse: its status, `error`, `AADSTS` code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    status: StatusCode,
    error: &'static str,
    code: u32,
    description: String,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, code: u32, description: String) -> Self {
        Refusal {
            status,
            error,
            code,
            description,
        }
    }

    fn bad_request(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, code, description.into())
    }

    /// AADSTS900144: a parameter the request must have.
    fn missing(parameter: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    /// AADSTS700016: no such application in the directory.
    fn unknown_application(client: Uuid, directory: &str) -> Self {
        Self::bad_request(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client}' was not found in the directory '{directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )
    }

    fn unavailable() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.".into(),
        )
    }

    /// The body, in Entra's shape.
    fn body(&self, now: time::OffsetDateTime) -> serde_json::Value {
        let trace = Uuid::new_v4().to_string();
        let correlation = Uuid::new_v4().to_string();
        let timestamp = crate::error::inner_error_date(now).replace('T', " ") + "Z";
        json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}",
                self.code, self.description
            ),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        })
    }

    fn respond(&self, now: time::OffsetDateTime) -> Response {
        json_response(self.status, &self.body(now))
    }
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    response
}

/// The tenant a token endpoint's path names, as tokens carry it.
fn tenant_id(tenant: &str) -> TenantId {
    TenantId::new(&auth::tenant_guid(tenant).hyphenated().to_string())
}

/// The URLs a client assertion may name as its audience: this endpoint as the client posted
/// to it, with the tenant as in the path or as its GUID.
fn audiences(origin: &str, tenant: &str) -> Vec<String> {
    let guid = auth::tenant_guid(tenant).hyphenated().to_string();
    [tenant, guid.as_str()]
        .iter()
        .map(|t| format!("{origin}/{t}/oauth2/v2.0/token"))
        .collect()
}

/// Answers a request to a token endpoint; `origin` is the scheme and host it came to.
pub async fn answer(
    state: &AppState,
    tenant: &str,
    endpoint: Endpoint,
    origin: &str,
    body: &[u8],
) -> Response {
    let now = state.clock.now();
    let form = Form::parse(body);
    let result = match endpoint {
        Endpoint::DeviceCode => {
            // Entra answers the device-code request's errors with 200 (MSAL expects them so).
            return match device_code::start(state, tenant, origin, &form).await {
                Ok(response) => response,
                Err(refusal) => json_response(StatusCode::OK, &refusal.body(now)),
            };
        }
        Endpoint::Token => token(state, tenant, origin, &form).await,
    };
    result.unwrap_or_else(|refusal| refusal.respond(now))
}

async fn token(
    state: &AppState,
    tenant: &str,
    origin: &str,
    form: &Form,
) -> Result<Response, Refusal> {
    match form.get("grant_type") {
        Some("client_credentials") => client_credentials(state, tenant, origin, form).await,
        Some("device_code" | "urn:ietf:params:oauth:grant-type:device_code") => {
            device_code::redeem(state, tenant, form).await
        }
        _ => Err(Refusal::bad_request(
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type; this endpoint issues client_credentials and device_code tokens only.",
        )),
    }
}

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

async fn client_credentials(
    state: &AppState,
    tenant: &str,
    origin: &str,
    form: &Form,
) -> Result<Response, Refusal> {
    let scope = form.get("scope").unwrap_or_default();
    if !scope
        .split_whitespace()
        .any(|s| s.eq_ignore_ascii_case("https://graph.microsoft.com/.default"))
    {
        return Err(Refusal::bad_request(
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (https://graph.microsoft.com/.default).",
        ));
    }
    let client_id = form.client_id()?;
    let app = find_application(state, tenant, client_id).await?;
    let now = state.clock.now();
    match (form.get("client_secret"), form.get("client_assertion")) {
        (_, Some(assertion)) => {
            match form.get("client_assertion_type") {
                Some(ASSERTION_TYPE) => {}
                None => return Err(Refusal::missing("client_assertion_type")),
                Some(other) => {
                    return Err(Refusal::bad_request(
                        "invalid_request",
                        50027,
                        format!(
                            "Invalid client assertion type '{other}': it must be '{ASSERTION_TYPE}'."
                        ),
                    ));
                }
            }
            assertion::verify(assertion, &app, &audiences(origin, tenant), now)?;
        }
        (Some(secret), None) => check_secret(&app, secret)?,
        (None, None) => {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into(),
            ));
        }
    }
    let request = TokenRequest {
        tenant: tenant.to_owned(),
        app_id: app.client_id.hyphenated().to_string(),
        scopes: Vec::new(),
        roles: app.roles.clone(),
        lifetime: time::Duration::seconds(3599),
        now,
        user: None,
        app_name: Some(app.name.clone()),
    };
    let token = auth::mint(&state.key, &request).map_err(|_| Refusal::unavailable())?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}),
    ))
}

async fn find_application(
    state: &AppState,
    tenant: &str,
    client_id: Uuid,
) -> Result<Application, Refusal> {
    let app = state
        .store
        .get_application(&tenant_id(tenant), client_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "token endpoint cannot read applications");
            Refusal::unavailable()
        })?;
    app.ok_or_else(|| Refusal::unknown_application(client_id, tenant))
}

fn check_secret(app: &Application, secret: &str) -> Result<(), Refusal> {
    let given = hash_secret(&app.secret_salt, secret);
    // Constant-time comparison.
    let same = given.len() == app.secret_hash.len()
        && given
            .iter()
            .zip(&app.secret_hash)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        ))
    }
}
