//! Tenants never see each other's data.

use crate::common::{IMPORTED, Server, import_body};

#[tokio::test]
async fn tenant_b_never_sees_tenant_a() {
    let server = Server::start().await;
    let a = server.rw("tenant-a");
    let b = server.rw("tenant-b");
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}/import"),
            &a,
            &import_body(["ISO1".to_owned(), "ISO2".to_owned()]),
        )
        .await;
    let id = reply.json()["value"][0]["id"].as_str().unwrap().to_owned();

    server
        .get(&format!("/beta{IMPORTED}/{id}"), &b)
        .await
        .graph_error(404, "ResourceNotFound");
    server
        .delete(&format!("/beta{IMPORTED}/{id}"), &b)
        .await
        .graph_error(404, "ResourceNotFound");
    let list = server.get(&format!("/beta{IMPORTED}"), &b).await.json();
    assert!(list["value"].as_array().unwrap().is_empty());
    assert_eq!(
        server
            .get(&format!("/beta{IMPORTED}/$count"), &b)
            .await
            .text(),
        "0"
    );

    // Tenant A still has both; a GUID tenant and its name are different tenants.
    assert_eq!(
        server
            .get(&format!("/beta{IMPORTED}/{id}"), &a)
            .await
            .status,
        200
    );
    assert_eq!(
        server
            .get(&format!("/beta{IMPORTED}/$count"), &a)
            .await
            .text(),
        "2"
    );
}
