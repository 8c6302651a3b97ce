//! `jwks` authentication with a locally generated RSA key pair and a JWKS read from a file.

use std::process::Command;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::common::{IMPORTED, Server};

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether the openssl command is there to make the tests' keys (required in CI).
fn openssl_found() -> bool {
    if Command::new("openssl").arg("version").output().is_ok() {
        return true;
    }
    let required = std::env::var("AUTOPILOT_GRAPH_REQUIRE_TESTDATA").is_ok_and(|v| v == "1");
    assert!(!required, "openssl is needed to make the test's RSA keys");
    eprintln!("skipping: openssl not found");
    false
}

/// An RSA key pair from the openssl command: (PKCS#1 DER private key, JWK of the public key).
fn rsa_key(dir: &std::path::Path, kid: &str) -> (Vec<u8>, Value) {
    let pem = dir.join(format!("{kid}.pem"));
    let der = dir.join(format!("{kid}.der"));
    let ok = |c: &mut Command| assert!(c.status().unwrap().success());
    ok(Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&pem)
        .arg("2048"));
    ok(Command::new("openssl")
        .args(["rsa", "-traditional", "-outform", "DER", "-in"])
        .arg(&pem)
        .arg("-out")
        .arg(&der));
    let modulus = Command::new("openssl")
        .args(["rsa", "-noout", "-modulus", "-in"])
        .arg(&pem)
        .output()
        .unwrap();
    let hex = String::from_utf8(modulus.stdout).unwrap();
    let hex = hex.trim().trim_start_matches("Modulus=");
    let n: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let jwk = json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64url(&n), "e": "AQAB"});
    (std::fs::read(der).unwrap(), jwk)
}

fn claims(tid: &str, iss: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "aud": "00000003-0000-0000-c000-000000000000", "iss": iss, "iat": now, "nbf": now,
        "exp": now + 3600, "tid": tid, "azp": "11111111-2222-3333-4444-555555555555",
        "roles": ["DeviceManagementServiceConfig.ReadWrite.All"], "ver": "2.0"
    })
}

fn sign(claims: &Value, kid: &str, der: &[u8]) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der)).unwrap()
}

#[tokio::test]
async fn rs256_tokens_checked_against_a_jwks_file() {
    if !openssl_found() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (der, jwk) = rsa_key(dir.path(), "key-1");
    let (other_der, _) = rsa_key(dir.path(), "key-2");
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, json!({"keys": [jwk.clone()]}).to_string()).unwrap();
    let verifier =
        autopilot_server::jwks::JwksVerifier::from_file(&jwks_path, Vec::new(), Vec::new())
            .unwrap();
    let server = Server::with_jwks(verifier).await;

    let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
    let good = sign(&claims(tid, &iss), "key-1", &der);
    let reply = server.get(&format!("/beta{IMPORTED}"), &good).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // Each defect: 401.
    let mut wrong_aud = claims(tid, &iss);
    wrong_aud["aud"] = json!("api://something-else");
    let mut expired = claims(tid, &iss);
    expired["exp"] = json!(time::OffsetDateTime::now_utc().unix_timestamp() - 3600);
    let hs_with_public_key = {
        // HS256 "signed" with the public modulus as the secret: the classic confusion attack.
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwk["n"].as_str().unwrap())
            .unwrap();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("key-1".into());
        jsonwebtoken::encode(&header, &claims(tid, &iss), &EncodingKey::from_secret(&n)).unwrap()
    };
    for (name, token) in [
        ("wrong key", sign(&claims(tid, &iss), "key-1", &other_der)),
        ("unknown kid", sign(&claims(tid, &iss), "key-9", &der)),
        (
            "wrong issuer",
            sign(
                &claims(tid, "https://login.microsoftonline.com/common/v2.0"),
                "key-1",
                &der,
            ),
        ),
        ("wrong audience", sign(&wrong_aud, "key-1", &der)),
        ("expired", sign(&expired, "key-1", &der)),
        ("HS256 with the public key", hs_with_public_key),
    ] {
        let reply = server.get(&format!("/beta{IMPORTED}"), &token).await;
        reply.graph_error(401, "InvalidAuthenticationToken");
        let _ = name;
    }
    // Development tokens are not accepted in jwks mode.
    let dev = server.rw("contoso");
    server
        .get(&format!("/beta{IMPORTED}"), &dev)
        .await
        .graph_error(401, "InvalidAuthenticationToken");
}

/// A JWKS endpoint for the URL test: what it serves can change, and it counts its requests.
#[derive(Clone, Default)]
struct KeyEndpoint {
    document: std::sync::Arc<std::sync::Mutex<(u16, String)>>,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl KeyEndpoint {
    async fn start(&self) -> String {
        let this = self.clone();
        let app = axum::Router::new().route(
            "/discovery/v2.0/keys",
            axum::routing::get(move || {
                let this = this.clone();
                async move {
                    this.hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let (status, body) = this.document.lock().unwrap().clone();
                    (axum::http::StatusCode::from_u16(status).unwrap(), body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/discovery/v2.0/keys")
    }

    fn serve(&self, status: u16, body: String) {
        *self.document.lock().unwrap() = (status, body);
    }

    fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[tokio::test]
async fn jwks_from_a_url_is_cached_and_fetched_again_for_a_rotated_key() {
    if !openssl_found() {
        return;
    }
    use autopilot_server::jwks::{FetchPolicy, JwksVerifier};
    let dir = tempfile::tempdir().unwrap();
    let (der_a, jwk_a) = rsa_key(dir.path(), "key-a");
    let (der_b, jwk_b) = rsa_key(dir.path(), "key-b");
    let endpoint = KeyEndpoint::default();
    let url = endpoint.start().await;
    let policy = FetchPolicy {
        min_interval: std::time::Duration::ZERO,
        backoff: std::time::Duration::from_millis(10),
        ..FetchPolicy::default()
    };

    // The provider is down at start: a bounded number of attempts, then a clear failure.
    endpoint.serve(503, "unavailable".into());
    let err = JwksVerifier::from_url(&url, Vec::new(), Vec::new(), policy)
        .await
        .unwrap_err();
    assert!(err.contains("503"), "{err}");
    assert_eq!(endpoint.hits(), 3);
    // A document that is not a key set is not retried.
    endpoint.serve(200, "{\"keys\": []}".into());
    let err = JwksVerifier::from_url(&url, Vec::new(), Vec::new(), policy)
        .await
        .unwrap_err();
    assert!(err.contains("no keys"), "{err}");
    assert_eq!(endpoint.hits(), 4);

    endpoint.serve(200, json!({"keys": [jwk_a]}).to_string());
    let verifier = JwksVerifier::from_url(&url, Vec::new(), Vec::new(), policy)
        .await
        .unwrap();
    assert_eq!(endpoint.hits(), 5);
    let server = Server::with_jwks(verifier).await;
    let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let iss = format!("https://sts.windows.net/{tid}/");
    let path = format!("/beta{IMPORTED}");

    // Known key: served from the cache, however many requests.
    let token_a = sign(&claims(tid, &iss), "key-a", &der_a);
    for _ in 0..5 {
        assert_eq!(server.get(&path, &token_a).await.status, 200);
    }
    assert_eq!(endpoint.hits(), 5);

    // The provider rotates key-b in: the first token naming it makes one fetch, then it works.
    let token_b = sign(&claims(tid, &iss), "key-b", &der_b);
    endpoint.serve(200, json!({"keys": [jwk_a, jwk_b]}).to_string());
    assert_eq!(server.get(&path, &token_b).await.status, 200);
    assert_eq!(endpoint.hits(), 6);
    assert_eq!(server.get(&path, &token_b).await.status, 200);
    assert_eq!(endpoint.hits(), 6);

    // A kid the provider does not have: 401 after its fetch, and the held keys still serve
    // while the provider fails.
    let forged = sign(&claims(tid, &iss), "key-z", &der_b);
    server
        .get(&path, &forged)
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    endpoint.serve(500, "down".into());
    server
        .get(&path, &forged)
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    assert_eq!(server.get(&path, &token_a).await.status, 200);
    // Tokens that cannot be valid whatever the keys (alg none, HS256) never make a fetch.
    let hits = endpoint.hits();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("key-q".into());
    let hs =
        jsonwebtoken::encode(&header, &claims(tid, &iss), &EncodingKey::from_secret(b"x")).unwrap();
    server
        .get(&path, &hs)
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    assert_eq!(endpoint.hits(), hits);
}

#[tokio::test]
async fn unknown_kids_fetch_at_most_once_per_interval() {
    if !openssl_found() {
        return;
    }
    use autopilot_server::jwks::{FetchPolicy, JwksVerifier};
    let dir = tempfile::tempdir().unwrap();
    let (der, jwk) = rsa_key(dir.path(), "key-a");
    let endpoint = KeyEndpoint::default();
    let url = endpoint.start().await;
    endpoint.serve(200, json!({"keys": [jwk]}).to_string());
    let policy = FetchPolicy {
        min_interval: std::time::Duration::from_secs(3600),
        ..FetchPolicy::default()
    };
    let verifier = JwksVerifier::from_url(&url, Vec::new(), Vec::new(), policy)
        .await
        .unwrap();
    let server = Server::with_jwks(verifier).await;
    let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let iss = format!("https://sts.windows.net/{tid}/");
    for i in 0..20 {
        let token = sign(&claims(tid, &iss), &format!("random-{i}"), &der);
        server
            .get(&format!("/beta{IMPORTED}"), &token)
            .await
            .graph_error(401, "InvalidAuthenticationToken");
    }
    // Only the fetch at start: the flood of unknown kids fell inside the interval.
    assert_eq!(endpoint.hits(), 1);
}
