//! An official client: Microsoft's JavaScript Graph client (`@microsoft/microsoft-graph-client`,
//! pinned in `tests/js/package.json`) over https with the self-signed CA, unmodified but for
//! its base URL and custom hosts. The client sends its token to https hosts only, which is why
//! the server has an https listener.
//!
//! `scripts/test` installs the client into `target/js-client` and sets
//! `AUTOPILOT_GRAPH_JS_NODE_PATH` to its `node_modules`. Without it the test skips with a
//! message; CI sets `AUTOPILOT_GRAPH_REQUIRE_SDK=1`, which makes a missing client a failure.

use std::process::Command;

use crate::common::{Server, hash};

fn node_path() -> Option<String> {
    let path = std::env::var("AUTOPILOT_GRAPH_JS_NODE_PATH")
        .ok()
        .filter(|p| std::path::Path::new(p).join("@microsoft").is_dir());
    if path.is_none() {
        let required = std::env::var("AUTOPILOT_GRAPH_REQUIRE_SDK").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "AUTOPILOT_GRAPH_REQUIRE_SDK=1 but AUTOPILOT_GRAPH_JS_NODE_PATH names no installed client"
        );
        eprintln!(
            "skipping: @microsoft/microsoft-graph-client not installed (run scripts/test, or set AUTOPILOT_GRAPH_JS_NODE_PATH)"
        );
    }
    path
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
    let token = server.rw("js-client");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/graph_client.cjs");
    let (https, http) = (server.base.clone(), plain.base.clone());
    let hash = hash("JS-0001");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args([script, &https, &http, &token, &hash])
            .env("NODE_PATH", node_path)
            .env("NODE_EXTRA_CA_CERTS", ca)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the JavaScript client run failed:\n{stdout}\n{stderr}"
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
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
