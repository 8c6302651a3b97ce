//! Client assertions (`client_assertion_type`
//! `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`): a JWT the application signs with
//! the private key of a certificate registered on it, checked as Entra checks it and refused
//! with Entra's codes.
//!
//! What clients send differs, and all of it is taken: MSAL.NET (Connect-MgGraph
//! `-CertificateThumbprint`) signs PS256 and names the key by `x5t#S256`, writes `nbf` and
//! `exp` as strings and no `iat`; MSAL Python and azure-identity sign RS256 with `x5t` and
//! write `exp` and `iat` as (fractional) numbers and no `nbf`. A `jti` may come again: MSAL
//! Python keeps one signed assertion for up to nine minutes across requests, which Entra
//! evidently accepts.

use autopilot_domain::{AppCertificate, Application};
use axum::http::StatusCode;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use time::OffsetDateTime;

use super::Refusal;
use crate::certificates;

/// How far the client's clock may be from ours.
const SKEW_SECONDS: i64 = 300;

fn invalid_client(code: u32, description: String) -> Refusal {
    Refusal::new(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        code,
        description,
    )
}

/// Entra's text for a key it does not have.
fn key_not_found(thumbprint: &str, app: &Application) -> Refusal {
    invalid_client(
        700027,
        format!(
            "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments#app-registration-and-token-service-root-endpoints to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/{}']",
            app.client_id, app.client_id
        ),
    )
}

/// A time claim as any client writes it: an integer, a fraction, or digits in a string.
fn seconds(claims: &Value, name: &str) -> Option<i64> {
    match claims.get(name)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f as i64),
        _ => None,
    }
}

/// An instant as Entra writes it in messages (seven fractional digits).
fn entra_time(t: OffsetDateTime) -> String {
    crate::wire::datetime(t)
}

/// The registered certificate the header names, by `x5t#S256` or `x5t`.
fn named_certificate<'a>(
    header: &jsonwebtoken::Header,
    app: &'a Application,
) -> Result<&'a AppCertificate, Refusal> {
    let decode = |t: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t.trim_end_matches('='))
            .unwrap_or_default()
    };
    let (thumbprint, found) = if let Some(t) = &header.x5t_s256 {
        let want = decode(t);
        (
            want.clone(),
            app.certificates.iter().find(|c| c.sha256 == want),
        )
    } else if let Some(t) = &header.x5t {
        let want = decode(t);
        (
            want.clone(),
            app.certificates.iter().find(|c| c.sha1 == want),
        )
    } else {
        return Err(invalid_client(
            50027,
            "Invalid JWT token. No certificate thumbprint specified in token header.".into(),
        ));
    };
    found.ok_or_else(|| key_not_found(&certificates::hex(&thumbprint), app))
}

/// Checks `assertion` for `app`: its key, signature, audience (one of `audiences`: this
/// token endpoint's URL as the client posted to it), issuer and subject, and times.
pub(super) fn verify(
    assertion: &str,
    app: &Application,
    audiences: &[String],
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let malformed = || invalid_client(50027, "JWT token is invalid or malformed.".into());
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| malformed())?;
    let cert = named_certificate(&header, app)?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            5002730,
            "Invalid JWT token. Unsupported key for the signing algorithm.".into(),
        ));
    }
    if now < cert.not_before || now > cert.not_after {
        return Err(invalid_client(
            700027,
            format!(
                "Client assertion failed signature validation. [Reason - The key used is expired., Thumbprint of key used by client: '{}', Found key 'Start={}, End={}']",
                certificates::hex(&cert.sha1),
                entra_time(cert.not_before),
                entra_time(cert.not_after)
            ),
        ));
    }
    let key = certificates::rsa_public_key(&cert.der).map_err(|_| malformed())?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let claims = match jsonwebtoken::decode::<Value>(
        assertion,
        &DecodingKey::from_rsa_der(&key),
        &validation,
    ) {
        Ok(data) => data.claims,
        Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
            return Err(invalid_client(
                700027,
                format!(
                    "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{}', Found key 'Start={}, End={}']",
                    certificates::hex(&cert.sha1),
                    entra_time(cert.not_before),
                    entra_time(cert.not_after)
                ),
            ));
        }
        Err(_) => return Err(malformed()),
    };
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => audiences.iter().any(|a| {
            a.trim_end_matches('/')
                .eq_ignore_ascii_case(aud.trim_end_matches('/'))
        }),
        _ => false,
    };
    if !audience_ok {
        return Err(invalid_client(
            700023,
            "Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .".into(),
        ));
    }
    if text("iss") != text("sub") {
        return Err(invalid_client(
            50048,
            "Subject mismatches Issuer claim in the client assertion.".into(),
        ));
    }
    if !text("iss").eq_ignore_ascii_case(&app.client_id.hyphenated().to_string()) {
        return Err(invalid_client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .".into(),
        ));
    }
    let Some(exp) = seconds(&claims, "exp") else {
        return Err(malformed());
    };
    let nbf = seconds(&claims, "nbf");
    let t = now.unix_timestamp();
    if t > exp.saturating_add(SKEW_SECONDS) || nbf.is_some_and(|nbf| t + SKEW_SECONDS < nbf) {
        let at = |s: i64| {
            OffsetDateTime::from_unix_timestamp(s).map_or_else(|_| s.to_string(), entra_time)
        };
        return Err(invalid_client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
                entra_time(now),
                at(nbf.unwrap_or(0)),
                at(exp)
            ),
        ));
    }
    Ok(())
}
