//! An official client: Microsoft's Python Graph SDK (`msgraph-sdk`, pinned in
//! `tests/sdk/requirements.txt`) imports, lists, gets and deletes against the running server,
//! pointed at it with a custom base URL and a static token.
//!
//! `scripts/test` installs the SDK into `target/sdk-venv` and sets `AUTOPILOT_GRAPH_SDK_PYTHON`
//! to its interpreter. Without it the test skips with a message; CI sets
//! `AUTOPILOT_GRAPH_REQUIRE_SDK=1`, which makes a missing SDK a failure.

use std::process::Command;

use crate::common::{Server, hash};

fn sdk_python() -> Option<String> {
    let python = std::env::var("AUTOPILOT_GRAPH_SDK_PYTHON")
        .ok()
        .filter(|p| std::path::Path::new(p).is_file());
    if python.is_none() {
        let required = std::env::var("AUTOPILOT_GRAPH_REQUIRE_SDK").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "AUTOPILOT_GRAPH_REQUIRE_SDK=1 but AUTOPILOT_GRAPH_SDK_PYTHON names no interpreter"
        );
        eprintln!(
            "skipping: msgraph-sdk not installed (run scripts/test, or set AUTOPILOT_GRAPH_SDK_PYTHON)"
        );
    }
    python
}

/// Runs the SDK script against `server`, with extra environment for the interpreter.
async fn run_sdk(python: String, server: &Server, env: Vec<(&'static str, String)>) {
    let token = server.rw("python-sdk");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/msgraph_import.py");
    let base = server.base.clone();
    let hash = hash("SDK-0001");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args([script, &base, &token, &hash])
            .envs(env)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK run failed:\n{stdout}\n{stderr}"
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(seen["listed"], 1);
    assert_eq!(seen["count"], 1);
    assert_eq!(
        seen["afterDelete"],
        serde_json::json!([404, "ResourceNotFound"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_python_sdk_imports_lists_gets_and_deletes() {
    let Some(python) = sdk_python() else {
        return;
    };
    let server = Server::start().await;
    run_sdk(python, &server, Vec::new()).await;
}

/// The same over https, trusting the self-signed CA the way Python programs are told to
/// (`SSL_CERT_FILE`, which the SDK's HTTP client honours).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_python_sdk_over_https_with_the_self_signed_ca() {
    let Some(python) = sdk_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_self_signed_tls(dir.path()).await;
    assert!(server.base.starts_with("https://"));
    let ca = autopilot_server::tls::SelfSignedFiles::in_dir(dir.path()).ca_cert;
    let ca = ca.to_str().unwrap().to_owned();
    run_sdk(python, &server, vec![("SSL_CERT_FILE", ca)]).await;
}
