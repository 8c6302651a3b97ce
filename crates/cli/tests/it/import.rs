//! `autopilot-graph import` and `devices`, as an admin runs them: the real binary, real files
//! in every encoding, a real server on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::serve::{Running, start_with, stop};

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("autopilot-graph"))
}

pub(crate) fn hash(serial: &str) -> String {
    autopilot_hwhash::encode(
        &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", serial).build(),
    )
    .unwrap()
}

const HEADER: &str = "Device Serial Number,Windows Product ID,Hardware Hash";

/// An Autopilot CSV of `serials` (the documented three columns), LF line ends.
pub(crate) fn csv_text(serials: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for s in serials {
        text.push_str(&format!("{s},,{}\n", hash(s)));
    }
    text
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

pub(crate) fn import(args: &[&str], files: &[&Path], env: &[(&str, &str)]) -> Output {
    let mut command = bin();
    command.arg("import").args(args).args(files);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

pub(crate) fn json_report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_encoding_and_line_ending_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}BROKEN-1,,T0FBQUE=\n", csv_text(&["ENC-1", "ENC-2"]));
    let crlf = text.replace('\n', "\r\n");
    let utf16 = |t: &str, le: bool| -> Vec<u8> {
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in t.encode_utf16() {
            out.extend(if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    };
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(crlf.as_bytes());
    // ANSI: a Windows-1252 byte in an optional column.
    let ansi = text.replace(
        HEADER,
        "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag",
    );
    let mut ansi_bytes = Vec::new();
    for line in ansi.lines() {
        ansi_bytes.extend_from_slice(line.as_bytes());
        if !line.starts_with("Device") {
            ansi_bytes.extend_from_slice(b",M\xfcnchen");
        }
        ansi_bytes.extend_from_slice(b"\r\n");
    }
    for (name, bytes) in [
        ("utf16le-crlf.csv", utf16(&crlf, true)),
        ("utf16le-lf.csv", utf16(&text, true)),
        ("utf16be-crlf.csv", utf16(&crlf, false)),
        ("utf8-bom-crlf.csv", utf8_bom.clone()),
        ("utf8-lf.csv", text.as_bytes().to_vec()),
        ("ansi-crlf.csv", ansi_bytes.clone()),
    ] {
        let path = write(dir.path(), name, &bytes);
        let output = import(&["--dry-run", "--output", "json"], &[&path], &[]);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        let report = json_report(&output);
        let lines = report["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 3, "{name}");
        assert_eq!(lines[0]["outcome"], "ready", "{name}");
        assert_eq!(lines[1]["serialNumber"], "ENC-2", "{name}");
        assert_eq!(lines[2]["line"], 4, "{name}");
        assert_eq!(lines[2]["outcome"], "invalid", "{name}");
        assert_eq!(lines[2]["errorCode"], 802, "{name}");
        assert_eq!(lines[2]["errorName"], "InvalidZtdHardwareHash", "{name}");
    }
}

#[test]
fn the_real_csvs_check_cleanly() {
    let Some(dir) = autopilot_testkit::hwhash_dir() else {
        return;
    };
    let files = autopilot_testkit::list(&dir, "csv", &["csv"]);
    assert_eq!(files.len(), 3);
    for file in &files {
        let output = import(&["--dry-run", "--strict", "--output", "json"], &[file], &[]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            file.display(),
            stderr(&output)
        );
        let report = json_report(&output);
        assert!(report["totals"]["ready"].as_u64().unwrap() >= 1);
        assert_eq!(report["totals"]["invalid"], 0);
    }
}

#[test]
fn each_strict_rule_is_reported_with_its_line_and_refuses_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = csv_text(&["STRICT-1", "STRICT-2"]);
    let many: Vec<String> = (0..501).map(|i| format!("MANY-{i:04}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let cases = [
        (
            "case.csv",
            good.replace("Device Serial Number", "Device serial number"),
            1,
            "case-sensitive",
        ),
        (
            "quotes.csv",
            good.replace("STRICT-2,", "\"STRICT-2\","),
            3,
            "quotation marks",
        ),
        (
            "extra.csv",
            good.replacen("STRICT-1,,", "STRICT-1,,x,", 1)
                .replacen(",x,", ",", 1)
                .replace(
                    &format!("STRICT-2,,{}", hash("STRICT-2")),
                    &format!("STRICT-2,,{},Lab,u@c.com,extra", hash("STRICT-2")),
                ),
            3,
            "extra columns",
        ),
        ("many.csv", csv_text(&many), 502, "more than 500"),
    ];
    for (name, text, line, rule) in cases {
        let path = write(dir.path(), name, text.as_bytes());
        let output = import(&["--strict", "--dry-run"], &[&path], &[]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let err = stderr(&output);
        let place = format!("{}:{line}:", path.display());
        assert!(
            err.lines()
                .any(|l| l.starts_with(&place) && l.contains(rule)),
            "{name}: expected {place} ... {rule} in:\n{err}"
        );
        assert!(err.contains("nothing was sent"), "{err}");
        // Without --strict the same file is read, with the finding as a warning.
        let output = import(&["--dry-run"], &[&path], &[]);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        assert!(stderr(&output).contains("the portal would refuse this"));
    }
    // An invalid hash: refused whole with --strict.
    let path = write(
        dir.path(),
        "invalid.csv",
        format!("{good}BAD,,T0FBQUE=\n").as_bytes(),
    );
    let output = import(&["--strict", "--dry-run"], &[&path], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(":4: 802 InvalidZtdHardwareHash"));
}

#[test]
fn duplicates_across_two_files_name_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.csv",
        csv_text(&["DUP-1", "DUP-2", "DUP-3"]).as_bytes(),
    );
    let b = write(
        dir.path(),
        "b.csv",
        csv_text(&["DUP-9", "DUP-2"]).as_bytes(),
    );
    let output = import(&["--dry-run", "--output", "json"], &[&a, &b], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = json_report(&output);
    let dup = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["outcome"] == "invalid")
        .unwrap()
        .clone();
    assert_eq!(dup["file"], b.display().to_string());
    assert_eq!(dup["line"], 3);
    assert_eq!(dup["errorName"], "ZtdDeviceDuplicated");
    assert!(
        dup["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{}:3", a.display()))
    );
}

pub(crate) fn serve(dir: &Path, extra: &[&str]) -> Running {
    let mut args = vec!["--listen", "127.0.0.1:0", "--processing-delay", "0s..1s"];
    args.extend_from_slice(extra);
    start_with(dir, &args, &[])
}

fn token(data: &Path, tenant: &str) -> String {
    let output = bin()
        .args(["token", "--tenant", tenant])
        .env("AUTOPILOT_GRAPH_DATA_DIR", data)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn two_thousand_rows_with_planted_failures_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data, &["--throttle", "off"]);
    let url = server.base.clone();
    // Hardware registered beforehand: 5 in this tenant (806 when imported again), 5 in
    // another (808).
    let ours: Vec<String> = (0..5).map(|i| format!("E2E-OURS-{i}")).collect();
    let theirs: Vec<String> = (0..5).map(|i| format!("E2E-THEIRS-{i}")).collect();
    let pre = |serials: &[String], tenant: &str, name: &str| {
        let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
        let path = write(dir.path(), name, csv_text(&refs).as_bytes());
        let output = import(
            &["--url", &url, "--output", "json", "--cleanup"],
            &[&path],
            &[("AUTOPILOT_GRAPH_TOKEN", &token(&data, tenant))],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    };
    pre(&ours, "default", "ours.csv");
    pre(&theirs, "other", "theirs.csv");

    // 2,000 rows: 1,975 new, the 10 registered ones, 10 with broken hashes, 5 duplicates.
    let mut text = format!("{HEADER},Group Tag\r\n");
    let mut expect: Vec<(u64, &str, i64)> = Vec::new();
    let mut line = 1u64;
    let mut push = |row: String, outcome: &'static str, code: i64| {
        line += 1;
        text.push_str(&row);
        text.push_str("\r\n");
        expect.push((line, outcome, code));
    };
    for i in 0..1975 {
        let s = format!("E2E-{i:05}");
        push(format!("{s},,{},Bulk", hash(&s)), "registered", 0);
        if i % 400 == 7 {
            push(format!("{s},,{},Bulk", hash(&s)), "invalid", 807);
        }
        if i % 200 == 3 {
            push(format!("BROKEN-{i},,T0FBQUE{i}=,Bulk"), "invalid", 802);
        }
    }
    for s in &ours {
        push(format!("{s},,{},Bulk", hash(s)), "failed", 806);
    }
    for s in &theirs {
        push(format!("{s},,{},Bulk", hash(s)), "failed", 808);
    }
    assert_eq!(expect.len(), 2000);
    let path = write(dir.path(), "bulk.csv", text.as_bytes());
    let output = import(
        &["--url", &url, "--output", "json", "--cleanup"],
        &[&path],
        &[("AUTOPILOT_GRAPH_TOKEN", &server.token)],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json_report(&output);
    let lines = report["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2000);
    for (l, (number, outcome, code)) in lines.iter().zip(&expect) {
        assert_eq!(l["line"], *number);
        assert_eq!(l["outcome"], *outcome, "line {number}: {l}");
        assert_eq!(l["errorCode"], *code, "line {number}: {l}");
        if *outcome == "registered" {
            assert!(!l["registeredDeviceId"].as_str().unwrap().is_empty());
        }
    }
    assert_eq!(report["totals"]["registered"], 1975);
    // The failures, ready to fix and import again.
    let failures = std::fs::read_to_string(dir.path().join("bulk.failed.csv")).unwrap();
    assert_eq!(failures.lines().count(), 1 + 25);
    assert!(failures.starts_with(
        "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User"
    ));
    // --cleanup: the imported collection is empty; the devices stay registered.
    let client = crate::client();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (imported, devices) = rt.block_on(async {
        let get = |path: &str| {
            client
                .get(format!("{url}/beta/deviceManagement/{path}"))
                .bearer_auth(&server.token)
                .send()
        };
        let imported: Value = get("importedWindowsAutopilotDeviceIdentities")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let devices = get("windowsAutopilotDeviceIdentities/$count")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (imported, devices)
    });
    assert_eq!(imported["value"], serde_json::json!([]));
    assert_eq!(devices, "1980");
    stop(server);
}

#[test]
fn throttled_imports_slow_down_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Intune's limits: 100 writes per application in 20 seconds. 210 import calls go over
    // even when they straddle the end of a window (two windows hold at most 200).
    let server = serve(&data, &[]);
    let serials: Vec<String> = (0..420).map(|i| format!("THR-{i:04}")).collect();
    let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
    let path = write(dir.path(), "many.csv", csv_text(&refs).as_bytes());
    let started = std::time::Instant::now();
    let output = import(
        &[
            "--url",
            &server.base,
            "--batch-size",
            "2",
            "--output",
            "json",
        ],
        &[&path],
        &[("AUTOPILOT_GRAPH_TOKEN", &server.token)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = json_report(&output);
    assert_eq!(report["totals"]["registered"], 420);
    // It waited for a window to end at least once (and the server said 429 to do so).
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    let log = stop(server);
    assert!(log.contains("status=429"), "the server never throttled");
}

#[test]
fn devices_list_get_export_delete() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data, &["--throttle", "off"]);
    let path = write(
        dir.path(),
        "few.csv",
        csv_text(&["DEV-1", "DEV-2", "DEV-3"]).as_bytes(),
    );
    let env = [("AUTOPILOT_GRAPH_TOKEN", server.token.as_str())];
    let output = import(&["--url", &server.base], &[&path], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let devices = |args: &[&str]| {
        let mut command = bin();
        command
            .arg("devices")
            .args(args)
            .args(["--url", &server.base])
            .env("AUTOPILOT_GRAPH_TOKEN", &server.token);
        command.output().unwrap()
    };
    let listed = devices(&["list", "--output", "json"]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let got = devices(&["get", &id]);
    let got: Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(got["id"], id.as_str());
    let exported = devices(&["export", "-"]);
    let text = String::from_utf8(exported.stdout).unwrap();
    assert!(text.starts_with(
        "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n"
    ));
    assert_eq!(text.lines().count(), 4);
    assert!(text.contains("DEV-2,,,"));
    assert_eq!(devices(&["delete", &id]).status.code(), Some(0));
    let again = devices(&["get", &id]);
    assert_eq!(again.status.code(), Some(1));
    let filtered = devices(&["list", "--filter", "startswith(serialNumber,'DEV-')"]);
    assert!(
        String::from_utf8(filtered.stdout)
            .unwrap()
            .contains("2 devices")
    );
    // Without a token: a usage error.
    let mut command = bin();
    let output = command
        .args(["devices", "list", "--url", &server.base])
        .env_remove("AUTOPILOT_GRAPH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    stop(server);
}

#[test]
fn ctrl_c_stops_cleanly_and_says_what_was_sent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Records stay `unknown` for an hour: the import is following them when interrupted.
    let server = start_with(
        &data,
        &["--listen", "127.0.0.1:0", "--processing-delay", "1h"],
        &[],
    );
    let path = write(
        dir.path(),
        "slow.csv",
        csv_text(&["INT-1", "INT-2", "INT-3"]).as_bytes(),
    );
    let child = bin()
        .args(["import", "--url", &server.base, "--output", "json"])
        .arg(&path)
        .env("AUTOPILOT_GRAPH_TOKEN", &server.token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the server has the three records, then interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let client = crate::client();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    loop {
        let count = rt.block_on(async {
            client
                .get(format!(
                    "{}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/$count",
                    server.base
                ))
                .bearer_auth(&server.token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        });
        if count == "3" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never imported");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("interrupted: all 3 devices were sent"),
        "{}",
        stderr(&output)
    );
    let report = json_report(&output);
    assert_eq!(report["totals"]["unknown"], 3);
    stop(server);
}
