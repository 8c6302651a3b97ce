//! `serve --scenario FILE` with the real binary: the scenario shapes requests and names its
//! rule; a document with a mistake stops the server before it listens, naming the file, the
//! line and the rule.

use crate::serve::{cli, start_with, stop};

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn serve_runs_the_scenarios_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("storm.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"storm\"\nversion = 1\n\n[[rule]]\nname = \"two 429s\"\nmatch = { route = \"*/windowsAutopilotDeviceIdentities\", method = \"GET\" }\neffect = { status = 429, retry_after = 1, times = 2 }\n",
    )
    .unwrap();
    let running = start_with(
        &data,
        &[
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            file.to_str().unwrap(),
        ],
        &[],
    );
    let url = format!(
        "{}/beta/deviceManagement/windowsAutopilotDeviceIdentities",
        running.base
    );
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let reply = crate::client()
            .get(&url)
            .bearer_auth(&running.token)
            .send()
            .await
            .unwrap();
        statuses.push(reply.status().as_u16());
        if reply.status() == 429 {
            assert_eq!(
                reply.headers()["x-autopilot-graph-scenario"],
                "storm/two 429s"
            );
        }
    }
    assert_eq!(statuses, [429, 429, 200]);
    let log = stop(running);
    assert!(log.contains("scenario loaded"), "{log}");
    assert!(
        log.contains("scenario=storm/two 429s") || log.contains("scenario=\"storm/two 429s\""),
        "{log}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[scenario]\nname = \"bad\"\nversion = 1\n\n[[rule]]\nname = \"oops\"\neffect = { outcome = 899 }\n").unwrap();
    let out = cli(
        &data,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml: line 5: rule 'oops': 899"),
        "{stderr}"
    );
    // A profile rule that matches a place in an import cannot match a registered device.
    std::fs::write(&bad, "[scenario]\nname = \"later\"\nversion = 1\n\n[[rule]]\nname = \"stuck profiles\"\nmatch = { nth = 1 }\neffect = { profile = \"pending\" }\n").unwrap();
    let out = cli(
        &data,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("rule 'stuck profiles': a profile rule matches registered devices")
    );
}

/// `scenario apply | list | reset` against a running server, with the admin token the data
/// directory's key makes.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn scenarios_are_applied_listed_and_reset_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let running = start_with(&data, &["--listen", "127.0.0.1:0"], &[]);
    let file = dir.path().join("busy.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"busy\"\nversion = 4\n\n[[rule]]\nname = \"running\"\neffect = { sync = \"conflict\" }\n",
    )
    .unwrap();
    let server = ["--tenant", "default", "--url", running.base.as_str()];
    let mut apply = vec!["scenario", "apply"];
    apply.extend(server);
    apply.push(file.to_str().unwrap());
    let out = crate::serve::cli_ok(&data, &apply);
    assert!(out.starts_with("put busy: version 4, 1 rules"), "{out}");
    let sync = format!(
        "{}/beta/deviceManagement/windowsAutopilotSettings/sync",
        running.base
    );
    let reply = crate::client()
        .post(&sync)
        .bearer_auth(&running.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 409);
    assert_eq!(
        reply.headers()["x-autopilot-graph-scenario"],
        "busy/running"
    );
    let mut list = vec!["scenario", "list"];
    list.extend(server);
    let listed = crate::serve::cli_ok(&data, &list);
    assert!(listed.starts_with("busy\tversion 4\t1 rules\t"), "{listed}");
    // A document with a mistake is refused here, before anything is sent.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[scenario]\nname = \"bad\"\nversion = 1\n\n[[rule]]\nname = \"x\"\neffect = { sync = \"never\" }\n").unwrap();
    let mut apply_bad = vec!["scenario", "apply"];
    apply_bad.extend(server);
    apply_bad.push(bad.to_str().unwrap());
    let out = cli(&data, &apply_bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 5: rule 'x'"));
    let mut reset = vec!["scenario", "reset"];
    reset.extend(server);
    assert!(crate::serve::cli_ok(&data, &reset).starts_with("removed every scenario of default"));
    let reply = crate::client()
        .post(&sync)
        .bearer_auth(&running.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 204);
    stop(running);
}

/// The examples a user reaches for are documents `serve` runs.
#[test]
fn the_examples_are_scenarios_the_server_runs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = autopilot_scenario::Scenario::parse(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        autopilot_server::scenarios::Scenarios::check(&scenario)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        names.push(scenario.name);
    }
    names.sort();
    assert_eq!(
        names,
        [
            "429-storm",
            "flaky-tenant",
            "intune-timing",
            "oem-batch",
            "stuck-import"
        ]
    );
}

/// Two instances on one PostgreSQL: a scenario put through one is run by the other within its
/// reload period, and a reset through the other ends it on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_put_on_one_instance_runs_on_both() {
    use std::time::{Duration, Instant};
    let Some((_, dir, a, b)) = crate::postgres::two_instances(&[]).await else {
        return;
    };
    let data = dir.path();
    let file = data.join("busy.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"busy\"\nversion = 1\n\n[[rule]]\nname = \"unavailable\"\nmatch = { method = \"GET\" }\neffect = { status = 503 }\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let apply = [
        "scenario", "apply", "--tenant", "default", "--url", &a.base, file,
    ];
    crate::serve::cli_ok(data, &apply);
    assert_eq!(shaped_by(&a).await.as_deref(), Some("busy/unavailable"));
    let deadline = Instant::now() + Duration::from_secs(15);
    while shaped_by(&b).await.is_none() {
        assert!(Instant::now() < deadline, "b never ran the scenario");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let reset = ["scenario", "reset", "--tenant", "default", "--url", &b.base];
    crate::serve::cli_ok(data, &reset);
    let deadline = Instant::now() + Duration::from_secs(15);
    while shaped_by(&a).await.is_some() {
        assert!(Instant::now() < deadline, "a kept the scenario");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop(a);
    stop(b);
}

/// The rule that shaped a read of the devices, if one did.
async fn shaped_by(running: &crate::serve::Running) -> Option<String> {
    let reply = crate::client()
        .get(format!(
            "{}/beta/deviceManagement/windowsAutopilotDeviceIdentities",
            running.base
        ))
        .bearer_auth(&running.token)
        .send()
        .await
        .unwrap();
    let rule = reply
        .headers()
        .get("x-autopilot-graph-scenario")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(reply.status() == 503, rule.is_some());
    rule
}
