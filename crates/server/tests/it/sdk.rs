//! Official clients: Microsoft's Python Graph SDKs (`msgraph-sdk` and `msgraph-beta-sdk`, pinned in
//! `tests/sdk/requirements.txt`) imports, lists, gets and deletes against the running server,
//! pointed at it with a custom base URL and a static token.
//!
//! `scripts/test` installs the SDK into `target/sdk-venv` and sets `AUTOPILOT_GRAPH_SDK_PYTHON`
//! to its interpreter. Without it the test skips with a message; CI sets
//! `AUTOPILOT_GRAPH_REQUIRE_SDK=1`, which makes a missing SDK a failure.

use crate::common::{Server, hash, official_client, run_client};

fn sdk_python() -> Option<String> {
    official_client(
        "AUTOPILOT_GRAPH_SDK_PYTHON",
        std::path::Path::is_file,
        "msgraph-sdk",
    )
}

/// Runs the SDK script against `server`, with extra environment for the interpreter.
async fn run_sdk(python: String, server: &Server, env: Vec<(&'static str, String)>) {
    let token = server.rw("python-sdk");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/msgraph_import.py");
    let base = server.base.clone();
    let hash = hash("SDK-0001");
    let seen = run_client(python, vec![script.to_owned(), base, token, hash], env).await;
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

/// The SDKs (v1.0 and beta) make a dynamic group, see the imported devices join it, assign a
/// profile to it and see the devices' assignment status move (on the real clock, with short
/// delays).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_python_sdks_drive_a_dynamic_group_and_its_profile() {
    let Some(python) = sdk_python() else {
        return;
    };
    let server = Server::with_config(autopilot_server::state::ServerConfig {
        processing_delay: "0s".parse().unwrap(),
        membership_delay: time::Duration::seconds(1),
        profile_assignment_delay: time::Duration::seconds(2),
        throttle: None,
        ..Default::default()
    })
    .await;
    let token = server.token(
        "python-groups",
        &[crate::common::RW, "Group.ReadWrite.All"],
        &[],
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/msgraph_groups.py");
    let mut args = vec![script.to_owned(), server.base.clone(), token];
    args.extend(["PYG-LAB-1", "PYG-LAB-2", "PYG-OFFICE-1"].map(hash));
    let seen = run_client(python, args, Vec::new()).await;
    assert_eq!(
        seen["members"],
        serde_json::json!(["PYG-LAB-1", "PYG-LAB-2"])
    );
    assert_eq!(seen["first"], "pending");
    assert_eq!(seen["final"]["PYG-LAB-2"], "assignedInSync");
    assert_eq!(seen["final"]["PYG-OFFICE-1"], "notAssigned");
}

/// The SDK through a 429 storm on the import action: its retry handler waits out
/// `Retry-After` and sends again; nothing throttled was carried out, so the device is imported
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_python_sdk_rides_out_a_429_storm() {
    let Some(python) = sdk_python() else {
        return;
    };
    let storm = "[scenario]\nname = \"storm\"\nversion = 1\n\n[[rule]]\nname = \"two 429s\"\nmatch = { route = \"*/import\", method = \"POST\" }\neffect = { status = 429, retry_after = 1, times = 2 }\n";
    let server = Server::with_scenarios(&[storm]).await;
    run_sdk(python, &server, Vec::new()).await;
}

/// The SDK through a 503 that comes after the import was applied, in two tenants. Left to
/// itself its retry handler sends the POST again and Intune's answer to that is 806 on the
/// second record (the device is registered once). A script that turns the handler off for the
/// import and looks before it sends again imports once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_python_sdk_after_a_503_that_was_applied() {
    let Some(python) = sdk_python() else {
        return;
    };
    let fault = "[scenario]\nname = \"gateway\"\nversion = 1\n\n[[rule]]\nname = \"applied then 503\"\nmatch = { route = \"*/import\", method = \"POST\" }\neffect = { status = 503, applied = \"after\", retry_after = 1, times = 1 }\n";
    let server = Server::with_scenarios(&[fault]).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/msgraph_retry.py");
    let args = vec![
        script.to_owned(),
        server.base.clone(),
        server.rw("sdk-blind"),
        server.rw("sdk-careful"),
        hash("SDK-BLIND-1"),
        hash("SDK-CAREFUL-1"),
    ];
    let seen = run_client(python, args, Vec::new()).await;
    let blind = &seen["blind"];
    assert_eq!(blind["records"], 2, "{seen}");
    assert_eq!(blind["statuses"], serde_json::json!(["complete", "error"]));
    assert_eq!(
        blind["returned"],
        serde_json::json!(["error", 806, "ZtdDeviceAlreadyAssigned"])
    );
    assert_eq!(blind["registered"], 1);
    let careful = &seen["careful"];
    assert_eq!(careful["sends"], 1, "{seen}");
    assert_eq!(careful["unsure"], 1);
    assert_eq!(careful["records"], 1);
    assert_eq!(careful["status"], "complete");
    assert_eq!(careful["registered"], 1);
}
