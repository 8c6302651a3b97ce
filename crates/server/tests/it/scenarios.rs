//! Scenarios shaping requests: a 429 storm that passes after its count, a 503 after the write
//! is applied, latency, a dropped connection, refused syncs; each shaped response names its
//! rule, and rules keep to their tenant.

use serde_json::json;

use crate::common::{IMPORTED, Server, import_body};

const SCENARIO: &str = r#"
[scenario]
name = "flaky"
version = 2

[[rule]]
name = "storm"
match = { tenant = "storm", route = "*/importedWindowsAutopilotDeviceIdentities/import", method = "POST" }
effect = { status = 429, retry_after = 5, times = 3 }

[[rule]]
name = "applied then 503"
match = { tenant = "after", route = "*/importedWindowsAutopilotDeviceIdentities", method = "POST" }
effect = { status = 503, applied = "after", retry_after = 2 }

[[rule]]
name = "slow reads"
match = { tenant = "slow", method = "GET" }
effect = { latency = "10ms..30ms" }

[[rule]]
name = "cut"
match = { tenant = "cut", method = "DELETE" }
effect = { drop = true, applied = "after" }

[[rule]]
name = "busy sync"
match = { tenant = "busy" }
effect = { sync = "conflict" }

[[rule]]
name = "slow sync"
match = { tenant = "throttled" }
effect = { sync = "throttled", retry_after = 610 }
"#;

#[tokio::test]
async fn a_storm_passes_after_its_count_and_names_its_rule() {
    let server = Server::with_scenarios(&[SCENARIO]).await;
    let token = server.rw("storm");
    let path = format!("/beta{IMPORTED}/import");
    let body = import_body(["STORM-1".to_owned()]);
    for _ in 0..3 {
        let reply = server.post_json(&path, &token, &body).await;
        reply.graph_error(429, "TooManyRequests");
        assert_eq!(reply.header("retry-after"), "5");
        assert_eq!(reply.header("x-autopilot-graph-scenario"), "flaky/storm");
    }
    let reply = server.post_json(&path, &token, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.headers.get("x-autopilot-graph-scenario").is_none());
    // Only the request that passed imported anything.
    let count = server.get(&format!("/beta{IMPORTED}/$count"), &token).await;
    assert_eq!(count.text(), "1");
    // Other tenants never meet the storm.
    let other = server.rw("calm");
    assert_eq!(server.post_json(&path, &other, &body).await.status, 200);
}

#[tokio::test]
async fn faults_before_and_after_the_write_latency_drops_and_syncs() {
    let server = Server::with_scenarios(&[SCENARIO]).await;
    // 503 after the write: the client sees the fault, the record is there.
    let token = server.rw("after");
    let body =
        json!({"serialNumber": "AFTER-1", "hardwareIdentifier": crate::common::hash("AFTER-1")});
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}"),
            &token,
            body.to_string().as_bytes(),
        )
        .await;
    reply.graph_error(503, "ServiceUnavailable");
    assert_eq!(reply.header("retry-after"), "2");
    assert_eq!(
        reply.header("x-autopilot-graph-scenario"),
        "flaky/applied then 503"
    );
    let listed = server.get(&format!("/beta{IMPORTED}"), &token).await.json();
    assert_eq!(listed["value"][0]["serialNumber"], "AFTER-1");

    // Latency: answered as usual, named.
    let slow = server.rw("slow");
    let reply = server.get(&format!("/beta{IMPORTED}"), &slow).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("x-autopilot-graph-scenario"),
        "flaky/slow reads"
    );

    // A dropped connection after the delete is carried out: no answer, and the record gone.
    let cut = server.rw("cut");
    let body = import_body(["CUT-1".to_owned()]);
    let imported = server
        .post_json(&format!("/beta{IMPORTED}/import"), &cut, &body)
        .await
        .json();
    let id = imported["value"][0]["id"].as_str().unwrap().to_owned();
    let answer = reqwest::Client::new()
        .delete(format!("{}/beta{IMPORTED}/{id}", server.base))
        .bearer_auth(&cut)
        .send()
        .await;
    let broken = match answer {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(broken, "the connection was dropped");
    server
        .get(&format!("/beta{IMPORTED}/{id}"), &cut)
        .await
        .graph_error(404, "ResourceNotFound");

    // Syncs refused as Intune refuses them.
    let sync = "/beta/deviceManagement/windowsAutopilotSettings/sync";
    let reply = server.post_json(sync, &server.rw("busy"), b"").await;
    reply.graph_error(409, "Conflict");
    assert_eq!(
        reply.header("x-autopilot-graph-scenario"),
        "flaky/busy sync"
    );
    let reply = server.post_json(sync, &server.rw("throttled"), b"").await;
    reply.graph_error(429, "TooManyRequests");
    assert_eq!(reply.header("retry-after"), "610");
    // A tenant no rule names syncs.
    assert_eq!(
        server.post_json(sync, &server.rw("calm"), b"").await.status,
        204
    );
}

const DEVICES: &str = r#"
[scenario]
name = "registrations"
version = 1
seed = 11

[[rule]]
name = "stuck"
match = { serial = "STUCK-*" }
effect = { unknown = true }

[[rule]]
name = "later"
match = { serial = "LATER-*" }
effect = { delay = "1h" }

[[rule]]
name = "elsewhere"
match = { serial = "ELSE-*" }
effect = { outcome = 808 }

[[rule]]
name = "refused"
match = { group_tag = "Refused" }
effect = { outcome = { code = 950, name = "ZtdOemRefused" } }

[[rule]]
name = "half"
match = { serial = "HALF-*", share = 0.5 }
effect = { outcome = "ZtdDeviceAlreadyAssigned" }
"#;

/// Imports `serials` with `tag` in one request; the records' ids in order.
async fn import(server: &Server, token: &str, serials: &[String], tag: &str) -> Vec<String> {
    let devices: Vec<serde_json::Value> = serials
        .iter()
        .map(|s| json!({"serialNumber": s, "groupTag": tag, "hardwareIdentifier": crate::common::hash(s)}))
        .collect();
    let body = json!({"importedWindowsAutopilotDeviceIdentities": devices});
    let reply = server
        .post_json(
            &format!("/beta{IMPORTED}/import"),
            token,
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn device_rules_decide_registrations() {
    let server = Server::with_scenarios(&[DEVICES]).await;
    let token = server.rw("devices");
    let serials: Vec<String> = ["ELSE-1", "STUCK-1", "LATER-1", "PLAIN-1"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let ids = import(&server, &token, &serials, "").await;
    let refused = import(&server, &token, &["OEM-1".to_owned()], "Refused").await;
    let state = |id: &str| format!("/beta{IMPORTED}/{id}");
    let elsewhere = server.wait_decided(&state(&ids[0]), &token).await;
    assert_eq!(elsewhere["state"]["deviceErrorCode"], 808);
    assert_eq!(
        elsewhere["state"]["deviceErrorName"],
        "ZtdDeviceAssignedToOtherTenant"
    );
    assert_eq!(elsewhere["state"]["deviceImportStatus"], "error");
    let plain = server.wait_decided(&state(&ids[3]), &token).await;
    assert_eq!(plain["state"]["deviceImportStatus"], "complete");
    let custom = server.wait_decided(&state(&refused[0]), &token).await;
    assert_eq!(
        (
            custom["state"]["deviceErrorCode"].clone(),
            custom["state"]["deviceErrorName"].clone()
        ),
        (json!(950), json!("ZtdOemRefused"))
    );
    // Decided with them, the held and the delayed ones are still unknown.
    for id in [&ids[1], &ids[2]] {
        let record = server.get(&state(id), &token).await.json();
        assert_eq!(record["state"]["deviceImportStatus"], "unknown", "{record}");
    }
    // Nothing failed by a scenario was registered.
    let registered = server
        .get(
            "/beta/deviceManagement/windowsAutopilotDeviceIdentities",
            &token,
        )
        .await
        .json();
    let serials: Vec<&str> = registered["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap())
        .collect();
    assert_eq!(serials, ["PLAIN-1"]);
}

#[tokio::test]
async fn a_share_picks_the_same_devices_in_every_run() {
    let serials: Vec<String> = (0..40).map(|i| format!("HALF-{i:03}")).collect();
    let expected: Vec<bool> = serials
        .iter()
        .map(|s| autopilot_scenario::share_of(11, s) < 0.5)
        .collect();
    assert!(expected.iter().any(|x| *x) && expected.iter().any(|x| !*x));
    for run in 0..2 {
        let server = Server::with_scenarios(&[DEVICES]).await;
        let token = server.rw(&format!("share-{run}"));
        let ids = import(&server, &token, &serials, "").await;
        for (id, failed) in ids.iter().zip(&expected) {
            let record = server
                .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
                .await;
            let code = record["state"]["deviceErrorCode"].as_i64().unwrap();
            assert_eq!(code == 806, *failed, "run {run}: {record}");
        }
    }
}

/// A PUT of a scenario document to the management API.
async fn put(
    server: &Server,
    token: &str,
    tenant: &str,
    name: &str,
    document: &str,
) -> crate::common::Reply {
    server
        .send(
            reqwest::Method::PUT,
            &format!("/_autopilot-graph/tenants/{tenant}/scenarios/{name}"),
            Some(token),
            Some(("application/toml", document.as_bytes().to_vec())),
        )
        .await
}

#[tokio::test]
async fn scenarios_are_put_listed_and_removed_at_run_time() {
    let server = Server::with_scenarios(&[]).await;
    let admin = server.token("mgmt", &["AutopilotGraph.Admin"], &[]);
    let user = server.rw("mgmt");
    let sync = "/beta/deviceManagement/windowsAutopilotSettings/sync";
    let busy = "[scenario]\nname = \"busy\"\nversion = 1\n\n[[rule]]\nname = \"always running\"\neffect = { sync = \"conflict\" }\n";

    // Not for a Graph token.
    put(&server, &user, "mgmt", "busy", busy)
        .await
        .graph_error(403, "Forbidden");
    let reply = put(&server, &admin, "mgmt", "busy", busy).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["rules"], 1);
    let reply = server.post_json(sync, &user, b"").await;
    reply.graph_error(409, "Conflict");
    assert_eq!(
        reply.header("x-autopilot-graph-scenario"),
        "busy/always running"
    );
    // Only this tenant's.
    assert_eq!(
        server
            .post_json(sync, &server.rw("other"), b"")
            .await
            .status,
        204
    );

    // A document with a mistake is refused with its line and rule; the one before keeps running.
    let bad = "[scenario]\nname = \"busy\"\nversion = 2\n\n[[rule]]\nname = \"oops\"\neffect = { sync = \"sometimes\" }\n";
    let message = put(&server, &admin, "mgmt", "busy", bad)
        .await
        .graph_error(400, "BadRequest");
    assert!(message.contains("line 5: rule 'oops'"), "{message}");
    server
        .post_json(sync, &user, b"")
        .await
        .graph_error(409, "Conflict");
    // A rule for another tenant, a name that is not the document's: refused too.
    let other = busy.replace("effect =", "match = { tenant = \"fabrikam\" }\neffect =");
    put(&server, &admin, "mgmt", "busy", &other)
        .await
        .graph_error(400, "BadRequest");
    put(&server, &admin, "mgmt", "calm", busy)
        .await
        .graph_error(400, "BadRequest");

    // Replaced (200), listed, removed.
    let v2 = busy.replace("version = 1", "version = 2");
    assert_eq!(put(&server, &admin, "mgmt", "busy", &v2).await.status, 200);
    let listed = server
        .get("/_autopilot-graph/tenants/mgmt/scenarios", &admin)
        .await
        .json();
    assert_eq!(listed["value"][0]["name"], "busy");
    assert_eq!(listed["value"][0]["version"], 2);
    assert_eq!(listed["value"][0]["document"], v2.as_str());
    assert_eq!(
        server
            .delete("/_autopilot-graph/tenants/mgmt/scenarios/busy", &admin)
            .await
            .status,
        204
    );
    server
        .delete("/_autopilot-graph/tenants/mgmt/scenarios/busy", &admin)
        .await
        .graph_error(404, "ResourceNotFound");
    assert_eq!(server.post_json(sync, &user, b"").await.status, 204);

    // Reset: every scenario of the tenant goes.
    let storm = "[scenario]\nname = \"storm\"\nversion = 1\n\n[[rule]]\nname = \"429s\"\nmatch = { method = \"GET\" }\neffect = { status = 429, times = 2 }\n";
    assert_eq!(
        put(&server, &admin, "mgmt", "storm", storm).await.status,
        201
    );
    server
        .get(&format!("/beta{IMPORTED}"), &user)
        .await
        .graph_error(429, "TooManyRequests");
    assert_eq!(
        server
            .delete("/_autopilot-graph/tenants/mgmt/scenarios", &admin)
            .await
            .status,
        204
    );
    assert_eq!(
        server.get(&format!("/beta{IMPORTED}"), &user).await.status,
        200
    );
    let listed = server
        .get("/_autopilot-graph/tenants/mgmt/scenarios", &admin)
        .await
        .json();
    assert_eq!(listed["value"], json!([]));
    server
        .get("/_autopilot-graph/nothing", &admin)
        .await
        .graph_error(404, "ResourceNotFound");
}

/// A scenario's timing profile is its tenant's: Intune's pace for imports, an instant sync.
#[tokio::test]
async fn timing_profiles_are_per_tenant() {
    let server = Server::with_scenarios(&[]).await;
    let admin = |t: &str| server.token(t, &["AutopilotGraph.Admin"], &[]);
    let intune = "[scenario]\nname = \"pace\"\nversion = 1\ntiming = \"intune\"\n";
    let instant = "[scenario]\nname = \"pace\"\nversion = 1\ntiming = \"instant\"\n";
    assert_eq!(
        put(&server, &admin("slow"), "slow", "pace", intune)
            .await
            .status,
        201
    );
    assert_eq!(
        put(&server, &admin("quick"), "quick", "pace", instant)
            .await
            .status,
        201
    );

    // Imports: the server's pace (none here) for a tenant without a profile; a minute or more
    // for the Intune one.
    let (slow, plain) = (server.rw("slow"), server.rw("plain"));
    let slow_ids = import(&server, &slow, &["PACE-1".to_owned()], "").await;
    let plain_ids = import(&server, &plain, &["PACE-2".to_owned()], "").await;
    let decided = server
        .wait_decided(&format!("/beta{IMPORTED}/{}", plain_ids[0]), &plain)
        .await;
    assert_eq!(decided["state"]["deviceImportStatus"], "complete");
    let waiting = server
        .get(&format!("/beta{IMPORTED}/{}", slow_ids[0]), &slow)
        .await
        .json();
    assert_eq!(waiting["state"]["deviceImportStatus"], "unknown");

    // Syncs: instant lets one follow another; the server's own timing refuses it.
    let sync = "/beta/deviceManagement/windowsAutopilotSettings/sync";
    let quick = server.rw("quick");
    assert_eq!(server.post_json(sync, &quick, b"").await.status, 204);
    assert_eq!(server.post_json(sync, &quick, b"").await.status, 204);
    assert_eq!(server.post_json(sync, &plain, b"").await.status, 204);
    server
        .post_json(sync, &plain, b"")
        .await
        .graph_error(409, "Conflict");
}

/// `nth`: a device's place in its import request decides; and a scenario changed while an
/// import is in flight: a held record goes on once its rule is gone.
#[tokio::test]
async fn places_in_an_import_and_scenarios_changed_in_flight() {
    let server = Server::with_scenarios(&[]).await;
    let admin = server.token("flight", &["AutopilotGraph.Admin"], &[]);
    let token = server.rw("flight");
    let doc = "[scenario]\nname = \"flight\"\nversion = 1\n\n[[rule]]\nname = \"second and third\"\nmatch = { nth = [2, 3], serial = \"NTH-*\" }\neffect = { outcome = 806 }\n\n[[rule]]\nname = \"hold\"\nmatch = { serial = \"HOLD-*\" }\neffect = { unknown = true }\n";
    assert_eq!(
        put(&server, &admin, "flight", "flight", doc).await.status,
        201
    );
    let serials: Vec<String> = (1..=4).map(|i| format!("NTH-{i}")).collect();
    let ids = import(&server, &token, &serials, "").await;
    let mut codes = Vec::new();
    for id in &ids {
        let record = server
            .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
            .await;
        codes.push(record["state"]["deviceErrorCode"].as_i64().unwrap());
    }
    assert_eq!(codes, [0, 806, 806, 0]);

    let held = import(&server, &token, &["HOLD-1".to_owned()], "").await;
    let sibling = import(&server, &token, &["FREE-1".to_owned()], "").await;
    server
        .wait_decided(&format!("/beta{IMPORTED}/{}", sibling[0]), &token)
        .await;
    let path = format!("/beta{IMPORTED}/{}", held[0]);
    assert_eq!(
        server.get(&path, &token).await.json()["state"]["deviceImportStatus"],
        "unknown"
    );
    // The scenario goes while the record waits: the record is decided by the usual rules.
    assert_eq!(
        server
            .delete("/_autopilot-graph/tenants/flight/scenarios/flight", &admin)
            .await
            .status,
        204
    );
    let record = server.wait_decided(&path, &token).await;
    assert_eq!(record["state"]["deviceImportStatus"], "complete");
}

/// Profile rules: a device's assignment stays pending or fails, whatever the pace.
#[tokio::test]
async fn profile_rules_hold_or_fail_assignments() {
    let server = Server::with_scenarios(&[]).await;
    let admin = server.token("profiles", &["AutopilotGraph.Admin"], &[]);
    let doc = "[scenario]\nname = \"profiles\"\nversion = 1\ntiming = \"instant\"\n\n[[rule]]\nname = \"kiosks fail\"\nmatch = { group_tag = \"Kiosk\" }\neffect = { profile = \"failed\" }\n\n[[rule]]\nname = \"labs wait\"\nmatch = { group_tag = \"Lab\" }\neffect = { profile = \"pending\" }\n";
    assert_eq!(
        put(&server, &admin, "profiles", "profiles", doc)
            .await
            .status,
        201
    );
    let token = server.token(
        "profiles",
        &[
            crate::common::RW,
            "DeviceManagementConfiguration.ReadWrite.All",
        ],
        &[],
    );
    let mut devices = Vec::new();
    for (serial, tag) in [
        ("P-KIOSK", "Kiosk"),
        ("P-LAB", "Lab"),
        ("P-OFFICE", "Office"),
    ] {
        let device = server.register(&token, serial, tag).await;
        devices.push(device["id"].as_str().unwrap().to_owned());
    }
    let profiles = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles";
    let body = json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "Everyone"});
    let profile = server
        .post_json(profiles, &token, body.to_string().as_bytes())
        .await
        .json();
    let id = profile["id"].as_str().unwrap();
    let target = json!({"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}});
    let reply = server
        .post_json(
            &format!("{profiles}/{id}/assignments"),
            &token,
            target.to_string().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let status = |device: &str| {
        let path = format!("/beta/deviceManagement/windowsAutopilotDeviceIdentities/{device}");
        let server = &server;
        let token = token.clone();
        async move {
            server.get(&path, &token).await.json()["deploymentProfileAssignmentStatus"].clone()
        }
    };
    assert_eq!(status(&devices[0]).await, "failed");
    assert_eq!(status(&devices[1]).await, "pending");
    assert_eq!(
        status(&devices[2]).await,
        "assignedInSync",
        "the instant pace, no rule"
    );
}
