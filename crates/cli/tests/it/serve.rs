//! `autopilot-graph serve` and `token`, as an operator runs them: the real binary, a real
//! socket on 127.0.0.1, a data directory on disk, SIGTERM to stop.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Running {
    pub(crate) child: Child,
    /// The last listener's URL (https when TLS is on).
    pub(crate) base: String,
    /// Every listener's URL, as printed.
    pub(crate) urls: Vec<String>,
    /// The CA file printed for `--tls self-signed`.
    pub(crate) ca: Option<String>,
    pub(crate) token: String,
    /// The metrics URL printed for `--metrics-listen`.
    pub(crate) metrics: Option<String>,
    /// What the server logs, drained continuously so that a full pipe never blocks it.
    pub(crate) log: Option<std::thread::JoinHandle<String>>,
}

/// A server a failing test leaves behind is killed, not left running.
impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn start(data_dir: &Path, extra_env: &[(&str, &str)]) -> Running {
    start_with(data_dir, &["--listen", "127.0.0.1:0"], extra_env)
}

pub(crate) fn start_with(data_dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Running {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("autopilot-graph"));
    command
        .arg("serve")
        .args(args)
        .env("AUTOPILOT_GRAPH_DATA_DIR", data_dir)
        .env("AUTOPILOT_GRAPH_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    let mut ca = None;
    let mut metrics = None;
    loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(url) = line.strip_prefix("metrics on ") {
            metrics = Some(url.to_owned());
        } else if let Some(url) = line.strip_prefix("autopilot-graph listening on ") {
            urls.push(url.to_owned());
        } else if let Some(path) = line.strip_prefix("CA certificate to trust: ") {
            ca = Some(path.to_owned());
        } else {
            assert!(
                line.starts_with("Token for tenant 'default'"),
                "unexpected line: {line}"
            );
            break;
        }
    }
    let base = urls.last().cloned().expect("a listening line");
    let token = lines.next().unwrap().unwrap();
    let curl = lines.next().unwrap().unwrap();
    assert!(
        curl.starts_with("Try: curl ") && curl.contains(" -H \"Authorization: Bearer "),
        "{curl}"
    );
    assert!(curl.contains(&base));
    Running {
        child,
        base,
        urls,
        ca,
        token,
        metrics,
        log: Some(log),
    }
}

/// Stops the server with SIGTERM and returns what it logged.
pub(crate) fn stop(mut running: Running) -> String {
    let pid = running.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    running
        .log
        .take()
        .map(|log| log.join().unwrap())
        .unwrap_or_default()
}

/// Runs the binary to its end with `args` and the data directory `data_dir`.
pub(crate) fn cli(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin!("autopilot-graph"))
        .args(args)
        .env("AUTOPILOT_GRAPH_DATA_DIR", data_dir)
        .output()
        .unwrap()
}

/// The same, expecting success: what it printed.
pub(crate) fn cli_ok(data_dir: &Path, args: &[&str]) -> String {
    let output = cli(data_dir, args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn token_command(data_dir: &Path, args: &[&str]) -> String {
    let args: Vec<&str> = std::iter::once("token")
        .chain(args.iter().copied())
        .collect();
    cli_ok(data_dir, &args).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn serve_imports_persists_and_stops_gracefully_without_logging_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start(&data, &[]);
    assert!(data.join("signing.key").is_file());
    assert!(data.join("autopilot-graph.db").is_file());

    let hash = autopilot_hwhash::encode(
        &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", "SERVE0001").build(),
    )
    .unwrap();
    let product_key = "QX7NB-6D4H2-TRWV8-J9CMP-3KFG4";
    let body = serde_json::json!({
        "importedWindowsAutopilotDeviceIdentities": [{
            "serialNumber": "SERVE0001",
            "productKey": product_key,
            "hardwareIdentifier": hash,
        }]
    });
    let client = crate::client();
    let url = format!(
        "{}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
        running.base
    );
    let reply = client
        .post(format!("{url}/microsoft.graph.import"))
        .bearer_auth(&running.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    // `token` signs with the same key: its tokens work on the running server, for the tenant
    // they name.
    let same_tenant = token_command(&data, &["--tenant", "DEFAULT"]);
    let list: serde_json::Value = client
        .get(&url)
        .bearer_auth(&same_tenant)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["value"][0]["productKey"], product_key);
    let read_only = token_command(
        &data,
        &[
            "--tenant",
            "fabrikam",
            "--role",
            "DeviceManagementServiceConfig.Read.All",
        ],
    );
    let reply = client
        .get(&url)
        .bearer_auth(&read_only)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let list: serde_json::Value = reply.json().await.unwrap();
    assert!(
        list["value"].as_array().unwrap().is_empty(),
        "another tenant"
    );
    let reply = client
        .post(format!("{url}/import"))
        .bearer_auth(&read_only)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 403);

    let token = running.token.clone();
    let log = stop(running);
    assert!(log.contains("autopilot-graph listening"), "{log}");
    assert!(log.contains("shutting down"), "{log}");
    // The audit trail names the write, its caller and its outcome.
    let tid = autopilot_server::auth::tenant_guid("default").to_string();
    let audit: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("audit") && l.contains("write"))
        .collect();
    assert!(
        audit
            .iter()
            .any(|l| l.contains(&tid) && l.contains("method=POST") && l.contains("succeeded")),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|l| l.contains("status=403") && l.contains("failed")),
        "{audit:?}"
    );
    for secret in [
        hash.as_str(),
        &hash[..40],
        product_key,
        &token,
        &same_tenant,
        &read_only,
    ] {
        assert!(!log.contains(secret), "the log holds a secret");
    }

    // A restart on the same data directory keeps the data and the key.
    let again = start(&data, &[]);
    let list: serde_json::Value = client
        .get(format!(
            "{}/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            again.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["value"][0]["serialNumber"], "SERVE0001");
    stop(again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn an_in_memory_database_starts_empty_every_time() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let running = start(
            dir.path(),
            &[("AUTOPILOT_GRAPH_DATABASE_URL", "sqlite::memory:")],
        );
        let count = crate::client()
            .get(format!(
                "{}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/$count",
                running.base
            ))
            .bearer_auth(&running.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(count, "0");
        stop(running);
    }
    assert!(!dir.path().join("autopilot-graph.db").exists());
}

#[test]
fn bad_settings_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = cli(
        dir.path(),
        &[
            "serve",
            "--database-url",
            "mysql://u:pw@localhost/x",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
    assert!(!stderr.contains("pw@"), "password redacted: {stderr}");
    let output = cli(dir.path(), &["serve", "--listen", "not-an-address"]);
    assert_eq!(output.status.code(), Some(2));
}

pub(crate) fn import_body(prefix: &str, n: usize) -> serde_json::Value {
    let devices: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let serial = format!("{prefix}-{i:04}");
            let hash = autopilot_hwhash::encode(
                &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", &serial).build(),
            )
            .unwrap();
            serde_json::json!({"serialNumber": serial, "hardwareIdentifier": hash})
        })
        .collect();
    serde_json::json!({ "importedWindowsAutopilotDeviceIdentities": devices })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_killed_server_resumes_registration_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Records fall due over three seconds: some are decided before the kill, the rest after.
    let running = start(&data, &[("AUTOPILOT_GRAPH_PROCESSING_DELAY", "0s..3s")]);
    let client = crate::client();
    let imported = format!(
        "{}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
        running.base
    );
    for batch in 0..4 {
        let reply = client
            .post(format!("{imported}/import"))
            .bearer_auth(&running.token)
            .json(&import_body(&format!("KILL{batch}"), 500))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut running = running;
    running.child.kill().unwrap(); // SIGKILL: no graceful anything
    running.child.wait().unwrap();
    running.log.take().map(|log| log.join().unwrap());

    let again = start(&data, &[("AUTOPILOT_GRAPH_PROCESSING_DELAY", "0s")]);
    let imported = format!(
        "{}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
        again.base
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let (completed, failed) = loop {
        let (mut unknown, mut completed, mut failed) = (0, 0, 0);
        let mut next = Some(imported.clone());
        while let Some(url) = next {
            let page: serde_json::Value = client
                .get(&url)
                .bearer_auth(&again.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for d in page["value"].as_array().unwrap() {
                match d["state"]["deviceImportStatus"].as_str().unwrap() {
                    "unknown" => unknown += 1,
                    "complete" => completed += 1,
                    _ => failed += 1,
                }
            }
            next = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        if unknown == 0 {
            break (completed, failed);
        }
        assert!(
            Instant::now() < deadline,
            "{unknown} records stayed unknown"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((completed, failed), (2000, 0));
    let devices = client
        .get(format!(
            "{}/beta/deviceManagement/windowsAutopilotDeviceIdentities/$count",
            again.base
        ))
        .bearer_auth(&again.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        devices, "2000",
        "registered devices equal the completed records"
    );
    stop(again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn app_add_then_client_credentials_against_serve() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let stdout = cli_ok(
        &data,
        &[
            "app",
            "add",
            "--tenant",
            "contoso",
            "--name",
            "runbook",
            "--role",
            "DeviceManagementServiceConfig.Read.All",
        ],
    );
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (client_id, secret) = (field("client_id"), field("client_secret"));
    let running = start(&data, &[]);
    let client = crate::client();
    let reply = client
        .post(format!("{}/contoso/oauth2/v2.0/token", running.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={client_id}&client_secret={secret}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body: serde_json::Value = reply.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let url = format!(
        "{}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
        running.base
    );
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Its role reads; it does not write.
    let reply = client
        .post(&url)
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 403);
    let log = stop(running);
    assert!(
        !log.contains(&secret) && !log.contains(token),
        "no secret or token in the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn self_signed_https_beside_plain_http_and_the_same_ca_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--tls",
        "self-signed",
        "--https-listen",
        "127.0.0.1:0",
    ];
    let running = start_with(&data, &args, &[]);
    assert_eq!(running.urls.len(), 2);
    assert!(running.urls[0].starts_with("http://127.0.0.1:"));
    assert!(running.urls[1].starts_with("https://127.0.0.1:"));
    let ca_path = running.ca.clone().expect("the CA file is printed");
    assert_eq!(
        Path::new(&ca_path),
        data.join("tls").join("ca.pem").as_path()
    );
    let ca = std::fs::read(&ca_path).unwrap();
    let _ = crate::client();
    let trusting = reqwest::Client::builder()
        .tls_certs_merge([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap();
    let path = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";
    // Both listeners serve the same data, each naming its own scheme in links.
    for (base, scheme) in [
        (running.urls[1].replace("127.0.0.1", "localhost"), "https"),
        (running.urls[0].clone(), "http"),
    ] {
        let reply = trusting
            .get(format!("{base}{path}"))
            .bearer_auth(&running.token)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let body: serde_json::Value = reply.json().await.unwrap();
        let context = body["@odata.context"].as_str().unwrap();
        assert!(context.starts_with(&format!("{scheme}://")), "{context}");
    }
    stop(running);
    // TLS alone: https only, and the CA kept from the first run.
    let again = start_with(&data, &args[2..], &[]);
    assert_eq!(again.urls.len(), 1);
    assert!(again.base.starts_with("https://127.0.0.1:"));
    assert_eq!(std::fs::read(again.ca.as_ref().unwrap()).unwrap(), ca);
    let reply = trusting
        .get(format!("{}{path}", again.base))
        .bearer_auth(&again.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    stop(again);
}

#[test]
fn tls_settings_that_cannot_work_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let args: Vec<&str> = std::iter::once("serve")
            .chain(args.iter().copied())
            .collect();
        cli(dir.path(), &args)
    };
    // A certificate without its key.
    let output = run(&["--tls-cert", "cert.pem"]);
    assert_eq!(output.status.code(), Some(2));
    // Files that are not PEM.
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "nothing").unwrap();
    let cert = cert.to_str().unwrap();
    let output = run(&[
        "--tls-cert",
        cert,
        "--tls-key",
        cert,
        "--https-listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds no certificate"), "{stderr}");
    // An https address without TLS.
    let output = run(&["--https-listen", "127.0.0.1:0", "--listen", "127.0.0.1:0"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--https-listen needs"), "{stderr}");
}
