//! `jwks` authentication: RS256/ES256 access tokens from a real identity provider, checked
//! against a JSON Web Key Set read from a file. The issuer must match one of the templates with
//! the token's `tid` in place of `{tid}` (Entra ID's `https://login.microsoftonline.com/{tid}/v2.0`
//! and `https://sts.windows.net/{tid}/` by default); the audience one of the configured ones.

use std::path::Path;

use autopilot_domain::Principal;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::auth::{AuthError, Claims, GRAPH_AUDIENCES};

/// The default issuer templates (Entra ID v2 and v1 tokens).
pub const DEFAULT_ISSUERS: [&str; 2] = [
    "https://login.microsoftonline.com/{tid}/v2.0",
    "https://sts.windows.net/{tid}/",
];

/// A key set and the issuers and audiences it vouches for.
#[derive(Clone)]
pub struct JwksVerifier {
    keys: JwkSet,
    issuers: Vec<String>,
    audiences: Vec<String>,
}

impl std::fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksVerifier")
            .field("keys", &self.keys.keys.len())
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .finish()
    }
}

impl JwksVerifier {
    pub fn new(keys: JwkSet, issuers: Vec<String>, audiences: Vec<String>) -> Self {
        let issuers = if issuers.is_empty() {
            DEFAULT_ISSUERS.iter().map(|s| (*s).to_owned()).collect()
        } else {
            issuers
        };
        let audiences = if audiences.is_empty() {
            GRAPH_AUDIENCES.iter().map(|s| (*s).to_owned()).collect()
        } else {
            audiences
        };
        JwksVerifier {
            keys,
            issuers,
            audiences,
        }
    }

    /// Reads a JWKS file (`{"keys":[...]}`).
    pub fn from_file(
        path: &Path,
        issuers: Vec<String>,
        audiences: Vec<String>,
    ) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let keys: JwkSet = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a JWKS: {e}", path.display()))?;
        if keys.keys.is_empty() {
            return Err(format!("{} holds no keys", path.display()));
        }
        Ok(Self::new(keys, issuers, audiences))
    }

    /// Checks a bearer token.
    pub fn authenticate(&self, header: Option<&str>) -> Result<Principal, AuthError> {
        let token = crate::auth::bearer(header)?;
        let invalid = |m: &str| AuthError::Invalid(m.to_owned());
        let head = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("the token is not well formed."))?;
        let jwk = match &head.kid {
            Some(kid) => self.keys.find(kid),
            None if self.keys.keys.len() == 1 => self.keys.keys.first(),
            None => None,
        }
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
            DecodingKey::from_jwk(jwk).map_err(|_| invalid("the signing key is not usable."))?;
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
