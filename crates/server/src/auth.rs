//! Development authentication: HS256 tokens signed with a key kept in the data directory.
//!
//! Tokens look like Entra ID access tokens for Microsoft Graph: the tenant in `tid`, the
//! application in `appid`, delegated permissions in `scp` (space-separated) or application
//! permissions in `roles`. The key never leaves the data directory and tokens are never logged.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use autopilot_domain::{Principal, TenantId};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The name of the key file inside the data directory.
pub const KEY_FILE: &str = "signing.key";

/// Microsoft Graph's resource id and URI: the audiences a Graph token carries.
pub const GRAPH_AUDIENCES: [&str; 3] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];

/// The application id a token names when none is given (Microsoft Graph Command Line Tools,
/// what `Connect-MgGraph` signs in as).
pub const DEFAULT_APP_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Why the signing key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or create the signing key {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the signing key {0} is damaged (expected base64 of at least 32 bytes)")]
    Damaged(PathBuf),
    #[error("no random numbers for a new signing key: {0}")]
    Random(String),
}

/// The HS256 key that signs and checks development tokens.
#[derive(Clone)]
pub struct SigningKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    pub fn from_secret(secret: &[u8]) -> Self {
        SigningKey {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs `claims` (HS256) with this key: the console's session cookies.
    pub(crate) fn sign<T: Serialize>(
        &self,
        claims: &T,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Verifies what [`SigningKey::sign`] made for `audience`, unexpired.
    pub(crate) fn verify<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<T, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation).map(|d| d.claims)
    }

    /// Loads `DIR/signing.key`, creating the directory and a fresh random key when missing.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join(KEY_FILE);
        let io = |source| KeyError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let secret = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .ok()
                    .filter(|s| s.len() >= 32)
                    .ok_or_else(|| KeyError::Damaged(path.clone()))?;
                Ok(Self::from_secret(&secret))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(io)?;
                let mut secret = [0u8; 32];
                getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
                let text = base64::engine::general_purpose::STANDARD.encode(secret);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt as _;
                    options.mode(0o600);
                }
                match options.open(&path) {
                    Ok(mut file) => {
                        file.write_all(format!("{text}\n").as_bytes()).map_err(io)?;
                        Ok(Self::from_secret(&secret))
                    }
                    // Another process made it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(dir)
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
    }
}

/// The claims of a development token (the subset of an Entra ID v1 access token we use).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    #[serde(default)]
    pub appid: String,
    /// v2 tokens name the application in `azp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// The signed-in user's object id (delegated tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `app` or `user`, as Graph's tokens say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    /// `Connect-MgGraph` shows it as the context's app name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_displayname: Option<String>,
    #[serde(default)]
    pub ver: String,
}

/// The user a delegated token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    pub id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
}

/// What development tokens and new applications hold unless told otherwise (and what a
/// device-code sign-in for `.default` gets): what Get-WindowsAutopilotInfo asks for, as far
/// as this server serves it.
pub const DEFAULT_PERMISSIONS: &[&str] = &[
    "DeviceManagementServiceConfig.ReadWrite.All",
    "Device.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "User.ReadWrite.All",
    "Organization.Read.All",
];

/// What a token should say.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// A tenant GUID, or a name that maps to a stable GUID (see [`tenant_guid`]).
    pub tenant: String,
    pub app_id: String,
    /// Delegated permissions (become `scp`).
    pub scopes: Vec<String>,
    /// Application permissions (become `roles`); when given, the token is app-only.
    pub roles: Vec<String>,
    pub lifetime: time::Duration,
    pub now: time::OffsetDateTime,
    /// The signed-in user of a delegated token.
    pub user: Option<TokenUser>,
    /// The application's name (`app_displayname`).
    pub app_name: Option<String>,
}

/// The tenant id a name stands for: a GUID as given (lower-cased), or for any other name a GUID
/// derived from it, so that `--tenant contoso` always means the same tenant.
pub fn tenant_guid(name_or_guid: &str) -> Uuid {
    let name = name_or_guid.trim();
    Uuid::parse_str(name).unwrap_or_else(|_| {
        let digest = Sha256::digest(format!("autopilot-graph tenant {}", name.to_lowercase()));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    })
}

/// Signs a development token.
pub fn mint(
    key: &SigningKey,
    request: &TokenRequest,
) -> Result<String, jsonwebtoken::errors::Error> {
    let tid = tenant_guid(&request.tenant).hyphenated().to_string();
    let iat = request.now.unix_timestamp();
    let claims = Claims {
        aud: GRAPH_AUDIENCES[0].to_owned(),
        iss: format!("https://sts.windows.net/{tid}/"),
        iat,
        nbf: iat,
        exp: iat + request.lifetime.whole_seconds(),
        appid: request.app_id.clone(),
        azp: None,
        scp: (request.roles.is_empty()).then(|| request.scopes.join(" ")),
        roles: request.roles.clone(),
        upn: request.user.as_ref().map(|u| u.user_principal_name.clone()),
        oid: request.user.as_ref().map(|u| u.id.hyphenated().to_string()),
        name: request.user.as_ref().map(|u| u.display_name.clone()),
        idtyp: Some(
            if request.roles.is_empty() {
                "user"
            } else {
                "app"
            }
            .to_owned(),
        ),
        app_displayname: request.app_name.clone(),
        ver: "1.0".to_owned(),
        tid,
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key.encoding)
}

/// An OpenID Connect ID token for the user of a delegated `request` (the device-code grant
/// with `openid`): `aud` is the client, as MSAL checks.
pub fn mint_id_token(
    key: &SigningKey,
    request: &TokenRequest,
) -> Result<String, jsonwebtoken::errors::Error> {
    let tid = tenant_guid(&request.tenant).hyphenated().to_string();
    let iat = request.now.unix_timestamp();
    let user = request.user.as_ref();
    let oid = user
        .map(|u| u.id.hyphenated().to_string())
        .unwrap_or_default();
    let claims = serde_json::json!({
        "aud": request.app_id,
        "iss": format!("https://login.microsoftonline.com/{tid}/v2.0"),
        "iat": iat,
        "nbf": iat,
        "exp": iat + request.lifetime.whole_seconds(),
        "name": user.map(|u| u.display_name.as_str()).unwrap_or_default(),
        "oid": oid,
        "preferred_username": user.map(|u| u.user_principal_name.as_str()).unwrap_or_default(),
        "sub": oid,
        "tid": tid,
        "ver": "2.0",
    });
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key.encoding)
}

/// Why a bearer token was refused (the message goes to the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Access token is empty.")]
    Missing,
    #[error("Access token validation failure: {0}")]
    Invalid(String),
}

/// The token of an `Authorization: Bearer ...` header.
pub fn bearer(header: Option<&str>) -> Result<&str, AuthError> {
    let header = header.map(str::trim).unwrap_or_default();
    // Real access tokens are a few kilobytes; anything far larger is refused unread.
    if header.len() > 16 * 1024 {
        return Err(AuthError::Invalid("the token is too large.".into()));
    }
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ if header.is_empty() || header.eq_ignore_ascii_case("bearer") => {
            return Err(AuthError::Missing);
        }
        _ => {
            return Err(AuthError::Invalid(
                "the Authorization header must be 'Bearer <token>'.".into(),
            ));
        }
    };
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

/// A client-facing reason for a failed signature or claims check.
pub fn describe(e: &jsonwebtoken::errors::Error) -> AuthError {
    use jsonwebtoken::errors::ErrorKind as K;
    AuthError::Invalid(
        match e.kind() {
            K::ExpiredSignature => "the token has expired.",
            K::ImmatureSignature => "the token is not valid yet.",
            K::InvalidAudience => "invalid audience (expected Microsoft Graph).",
            K::InvalidSignature => "invalid signature.",
            K::InvalidAlgorithm => "invalid algorithm.",
            _ => "the token is not well formed.",
        }
        .to_owned(),
    )
}

/// The caller of checked claims: `tid` required, and the issuer one of `issuers` (templates
/// with `{tid}`).
pub fn principal(claims: Claims, issuers: &[String]) -> Result<Principal, AuthError> {
    let tid = claims.tid.trim();
    if tid.is_empty() {
        return Err(AuthError::Invalid("the token has no tenant (tid).".into()));
    }
    if !issuers.iter().any(|t| {
        t.replace("{tid}", tid)
            .eq_ignore_ascii_case(claims.iss.trim())
    }) {
        return Err(AuthError::Invalid("invalid issuer.".into()));
    }
    Ok(Principal {
        tenant: TenantId::new(tid),
        app_id: if claims.appid.is_empty() {
            claims.azp.clone().unwrap_or_default()
        } else {
            claims.appid.clone()
        },
        scopes: claims
            .scp
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        roles: claims.roles,
    })
}

/// Checks an `Authorization` header value against the development key and returns the caller.
pub fn authenticate(key: &SigningKey, header: Option<&str>) -> Result<Principal, AuthError> {
    let token = bearer(header)?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&GRAPH_AUDIENCES);
    validation.set_required_spec_claims(&["exp", "aud", "nbf", "iss"]);
    validation.validate_nbf = true;
    validation.leeway = 60;
    let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
        .map_err(|e| describe(&e))?
        .claims;
    // This key signs v1.0 access tokens and v2.0 ID tokens: only the first are bearer tokens.
    if claims.ver != "1.0" {
        return Err(AuthError::Invalid(
            "the token is not an access token.".into(),
        ));
    }
    let issuers: Vec<String> = crate::jwks::DEFAULT_ISSUERS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    principal(claims, &issuers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use autopilot_domain::Access;

    fn request(scopes: &[&str], roles: &[&str]) -> TokenRequest {
        TokenRequest {
            tenant: "Contoso".into(),
            app_id: DEFAULT_APP_ID.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            lifetime: time::Duration::hours(1),
            now: time::OffsetDateTime::now_utc(),
            user: None,
            app_name: None,
        }
    }

    #[test]
    fn minted_tokens_authenticate() {
        let key = SigningKey::from_secret(&[7; 32]);
        let token = mint(
            &key,
            &request(&["DeviceManagementServiceConfig.ReadWrite.All"], &[]),
        )
        .unwrap();
        let p = authenticate(&key, Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(p.tenant.as_str(), tenant_guid("contoso").to_string());
        assert!(p.allows(Access::Write));
        let app = mint(
            &key,
            &request(&[], &["DeviceManagementServiceConfig.Read.All"]),
        )
        .unwrap();
        let p = authenticate(&key, Some(&format!("bearer {app}"))).unwrap();
        assert!(p.allows(Access::Read) && !p.allows(Access::Write));
        assert!(p.scopes.is_empty());
    }

    #[test]
    fn bad_tokens_are_refused() {
        let key = SigningKey::from_secret(&[7; 32]);
        let other = SigningKey::from_secret(&[8; 32]);
        let token = mint(&other, &request(&["x"], &[])).unwrap();
        assert_eq!(authenticate(&key, None), Err(AuthError::Missing));
        assert_eq!(authenticate(&key, Some("Bearer ")), Err(AuthError::Missing));
        assert!(
            matches!(authenticate(&key, Some(&format!("Bearer {token}"))), Err(AuthError::Invalid(m)) if m.contains("signature"))
        );
        assert!(matches!(
            authenticate(&key, Some("Basic abc")),
            Err(AuthError::Invalid(_))
        ));
        assert!(matches!(
            authenticate(&key, Some("Bearer not.a.jwt")),
            Err(AuthError::Invalid(_))
        ));
        let mut old = request(&["x"], &[]);
        old.now -= time::Duration::days(2);
        let expired = mint(&key, &old).unwrap();
        assert!(
            matches!(authenticate(&key, Some(&format!("Bearer {expired}"))), Err(AuthError::Invalid(m)) if m.contains("expired"))
        );
    }

    #[test]
    fn tenant_names_map_to_stable_guids() {
        let g = "72F988BF-86F1-41AF-91AB-2D7CD011DB47";
        assert_eq!(tenant_guid(g).to_string(), g.to_lowercase());
        assert_eq!(tenant_guid("Contoso"), tenant_guid(" contoso "));
        assert_ne!(tenant_guid("contoso"), tenant_guid("fabrikam"));
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = SigningKey::load_or_create(&dir.path().join("data")).unwrap();
        let b = SigningKey::load_or_create(&dir.path().join("data")).unwrap();
        let token = mint(&a, &request(&["x"], &[])).unwrap();
        assert!(authenticate(&b, Some(&format!("Bearer {token}"))).is_ok());
        std::fs::write(dir.path().join("data").join(KEY_FILE), "short").unwrap();
        assert!(matches!(
            SigningKey::load_or_create(&dir.path().join("data")),
            Err(KeyError::Damaged(_))
        ));
    }
}
