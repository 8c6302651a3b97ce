//! The device-code grant (`Connect-MgGraph -UseDeviceCode`, azure-identity's
//! `DeviceCodeCredential`): `POST /{tenant}/oauth2/v2.0/devicecode` gives a user code and a
//! device code; the server's log prints how to approve it (`autopilot-graph device-code
//! approve CODE --user UPN`), since this server has no sign-in page of its own; the client polls
//! the token endpoint (`grant_type` `device_code` as MSAL.NET sends it, or the URN form, the
//! code as `device_code` or `code`) until the code is approved, declined or expired. An
//! approved code gives one delegated token for the user, with the Graph permissions asked for.

use autopilot_domain::device_code::{self, CodeState, DeviceCode, Poll};
use autopilot_domain::{Permission, PutCode, TenantId};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{ClientId as _, Refusal, json_response};
use crate::auth::{self, TokenRequest, TokenUser};
use crate::body::Form;
use crate::state::AppState;

/// Scopes of OpenID Connect, which ask for an ID token rather than a Graph permission.
const OPENID: &[&str] = &["openid", "profile", "offline_access", "email"];
const GRAPH: &str = "https://graph.microsoft.com/";

/// The Graph permissions a `scope` parameter asks for (`.default`: the default set), and
/// whether it asks for `openid`; an unknown permission is Entra's `invalid_scope`.
fn requested(scope: &str) -> Result<(Vec<String>, bool), Refusal> {
    let mut permissions: Vec<String> = Vec::new();
    let mut openid = false;
    for s in scope.split_whitespace() {
        let name = s
            .get(..GRAPH.len())
            .filter(|p| p.eq_ignore_ascii_case(GRAPH))
            .map_or(s, |_| &s[GRAPH.len()..]);
        if OPENID.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            openid |= name.eq_ignore_ascii_case("openid");
            continue;
        }
        let granted: Vec<String> = if name.eq_ignore_ascii_case(".default") {
            auth::DEFAULT_PERMISSIONS
                .iter()
                .map(|p| (*p).to_owned())
                .collect()
        } else {
            match Permission::ALL
                .iter()
                .find(|p| p.name().eq_ignore_ascii_case(name))
            {
                Some(p) => vec![p.name().to_owned()],
                None => {
                    return Err(Refusal::bad_request(
                        "invalid_scope",
                        70011,
                        format!(
                            "The provided value for the input parameter 'scope' is not valid. The scope '{s}' does not exist."
                        ),
                    ));
                }
            }
        };
        for p in granted {
            if !permissions.contains(&p) {
                permissions.push(p);
            }
        }
    }
    if permissions.is_empty() && !openid {
        return Err(Refusal::missing("scope"));
    }
    Ok((permissions, openid))
}

fn hash(device_code: &str) -> Vec<u8> {
    Sha256::digest(device_code.as_bytes()).to_vec()
}

/// The tenant key a code is kept under: the GUID, or `organizations`/`common` as given.
fn tenant_key(tenant: &str) -> String {
    let t = tenant.trim();
    if ["organizations", "common", "consumers"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(t))
    {
        t.to_ascii_lowercase()
    } else {
        auth::tenant_guid(t).hyphenated().to_string()
    }
}

/// Whether `client` may ask for codes: one of Microsoft's public clients, or an application
/// registered in the tenant (a code asked for under `organizations` or `common` names no
/// tenant, so only the public clients there). Anything else is Entra's unknown application.
async fn known_client(state: &AppState, key: &str, client: Uuid) -> Result<(), Refusal> {
    if device_code::PUBLIC_CLIENTS.contains(&client) {
        return Ok(());
    }
    let registered = if Uuid::try_parse(key).is_ok() {
        state
            .store
            .get_application(&TenantId::new(key), client)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot read applications");
                Refusal::unavailable()
            })?
            .is_some()
    } else {
        false
    };
    if registered {
        Ok(())
    } else {
        Err(Refusal::unknown_application(client, key))
    }
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(super) async fn start(
    state: &AppState,
    tenant: &str,
    origin: &str,
    form: &Form,
) -> Result<Response, Refusal> {
    let client_id = form.client_id()?;
    let (scopes, openid) = requested(form.get("scope").unwrap_or_default())?;
    let key = tenant_key(tenant);
    known_client(state, &key, client_id).await?;
    let now = state.clock.now();
    // A user code is typed without its tenant: it must not name two waiting codes.
    let mut attempts = 0;
    let (code, device) = loop {
        let mut random = [0u8; device_code::USER_CODE_LEN + 32];
        getrandom::fill(&mut random).map_err(|_| Refusal::unavailable())?;
        let (user, secret) = random.split_at(device_code::USER_CODE_LEN);
        let mut user_bytes = [0u8; device_code::USER_CODE_LEN];
        user_bytes.copy_from_slice(user);
        let device = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        let code = DeviceCode {
            device_hash: hash(&device),
            user_code: device_code::user_code(&user_bytes),
            tenant: key.clone(),
            client_id,
            scopes: scopes.clone(),
            openid,
            created_at: now,
            expires_at: now + device_code::LIFETIME,
            state: CodeState::Pending,
        };
        let kept = state
            .store
            .put_device_code(&code, device_code::MAX_PENDING)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot keep a device code");
                Refusal::unavailable()
            })?;
        match kept {
            PutCode::Kept => break (code, device),
            PutCode::UserCodeTaken if attempts < 5 => attempts += 1,
            PutCode::UserCodeTaken => return Err(Refusal::unavailable()),
            PutCode::TooMany => {
                return Err(Refusal::bad_request(
                    "invalid_request",
                    50196,
                    format!(
                        "The server terminated an operation because {} device codes of this tenant are waiting; approve, decline or let them expire first.",
                        device_code::MAX_PENDING
                    ),
                ));
            }
        }
    };
    let user_code = code.user_code.clone();
    tracing::info!(
        user_code = %user_code,
        client_id = %client_id,
        tenant = %code.tenant,
        "device code asked for; approve it with `autopilot-graph device-code approve {user_code} --user UPN` (or decline it with `device-code deny`)"
    );
    let verification = format!("{origin}/devicelogin");
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "user_code": user_code,
            "device_code": device,
            "verification_uri": verification,
            "expires_in": device_code::LIFETIME.whole_seconds(),
            "interval": device_code::INTERVAL_SECONDS,
            "message": format!("To sign in, use a web browser to open the page {verification} and enter the code {user_code} to authenticate."),
        }),
    ))
}

fn grant_error(error: &'static str, code: u32, description: &str) -> Refusal {
    Refusal::bad_request(error, code, description)
}

/// A poll of the token endpoint with a device code.
pub(super) async fn redeem(
    state: &AppState,
    tenant: &str,
    form: &Form,
) -> Result<Response, Refusal> {
    let device = form
        .get("device_code")
        .or_else(|| form.get("code"))
        .ok_or_else(|| Refusal::missing("device_code"))?;
    let client = form.client_id()?;
    let now = state.clock.now();
    let (poll, code) = state
        .store
        .redeem_device_code(&tenant_key(tenant), client, &hash(device.trim()), now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read a device code");
            Refusal::unavailable()
        })?;
    let user = match poll {
        Poll::Granted(user) => user,
        Poll::Pending => {
            return Err(grant_error(
                "authorization_pending",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            ));
        }
        Poll::Declined => {
            return Err(grant_error(
                "authorization_declined",
                70000,
                "The user declined the authorization request.",
            ));
        }
        Poll::Expired => {
            return Err(grant_error(
                "expired_token",
                70020,
                "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
            ));
        }
        Poll::Unknown => {
            return Err(grant_error(
                "bad_verification_code",
                70018,
                "The provided value for the input parameter 'device_code' is not valid.",
            ));
        }
        Poll::Redeemed => {
            return Err(grant_error(
                "invalid_grant",
                70000,
                "The provided value for the input parameter 'device_code' is not valid. It was already redeemed.",
            ));
        }
    };
    let code = code.ok_or_else(Refusal::unavailable)?;
    let token_user = TokenUser {
        id: user.id,
        user_principal_name: user.user_principal_name.clone(),
        display_name: user.display_name.clone(),
    };
    let request = TokenRequest {
        tenant: user.tenant.clone(),
        app_id: code.client_id.hyphenated().to_string(),
        scopes: code.scopes.clone(),
        roles: Vec::new(),
        lifetime: time::Duration::seconds(3599),
        now,
        user: Some(token_user),
        app_name: None,
    };
    let access = auth::mint(&state.key, &request).map_err(|_| Refusal::unavailable())?;
    let mut scope = code.scopes.clone();
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access,
    });
    if code.openid {
        scope.extend(["openid", "profile"].map(str::to_owned));
        let id_token =
            auth::mint_id_token(&state.key, &request).map_err(|_| Refusal::unavailable())?;
        let info = json!({"uid": user.id.hyphenated().to_string(), "utid": user.tenant});
        body["id_token"] = json!(id_token);
        body["client_info"] =
            json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(info.to_string()));
    }
    body["scope"] = json!(scope.join(" "));
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /devicelogin`: where the device-code message sends the user. This server signs
/// nobody in itself; the page says how an admin approves the code.
pub fn sign_in_page() -> Response {
    let html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>autopilot-graph: device sign-in</title></head>\n<body><h1>Device sign-in</h1>\n<p>This server has no sign-in page. An administrator approves a device code for a user of the tenant on the server's machine:</p>\n<pre>autopilot-graph device-code list\nautopilot-graph device-code approve CODE --user user@contoso.com\nautopilot-graph device-code deny CODE</pre>\n<p>The application that showed you the code then receives its token.</p></body></html>\n";
    let mut response = (StatusCode::OK, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_read_as_entra_reads_them() {
        let (p, openid) = requested(
            "https://graph.microsoft.com/deviceManagementServiceConfig.readwrite.all Group.ReadWrite.All openid profile offline_access",
        )
        .unwrap();
        assert_eq!(
            p,
            [
                "DeviceManagementServiceConfig.ReadWrite.All",
                "Group.ReadWrite.All"
            ]
        );
        assert!(openid);
        let (p, _) = requested("https://graph.microsoft.com/.default").unwrap();
        assert_eq!(p.len(), auth::DEFAULT_PERMISSIONS.len());
        assert!(requested("Mail.Send").is_err());
        assert!(requested("").is_err());
        assert_eq!(tenant_key("Organizations"), "organizations");
        assert_eq!(
            tenant_key("contoso"),
            auth::tenant_guid("contoso").to_string()
        );
    }
}
