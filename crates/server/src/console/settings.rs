//! The tenant's Autopilot settings and the manual sync, with Intune's 10-minute rule: a sync
//! asked too soon (429) or while one runs (409) is refused with Intune's words.

use askama::Template;
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::session::Session;
use super::{Asked, Chrome, graph, graph_message, html, redirect};
use crate::body::Form;
use crate::state::AppState;

const SETTINGS: &str = "/beta/deviceManagement/windowsAutopilotSettings";

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    tenant: String,
    status: String,
    last_sync: Option<String>,
    last_trigger: Option<String>,
    write: bool,
    csrf: String,
}

fn date(v: &serde_json::Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.starts_with("0001-"))
        .map(str::to_owned)
}

pub(super) async fn page(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    problem: Option<String>,
) -> Response {
    let (status, body) = graph(state, asked, session, tenant, Method::GET, SETTINGS, None).await;
    let problem = problem.or_else(|| (!status.is_success()).then(|| graph_message(&body)));
    let params = Form::parse(asked.query.as_bytes());
    let page = SettingsPage {
        chrome: Chrome {
            title: "Autopilot settings".into(),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            notice: params.get("synced").map(|_| "Sync started.".to_owned()),
            problem,
        },
        tenant: tenant.to_owned(),
        status: body["syncStatus"].as_str().unwrap_or("unknown").to_owned(),
        last_sync: date(&body["lastSyncDateTime"]),
        last_trigger: date(&body["lastManualSyncTriggerDateTime"]),
        write: session.write,
        csrf: session.csrf.clone(),
    };
    let code = if page.chrome.problem.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    html(code, page.render())
}

pub(super) async fn sync(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
) -> Response {
    let path = format!("{SETTINGS}/sync");
    let (status, body) = graph(state, asked, session, tenant, Method::POST, &path, None).await;
    if status.is_success() {
        redirect(&format!("/console/t/{tenant}/settings?synced=1"))
    } else {
        page(state, asked, session, tenant, Some(graph_message(&body))).await
    }
}
