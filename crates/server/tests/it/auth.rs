//! Token defects answer 401 and do nothing; read-only tokens get 403 on every write route.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::common::{IMPORTED, RO, Server, import_body};

const SECRET: &[u8] = b"a test secret that is long enough!!";

fn claims(tid: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "aud": "https://graph.microsoft.com", "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now, "exp": now + 3600, "tid": tid, "appid": "app",
        "scp": "DeviceManagementServiceConfig.ReadWrite.All", "ver": "1.0"
    })
}

fn sign(claims: &Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

#[tokio::test]
async fn every_token_defect_is_401_and_nothing_happens() {
    let server = Server::start().await;
    let tid = "8e2f2a8b-1c4d-4e5f-9a0b-1c2d3e4f5a6b";
    let good = sign(&claims(tid), SECRET);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut defects: Vec<(&str, String)> = Vec::new();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims(tid);
        f(&mut c);
        sign(&c, SECRET)
    };
    defects.push((
        "expired",
        with(&|c| {
            c["exp"] = json!(now - 3600);
            c["nbf"] = json!(now - 7200);
        }),
    ));
    defects.push(("not yet valid", with(&|c| c["nbf"] = json!(now + 3600))));
    defects.push((
        "wrong issuer",
        with(&|c| c["iss"] = json!("https://sts.windows.net/someone-else/")),
    ));
    defects.push((
        "wrong audience",
        with(&|c| c["aud"] = json!("https://management.azure.com")),
    ));
    defects.push((
        "missing tid",
        with(&|c| {
            c.as_object_mut().unwrap().remove("tid");
        }),
    ));
    defects.push((
        "wrong key",
        sign(&claims(tid), b"another secret, just as long!!!!!!"),
    ));
    // alg none: an unsigned token.
    let b64 = |v: &Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    defects.push((
        "alg none",
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&claims(tid))
        ),
    ));
    // An RS256 header over an HMAC signature.
    let parts: Vec<&str> = good.split('.').collect();
    defects.push((
        "alg confusion",
        format!(
            "{}.{}.{}",
            b64(&json!({"alg": "RS256", "typ": "JWT"})),
            parts[1],
            parts[2]
        ),
    ));
    defects.push(("garbage", "not.a.token".to_owned()));
    defects.push(("oversize", format!("{good}{}", "A".repeat(20_000))));
    for (name, token) in &defects {
        let reply = server
            .post_json(
                &format!("/beta{IMPORTED}/import"),
                token,
                &import_body(["AUTH-1".to_owned()]),
            )
            .await;
        let message = reply.graph_error(401, "InvalidAuthenticationToken");
        assert!(!message.is_empty(), "{name}");
        assert!(
            reply.header("www-authenticate").starts_with("Bearer"),
            "{name}"
        );
    }
    // The good token works, and nothing was imported by the bad ones.
    let count = server.get(&format!("/beta{IMPORTED}/$count"), &good).await;
    assert_eq!(count.text(), "0");
}

#[tokio::test]
async fn a_read_only_token_is_403_on_every_write_route() {
    let server = Server::start().await;
    let ro = server.token("readonly", &[RO], &[]);
    let id = "00000000-0000-0000-0000-000000000000";
    let d = "/beta/deviceManagement/windowsAutopilotDeviceIdentities";
    let u = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads";
    let p = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles";
    let writes: Vec<(reqwest::Method, String)> = vec![
        (reqwest::Method::POST, format!("/beta{IMPORTED}")),
        (reqwest::Method::POST, format!("/v1.0{IMPORTED}/import")),
        (reqwest::Method::DELETE, format!("/beta{IMPORTED}/{id}")),
        (reqwest::Method::POST, u.to_owned()),
        (reqwest::Method::DELETE, format!("{u}/{id}")),
        (reqwest::Method::POST, format!("{u}/{id}/deviceIdentities")),
        (
            reqwest::Method::POST,
            format!("{u}/{id}/deviceIdentities/import"),
        ),
        (
            reqwest::Method::DELETE,
            format!("{u}/{id}/deviceIdentities/{id}"),
        ),
        (
            reqwest::Method::POST,
            "/v1.0/importedWindowsAutopilotDeviceIdentityUpload/deviceIdentities/import".to_owned(),
        ),
        (reqwest::Method::DELETE, format!("{d}/{id}")),
        (reqwest::Method::POST, format!("{d}/deleteDevices")),
        (
            reqwest::Method::POST,
            format!("{d}/{id}/assignUserToDevice"),
        ),
        (
            reqwest::Method::POST,
            format!("{d}/{id}/unassignUserFromDevice"),
        ),
        (
            reqwest::Method::POST,
            format!("{d}/{id}/updateDeviceProperties"),
        ),
        (
            reqwest::Method::POST,
            format!("{d}/{id}/allowNextEnrollment"),
        ),
        (
            reqwest::Method::POST,
            format!("{d}/{id}/assignResourceAccountToDevice"),
        ),
        (
            reqwest::Method::POST,
            format!("{d}/{id}/unassignResourceAccountFromDevice"),
        ),
        (
            reqwest::Method::PATCH,
            "/beta/deviceManagement/windowsAutopilotSettings".to_owned(),
        ),
        (
            reqwest::Method::POST,
            "/beta/deviceManagement/windowsAutopilotSettings/sync".to_owned(),
        ),
        (reqwest::Method::POST, p.to_owned()),
        (reqwest::Method::PATCH, format!("{p}/{id}")),
        (reqwest::Method::DELETE, format!("{p}/{id}")),
        (reqwest::Method::POST, format!("{p}/{id}/assignments")),
        (
            reqwest::Method::DELETE,
            format!("{p}/{id}/assignments/{id}"),
        ),
    ];
    for (method, path) in writes {
        let reply = server
            .send(
                method.clone(),
                &path,
                Some(&ro),
                Some(("application/json", b"{}".to_vec())),
            )
            .await;
        let message = reply.graph_error(403, "Forbidden");
        assert!(
            message.contains("ReadWrite.All"),
            "{method} {path}: {message}"
        );
    }
    // Profiles also take DeviceManagementConfiguration.Read.All for reads.
    let config = server.token("readonly", &["DeviceManagementConfiguration.Read.All"], &[]);
    assert_eq!(server.get(p, &config).await.status, 200);
    server
        .get(&format!("/beta{IMPORTED}"), &config)
        .await
        .graph_error(403, "Forbidden");
}
