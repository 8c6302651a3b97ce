//! An official client: Microsoft's JavaScript Graph client (`@microsoft/microsoft-graph-client`,
//! pinned in `tests/js/package.json`) over https with the self-signed CA, unmodified but for
//! its base URL and custom hosts. The client sends its token to https hosts only, which is why
//! the server has an https listener.
//!
//! `scripts/test` installs the client into `target/js-client` and sets
//! `AUTOPILOT_GRAPH_JS_NODE_PATH` to its `node_modules`. Without it the test skips with a
//! message; CI sets `AUTOPILOT_GRAPH_REQUIRE_SDK=1`, which makes a missing client a failure.

use crate::common::{Server, hash, official_client, run_client};

fn node_path() -> Option<String> {
    official_client(
        "AUTOPILOT_GRAPH_JS_NODE_PATH",
        |p| p.join("@microsoft").is_dir(),
        "@microsoft/microsoft-graph-client",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_javascript_client_over_https() {
    let Some(node_path) = node_path() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_self_signed_tls(dir.path()).await;
    let plain = Server::start().await;
    let ca = autopilot_server::tls::SelfSignedFiles::in_dir(dir.path()).ca_cert;
    let ca = ca.to_str().unwrap().to_owned();
    let token = server.rw("js-client");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/graph_client.cjs");
    let (https, http) = (server.base.clone(), plain.base.clone());
    let hash = hash("JS-0001");
    let seen = run_client(
        "node".to_owned(),
        vec![script.to_owned(), https, http, token, hash],
        vec![("NODE_PATH", node_path), ("NODE_EXTRA_CA_CERTS", ca)],
    )
    .await;
    assert_eq!(seen["listed"], 1);
    assert_eq!(
        seen["afterDelete"],
        serde_json::json!([404, "ResourceNotFound"])
    );
    // Over plain http the client sent no token.
    assert_eq!(
        seen["overHttp"],
        serde_json::json!([401, "InvalidAuthenticationToken"])
    );
}

/// The client adds a registered device's Entra object to an assigned group with
/// `members/$ref`, as admin scripts written for it do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_javascript_client_links_a_device_to_a_group() {
    let Some(node_path) = node_path() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_self_signed_tls(dir.path()).await;
    let ca = autopilot_server::tls::SelfSignedFiles::in_dir(dir.path()).ca_cert;
    let ca = ca.to_str().unwrap().to_owned();
    let token = server.token(
        "js-groups",
        &[crate::common::RW, "Device.Read.All", "Group.ReadWrite.All"],
        &[],
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/graph_groups.cjs");
    let seen = run_client(
        "node".to_owned(),
        vec![
            script.to_owned(),
            server.base.clone(),
            token,
            hash("JSG-0001"),
        ],
        vec![("NODE_PATH", node_path), ("NODE_EXTRA_CA_CERTS", ca)],
    )
    .await;
    assert_eq!(seen["memberType"], "#microsoft.graph.device");
    assert_eq!(seen["memberOf"], 1);
    assert_eq!(
        seen["again"],
        serde_json::json!([400, "Request_BadRequest"])
    );
    assert_eq!(seen["afterRemove"], 0);
}
