//! Sign-in with the real binary: `app add --certificate` and `app add-certificate`, then a
//! client assertion against `serve`; a device code asked of `serve`, printed in its log,
//! listed and approved with `device-code`, and redeemed by the polling client.

use std::path::PathBuf;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rustls_pki_types::PrivatePkcs1KeyDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::{Value, json};

use crate::serve::{cli, cli_ok, start_with, stop};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../server/tests/fixtures")
        .join(name)
}

fn line_value(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {out}"))
        .trim()
        .to_owned()
}

async fn post_form(base: &str, path: &str, form: String) -> (u16, Value) {
    let reply = crate::client()
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    (reply.status().as_u16(), reply.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn certificates_registered_by_the_cli_sign_assertions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cert = fixture("app-cert.pem");
    let out = cli_ok(
        &data,
        &[
            "app",
            "add",
            "--tenant",
            "contoso",
            "--name",
            "Imports",
            "--certificate",
            cert.to_str().unwrap(),
        ],
    );
    let client_id = line_value(&out, "client_id");
    let certificate = line_value(&out, "certificate");
    let sha1 = certificate.split_whitespace().next().unwrap().to_owned();
    assert_eq!(sha1.len(), 40, "{out}");
    // One more certificate; an EC certificate and an unknown application are refused.
    let other = fixture("other-cert.pem");
    let added = cli_ok(
        &data,
        &[
            "app",
            "add-certificate",
            "--tenant",
            "contoso",
            "--client-id",
            &client_id,
            "--certificate",
            other.to_str().unwrap(),
        ],
    );
    assert!(added.starts_with("certificate"), "{added}");
    let ec = cli(
        &data,
        &[
            "app",
            "add-certificate",
            "--tenant",
            "contoso",
            "--client-id",
            &client_id,
            "--certificate",
            fixture("ec-cert.pem").to_str().unwrap(),
        ],
    );
    assert_eq!(ec.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ec.stderr).contains("RSA"));
    let stranger = cli(
        &data,
        &[
            "app",
            "add-certificate",
            "--tenant",
            "contoso",
            "--client-id",
            &uuid::Uuid::new_v4().to_string(),
            "--certificate",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(stranger.status.code(), Some(2));

    let running = start_with(&data, &["--listen", "127.0.0.1:0"], &[]);
    let path = "/contoso/oauth2/v2.0/token";
    let now = time_now();
    let mut header = Header::new(Algorithm::RS256);
    let thumbprint: Vec<u8> = (0..20)
        .map(|i| u8::from_str_radix(&sha1[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    header.x5t = Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(thumbprint));
    let claims = json!({"aud": format!("{}{path}", running.base), "iss": client_id, "sub": client_id, "exp": now + 600, "jti": "1"});
    let key = PrivatePkcs1KeyDer::from_pem_file(fixture("app-key.pem")).unwrap();
    let assertion = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_der(key.secret_pkcs1_der()),
    )
    .unwrap();
    let form = format!(
        "client_id={client_id}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={assertion}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials"
    );
    let (status, body) = post_form(&running.base, path, form).await;
    assert_eq!(status, 200, "{body}");
    // Connect-MgGraph -CertificateThumbprint (MSAL.NET): PS256, the SHA-256 thumbprint the
    // CLI printed, times as strings, no iat.
    let sha256 = certificate
        .split("SHA-256 ")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .unwrap()
        .to_owned();
    let digest: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&sha256[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    let mut header = Header::new(Algorithm::PS256);
    header.x5t_s256 = Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest));
    let claims = json!({"aud": format!("{}{path}", running.base), "iss": client_id, "sub": client_id,
        "nbf": now.to_string(), "exp": (now + 600).to_string(), "jti": "2"});
    let assertion = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_der(key.secret_pkcs1_der()),
    )
    .unwrap();
    let form = format!(
        "client_id={client_id}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={assertion}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials&client_info=2"
    );
    let (status, net) = post_form(&running.base, path, form).await;
    assert_eq!(status, 200, "{net}");
    let reply = crate::client()
        .get(format!(
            "{}/beta/deviceManagement/windowsAutopilotDeviceIdentities",
            running.base
        ))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    stop(running);
}

fn time_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn device_codes_are_approved_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_ok(
        &data,
        &[
            "user",
            "add",
            "--tenant",
            "contoso",
            "--upn",
            "admin@contoso.com",
        ],
    );
    let running = start_with(&data, &["--listen", "127.0.0.1:0"], &[]);
    let client = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
    // Connect-MgGraph -UseDeviceCode without -TenantId asks under `common`.
    let (status, code) = post_form(
        &running.base,
        "/common/oauth2/v2.0/devicecode",
        format!("client_id={client}&scope=DeviceManagementServiceConfig.ReadWrite.All+offline_access+openid+profile"),
    )
    .await;
    assert_eq!(status, 200, "{code}");
    let user_code = code["user_code"].as_str().unwrap().to_owned();
    let listed = cli_ok(&data, &["device-code", "list"]);
    assert!(
        listed.contains(&format!(
            "{user_code}\tcommon\t{client}\tDeviceManagementServiceConfig.ReadWrite.All"
        )),
        "{listed}"
    );
    let poll = |base: String, device: String| async move {
        post_form(
            &base,
            "/common/oauth2/v2.0/token",
            format!("client_id={client}&grant_type=device_code&device_code={device}"),
        )
        .await
    };
    let device = code["device_code"].as_str().unwrap().to_owned();
    let (status, pending) = poll(running.base.clone(), device.clone()).await;
    assert_eq!(
        (status, pending["error"].clone()),
        (400, json!("authorization_pending"))
    );
    // Under `common` the admin names the tenant; a user it does not have is refused.
    let no_tenant = cli(
        &data,
        &[
            "device-code",
            "approve",
            &user_code,
            "--user",
            "admin@contoso.com",
        ],
    );
    assert_eq!(no_tenant.status.code(), Some(2));
    let nobody = cli(
        &data,
        &[
            "device-code",
            "approve",
            &user_code,
            "--user",
            "eve@contoso.com",
            "--tenant",
            "contoso",
        ],
    );
    assert_eq!(nobody.status.code(), Some(2));
    let typed = format!("{}-{}", &user_code[..4].to_lowercase(), &user_code[4..]);
    let approved = cli_ok(
        &data,
        &[
            "device-code",
            "approve",
            &typed,
            "--user",
            "admin@contoso.com",
            "--tenant",
            "contoso",
        ],
    );
    assert!(
        approved.starts_with(&format!("approved {user_code} for admin@contoso.com")),
        "{approved}"
    );
    let (status, token) = poll(running.base.clone(), device).await;
    assert_eq!(status, 200, "{token}");
    let me = crate::client()
        .get(format!("{}/v1.0/users/admin@contoso.com", running.base))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 403, "the code asked for no user permission");
    let devices = crate::client()
        .get(format!(
            "{}/beta/deviceManagement/windowsAutopilotDeviceIdentities",
            running.base
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(devices.status(), 200);
    // A declined code; `deny` of a code nobody asked for fails.
    let (_, second) = post_form(
        &running.base,
        "/contoso/oauth2/v2.0/devicecode",
        format!("client_id={client}&scope=User.Read"),
    )
    .await;
    let second_code = second["user_code"].as_str().unwrap();
    assert!(cli_ok(&data, &["device-code", "deny", second_code]).starts_with("declined"));
    assert_eq!(
        cli(&data, &["device-code", "deny", "NOSUCHCOD"])
            .status
            .code(),
        Some(2)
    );
    let log = stop(running);
    assert!(
        log.contains(&format!("device-code approve {user_code}")),
        "the server's log says how to approve"
    );
}

/// `app permissions` after a server run: the calls its dev token made, counted and flushed
/// when the server stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_permission_report_reads_what_the_server_counted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start_with(&data, &["--listen", "127.0.0.1:0"], &[]);
    for path in [
        "/beta/deviceManagement/windowsAutopilotDeviceIdentities",
        "/v1.0/groups",
        "/v1.0/groups",
    ] {
        let reply = crate::client()
            .get(format!("{}{path}", running.base))
            .bearer_auth(&running.token)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200, "{path}");
    }
    stop(running);
    let app = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
    let out = cli_ok(&data, &["app", "permissions", app, "--tenant", "default"]);
    assert!(
        out.contains("needed   DeviceManagementServiceConfig.Read.All, Group.Read.All"),
        "{out}"
    );
    assert!(out.contains("unused   "), "{out}");
    assert!(
        out.contains("DeviceManagementServiceConfig.ReadWrite.All"),
        "{out}"
    );
    assert!(
        out.contains("  GET /v1.0 Groups(List)\t2 calls\tGroup.Read.All"),
        "{out}"
    );
    let json: Value =
        serde_json::from_str(&cli_ok(&data, &["app", "permissions", app, "--json"])).unwrap();
    assert_eq!(
        json[0]["needed"],
        json!(["DeviceManagementServiceConfig.Read.All", "Group.Read.All"])
    );
    let none = cli(
        &data,
        &["app", "permissions", "00000000-0000-0000-0000-000000000001"],
    );
    assert_eq!(none.status.code(), Some(2));
}
