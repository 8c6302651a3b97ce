//! The tenant's organization through HTTP, as WindowsAutopilotIntune's
//! `ConvertTo-AutopilotConfigurationJSON` reads it (`GET /v1.0/organization`, then `.value`,
//! `.id` and the default of `.verifiedDomains`).

use autopilot_domain::TenantId;
use autopilot_domain::organization::{new_tenant, with_domains};

use crate::common::Server;

#[tokio::test]
async fn the_organization_as_the_module_reads_it() {
    let server = Server::start().await;
    let token = server.token("org-contoso", &["User.Read"], &[]);
    let tid = autopilot_server::auth::tenant_guid("org-contoso").to_string();

    // A tenant nobody set up: Entra's new tenant, with its initial domain the default.
    let reply = server.get("/v1.0/organization", &token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let org = reply.json();
    assert_eq!(
        org["@odata.context"],
        format!("{}/v1.0/$metadata#organization", server.base)
    );
    let first = &org["value"][0];
    assert_eq!(first["id"], tid.as_str());
    let domains = first["verifiedDomains"].as_array().unwrap();
    assert_eq!(domains.len(), 1);
    assert_eq!(domains[0]["isDefault"], true);
    assert!(
        domains[0]["name"]
            .as_str()
            .unwrap()
            .ends_with(".onmicrosoft.com")
    );

    // Set up with a custom default domain (what `autopilot-graph tenant set` writes).
    let set = with_domains(
        new_tenant("Contoso", time::OffsetDateTime::now_utc()),
        &["contoso.com".into()],
        Some("contoso.com"),
    )
    .unwrap();
    server
        .store()
        .put_organization(&TenantId::new(&tid), &set)
        .await
        .unwrap();
    let org = server.get("/beta/organization", &token).await.json();
    let first = &org["value"][0];
    assert_eq!(first["displayName"], "Contoso");
    let default: Vec<&str> = first["verifiedDomains"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["isDefault"] == true)
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(default, ["contoso.com"]);
    let by_id = server
        .get(
            &format!("/v1.0/organization/{tid}?$select=id,verifiedDomains"),
            &token,
        )
        .await;
    assert_eq!(by_id.status, 200, "{}", by_id.text());
    let by_id = by_id.json();
    assert!(by_id.get("displayName").is_none());
    assert_eq!(by_id["verifiedDomains"].as_array().unwrap().len(), 2);
    // Another tenant's id is not this tenant's organization; it writes nothing.
    let other = autopilot_server::auth::tenant_guid("org-fabrikam");
    let reply = server
        .get(&format!("/v1.0/organization/{other}"), &token)
        .await;
    reply.graph_error(404, "Request_ResourceNotFound");
    let reply = server
        .send(
            reqwest::Method::PATCH,
            &format!("/v1.0/organization/{tid}"),
            Some(&token),
            Some(("application/json", br#"{"displayName":"x"}"#.to_vec())),
        )
        .await;
    reply.graph_error(405, "MethodNotAllowed");
    // Intune's permissions alone do not read it.
    let intune = server.rw("org-contoso");
    let reply = server.get("/v1.0/organization", &intune).await;
    reply.graph_error(403, "Forbidden");
}
