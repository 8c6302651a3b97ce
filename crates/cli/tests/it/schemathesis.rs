//! Schemathesis (from PyPI, pinned in `tests/schemathesis/requirements.txt`) fuzzes the real
//! binary from our own OpenAPI document (`docs/openapi.json`), then from Microsoft's
//! description of the Autopilot paths (`../shared/spec/openapi/`, adjusted as its README says
//! by `tests/schemathesis/adjust_microsoft.py`): no 5xx, every response as documented (status,
//! content type, body schema), the server never panics.
//!
//! `scripts/test` installs Schemathesis into `target/st-venv` and sets
//! `AUTOPILOT_GRAPH_SCHEMATHESIS` to its `st`; without it the test skips, unless
//! `AUTOPILOT_GRAPH_REQUIRE_SDK=1` (CI). `AUTOPILOT_GRAPH_SCHEMATHESIS_SECONDS` bounds each
//! run (40 s by default).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serve::{cli_ok, start_with, stop};

/// Every permission the server knows, and the management API's.
const PERMISSIONS: &[&str] = &[
    "DeviceManagementServiceConfig.ReadWrite.All",
    "DeviceManagementConfiguration.ReadWrite.All",
    "DeviceManagementManagedDevices.ReadWrite.All",
    "DeviceManagementManagedDevices.PrivilegedOperations.All",
    "Device.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "User.ReadWrite.All",
    "Organization.Read.All",
    "AutopilotGraph.Admin",
];

fn st() -> Option<PathBuf> {
    let path = std::env::var_os("AUTOPILOT_GRAPH_SCHEMATHESIS")
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    if path.is_none() {
        let required = std::env::var("AUTOPILOT_GRAPH_REQUIRE_SDK").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "AUTOPILOT_GRAPH_REQUIRE_SDK=1 but AUTOPILOT_GRAPH_SCHEMATHESIS names no st"
        );
        eprintln!("skipping: Schemathesis not installed (run scripts/test)");
    }
    path
}

/// One run of `st` on `schema` against `base`; panics on a failure. An error inside
/// Schemathesis or Hypothesis themselves (not a response of ours) is shown, not counted.
fn run(st: &Path, schema: &Path, base: &str, token: &str, reports: &Path) {
    let seconds =
        std::env::var("AUTOPILOT_GRAPH_SCHEMATHESIS_SECONDS").unwrap_or_else(|_| "40".into());
    let junit = reports.join(format!(
        "{}.xml",
        schema.file_stem().unwrap().to_string_lossy()
    ));
    let output = Command::new(st)
        .arg("run")
        .arg(schema)
        .args(["--url", base])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-time", &seconds, "--workers", "2", "--max-failures", "20"])
        // Hypothesis' health checks judge how well it generates data for a schema (Microsoft's
        // documents have patterns that make it discard most examples, at random seeds), not
        // our answers: a run once failed on one at random. The checks above judge our answers.
        .args(["--suppress-health-check", "all"])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    let summary = said.rsplit("SUMMARY").next().unwrap_or(&said);
    eprintln!("{}: {summary}", schema.display());
    let report = std::fs::read_to_string(&junit).unwrap_or_else(|e| {
        panic!(
            "no report ({e}):\n{said}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let counted = |attribute: &str| -> usize {
        report
            .split(&format!(" {attribute}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX)
    };
    assert_eq!(counted("failures"), 0, "{said}");
    if counted("errors") > 0 {
        // Errors of the tool itself are named so in its report; anything else (a connection
        // refused, a response it could not read) is ours.
        for error in report.split("<error").skip(1) {
            let text = &error[..error.find("</error>").unwrap_or(error.len())];
            assert!(
                text.contains("Runtime Error") || text.contains("Inconsistent results"),
                "{text}\n{said}"
            );
        }
    }
    assert!(summary.contains("generated"), "{said}");
}

#[test]
fn schemathesis_finds_every_response_as_documented() {
    let Some(st) = st() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start_with(
        &data,
        &[
            "--listen",
            "127.0.0.1:0",
            "--throttle",
            "off",
            "--processing-delay",
            "0s",
        ],
        &[("AUTOPILOT_GRAPH_LOG", "warn")],
    );
    let mut args = vec!["token", "--tenant", "default"];
    for p in PERMISSIONS {
        args.extend(["--scope", p]);
    }
    let token = cli_ok(&data, &args).trim().to_owned();
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    run(&st, &ours, &running.base, &token, &reports);

    if let Some(spec) = autopilot_testkit::shared_dir("spec/openapi") {
        let python = st.with_file_name("python");
        let adjust =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis/adjust_microsoft.py");
        for (version, file) in [
            ("v1.0", "autopilot-v1.0.yaml"),
            ("beta", "autopilot-beta.yaml"),
        ] {
            let adjusted = dir.path().join(format!("microsoft-{version}.json"));
            let status = Command::new(&python)
                .arg(&adjust)
                .arg(spec.join(file))
                .arg(&adjusted)
                .status()
                .unwrap();
            assert!(status.success());
            run(
                &st,
                &adjusted,
                &format!("{}/{version}", running.base),
                &token,
                &reports,
            );
        }
    }
    let log = stop(running);
    assert!(!log.contains("panicked"), "{log}");
}
