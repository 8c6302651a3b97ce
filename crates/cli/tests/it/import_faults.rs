//! `autopilot-graph import` through a scenario's faults on the `import` action: a 429 storm is
//! waited out; a 503 or a lost connection after the service applied the call is looked into
//! before anything is sent again, so no device is imported twice.

use crate::import::{csv_text, import, json_report, serve, stderr, write};
use crate::serve::stop;

/// Imports `count` devices through `scenario` in batches of five; the report and the server's
/// log.
fn import_through(scenario: &str, prefix: &str, count: usize) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = write(dir.path(), "scenario.toml", scenario.as_bytes());
    let server = serve(
        &data,
        &["--throttle", "off", "--scenario", file.to_str().unwrap()],
    );
    let serials: Vec<String> = (0..count).map(|i| format!("{prefix}-{i:03}")).collect();
    let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
    let path = write(dir.path(), "devices.csv", csv_text(&refs).as_bytes());
    let output = import(
        &[
            "--url",
            &server.base,
            "--batch-size",
            "5",
            "--output",
            "json",
        ],
        &[&path],
        &[("AUTOPILOT_GRAPH_TOKEN", &server.token)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = json_report(&output);
    // The server holds one imported record per device: nothing was sent twice.
    let url = format!(
        "{}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
        server.base
    );
    let listed: serde_json::Value = tokio::runtime::Runtime::new().unwrap().block_on(async {
        crate::client()
            .get(&url)
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let records = listed["value"].as_array().unwrap();
    assert_eq!(records.len(), count, "{listed}");
    for record in records {
        assert_eq!(
            record["state"]["deviceImportStatus"], "complete",
            "{record}"
        );
    }
    (report, stop(server))
}

/// The times a rule's name is in the log (the request log and the audit log name it each).
fn named(log: &str, rule: &str) -> usize {
    log.matches(&format!("scenario=\"{rule}\"")).count()
        + log.matches(&format!("scenario={rule} ")).count()
}

/// It waits out `Retry-After`, sends again, and every device is registered once.
#[test]
fn import_rides_out_a_scenario_storm() {
    let (report, log) = import_through(
        "[scenario]\nname = \"storm\"\nversion = 1\n\n[[rule]]\nname = \"three 429s\"\nmatch = { route = \"*/import\", method = \"POST\" }\neffect = { status = 429, retry_after = 1, times = 3 }\n",
        "STORM",
        20,
    );
    assert_eq!(report["totals"]["registered"], 20, "{report}");
    assert_eq!(named(&log, "storm/three 429s"), 6, "{log}");
}

/// Two import calls are applied and answered 503: the client finds their records and sends
/// nothing again; every device is registered once, none answered 806.
#[test]
fn import_rides_out_a_503_after_the_write() {
    let (report, log) = import_through(
        "[scenario]\nname = \"gateway\"\nversion = 1\n\n[[rule]]\nname = \"applied then 503\"\nmatch = { route = \"*/import\", method = \"POST\" }\neffect = { status = 503, applied = \"after\", retry_after = 1, times = 2 }\n",
        "AFTER",
        20,
    );
    assert_eq!(report["totals"]["registered"], 20, "{report}");
    assert_eq!(named(&log, "gateway/applied then 503"), 4, "{log}");
    // Four batches, each sent once.
    let sent = log
        .lines()
        .filter(|l| l.contains("dispatch: request method=POST") && l.contains("/import "))
        .count();
    assert_eq!(sent, 4, "{log}");
}

/// A 503 before the write and a connection dropped after it: the first batch is sent again,
/// the second found where it is.
#[test]
fn import_rides_out_a_refusal_and_a_lost_answer() {
    let (report, log) = import_through(
        "[scenario]\nname = \"mixed\"\nversion = 1\n\n[[rule]]\nname = \"refused\"\nmatch = { route = \"*/import\", method = \"POST\" }\neffect = { status = 503, applied = \"before\", times = 1 }\n\n[[rule]]\nname = \"lost\"\nmatch = { route = \"*/import\", method = \"POST\" }\neffect = { drop = true, applied = \"after\", times = 1 }\n",
        "LOST",
        10,
    );
    assert_eq!(report["totals"]["registered"], 10, "{report}");
    assert_eq!(named(&log, "mixed/refused"), 2, "{log}");
}
