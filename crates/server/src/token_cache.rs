//! Bearer tokens already verified, so that a client sending the same token again (every SDK
//! does, for an hour) is not checked again: verifying a signature and reading the claims
//! cost more than the rest of a GET by id. A token is kept until its expiry (with the same
//! 60-second leeway the verification allows) and at most five minutes, so that a key removed
//! from a JWKS stops working within five minutes as well. Only tokens that passed are kept;
//! a token that fails is checked, and fails, every time.

use std::collections::HashMap;
use std::sync::RwLock;

use autopilot_domain::Principal;
use base64::Engine as _;

/// How long a verified token is kept at most, in seconds.
const MOST_SECONDS: i64 = 300;
/// The leeway on `exp` that verification allows.
const LEEWAY: i64 = 60;
/// Tokens kept at most; when full, the cache starts over.
const CAPACITY: usize = 4096;

/// Verified tokens and whom they name.
#[derive(Debug, Default)]
pub struct TokenCache {
    tokens: RwLock<HashMap<String, (Principal, i64)>>,
}

/// A token's `exp`, read without checking it (the token was just verified).
fn expiry(token: &str) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Exp {
        exp: i64,
    }
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Exp>(&bytes).ok().map(|e| e.exp)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl TokenCache {
    /// Whom `token` names, if it was verified and is still good.
    pub fn get(&self, token: &str) -> Option<Principal> {
        let tokens = self.tokens.read().ok()?;
        let (principal, until) = tokens.get(token)?;
        (now() < *until).then(|| principal.clone())
    }

    /// Keeps a token that was just verified.
    pub fn put(&self, token: &str, principal: &Principal) {
        let Some(exp) = expiry(token) else {
            return;
        };
        let now = now();
        let until = (exp + LEEWAY).min(now + MOST_SECONDS);
        if until <= now {
            return;
        }
        if let Ok(mut tokens) = self.tokens.write() {
            if tokens.len() >= CAPACITY {
                tokens.clear();
            }
            tokens.insert(token.to_owned(), (principal.clone(), until));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autopilot_domain::TenantId;

    fn token(exp: i64) -> String {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.sig",
            enc(r#"{"alg":"HS256"}"#),
            enc(&format!(r#"{{"exp":{exp},"aud":"x"}}"#))
        )
    }

    fn someone() -> Principal {
        Principal {
            tenant: TenantId::new("t"),
            app_id: "a".into(),
            scopes: vec!["s".into()],
            roles: Vec::new(),
        }
    }

    #[test]
    fn kept_until_expiry_and_leeway_at_most_five_minutes() {
        let cache = TokenCache::default();
        let live = token(now() + 3600);
        assert!(cache.get(&live).is_none());
        cache.put(&live, &someone());
        assert_eq!(cache.get(&live), Some(someone()));
        let until = cache.tokens.read().unwrap()[&live].1;
        assert!(until <= now() + MOST_SECONDS);
        // Expired beyond the leeway: not kept.
        let dead = token(now() - LEEWAY - 1);
        cache.put(&dead, &someone());
        assert!(cache.get(&dead).is_none());
        // Within the leeway: kept until its end.
        let late = token(now() - 10);
        cache.put(&late, &someone());
        assert!(cache.tokens.read().unwrap()[&late].1 <= now() + LEEWAY);
        // Another token is not the same token.
        assert!(cache.get(&token(now() + 3599)).is_none());
        assert!(cache.get("not a token").is_none());
    }

    #[test]
    fn a_full_cache_starts_over() {
        let cache = TokenCache::default();
        for i in 0..=CAPACITY {
            cache.put(&token(now() + 1000 + i as i64), &someone());
        }
        assert_eq!(cache.tokens.read().unwrap().len(), 1);
    }
}
