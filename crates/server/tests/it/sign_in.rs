//! Sign-in the way the scripts sign in, beyond a client secret: a client assertion signed with
//! a registered certificate (`Connect-MgGraph -AppId -CertificateThumbprint` through MSAL.NET,
//! and MSAL Python / azure-identity, each as it writes its assertion), and the device-code grant
//! (`Connect-MgGraph -UseDeviceCode`). Bad assertions and codes get Entra's refusals.

use autopilot_domain::device_code::SignedInUser;
use autopilot_domain::{AppCertificate, CodeDecision, TenantId};
use autopilot_server::auth::tenant_guid;
use autopilot_server::certificates;
use autopilot_server::handlers::token::new_application;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rustls_pki_types::PrivatePkcs1KeyDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{IMPORTED, Reply, Server};

const ASSERTION_TYPE: &str = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";
const SCOPE: &str = "https%3A%2F%2Fgraph.microsoft.com%2F.default";
/// Microsoft Graph Command Line Tools, the public client Connect-MgGraph signs in with.
const GRAPH_CLI: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn key(name: &str) -> EncodingKey {
    let der = PrivatePkcs1KeyDer::from_pem_slice(&fixture(name)).unwrap();
    EncodingKey::from_rsa_der(der.secret_pkcs1_der())
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn post_form(server: &Server, path: &str, form: &str) -> Reply {
    server
        .send(
            reqwest::Method::POST,
            path,
            None,
            Some((
                "application/x-www-form-urlencoded",
                form.as_bytes().to_vec(),
            )),
        )
        .await
}

/// An application with the `app` certificate, in tenant `contoso`; its client id.
async fn registered(server: &Server) -> (Uuid, AppCertificate) {
    let (mut app, _) = new_application(
        "Autopilot import (certificate)",
        vec!["DeviceManagementServiceConfig.ReadWrite.All".into()],
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let cert =
        certificates::read(&fixture("app-cert.pem"), time::OffsetDateTime::now_utc()).unwrap();
    let prints = cert.clone();
    app.certificates.push(cert);
    let tid = TenantId::new(&tenant_guid("contoso").to_string());
    server.store().add_application(&tid, &app).await.unwrap();
    (app.client_id, prints)
}

fn sign(header: Header, claims: &Value, key_file: &str) -> String {
    jsonwebtoken::encode(&header, claims, &key(key_file)).unwrap()
}

/// MSAL.NET (4.61 on): PS256, `x5t#S256`, `nbf` and `exp` as strings, no `iat`.
fn msal_net(client: Uuid, aud: &str, sha256: &[u8], key_file: &str, exp_in: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut header = Header::new(Algorithm::PS256);
    header.x5t_s256 = Some(b64(sha256));
    let claims = json!({"aud": aud, "iss": client.to_string(), "sub": client.to_string(),
        "nbf": now.to_string(), "exp": (now + exp_in).to_string(), "jti": Uuid::new_v4().to_string()});
    sign(header, &claims, key_file)
}

/// MSAL Python / azure-identity: RS256, `x5t` (SHA-1), `exp` and `iat` as fractions, no `nbf`.
fn msal_python(client: Uuid, aud: &str, sha1: &[u8]) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as f64 + 0.25;
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = Some(b64(sha1));
    let claims = json!({"aud": aud, "iss": client.to_string(), "sub": client.to_string(),
        "iat": now, "exp": now + 600.0, "jti": Uuid::new_v4().to_string()});
    sign(header, &claims, "app-key.pem")
}

fn credentials_form(client: Uuid, assertion: &str) -> String {
    format!(
        "client_id={client}&client_assertion_type={ASSERTION_TYPE}&client_assertion={assertion}&scope={SCOPE}&grant_type=client_credentials&client_info=2"
    )
}

/// The Entra error a reply carries: (status, error, first AADSTS code).
fn entra_error(reply: &Reply) -> (u16, String, u64) {
    let body = reply.json();
    let description = body["error_description"].as_str().unwrap_or_default();
    let code = body["error_codes"][0].as_u64().unwrap_or_default();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(description.contains("\r\nTrace ID: "), "{description}");
    (
        reply.status,
        body["error"].as_str().unwrap_or_default().to_owned(),
        code,
    )
}

#[tokio::test]
async fn certificate_assertions_as_msal_writes_them() {
    let server = Server::start().await;
    let (client, prints) = registered(&server).await;
    let token_url = |tenant: &str| format!("/{tenant}/oauth2/v2.0/token");
    let aud = format!("{}{}", server.base, token_url("contoso"));

    // Connect-MgGraph -AppId -TenantId contoso -CertificateThumbprint (MSAL.NET).
    let assertion = msal_net(client, &aud, &prints.sha256, "app-key.pem", 600);
    let reply = post_form(
        &server,
        &token_url("contoso"),
        &credentials_form(client, &assertion),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(
        (body["token_type"].clone(), body["ext_expires_in"].clone()),
        (json!("Bearer"), json!(3599))
    );
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        server.get(&format!("/beta{IMPORTED}"), token).await.status,
        200
    );
    // What Get-MgContext shows comes from the token's claims.
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(token)
        .unwrap()
        .claims;
    assert_eq!(claims["appid"], client.to_string());
    assert_eq!(claims["app_displayname"], "Autopilot import (certificate)");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(
        claims["roles"],
        json!(["DeviceManagementServiceConfig.ReadWrite.All"])
    );

    // MSAL Python / azure-identity, the audience naming the tenant by GUID; the same
    // assertion again is taken, as Entra takes it (MSAL Python reuses one for minutes).
    let guid = tenant_guid("contoso").to_string();
    let aud_guid = format!("{}{}", server.base, token_url(&guid));
    let assertion = msal_python(client, &aud_guid, &prints.sha1);
    for _ in 0..2 {
        let reply = post_form(
            &server,
            &token_url("contoso"),
            &credentials_form(client, &assertion),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
}

#[tokio::test]
async fn bad_assertions_are_refused_as_entra_refuses_them() {
    let server = Server::start().await;
    let (client, prints) = registered(&server).await;
    let path = "/contoso/oauth2/v2.0/token";
    let aud = format!("{}{path}", server.base);
    let refuse = |assertion: String| {
        let server = &server;
        async move { entra_error(&post_form(server, path, &credentials_form(client, &assertion)).await) }
    };
    let invalid_client = |code| (401, "invalid_client".to_owned(), code);

    // Another audience (Entra's own host; the v1 token path).
    for wrong in [
        "https://login.microsoftonline.com/contoso/oauth2/v2.0/token".to_owned(),
        format!("{}/contoso/oauth2/token", server.base),
    ] {
        assert_eq!(
            refuse(msal_net(client, &wrong, &prints.sha256, "app-key.pem", 600)).await,
            invalid_client(700023)
        );
    }
    // Expired ten minutes ago.
    assert_eq!(
        refuse(msal_net(client, &aud, &prints.sha256, "app-key.pem", -600)).await,
        invalid_client(700024)
    );
    // A certificate the application does not have.
    let other =
        certificates::read(&fixture("other-cert.pem"), time::OffsetDateTime::now_utc()).unwrap();
    let reply = post_form(
        &server,
        path,
        &credentials_form(
            client,
            &msal_net(client, &aud, &other.sha256, "other-key.pem", 600),
        ),
    )
    .await;
    assert_eq!(entra_error(&reply), invalid_client(700027));
    assert!(
        reply.json()["error_description"]
            .as_str()
            .unwrap()
            .contains(&certificates::hex(&other.sha256))
    );
    // The registered thumbprint, signed by another key.
    assert_eq!(
        refuse(msal_net(client, &aud, &prints.sha256, "other-key.pem", 600)).await,
        invalid_client(700027)
    );
    // Subject and issuer differ; no thumbprint; an algorithm Entra does not take.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = Some(b64(&prints.sha1));
    let claims = json!({"aud": aud, "iss": client.to_string(), "sub": Uuid::new_v4().to_string(), "exp": now + 600});
    assert_eq!(
        refuse(sign(header.clone(), &claims, "app-key.pem")).await,
        invalid_client(50048)
    );
    let claims =
        json!({"aud": aud, "iss": client.to_string(), "sub": client.to_string(), "exp": now + 600});
    assert_eq!(
        refuse(sign(Header::new(Algorithm::RS256), &claims, "app-key.pem")).await,
        invalid_client(50027)
    );
    let mut hs = Header::new(Algorithm::HS256);
    hs.x5t = Some(b64(&prints.sha1));
    let forged = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(b"guess")).unwrap();
    assert_eq!(
        refuse(forged).await,
        (400, "invalid_request".to_owned(), 5002730)
    );
    assert_eq!(refuse("not.a.jwt".to_owned()).await, invalid_client(50027));

    // The form itself: no assertion type, no credential at all, an unknown application.
    let good = msal_net(client, &aud, &prints.sha256, "app-key.pem", 600);
    let form = format!(
        "client_id={client}&client_assertion={good}&scope={SCOPE}&grant_type=client_credentials"
    );
    assert_eq!(
        entra_error(&post_form(&server, path, &form).await),
        (400, "invalid_request".to_owned(), 900144)
    );
    let form = format!("client_id={client}&scope={SCOPE}&grant_type=client_credentials");
    assert_eq!(
        entra_error(&post_form(&server, path, &form).await),
        invalid_client(7000218)
    );
    let stranger = Uuid::new_v4();
    assert_eq!(
        entra_error(&post_form(&server, path, &credentials_form(stranger, &good)).await),
        (400, "unauthorized_client".to_owned(), 700016)
    );
    // Nothing above took the good assertion's place: it still works.
    assert_eq!(
        post_form(&server, path, &credentials_form(client, &good))
            .await
            .status,
        200
    );
}

/// `POST /{tenant}/oauth2/v2.0/devicecode` as MSAL.NET sends it for Connect-MgGraph
/// `-UseDeviceCode -Scopes ...`: the scopes plus `offline_access openid profile`.
async fn device_code(server: &Server, tenant: &str, scope: &str) -> Value {
    let form = format!("client_id={GRAPH_CLI}&scope={}", scope.replace(' ', "+"));
    let reply = post_form(server, &format!("/{tenant}/oauth2/v2.0/devicecode"), &form).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

/// A poll as MSAL.NET sends it (`grant_type=device_code`, `client_info=1`).
async fn poll(server: &Server, tenant: &str, code: &Value) -> Reply {
    let form = format!(
        "client_id={GRAPH_CLI}&client_info=1&grant_type=device_code&device_code={}",
        code["device_code"].as_str().unwrap()
    );
    post_form(server, &format!("/{tenant}/oauth2/v2.0/token"), &form).await
}

#[tokio::test]
async fn device_code_sign_in() {
    let (server, clock) = Server::with_manual_clock("0s").await;
    let tenant = "contoso";
    let user = server.add_user(tenant, "admin@contoso.test").await;
    let scope = "DeviceManagementServiceConfig.ReadWrite.All Group.ReadWrite.All offline_access openid profile";
    let code = device_code(&server, tenant, scope).await;
    let user_code = code["user_code"].as_str().unwrap().to_owned();
    assert_eq!(user_code.len(), 9);
    assert_eq!(
        (code["expires_in"].clone(), code["interval"].clone()),
        (json!(900), json!(5))
    );
    let page = code["verification_uri"].as_str().unwrap();
    assert_eq!(page, format!("{}/devicelogin", server.base));
    assert_eq!(
        code["message"],
        format!(
            "To sign in, use a web browser to open the page {page} and enter the code {user_code} to authenticate."
        )
    );
    let html = server
        .send(reqwest::Method::GET, "/devicelogin", None, None)
        .await;
    assert_eq!(html.status, 200);
    assert!(html.text().contains("device-code approve"));

    // Pending until an admin approves it.
    assert_eq!(
        entra_error(&poll(&server, tenant, &code).await),
        (400, "authorization_pending".to_owned(), 70016)
    );
    let signed_in = SignedInUser {
        tenant: tenant_guid(tenant).to_string(),
        id: user["id"].as_str().unwrap().parse().unwrap(),
        user_principal_name: "admin@contoso.test".into(),
        display_name: user["displayName"].as_str().unwrap().into(),
    };
    let now = time::OffsetDateTime::now_utc();
    let waiting = server
        .store()
        .find_device_code(&user_code, now)
        .await
        .unwrap()
        .unwrap();
    server
        .store()
        .decide_device_code(&waiting.device_hash, &CodeDecision::Approve(signed_in), now)
        .await
        .unwrap()
        .unwrap();
    // azure-identity's form: the URN grant type, the code given twice.
    let form = format!(
        "client_id={GRAPH_CLI}&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code={0}&code={0}&client_info=1",
        code["device_code"].as_str().unwrap()
    );
    let reply = post_form(&server, &format!("/{tenant}/oauth2/v2.0/token"), &form).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(
        body["scope"],
        "DeviceManagementServiceConfig.ReadWrite.All Group.ReadWrite.All openid profile"
    );
    let token = body["access_token"].as_str().unwrap();
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(token)
        .unwrap()
        .claims;
    assert_eq!(claims["upn"], "admin@contoso.test");
    assert_eq!(claims["idtyp"], "user");
    assert_eq!(
        claims["scp"],
        "DeviceManagementServiceConfig.ReadWrite.All Group.ReadWrite.All"
    );
    assert_eq!(claims["appid"], GRAPH_CLI);
    let id_token =
        jsonwebtoken::dangerous::insecure_decode::<Value>(body["id_token"].as_str().unwrap())
            .unwrap()
            .claims;
    assert_eq!(
        (
            id_token["aud"].clone(),
            id_token["preferred_username"].clone()
        ),
        (json!(GRAPH_CLI), json!("admin@contoso.test"))
    );
    let info = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body["client_info"].as_str().unwrap())
        .unwrap();
    let info: Value = serde_json::from_slice(&info).unwrap();
    assert_eq!(info["utid"], tenant_guid(tenant).to_string());
    assert_eq!(
        server.get(&format!("/beta{IMPORTED}"), token).await.status,
        200
    );
    // One code, one token.
    assert_eq!(
        entra_error(&poll(&server, tenant, &code).await),
        (400, "invalid_grant".to_owned(), 70000)
    );

    // Declined; expired; unknown.
    let declined = device_code(&server, tenant, "User.Read").await;
    let waiting = server
        .store()
        .find_device_code(declined["user_code"].as_str().unwrap(), now)
        .await
        .unwrap()
        .unwrap();
    server
        .store()
        .decide_device_code(&waiting.device_hash, &CodeDecision::Decline, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        entra_error(&poll(&server, tenant, &declined).await),
        (400, "authorization_declined".to_owned(), 70000)
    );
    let late = device_code(&server, tenant, "User.Read").await;
    clock.advance(time::Duration::seconds(901));
    assert_eq!(
        entra_error(&poll(&server, tenant, &late).await),
        (400, "expired_token".to_owned(), 70020)
    );
    let unknown = json!({"device_code": "never-issued"});
    assert_eq!(
        entra_error(&poll(&server, tenant, &unknown).await),
        (400, "bad_verification_code".to_owned(), 70018)
    );
    // Another tenant's path does not redeem this tenant's code.
    let fresh = device_code(&server, tenant, "User.Read").await;
    assert_eq!(
        entra_error(&poll(&server, "fabrikam", &fresh).await).2,
        70018
    );

    // A scope Graph does not have: Entra's error, in a 200 as /devicecode sends its errors.
    let reply = post_form(
        &server,
        "/contoso/oauth2/v2.0/devicecode",
        &format!("client_id={GRAPH_CLI}&scope=Mail.Sendd"),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["error"], "invalid_scope");
    let reply = post_form(
        &server,
        "/contoso/oauth2/v2.0/devicecode",
        "scope=User.Read",
    )
    .await;
    assert_eq!(reply.json()["error_codes"][0], 900144);
    // An application neither registered in the tenant nor one of Microsoft's public clients.
    let stranger = format!("client_id={}&scope=User.Read", Uuid::new_v4());
    let reply = post_form(&server, "/contoso/oauth2/v2.0/devicecode", &stranger).await;
    assert_eq!(
        (
            reply.json()["error"].clone(),
            reply.json()["error_codes"][0].clone()
        ),
        (json!("unauthorized_client"), json!(700016))
    );
    // A poll by another client than the one the code was given to; a poll without client_id.
    let form = format!(
        "client_id={}&grant_type=device_code&device_code={}",
        Uuid::new_v4(),
        fresh["device_code"].as_str().unwrap()
    );
    assert_eq!(
        entra_error(&post_form(&server, "/contoso/oauth2/v2.0/token", &form).await).2,
        70018
    );
    let form = format!(
        "grant_type=device_code&device_code={}",
        fresh["device_code"].as_str().unwrap()
    );
    assert_eq!(
        entra_error(&post_form(&server, "/contoso/oauth2/v2.0/token", &form).await).2,
        900144
    );
    // A tenant may have 50 codes waiting at once.
    let mut last = Value::Null;
    for _ in 0..50 {
        last = post_form(
            &server,
            "/contoso/oauth2/v2.0/devicecode",
            &format!("client_id={GRAPH_CLI}&scope=User.Read"),
        )
        .await
        .json();
    }
    assert_eq!(last["error_codes"][0], 50196, "{last}");
}
