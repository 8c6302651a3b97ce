//! The client-credentials token endpoint issues tokens the API accepts; bad credentials are
//! refused the way Entra ID refuses them.

use autopilot_domain::TenantId;
use autopilot_server::auth::tenant_guid;
use autopilot_server::handlers::token::new_application;

use crate::common::{IMPORTED, Server};

async fn token_request(server: &Server, tenant: &str, form: &str) -> crate::common::Reply {
    server
        .send(
            reqwest::Method::POST,
            &format!("/{tenant}/oauth2/v2.0/token"),
            None,
            Some((
                "application/x-www-form-urlencoded",
                form.as_bytes().to_vec(),
            )),
        )
        .await
}

#[tokio::test]
async fn app_only_tokens_for_registered_applications() {
    let server = Server::start().await;
    let (app, secret) = new_application(
        "Autopilot runbook",
        vec!["DeviceManagementServiceConfig.ReadWrite.All".into()],
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let tid = TenantId::new(&tenant_guid("contoso").to_string());
    server.store().add_application(&tid, &app).await.unwrap();
    let scope = "https%3A%2F%2Fgraph.microsoft.com%2F.default";
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={secret}&scope={scope}",
        app.client_id
    );

    let reply = token_request(&server, "contoso", &form).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let token = body["access_token"].as_str().unwrap();
    // The API takes it, for the tenant the endpoint named, with the app's roles.
    let list = server.get(&format!("/beta{IMPORTED}"), token).await;
    assert_eq!(list.status, 200, "{}", list.text());
    // The same tenant by GUID.
    let by_guid = token_request(&server, &tenant_guid("contoso").to_string(), &form).await;
    assert_eq!(by_guid.status, 200);

    // Wrong secret: 401 invalid_client; unknown app, wrong grant, no scope: 400.
    let wrong = form.replace(&secret, "not-the-secret");
    let reply = token_request(&server, "contoso", &wrong).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], "invalid_client");
    assert!(
        reply.json()["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215")
    );
    let reply = token_request(&server, "fabrikam", &form).await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    let reply = token_request(
        &server,
        "contoso",
        &form.replace("client_credentials", "password"),
    )
    .await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let reply = token_request(&server, "contoso", &form.replace(scope, "openid")).await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let reply = server.get("/contoso/oauth2/v2.0/token", "x").await;
    reply.graph_error(405, "MethodNotAllowed");
}
