//! The console's profile and scenario pages over a real socket: profiles created, changed,
//! assigned and deleted through the forms with Graph's checks and words; scenarios applied and
//! removed by the admin only, shaping the tenant's Graph requests at once.

use serde_json::json;

use crate::common::{CONSOLE_PASSWORD, IMPORTED, Server, import_body};
use crate::console::{browser, form, sign_in};

/// The CSRF token the page's forms carry.
fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with the token")
        + 19;
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

async fn get(server: &Server, cookie: &str, path: &str) -> (u16, String) {
    let reply = browser()
        .get(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (reply.status().as_u16(), reply.text().await.unwrap())
}

/// A form posted as the browser posts it; the status and where it leads (or the page).
async fn post(server: &Server, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> (u16, String) {
    let reply = browser()
        .post(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .header("origin", &server.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(pairs))
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    if status == 303 {
        return (
            status,
            reply.headers()["location"].to_str().unwrap().to_owned(),
        );
    }
    (status, reply.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_are_created_changed_assigned_and_deleted() {
    let server = Server::start().await;
    let token = server.rw("console-profiles");
    let groups = server.token("console-profiles", &["Group.ReadWrite.All"], &[]);
    let group = server
        .post_json(
            "/v1.0/groups",
            &groups,
            json!({"displayName": "Lab <laptops>", "mailEnabled": false, "mailNickname": "lab", "securityEnabled": true})
                .to_string()
                .as_bytes(),
        )
        .await
        .json();
    let group_id = group["id"].as_str().unwrap().to_owned();
    let tid = autopilot_server::auth::tenant_guid("console-profiles").to_string();
    let admin = sign_in(&server, &[("password", CONSOLE_PASSWORD)]).await;
    let at = format!("/console/t/{tid}/profiles");
    let (status, body) = get(&server, &admin, &at).await;
    assert_eq!(status, 200);
    assert!(body.contains("no deployment profile yet"), "{body}");
    let csrf = csrf_of(&body);

    // Graph's own check, in its words: a template of more than 15 characters.
    let (status, body) = post(
        &server,
        &admin,
        &at,
        &[
            ("csrf", &csrf),
            ("action", "create"),
            ("name", "Too long"),
            ("template", "ABCDEFGHIJKLMNOP"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("at most 15 characters"), "{body}");

    let (status, to) = post(
        &server,
        &admin,
        &at,
        &[
            ("csrf", &csrf),
            ("action", "create"),
            ("name", "Lab <b>kiosk</b>"),
            ("kind", "azureAD"),
            ("usage", "shared"),
            ("userType", "standard"),
            ("template", "LAB-%RAND:5%"),
            ("hideEula", "1"),
            ("hidePrivacy", "1"),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("{at}?done=created").as_str())
    );
    let listed = server
        .get(
            "/beta/deviceManagement/windowsAutopilotDeploymentProfiles",
            &token,
        )
        .await
        .json();
    let profile = &listed["value"][0];
    let id = profile["id"].as_str().unwrap().to_owned();
    assert_eq!(profile["displayName"], "Lab <b>kiosk</b>");
    assert_eq!(
        profile["outOfBoxExperienceSettings"]["deviceUsageType"],
        "shared"
    );
    assert_eq!(profile["outOfBoxExperienceSettings"]["hideEULA"], true);
    assert_eq!(
        profile["outOfBoxExperienceSettings"]["skipKeyboardSelectionPage"],
        false
    );

    // Assigned to the group and to all devices, one assignment removed, the name changed.
    for target in [group_id.as_str(), "all"] {
        let (status, _) = post(
            &server,
            &admin,
            &at,
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("profile", &id),
                ("target", target),
            ],
        )
        .await;
        assert_eq!(status, 303);
    }
    let (_, body) = get(&server, &admin, &at).await;
    assert!(
        body.contains(&format!(
            "<option value=\"{group_id}\">Lab &#60;laptops&#62;</option>"
        )),
        "the group offered: {body}"
    );
    assert!(body.contains("Lab &#60;b&#62;kiosk&#60;/b&#62;"), "{body}");
    assert!(!body.contains("<b>kiosk"), "{body}");
    assert!(
        body.contains(&format!("group Lab &#60;laptops&#62; ({group_id})")),
        "{body}"
    );
    assert!(body.contains("all devices"), "{body}");
    let path =
        format!("/beta/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignments");
    let assignments = server.get(&path, &token).await.json();
    assert_eq!(assignments["value"].as_array().unwrap().len(), 2);
    let all = assignments["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"]["@odata.type"] == "#microsoft.graph.allDevicesAssignmentTarget")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = post(
        &server,
        &admin,
        &at,
        &[
            ("csrf", &csrf),
            ("action", "unassign"),
            ("profile", &id),
            ("assignment", &all),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        server.get(&path, &token).await.json()["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (status, _) = post(
        &server,
        &admin,
        &at,
        &[
            ("csrf", &csrf),
            ("action", "change"),
            ("profile", &id),
            ("name", "Kiosks"),
            ("description", "front desk"),
            ("template", "KIOSK-%SERIAL%"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let changed = server
        .get(
            &format!("/beta/deviceManagement/windowsAutopilotDeploymentProfiles/{id}"),
            &token,
        )
        .await
        .json();
    assert_eq!(changed["displayName"], "Kiosks");
    assert_eq!(
        changed["outOfBoxExperienceSettings"]["deviceUsageType"], "shared",
        "kept"
    );

    // A group id that is not one, and a profile that is not there: Graph's words, 400.
    let (status, body) = post(
        &server,
        &admin,
        &at,
        &[
            ("csrf", &csrf),
            ("action", "assign"),
            ("profile", &id),
            ("target", "<nope>"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("is not a group id"), "{body}");
    assert!(!body.contains("<nope>"), "{body}");

    // A read-only session is refused every change.
    let reader = server.token(
        "console-profiles",
        &["DeviceManagementServiceConfig.Read.All"],
        &[],
    );
    let viewer = sign_in(&server, &[("token", &reader)]).await;
    let (_, page) = get(&server, &viewer, &format!("/console/t/{tid}/devices")).await;
    let (status, _) = post(
        &server,
        &viewer,
        &at,
        &[
            ("csrf", &csrf_of(&page)),
            ("action", "delete"),
            ("profile", &id),
        ],
    )
    .await;
    assert_eq!(status, 403);

    let (status, to) = post(
        &server,
        &admin,
        &at,
        &[("csrf", &csrf), ("action", "delete"), ("profile", &id)],
    )
    .await;
    assert_eq!((status, to), (303, format!("{at}?done=deleted")));
    let listed = server
        .get(
            "/beta/deviceManagement/windowsAutopilotDeploymentProfiles",
            &token,
        )
        .await
        .json();
    assert!(listed["value"].as_array().unwrap().is_empty());
}

async fn import(server: &Server, token: &str) -> crate::common::Reply {
    let body = import_body(["SCN-1".to_owned()]);
    server
        .post_json(&format!("/beta{IMPORTED}/import"), token, &body)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_are_applied_and_removed_by_the_admin() {
    let server = Server::start().await;
    let token = server.rw("console-scenarios");
    let tid = autopilot_server::auth::tenant_guid("console-scenarios").to_string();
    let at = format!("/console/t/{tid}/scenarios");

    // A tenant's own session does not see them.
    let tenant = sign_in(&server, &[("token", &token)]).await;
    let (status, body) = get(&server, &tenant, &at).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        !body.contains(">Scenarios</a>"),
        "no link for a tenant: {body}"
    );

    let admin = sign_in(&server, &[("password", CONSOLE_PASSWORD)]).await;
    let (status, body) = get(&server, &admin, &at).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("No scenario is put for this tenant"),
        "{body}"
    );
    let csrf = csrf_of(&body);

    // A document with a mistake: named by its line, nothing applied, the text kept.
    let broken = "[scenario]\nname = \"bad\"\n\n[[rule]]\nname = \"r\"\nmatch = { method = \"POST\" }\neffect = { status = \"soon\" }\n";
    let (status, body) = post(
        &server,
        &admin,
        &at,
        &[("csrf", &csrf), ("action", "apply"), ("document", broken)],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("line"), "{body}");
    assert!(
        body.contains("name = &#34;bad&#34;"),
        "the document kept: {body}"
    );

    // An example: the tenant's imports are throttled at once, with the rule named.
    let (status, to) = post(
        &server,
        &admin,
        &at,
        &[
            ("csrf", &csrf),
            ("action", "apply"),
            ("example", "429-storm"),
            ("document", ""),
        ],
    )
    .await;
    assert_eq!((status, to), (303, format!("{at}?done=applied")));
    let refused = import(&server, &token).await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.header("x-autopilot-graph-scenario"),
        "429-storm/five 429s"
    );
    let (_, body) = get(&server, &admin, &at).await;
    assert!(
        body.contains("<h3 id=\"scenario-1\">429-storm</h3>"),
        "{body}"
    );

    let (status, _) = post(
        &server,
        &admin,
        &at,
        &[("csrf", &csrf), ("action", "remove"), ("name", "429-storm")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(import(&server, &token).await.status, 200);
    let (status, to) = post(
        &server,
        &admin,
        &at,
        &[("csrf", &csrf), ("action", "reset")],
    )
    .await;
    assert_eq!((status, to), (303, format!("{at}?done=reset")));
}
