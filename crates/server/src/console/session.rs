//! Who is signed in to the console: a session cookie signed with the server's key (so every
//! instance reads it), `HttpOnly`, `SameSite=Strict`, `Secure` under https, eight hours. It
//! carries a random CSRF token that every form and write must send back, and the requests
//! must come from the console's own origin.
//!
//! The admin signs in with the console password (every tenant); anyone with a Graph token
//! signs in with it (its tenant only, read-only unless the token may write).

use std::path::Path;

use autopilot_domain::{Principal, TenantId};
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::SigningKey;

/// The cookie's name.
pub const COOKIE: &str = "apg_console";
/// The audience of the console's cookies: never a Graph token, and no Graph token is one.
const AUDIENCE: &str = "autopilot-graph-console";
/// How long a session lasts.
const LIFETIME: time::Duration = time::Duration::hours(8);
/// The password file in the data directory, made on first start when none is given.
pub const PASSWORD_FILE: &str = "console-password";

/// The console's settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// SHA-256 of the admin password; `None`: only tokens sign in.
    password: Option<[u8; 32]>,
}

fn digest(password: &str) -> [u8; 32] {
    Sha256::digest(password.as_bytes()).into()
}

impl Settings {
    pub fn with_password(password: &str) -> Settings {
        Settings {
            password: Some(digest(password)),
        }
    }

    /// The password given, else the one in `DIR/console-password`, made (random, mode 0600)
    /// when missing. Returns the settings and the password, for the start-up lines.
    pub fn load_or_create(dir: &Path, given: Option<&str>) -> std::io::Result<(Settings, String)> {
        if let Some(p) = given.filter(|p| !p.is_empty()) {
            return Ok((Settings::with_password(p), p.to_owned()));
        }
        let path = dir.join(PASSWORD_FILE);
        let password = match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => text.trim().to_owned(),
            _ => {
                let mut bytes = [0u8; 15];
                getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
                let password: String = bytes
                    .iter()
                    .map(|b| char::from(b"abcdefghjkmnpqrstuvwxyz23456789"[usize::from(*b) % 31]))
                    .collect();
                write_private(&path, &password)?;
                password
            }
        };
        Ok((Settings::with_password(&password), password))
    }

    /// Whether `given` is the password (comparing digests, in constant time).
    pub fn password_matches(&self, given: &str) -> bool {
        let Some(expected) = self.password else {
            return false;
        };
        let got = digest(given);
        expected
            .iter()
            .zip(got.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    use std::io::Write as _;
    options.open(path)?.write_all(text.as_bytes())
}

/// A signed-in person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    aud: String,
    exp: i64,
    /// `None`: the admin, who sees every tenant.
    pub tenant: Option<String>,
    /// What the header shows.
    pub name: String,
    /// Whether the session may change things.
    pub write: bool,
    /// Every form and write sends this back.
    pub csrf: String,
}

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Session {
    pub fn admin(now: time::OffsetDateTime) -> Session {
        Session {
            aud: AUDIENCE.into(),
            exp: (now + LIFETIME).unix_timestamp(),
            tenant: None,
            name: "Administrator".into(),
            write: true,
            csrf: random_token(),
        }
    }

    /// A session for the tenant of a Graph token; an admin token gets the admin's.
    pub fn for_principal(p: &Principal, write: bool, now: time::OffsetDateTime) -> Session {
        if crate::handlers::management::is_admin(p) {
            return Session::admin(now);
        }
        Session {
            aud: AUDIENCE.into(),
            exp: (now + LIFETIME).unix_timestamp(),
            tenant: Some(p.tenant.as_str().to_owned()),
            name: format!("Tenant {}", p.tenant.as_str()),
            write,
            csrf: random_token(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.tenant.is_none()
    }

    /// Whether the session may look at `tenant` (a GUID).
    pub fn sees(&self, tenant: &str) -> bool {
        self.tenant.as_deref().is_none_or(|t| t == tenant)
    }

    /// The caller the console's Graph requests run as, in `tenant`.
    pub fn principal(&self, tenant: &str) -> Principal {
        let mut scopes = vec![
            "DeviceManagementServiceConfig.Read.All".to_owned(),
            "DeviceManagementConfiguration.Read.All".to_owned(),
            "Device.Read.All".to_owned(),
            "Group.Read.All".to_owned(),
            "User.Read.All".to_owned(),
        ];
        if self.write {
            scopes = [
                "DeviceManagementServiceConfig.ReadWrite.All",
                "DeviceManagementConfiguration.ReadWrite.All",
                "DeviceManagementManagedDevices.ReadWrite.All",
                "Device.ReadWrite.All",
                "Group.ReadWrite.All",
                "GroupMember.ReadWrite.All",
                "User.ReadWrite.All",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        }
        // The admin also puts the tenants' scenarios (the management API).
        if self.tenant.is_none() {
            scopes.push(crate::handlers::management::ADMIN.to_owned());
        }
        Principal {
            tenant: TenantId::new(tenant),
            app_id: "console".into(),
            scopes,
            roles: Vec::new(),
        }
    }

    /// The `Set-Cookie` value that holds this session.
    pub fn cookie(&self, key: &SigningKey, secure: bool) -> Option<String> {
        let value = key.sign(self).ok()?;
        Some(format!(
            "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
            LIFETIME.whole_seconds(),
            if secure { "; Secure" } else { "" }
        ))
    }

    /// The `Set-Cookie` value that ends a session.
    pub fn cleared(secure: bool) -> String {
        format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
            if secure { "; Secure" } else { "" }
        )
    }

    /// The session a request's cookie holds, if valid.
    pub fn from_headers(key: &SigningKey, headers: &HeaderMap) -> Option<Session> {
        let cookies = headers.get_all(header::COOKIE);
        for value in cookies.iter().filter_map(|v| v.to_str().ok()) {
            for pair in value.split(';') {
                if let Some(token) = pair
                    .trim()
                    .strip_prefix(COOKIE)
                    .and_then(|r| r.strip_prefix('='))
                    && let Ok(session) = key.verify::<Session>(token, AUDIENCE)
                {
                    return Some(session);
                }
            }
        }
        None
    }

    /// Whether a form's token is this session's.
    pub fn csrf_matches(&self, given: Option<&str>) -> bool {
        given.is_some_and(|g| {
            g.len() == self.csrf.len()
                && g.bytes()
                    .zip(self.csrf.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }
}

/// Whether a write comes from the console's own pages: `Sec-Fetch-Site` says same-origin, or
/// `Origin` is `origin` (browsers send one or both with every form and fetch).
pub fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match (get("sec-fetch-site"), get("origin")) {
        (Some(site), _) if site != "same-origin" => false,
        (_, Some(o)) => o == origin,
        (Some(_), None) => true,
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_round_trips_and_nothing_else_reads_as_one() {
        let key = SigningKey::from_secret(b"a console test secret, long enough");
        let now = time::OffsetDateTime::now_utc();
        let session = Session::admin(now);
        let cookie = session.cookie(&key, true).unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(cookie.ends_with("; Secure"));
        let mut headers = HeaderMap::new();
        let value = cookie.split(';').next().unwrap().to_owned();
        headers.insert(header::COOKIE, value.parse().unwrap());
        assert_eq!(Session::from_headers(&key, &headers), Some(session.clone()));
        // Another key, or a Graph token in the cookie, is no session.
        let other = SigningKey::from_secret(b"another console secret, long enough");
        assert_eq!(Session::from_headers(&other, &headers), None);
        assert!(session.csrf_matches(Some(&session.csrf)));
        assert!(!session.csrf_matches(Some("x")));
        assert!(!session.csrf_matches(None));
    }

    #[test]
    fn the_password_is_compared_by_digest() {
        let s = Settings::with_password("correct horse");
        assert!(s.password_matches("correct horse"));
        assert!(!s.password_matches("correct horse "));
        assert!(!Settings::default().password_matches(""));
    }

    #[test]
    fn writes_must_come_from_the_console() {
        let mut h = HeaderMap::new();
        assert!(!same_origin(&h, "http://a"));
        h.insert("origin", "http://a".parse().unwrap());
        assert!(same_origin(&h, "http://a"));
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h, "http://a"));
        let mut h = HeaderMap::new();
        h.insert("origin", "http://evil".parse().unwrap());
        assert!(!same_origin(&h, "http://a"));
    }
}
