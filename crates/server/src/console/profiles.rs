//! Deployment profiles (beta) and whom each is assigned to, read and changed through Graph:
//! create, change, delete, assign to all devices or a group, remove an assignment. Graph's
//! checks and words are the page's.

use askama::Template;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::session::Session;
use super::{Asked, Chrome, encode, graph, graph_message, html, message, redirect};
use crate::body::Form;
use crate::state::AppState;

const PROFILES: &str = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles";
/// The groups the assignment form offers (more: the group id typed).
const GROUPS: &str = "/v1.0/groups?$select=id,displayName&$orderby=displayName&$top=200";

struct Assignment {
    id: String,
    target: String,
}

struct Profile {
    id: String,
    name: String,
    kind: String,
    description: String,
    template: String,
    oobe: Vec<(&'static str, String)>,
    changed: Option<String>,
    assignments: Vec<Assignment>,
}

#[derive(Template)]
#[template(path = "console/profiles.html")]
struct ProfilesPage {
    chrome: Chrome,
    tenant: String,
    csrf: String,
    write: bool,
    profiles: Vec<Profile>,
    groups: Vec<(String, String)>,
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_default()
}

/// Whom an assignment targets, in words.
fn target(assignment: &Value, groups: &[(String, String)]) -> String {
    let t = &assignment["target"];
    match t["@odata.type"].as_str().unwrap_or_default() {
        "#microsoft.graph.allDevicesAssignmentTarget" => "all devices".to_owned(),
        _ => {
            let id = text(&t["groupId"]);
            match groups.iter().find(|(g, _)| g.eq_ignore_ascii_case(&id)) {
                Some((_, name)) => format!("group {name} ({id})"),
                None => format!("group {id}"),
            }
        }
    }
}

/// The out-of-box settings a person reads, in words.
fn oobe(p: &Value) -> Vec<(&'static str, String)> {
    let o = &p["outOfBoxExperienceSettings"];
    if o.is_null() {
        return Vec::new();
    }
    let yes = |v: &Value| {
        if v.as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        }
        .to_owned()
    };
    vec![
        ("User account type", text(&o["userType"])),
        ("Deployment mode", text(&o["deviceUsageType"])),
        ("Hide license terms", yes(&o["hideEULA"])),
        ("Hide privacy settings", yes(&o["hidePrivacySettings"])),
        ("Hide change account options", yes(&o["hideEscapeLink"])),
        (
            "Skip keyboard selection",
            yes(&o["skipKeyboardSelectionPage"]),
        ),
    ]
}

pub(super) async fn page(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    problem: Option<String>,
) -> Response {
    let (status, body) = graph(state, asked, session, tenant, Method::GET, PROFILES, None).await;
    if !status.is_success() {
        return message(
            asked,
            StatusCode::SERVICE_UNAVAILABLE,
            "The profiles could not be read",
            &graph_message(&body),
        );
    }
    let (_, listed) = graph(state, asked, session, tenant, Method::GET, GROUPS, None).await;
    let groups: Vec<(String, String)> = listed["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| (text(&g["id"]), text(&g["displayName"])))
        .collect();
    let mut profiles = Vec::new();
    for p in body["value"].as_array().into_iter().flatten() {
        let id = text(&p["id"]);
        let path = format!("{PROFILES}/{id}/assignments");
        let (_, assignments) = graph(state, asked, session, tenant, Method::GET, &path, None).await;
        profiles.push(Profile {
            name: text(&p["displayName"]),
            kind: match p["@odata.type"].as_str().unwrap_or_default() {
                "#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile" => {
                    "Hybrid Entra join".to_owned()
                }
                _ => "Entra join".to_owned(),
            },
            description: text(&p["description"]),
            template: text(&p["deviceNameTemplate"]),
            oobe: oobe(p),
            changed: p["lastModifiedDateTime"].as_str().map(str::to_owned),
            assignments: assignments["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| Assignment {
                    id: text(&a["id"]),
                    target: target(a, &groups),
                })
                .collect(),
            id,
        });
    }
    let done = Form::parse(asked.query.as_bytes())
        .get("done")
        .and_then(|d| match d {
            "created" => Some("Profile created."),
            "changed" => Some("Profile changed."),
            "deleted" => Some("Profile deleted."),
            "assigned" => Some("Profile assigned."),
            "unassigned" => Some("Assignment removed."),
            _ => None,
        })
        .map(str::to_owned);
    let page = ProfilesPage {
        chrome: Chrome {
            title: "Deployment profiles".into(),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            notice: if problem.is_none() { done } else { None },
            problem: problem.clone(),
        },
        tenant: tenant.to_owned(),
        csrf: session.csrf.clone(),
        write: session.write,
        profiles,
        groups,
    };
    let code = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(code, page.render())
}

/// A profile's fields from the form, as Graph takes them.
fn profile_body(form: &Form, creating: bool) -> Value {
    let field = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let mut body = json!({
        "displayName": field("name"),
        "description": field("description"),
        "deviceNameTemplate": field("template"),
    });
    if creating {
        let checked = |name: &str| form.get(name) == Some("1");
        body["@odata.type"] = json!(if field("kind") == "hybrid" {
            "#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile"
        } else {
            "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"
        });
        body["extractHardwareHash"] = json!(checked("extract"));
        body["outOfBoxExperienceSettings"] = json!({
            "userType": if field("userType") == "administrator" { "administrator" } else { "standard" },
            "deviceUsageType": if field("usage") == "shared" { "shared" } else { "singleUser" },
            "hideEULA": checked("hideEula"),
            "hidePrivacySettings": checked("hidePrivacy"),
            "hideEscapeLink": checked("hideEscape"),
            "skipKeyboardSelectionPage": checked("skipKeyboard"),
        });
    }
    body
}

/// The profile forms: `action` create, change, delete, assign or unassign.
pub(super) async fn act(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    form: Option<&Form>,
) -> Response {
    let Some(form) = form else {
        return page(
            state,
            asked,
            session,
            tenant,
            Some("Nothing was sent.".into()),
        )
        .await;
    };
    let profile = form.get("profile").unwrap_or_default();
    let item = format!("{PROFILES}/{}", encode(profile));
    let (method, path, body, done) = match form.get("action").unwrap_or_default() {
        "create" => (
            Method::POST,
            PROFILES.to_owned(),
            Some(profile_body(form, true)),
            "created",
        ),
        "change" => (
            Method::PATCH,
            item,
            Some(profile_body(form, false)),
            "changed",
        ),
        "delete" => (Method::DELETE, item, None, "deleted"),
        "assign" => {
            let target = match form.get("target").unwrap_or_default().trim() {
                "all" => json!({"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}),
                group => {
                    json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group})
                }
            };
            let body = json!({ "target": target });
            (
                Method::POST,
                format!("{item}/assignments"),
                Some(body),
                "assigned",
            )
        }
        "unassign" => {
            let assignment = encode(form.get("assignment").unwrap_or_default());
            (
                Method::DELETE,
                format!("{item}/assignments/{assignment}"),
                None,
                "unassigned",
            )
        }
        _ => {
            return page(
                state,
                asked,
                session,
                tenant,
                Some("That is not a profile action.".into()),
            )
            .await;
        }
    };
    let (status, answer) = graph(state, asked, session, tenant, method, &path, body.as_ref()).await;
    if status.is_success() {
        return redirect(&format!("/console/t/{tenant}/profiles?done={done}"));
    }
    page(state, asked, session, tenant, Some(graph_message(&answer))).await
}
