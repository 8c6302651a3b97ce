//! Deployment profiles (beta) and whom each is assigned to, read through Graph.

use askama::Template;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::session::Session;
use super::{Asked, Chrome, graph, graph_message, html, message};
use crate::state::AppState;

const PROFILES: &str = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles";

struct Profile {
    name: String,
    kind: String,
    description: String,
    template: String,
    changed: Option<String>,
    targets: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/profiles.html")]
struct ProfilesPage {
    chrome: Chrome,
    profiles: Vec<Profile>,
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_default()
}

/// Whom an assignment targets, in words.
fn target(assignment: &Value) -> String {
    let t = &assignment["target"];
    match t["@odata.type"].as_str().unwrap_or_default() {
        "#microsoft.graph.allDevicesAssignmentTarget" => "all devices".to_owned(),
        _ => format!("group {}", text(&t["groupId"])),
    }
}

pub(super) async fn page(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
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
            changed: p["lastModifiedDateTime"].as_str().map(str::to_owned),
            targets: assignments["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(target)
                .collect(),
        });
    }
    let page = ProfilesPage {
        chrome: Chrome {
            title: "Deployment profiles".into(),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            ..Chrome::default()
        },
        profiles,
    };
    html(StatusCode::OK, page.render())
}
