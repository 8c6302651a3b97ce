//! Several `autopilot-graph serve` processes on one PostgreSQL, as an MSP runs them: the real
//! binary, real sockets, a real database. Skips without `TEST_DATABASE_URL` (the README's test
//! command starts a throwaway PostgreSQL); CI requires it.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Connection as _;

use crate::serve::{Running, cli, import_body, start_with, stop};

const IMPORTED: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";
const DEVICES: &str = "/beta/deviceManagement/windowsAutopilotDeviceIdentities";

/// `base + path` asking for the count of what `filter` matches.
fn count_url(base: &str, path: &str, filter: &str) -> String {
    let encoded: String = filter
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_owned(),
            '\'' => "%27".to_owned(),
            c => c.to_string(),
        })
        .collect();
    format!("{base}{path}?$count=true&$top=1&$filter={encoded}")
}

async fn count(client: &reqwest::Client, running: &Running, path: &str, filter: &str) -> u64 {
    let reply = client
        .get(count_url(&running.base, path, filter))
        .bearer_auth(&running.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    body["@odata.count"].as_u64().unwrap()
}

/// Waits until no imported record is `unknown` (bounded, so that a bug fails the test).
async fn wait_decided(client: &reqwest::Client, running: &Running, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let left = count(
            client,
            running,
            IMPORTED,
            "state/deviceImportStatus eq 'unknown'",
        )
        .await;
        if left == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{left} records never decided");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn kill_9(mut running: Running) {
    let pid = running.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );
    let _ = running.child.wait();
}

/// A server on the database `url`, with `args` besides its address and the database.
fn serve_on(dir: &std::path::Path, url: &str, args: &[&str]) -> Running {
    let mut all = vec!["--listen", "127.0.0.1:0", "--database-url", url];
    all.extend_from_slice(args);
    start_with(dir, &all, &[])
}

/// Two servers on one fresh database (its URL is returned too).
pub(crate) async fn two_instances(
    args: &[&str],
) -> Option<(String, tempfile::TempDir, Running, Running)> {
    let url = autopilot_testkit::postgres::fresh_database().await?;
    let dir = tempfile::tempdir().unwrap();
    let a = serve_on(dir.path(), &url, args);
    let b = serve_on(dir.path(), &url, args);
    Some((url, dir, a, b))
}

/// Stops a server; it must not have panicked.
fn stop_clean(running: Running) {
    let log = stop(running);
    assert!(!log.contains("panicked"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_register_twenty_thousand_devices_once_each_despite_a_sigkill() {
    let Some((url, _dir, a, b)) =
        two_instances(&["--processing-delay", "0s..6s", "--throttle", "off"]).await
    else {
        return;
    };
    let client = crate::client();
    // 20,000 devices in 40 imports of 500, alternating between the instances.
    for i in 0..40 {
        let target = if i % 2 == 0 { &a } else { &b };
        let reply = client
            .post(format!("{}{IMPORTED}/import", target.base))
            .bearer_auth(&target.token)
            .json(&import_body(&format!("MULTI{i:02}"), 500))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200, "import {i}");
    }
    // Mid-way (records fall due over 6 s), one instance dies without a word, having done
    // some of the registration work.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        registered_by(&a).await > 0.0,
        "the first instance registered some"
    );
    kill_9(a);
    wait_decided(&client, &b, Duration::from_secs(120)).await;
    // Every record decided once: all complete, one registered device each, none twice.
    let complete = count(
        &client,
        &b,
        IMPORTED,
        "state/deviceImportStatus eq 'complete'",
    )
    .await;
    assert_eq!(complete, 20_000);
    assert_eq!(count(&client, &b, DEVICES, "groupTag eq ''").await, 20_000);
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let (records, distinct, joined): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT d.registration_id), count(a.id) \
         FROM imported_devices d LEFT JOIN autopilot_devices a \
         ON a.tenant = d.tenant AND a.id = d.registration_id WHERE d.status = 3",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((records, distinct, joined), (20_000, 20_000, 20_000));
    let devices: i64 = sqlx::query_scalar("SELECT count(*) FROM autopilot_devices")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(devices, 20_000, "no device registered twice");
    assert!(
        registered_by(&b).await > 0.0,
        "the second instance registered some"
    );
    stop_clean(b);
}

/// The devices an instance has registered, by its metrics.
async fn registered_by(running: &Running) -> f64 {
    let (_, text) = crate::ops::get(&format!("{}/metrics", running.base), None).await;
    text.lines()
        .filter(|l| l.starts_with("autopilot_graph_registrations_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_hardware_through_both_instances_at_once() {
    let Some((_, _dir, a, b)) =
        two_instances(&["--processing-delay", "0s", "--throttle", "off"]).await
    else {
        return;
    };
    let client = crate::client();
    let body = import_body("SAME", 10);
    let (ra, rb) = tokio::join!(
        client
            .post(format!("{}{IMPORTED}/import", a.base))
            .bearer_auth(&a.token)
            .json(&body)
            .send(),
        client
            .post(format!("{}{IMPORTED}/import", b.base))
            .bearer_auth(&b.token)
            .json(&body)
            .send(),
    );
    assert_eq!(ra.unwrap().status(), 200);
    assert_eq!(rb.unwrap().status(), 200);
    wait_decided(&client, &a, Duration::from_secs(60)).await;
    // Each piece of hardware: one record complete, the other 806.
    assert_eq!(
        count(
            &client,
            &a,
            IMPORTED,
            "state/deviceImportStatus eq 'complete'"
        )
        .await,
        10
    );
    assert_eq!(
        count(&client, &b, IMPORTED, "state/deviceErrorCode eq 806").await,
        10
    );
    assert_eq!(count(&client, &a, DEVICES, "groupTag eq ''").await, 10);
    stop(a);
    stop(b);
}

/// A PostgreSQL cluster of this test's own (it is stopped and started during the test).
struct Cluster {
    url: String,
    dir: String,
}

impl Cluster {
    fn script() -> std::path::PathBuf {
        autopilot_testkit::workspace_root().join("scripts/throwaway-postgres")
    }

    fn start() -> Option<Cluster> {
        autopilot_testkit::postgres::server_url()?;
        Some(Self::start_with(""))
    }

    /// A cluster with more server settings (`-c name=value ...`).
    fn start_with(options: &str) -> Cluster {
        let out = Command::new(Self::script())
            .arg("start")
            .env("PG_EXTRA_OPTIONS", options)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cannot start a PostgreSQL cluster: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap()
                .to_owned()
        };
        Cluster {
            url: field("TEST_DATABASE_URL="),
            dir: field("PGTEST_DIR="),
        }
    }

    fn run(&self, verb: &str) {
        let status = Command::new(Self::script())
            .args([verb, &self.dir])
            .status()
            .unwrap();
        assert!(status.success(), "throwaway-postgres {verb}");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(Self::script())
            .args(["stop", &self.dir])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_503_then_service_resumes_and_nothing_is_lost() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = serve_on(dir.path(), &cluster.url, &["--processing-delay", "3s"]);
    let client = crate::client();
    let import = |prefix: &'static str| {
        client
            .post(format!("{}{IMPORTED}/import", server.base))
            .bearer_auth(&server.token)
            .json(&import_body(prefix, 200))
            .send()
    };
    assert_eq!(import("BEFORE").await.unwrap().status(), 200);

    cluster.run("pause");
    // While the database is down: Graph-shaped 503s with Retry-After, for reads and writes.
    for reply in [
        client
            .get(format!("{}{IMPORTED}", server.base))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap(),
        import("DURING").await.unwrap(),
    ] {
        assert_eq!(reply.status(), 503);
        let retry: u64 = reply.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry >= 1);
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["error"]["code"], "ServiceUnavailable");
    }
    // The worker keeps failing its rounds meanwhile (records fall due during the outage).
    tokio::time::sleep(Duration::from_secs(4)).await;
    cluster.run("resume");

    // Service resumes by itself; the records imported before the outage are all decided, and
    // new imports work.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let reply = client
            .get(count_url(
                &server.base,
                IMPORTED,
                "state/deviceImportStatus eq 'complete'",
            ))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap();
        if reply.status() == 200 {
            let body: Value = reply.json().await.unwrap();
            if body["@odata.count"] == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "no recovery after the outage");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(import("AFTER").await.unwrap().status(), 200);
    let total = count(&client, &server, IMPORTED, "serialNumber ne ''").await;
    assert_eq!(
        total, 400,
        "the 200 before and the 200 after; none of the refused ones"
    );
    stop_clean(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_limits_hold_across_instances() {
    let Some((_, _dir, a, b)) = two_instances(&["--processing-delay", "1h"]).await else {
        return;
    };
    let client = crate::client();
    // Intune's limit: 100 writes per application per 20-second window. Start early in a
    // window, so that the burst stays inside one.
    loop {
        let second = time::OffsetDateTime::now_utc()
            .unix_timestamp()
            .rem_euclid(20);
        if second < 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mut statuses = Vec::new();
    for i in 0..101 {
        let target = if i % 2 == 0 { &a } else { &b };
        let reply = client
            .post(format!("{}{IMPORTED}/import", target.base))
            .bearer_auth(&target.token)
            .json(&import_body(&format!("THR{i:03}"), 1))
            .send()
            .await
            .unwrap();
        let retry = reply
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        statuses.push((reply.status().as_u16(), retry));
    }
    // Each instance saw about 50 writes; together they reached the limit.
    assert!(
        statuses[..100].iter().all(|(s, _)| *s == 200),
        "{statuses:?}"
    );
    let (status, retry) = &statuses[100];
    assert_eq!(*status, 429);
    let retry: u64 = retry.as_deref().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "Retry-After {retry}");
    // Reads are held to their own, higher limit.
    let reply = client
        .get(format!("{}{IMPORTED}", b.base))
        .bearer_auth(&b.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    stop(a);
    stop(b);
}

#[test]
fn a_postgres_password_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(assert_cmd::cargo::cargo_bin!("autopilot-graph"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://autopilot:s3cret-pw@127.0.0.1:1/autopilot",
        ])
        .env("AUTOPILOT_GRAPH_DATA_DIR", dir.path())
        .env("AUTOPILOT_GRAPH_LOG", "debug")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stderr.contains("autopilot:***@127.0.0.1:1"), "{stderr}");
    assert!(
        !stderr.contains("s3cret-pw") && !stdout.contains("s3cret-pw"),
        "{stderr}"
    );
}

#[test]
fn postgresql_over_tls_is_verified() {
    if autopilot_testkit::postgres::server_url().is_none() {
        return;
    }
    // The server's certificate: our own self-signed set (a CA and a certificate for
    // 127.0.0.1), its key readable by the user PostgreSQL runs as.
    let certs = tempfile::tempdir().unwrap();
    let (_, files) = autopilot_server::tls::self_signed(certs.path()).unwrap();
    let key_dir = tempfile::tempdir().unwrap();
    let key = key_dir.path().join("server.key");
    std::fs::copy(&files.key, &key).unwrap();
    let cert = key_dir.path().join("server.crt");
    std::fs::copy(&files.cert, &cert).unwrap();
    if nix_is_root() {
        for path in [key_dir.path(), key.as_path(), cert.as_path()] {
            assert!(
                Command::new("chown")
                    .args(["postgres"])
                    .arg(path)
                    .status()
                    .unwrap()
                    .success()
            );
        }
    }
    let cluster = Cluster::start_with(&format!(
        "-c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
        cert.display(),
        key.display()
    ));
    let data = tempfile::tempdir().unwrap();
    let migrate = |url: &str| cli(data.path(), &["migrate", "--database-url", url]);
    // Verified against the CA: connects.
    let verified = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        cluster.url,
        files.ca_cert.display()
    );
    let output = migrate(&verified);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Without the CA, the system's roots do not vouch for the server: refused.
    let output = migrate(&format!("{}?sslmode=verify-full", cluster.url));
    assert_eq!(output.status.code(), Some(2));
    // Plain connections still work where TLS is only preferred.
    assert!(migrate(&cluster.url).status.success());
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_rides_out_a_database_outage_with_backoff() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let args = ["--processing-delay", "0s", "--throttle", "off"];
    let server = serve_on(dir.path(), &cluster.url, &args);
    let csv = dir.path().join("outage.csv");
    let mut text = "Device Serial Number,Windows Product ID,Hardware Hash\n".to_owned();
    for i in 0..40 {
        let serial = format!("OUT-{i:03}");
        let hash = autopilot_hwhash::encode(
            &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", &serial).build(),
        )
        .unwrap();
        text.push_str(&format!("{serial},,{hash}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    // The database goes down before the import starts and comes back 8 seconds later (the
    // server waits 5 s for a connection before it answers 503): the import calls get 503 with
    // Retry-After meanwhile, wait, and go through.
    cluster.run("pause");
    let child = Command::new(assert_cmd::cargo::cargo_bin!("autopilot-graph"))
        .args([
            "import",
            "--url",
            &server.base,
            "--batch-size",
            "10",
            "--output",
            "json",
        ])
        .arg(&csv)
        .env("AUTOPILOT_GRAPH_TOKEN", &server.token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(8)).await;
    cluster.run("resume");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["totals"]["registered"], 40);
    let log = stop(server);
    assert!(log.contains("status=503"), "the server never answered 503");
}

/// `--claim-lease` is no longer used (rounds lock their records in their own transaction), and
/// a configuration that still sets it starts, with a warning that says so.
#[test]
fn a_configuration_with_the_retired_claim_lease_still_starts() {
    let dir = tempfile::tempdir().unwrap();
    let running = crate::import::serve(&dir.path().join("data"), &["--claim-lease", "30s"]);
    let log = stop(running);
    assert!(log.contains("--claim-lease"), "{log}");
    assert!(log.contains("no longer used"), "{log}");
}
