//! `jwks` authentication: RS256/ES256 access tokens from a real identity provider, checked
//! against a JSON Web Key Set read from a file. The issuer must match one of the templates with
//! the token's `tid` in place of `{tid}` (Entra ID's `https://login.microsoftonline.com/{tid}/v2.0`
//! and `https://sts.windows.net/{tid}/` by default); the audience one of the configured ones.

use std::path::Path;
use std::time::{Duration, Instant};

use autopilot_domain::Principal;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::{Mutex, RwLock};

use crate::auth::{AuthError, Claims, GRAPH_AUDIENCES};

/// The default issuer templates (Entra ID v2 and v1 tokens).
pub const DEFAULT_ISSUERS: [&str; 2] = [
    "https://login.microsoftonline.com/{tid}/v2.0",
    "https://sts.windows.net/{tid}/",
];

/// How a key set fetched from a URL is kept and refreshed.
#[derive(Debug, Clone, Copy)]
pub struct FetchPolicy {
    /// Keys older than this are fetched again on the next request (the old ones serve while
    /// the fetch fails).
    pub max_age: Duration,
    /// The least time between two fetches, however many tokens name unknown keys.
    pub min_interval: Duration,
    /// Attempts per fetch, with doubling pauses from `backoff` between them.
    pub attempts: u32,
    pub backoff: Duration,
    /// Time allowed for one attempt.
    pub timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            max_age: Duration::from_secs(3600),
            min_interval: Duration::from_secs(10),
            attempts: 3,
            backoff: Duration::from_millis(250),
            timeout: Duration::from_secs(5),
        }
    }
}

/// The largest key set document accepted.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

#[derive(Debug)]
enum Source {
    /// Keys given once (a file).
    Fixed,
    /// Keys fetched from the identity provider's `jwks_uri`.
    Url {
        url: String,
        client: reqwest::Client,
        policy: FetchPolicy,
    },
}

#[derive(Debug)]
struct Keys {
    set: JwkSet,
    fetched: Instant,
    last_attempt: Instant,
}

/// A key set and the issuers and audiences it vouches for.
#[derive(Debug)]
pub struct JwksVerifier {
    source: Source,
    keys: RwLock<Keys>,
    /// One fetch at a time; requests that find it busy wait for its result.
    refreshing: Mutex<()>,
    issuers: Vec<String>,
    audiences: Vec<String>,
}

fn or_default(given: Vec<String>, default: &[&str]) -> Vec<String> {
    if given.is_empty() {
        default.iter().map(|s| (*s).to_owned()).collect()
    } else {
        given
    }
}

impl JwksVerifier {
    fn with_source(
        source: Source,
        set: JwkSet,
        issuers: Vec<String>,
        audiences: Vec<String>,
    ) -> Self {
        let now = Instant::now();
        JwksVerifier {
            source,
            keys: RwLock::new(Keys {
                set,
                fetched: now,
                last_attempt: now,
            }),
            refreshing: Mutex::new(()),
            issuers: or_default(issuers, &DEFAULT_ISSUERS),
            audiences: or_default(audiences, &GRAPH_AUDIENCES),
        }
    }

    /// A verifier over a fixed key set.
    pub fn new(keys: JwkSet, issuers: Vec<String>, audiences: Vec<String>) -> Self {
        Self::with_source(Source::Fixed, keys, issuers, audiences)
    }

    /// Reads a JWKS file (`{"keys":[...]}`).
    pub fn from_file(
        path: &Path,
        issuers: Vec<String>,
        audiences: Vec<String>,
    ) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let keys = parse_set(text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self::new(keys, issuers, audiences))
    }

    /// Fetches the key set from `url` (the identity provider's `jwks_uri`) and keeps it: fetched
    /// again when older than `policy.max_age`, or when a token names a key it does not hold
    /// (at most once per `policy.min_interval`). Fails when the first fetch fails.
    pub async fn from_url(
        url: &str,
        issuers: Vec<String>,
        audiences: Vec<String>,
        policy: FetchPolicy,
    ) -> Result<Self, String> {
        crate::tls::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .user_agent(concat!("autopilot-graph/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        let keys = fetch(&client, url, policy).await?;
        let source = Source::Url {
            url: url.to_owned(),
            client,
            policy,
        };
        Ok(Self::with_source(source, keys, issuers, audiences))
    }

    /// The key a token names; fetches the set again when it is unknown or old.
    async fn key(&self, kid: Option<&str>) -> Option<Jwk> {
        let find = |keys: &Keys| match kid {
            Some(kid) => keys.set.find(kid).cloned(),
            None if keys.set.keys.len() == 1 => keys.set.keys.first().cloned(),
            None => None,
        };
        let Source::Url {
            url,
            client,
            policy,
        } = &self.source
        else {
            return find(&*self.keys.read().await);
        };
        {
            let keys = self.keys.read().await;
            let found = find(&keys);
            if found.is_some() && keys.fetched.elapsed() < policy.max_age {
                return found;
            }
        }
        // Unknown key (perhaps rotated in) or old set: one fetch at a time, none sooner than
        // `min_interval` after the last, whatever the tokens say.
        let _one = self.refreshing.lock().await;
        let since = self.keys.read().await.last_attempt.elapsed();
        if since >= policy.min_interval {
            let result = fetch(client, url, *policy).await;
            let mut keys = self.keys.write().await;
            keys.last_attempt = Instant::now();
            match result {
                Ok(set) => {
                    tracing::info!(keys = set.keys.len(), "fetched the JWKS again");
                    keys.set = set;
                    keys.fetched = keys.last_attempt;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot fetch the JWKS; keeping the keys held")
                }
            }
        }
        find(&*self.keys.read().await)
    }

    /// Checks a bearer token.
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Principal, AuthError> {
        let token = crate::auth::bearer(header)?;
        let invalid = |m: &str| AuthError::Invalid(m.to_owned());
        let head = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("the token is not well formed."))?;
        // The algorithm comes first: a token that cannot be valid must not make us fetch keys.
        if !matches!(head.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(invalid("invalid algorithm."));
        }
        let jwk = self
            .key(head.kid.as_deref())
            .await
            .ok_or_else(|| invalid("the token's signing key (kid) is not known."))?;
        // The algorithm must be the key's: no HS256 with a public key, no `none`.
        let allowed = matches!(
            (&jwk.algorithm, head.alg),
            (AlgorithmParameters::RSA(_), Algorithm::RS256)
                | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
        );
        if !allowed {
            return Err(invalid("invalid algorithm."));
        }
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|_| invalid("the signing key is not usable."))?;
        let mut validation = Validation::new(head.alg);
        validation.set_audience(&self.audiences);
        validation.set_required_spec_claims(&["exp", "aud", "nbf", "iss"]);
        validation.validate_nbf = true;
        validation.leeway = 60;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| crate::auth::describe(&e))?
            .claims;
        crate::auth::principal(claims, &self.issuers)
    }
}

fn parse_set(bytes: &[u8]) -> Result<JwkSet, String> {
    let keys: JwkSet =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JSON Web Key Set: {e}"))?;
    if keys.keys.is_empty() {
        return Err("the key set holds no keys".to_owned());
    }
    Ok(keys)
}

/// Fetches a key set with bounded retries (server errors and transport failures only; a
/// well-formed refusal or a bad document is not retried).
async fn fetch(client: &reqwest::Client, url: &str, policy: FetchPolicy) -> Result<JwkSet, String> {
    let mut pause = policy.backoff;
    let mut attempt = 1;
    loop {
        let outcome = fetch_once(client, url).await;
        match outcome {
            Ok(set) => return Ok(set),
            Err((retry, e)) if !retry || attempt >= policy.attempts.max(1) => {
                return Err(format!("cannot fetch the JWKS from {url}: {e}"));
            }
            Err((_, e)) => {
                tracing::debug!(attempt, error = %e, "JWKS fetch failed; trying again");
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
                attempt += 1;
            }
        }
    }
}

async fn fetch_once(client: &reqwest::Client, url: &str) -> Result<JwkSet, (bool, String)> {
    let response = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| (true, e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        let retry = status.is_server_error() || status.as_u16() == 429;
        return Err((retry, format!("HTTP status {status}")));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
    {
        return Err((false, "the key set is larger than 1 MiB".to_owned()));
    }
    let mut response = response;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| (true, e.to_string()))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_JWKS_BYTES {
            return Err((false, "the key set is larger than 1 MiB".to_owned()));
        }
    }
    parse_set(&body).map_err(|e| (false, e))
}
