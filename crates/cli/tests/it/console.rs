//! The admin console in a real browser: Debian's Chromium, driven by Playwright
//! (`tests/console/console.cjs`, pinned in `tests/console/package.json`), against the real
//! binary with devices registered through Graph in two tenants. Screenshots of each page go to
//! `target/console-screenshots/`.
//!
//! `scripts/test` installs Playwright into `target/console-browser` and sets
//! `AUTOPILOT_GRAPH_CONSOLE_NODE_PATH`; it needs `/usr/bin/chromium` (Debian's `chromium`, which
//! `.ci/run` installs). Without them the test skips, unless `AUTOPILOT_GRAPH_REQUIRE_SDK=1`.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::serve::{cli_ok, start_with, stop};

const PASSWORD: &str = "a console password for tests";

fn browser() -> Option<String> {
    let node_path = std::env::var("AUTOPILOT_GRAPH_CONSOLE_NODE_PATH")
        .ok()
        .filter(|p| Path::new(p).join("playwright-core").is_dir());
    let chromium = Path::new("/usr/bin/chromium").is_file();
    if node_path.is_none() || !chromium {
        let required = std::env::var("AUTOPILOT_GRAPH_REQUIRE_SDK").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "AUTOPILOT_GRAPH_REQUIRE_SDK=1 but Playwright or /usr/bin/chromium is missing"
        );
        eprintln!("skipping: Playwright (scripts/test) or Debian's chromium not installed");
        return None;
    }
    node_path
}

fn hash(serial: &str) -> String {
    autopilot_hwhash::encode(
        &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", serial).build(),
    )
    .unwrap()
}

/// Registers `devices` (serial, group tag) in the tenant of `token`; their ids.
async fn register(
    base: &str,
    token: &str,
    devices: &[(&str, &str)],
) -> Result<Vec<String>, String> {
    let client = crate::client();
    let body = json!({ "importedWindowsAutopilotDeviceIdentities": devices.iter().map(|(s, tag)| json!({
        "serialNumber": s, "groupTag": tag, "hardwareIdentifier": hash(s),
    })).collect::<Vec<_>>() });
    let reply = client
        .post(format!(
            "{base}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import"
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    assert_eq!(reply.status(), 200);
    for _ in 0..200 {
        let listed: Value = client
            .get(format!(
                "{base}/beta/deviceManagement/windowsAutopilotDeviceIdentities"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<String> = listed["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        if ids.len() == devices.len() {
            return Ok(ids);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the devices were not registered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_real_browser() {
    let Some(node_path) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start_with(
        &data,
        &[
            "--listen",
            "127.0.0.1:0",
            "--processing-delay",
            "3s",
            "--throttle",
            "off",
        ],
        &[("AUTOPILOT_GRAPH_CONSOLE_PASSWORD", PASSWORD)],
    );
    let token = |tenant: &str| {
        cli_ok(&data, &["token", "--tenant", tenant])
            .trim()
            .to_owned()
    };
    let (a, b) = (token("console-a"), token("console-b"));
    let registered = register(
        &running.base,
        &a,
        &[
            (
                "CON-1<script>alert(1)</script>",
                "<img src=x onerror=alert(2)>",
            ),
            ("CON-2", "Lab"),
            ("CON-3", "Lab"),
        ],
    )
    .await;
    if let Err(e) = registered {
        let mut running = running;
        let _ = running.child.kill();
        let log = running.log.take().unwrap().join().unwrap();
        panic!("{e}\n{log}");
    }
    let other = register(&running.base, &b, &[("OTHER-1", "Elsewhere")])
        .await
        .unwrap();
    let guid = |name: &str| autopilot_server::auth::tenant_guid(name).to_string();
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // A CSV as Get-WindowsAutopilotInfo writes it (UTF-16LE, BOM, CRLF): a new device, a broken
    // hash, a device registered already.
    let csv = dir.path().join("lab devices.csv");
    let text = format!(
        "Device Serial Number,Windows Product ID,Hardware Hash\r\nCON-5,,{}\r\nCON-6,,bm90IGEgaGFzaA==\r\nCON-2,,{}\r\n",
        hash("CON-5"),
        hash("CON-2")
    );
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&csv, bytes).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/console/console.cjs");
    let args = vec![
        script.to_owned(),
        running.base.clone(),
        PASSWORD.to_owned(),
        guid("console-a"),
        guid("console-b"),
        other[0].clone(),
        a.clone(),
        shots.to_str().unwrap().to_owned(),
        hash("CON-2"),
        hash("CON-4"),
        csv.to_str().unwrap().to_owned(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .args(args)
            .env("NODE_PATH", &node_path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(said.trim()).unwrap();
    assert_eq!(seen["listed"], 3);
    assert_eq!(seen["csrf"], 403);
    assert_eq!(seen["otherTenant"], 404);
    assert!(
        seen["refused"]
            .as_str()
            .unwrap()
            .contains("nobody@contoso.com"),
        "{seen}"
    );
    assert!(
        seen["csvBroken"]
            .as_str()
            .unwrap()
            .starts_with("802 InvalidZtdHardwareHash"),
        "{seen}"
    );
    assert_eq!(
        seen["csvProgress"],
        "Done: 1 complete, 1 not sent, 1 error."
    );
    let failures = autopilot_csv::parse(seen["csvFailures"].as_str().unwrap().as_bytes()).unwrap();
    let failed: Vec<&str> = failures
        .rows
        .iter()
        .map(|r| r.serial_number.as_str())
        .collect();
    assert_eq!(failed, ["CON-6", "CON-2"], "{seen}");
    assert_eq!(seen["csvFailuresName"], "lab devices.failed.csv");
    assert_eq!(
        seen["hashCsv"],
        "lab devices.csv: 3 rows, UTF-16LE with a byte order mark; 2 valid, 1 invalid."
    );
    let refused = seen["syncRefused"].as_str().unwrap();
    assert!(
        refused.contains("in progress") || refused.contains("Please retry after"),
        "{refused}"
    );
    let log = stop(running);
    // The console's changes are in the audit log, as the console's.
    let audit: Vec<&str> = log.lines().filter(|l| l.contains("audit")).collect();
    assert!(
        audit
            .iter()
            .any(|l| l.contains("via=\"console\"") || l.contains("via=console")),
        "{audit:#?}"
    );
    assert!(!log.contains("panicked"), "{log}");
}
