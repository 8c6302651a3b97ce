//! Entra ID users through HTTP: Graph's rules for creating them, lookups by id and by user
//! principal name, Entra's queries, changes, deletion, permissions and tenant walls.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::Server;

const EVENTUAL: (&str, &str) = ("ConsistencyLevel", "eventual");

fn new_user(upn: &str, name: &str) -> Value {
    json!({
        "accountEnabled": true, "displayName": name, "mailNickname": upn.split('@').next().unwrap(),
        "userPrincipalName": upn,
        "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}
    })
}

#[tokio::test]
async fn users_are_created_found_changed_and_deleted() {
    let server = Server::start().await;
    let token = server.token("users-crud", &["User.ReadWrite.All"], &[]);
    let body = new_user("AdeleV@contoso.com", "Adele Vance");
    let reply = server
        .post_json("/v1.0/users", &token, body.to_string().as_bytes())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let adele = reply.json();
    let id = adele["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.header("location"),
        format!("{}/v1.0/users('{id}')", server.base)
    );
    assert_eq!(adele["userPrincipalName"], "AdeleV@contoso.com");
    assert_eq!(adele["businessPhones"], json!([]));
    assert!(adele.get("passwordProfile").is_none(), "never echoed");
    assert!(adele.get("accountEnabled").is_none(), "v1.0 default set");
    server
        .post_json(
            "/v1.0/users",
            &token,
            new_user("alexw@contoso.com", "Alex Wilber")
                .to_string()
                .as_bytes(),
        )
        .await;

    // Graph's refusals.
    let taken = new_user("adelev@CONTOSO.COM", "Twin");
    let reply = server
        .post_json("/v1.0/users", &token, taken.to_string().as_bytes())
        .await;
    assert_eq!(
        reply.graph_error(400, "Request_BadRequest"),
        "Another object with the same value for property userPrincipalName already exists."
    );
    let mut weak = new_user("weak@contoso.com", "Weak");
    weak["passwordProfile"]["password"] = json!("password");
    let reply = server
        .post_json("/v1.0/users", &token, weak.to_string().as_bytes())
        .await;
    assert!(
        reply
            .graph_error(400, "Request_BadRequest")
            .contains("complexity")
    );
    let mut no_password = new_user("np@contoso.com", "No Password");
    no_password
        .as_object_mut()
        .unwrap()
        .remove("passwordProfile");
    let reply = server
        .post_json("/v1.0/users", &token, no_password.to_string().as_bytes())
        .await;
    assert_eq!(
        reply.graph_error(400, "Request_BadRequest"),
        "A value is required for property 'passwordProfile' of resource 'User'."
    );
    let reply = server
        .post_json(
            "/v1.0/users",
            &token,
            new_user("not-a-upn", "X").to_string().as_bytes(),
        )
        .await;
    assert!(
        reply
            .graph_error(400, "Request_BadRequest")
            .contains("'userPrincipalName'")
    );

    // Found by principal name in every form Graph takes, and by filter.
    for path in [
        "/v1.0/users/adelev@contoso.com",
        "/v1.0/users/AdeleV%40contoso.com",
        "/v1.0/users('AdeleV@contoso.com')",
    ] {
        let got = server.get(path, &token).await;
        assert_eq!(got.status, 200, "{path}: {}", got.text());
        assert_eq!(got.json()["id"], id.as_str());
    }
    let filtered = server
        .get(
            "/v1.0/users?$filter=userPrincipalName%20eq%20'adelev@contoso.com'&$select=id,userPrincipalName",
            &token,
        )
        .await
        .json();
    assert_eq!(filtered["value"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["value"][0]["id"], id.as_str());
    assert!(filtered["value"][0].get("displayName").is_none());
    assert_eq!(
        filtered["@odata.context"],
        format!("{}/v1.0/$metadata#users(id,userPrincipalName)", server.base)
    );
    let searched = server
        .get_with_headers(
            "/v1.0/users?$search=%22displayName:wilber%22&$count=true",
            &token,
            &[EVENTUAL],
        )
        .await
        .json();
    assert_eq!(searched["@odata.count"], 1);
    assert_eq!(searched["value"][0]["displayName"], "Alex Wilber");
    let count = server
        .get_with_headers("/v1.0/users/$count", &token, &[EVENTUAL])
        .await;
    assert_eq!(count.text(), "2");
    let beta = server
        .get(&format!("/beta/users/{id}"), &token)
        .await
        .json();
    assert_eq!(beta["accountEnabled"], true);
    assert_eq!(beta["mailNickname"], "AdeleV");

    // Changed, then deleted.
    let patch = json!({"jobTitle": "Engineer", "accountEnabled": false});
    let reply = server
        .send(
            Method::PATCH,
            &format!("/beta/users/{id}"),
            Some(&token),
            Some(("application/json", patch.to_string().into_bytes())),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let beta = server
        .get(&format!("/beta/users/{id}"), &token)
        .await
        .json();
    assert_eq!(
        (beta["jobTitle"].as_str(), beta["accountEnabled"].as_bool()),
        (Some("Engineer"), Some(false))
    );
    let reply = server
        .send(
            Method::PATCH,
            &format!("/v1.0/users/{id}"),
            Some(&token),
            Some(("application/json", br#"{"userType":"Guest"}"#.to_vec())),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    let reply = server
        .delete("/v1.0/users/AdeleV@contoso.com", &token)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let reply = server.get(&format!("/v1.0/users/{id}"), &token).await;
    reply.graph_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn user_permissions_and_tenant_walls() {
    let server = Server::start().await;
    server.add_user("users-wall-a", "megan@contoso.com").await;
    let intune_only = server.rw("users-wall-a");
    let reply = server.get("/v1.0/users", &intune_only).await;
    reply.graph_error(403, "Forbidden");
    let reader = server.token("users-wall-a", &[], &["User.Read.All"]);
    let list = server.get("/v1.0/users", &reader).await.json();
    assert_eq!(list["value"][0]["userPrincipalName"], "megan@contoso.com");
    let reply = server
        .post_json(
            "/v1.0/users",
            &reader,
            new_user("x@contoso.com", "X").to_string().as_bytes(),
        )
        .await;
    reply.graph_error(403, "Forbidden");
    let basic = server.token("users-wall-a", &["User.ReadBasic.All"], &[]);
    let reply = server.get("/v1.0/users/megan@contoso.com", &basic).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // Another tenant neither sees the user nor can assign a device to it.
    let other = server.token("users-wall-b", &["User.ReadWrite.All"], &[]);
    let reply = server.get("/v1.0/users/megan@contoso.com", &other).await;
    reply.graph_error(404, "Request_ResourceNotFound");
    assert_eq!(
        server.get("/v1.0/users", &other).await.json()["value"],
        json!([])
    );
    // The same name is free there.
    let reply = server
        .post_json(
            "/v1.0/users",
            &other,
            new_user("megan@contoso.com", "Megan B")
                .to_string()
                .as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
}
