//! A tenant's scenarios, for the admin: those the server runs for every tenant (`serve
//! --scenario`), those put for this tenant at run time, and a form to apply one (a document
//! pasted, or one of the examples shipped in `examples/scenarios/`) or remove them, through the
//! management API (`/_autopilot-graph/tenants/{tenant}/scenarios`) so that the checks, the
//! store and every instance's reload are the API's.

use askama::Template;
use autopilot_scenario::Scenario;
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::session::Session;
use super::{Asked, Chrome, encode, graph, graph_message, graph_raw, html, message, redirect};
use crate::body::Form;
use crate::state::AppState;

/// The examples shipped with the server, by name.
const EXAMPLES: [(&str, &str); 5] = [
    (
        "429-storm",
        include_str!("../../../../examples/scenarios/429-storm.toml"),
    ),
    (
        "flaky-tenant",
        include_str!("../../../../examples/scenarios/flaky-tenant.toml"),
    ),
    (
        "intune-timing",
        include_str!("../../../../examples/scenarios/intune-timing.toml"),
    ),
    (
        "oem-batch",
        include_str!("../../../../examples/scenarios/oem-batch.toml"),
    ),
    (
        "stuck-import",
        include_str!("../../../../examples/scenarios/stuck-import.toml"),
    ),
];

struct Put {
    name: String,
    version: String,
    description: String,
    rules: String,
    updated: String,
    document: String,
}

#[derive(Template)]
#[template(path = "console/scenarios.html")]
struct ScenariosPage {
    chrome: Chrome,
    tenant: String,
    csrf: String,
    files: Vec<(String, u32, usize)>,
    put: Vec<Put>,
    examples: Vec<&'static str>,
    document: String,
}

fn path(tenant: &str) -> String {
    format!("/_autopilot-graph/tenants/{}/scenarios", encode(tenant))
}

pub(super) async fn page(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    problem: Option<(String, String)>,
) -> Response {
    if session.tenant.is_some() {
        return refused(asked);
    }
    let (status, body) = graph(
        state,
        asked,
        session,
        tenant,
        Method::GET,
        &path(tenant),
        None,
    )
    .await;
    if !status.is_success() {
        return message(
            asked,
            StatusCode::SERVICE_UNAVAILABLE,
            "The scenarios could not be read",
            &graph_message(&body),
        );
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let put = body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| Put {
            name: text(&s["name"]),
            version: text(&s["version"]),
            description: text(&s["description"]),
            rules: text(&s["rules"]),
            updated: text(&s["updatedDateTime"]),
            document: text(&s["document"]),
        })
        .collect();
    let done = Form::parse(asked.query.as_bytes())
        .get("done")
        .and_then(|d| match d {
            "applied" => Some("Scenario applied: it shapes this tenant's requests now."),
            "removed" => Some("Scenario removed."),
            "reset" => Some("Every scenario of this tenant was removed."),
            _ => None,
        })
        .map(str::to_owned);
    let (problem, document) = problem.unzip();
    let page = ScenariosPage {
        chrome: Chrome {
            title: "Scenarios".into(),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            notice: if problem.is_none() { done } else { None },
            problem: problem.clone(),
        },
        tenant: tenant.to_owned(),
        csrf: session.csrf.clone(),
        files: state.scenarios.summary(),
        put,
        examples: EXAMPLES.iter().map(|(name, _)| *name).collect(),
        document: document.unwrap_or_default(),
    };
    let code = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(code, page.render())
}

fn refused(asked: &Asked) -> Response {
    message(
        asked,
        StatusCode::FORBIDDEN,
        "For the administrator",
        "Scenarios are put by the server's administrator (the console password, or a token \
         with AutopilotGraph.Admin).",
    )
}

/// `action` apply (a `document`, else the `example` named), remove (`name`) or reset.
pub(super) async fn act(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    form: Option<&Form>,
) -> Response {
    if session.tenant.is_some() {
        return refused(asked);
    }
    let field = |name: &str| form.and_then(|f| f.get(name)).unwrap_or_default();
    let (method, url, body, done) = match field("action") {
        "apply" => {
            let document = match field("document").trim() {
                "" => EXAMPLES
                    .iter()
                    .find(|(name, _)| *name == field("example"))
                    .map(|(_, text)| (*text).to_owned())
                    .unwrap_or_default(),
                _ => field("document").to_owned(),
            };
            if document.trim().is_empty() {
                let problem = "Paste a scenario document or choose an example.".to_owned();
                return page(state, asked, session, tenant, Some((problem, document))).await;
            }
            // The name is the document's; the management API checks all of it again.
            let name = match Scenario::parse(&document) {
                Ok(parsed) => parsed.name,
                Err(e) => {
                    let problem = format!("The document is not a scenario: {e}");
                    return page(state, asked, session, tenant, Some((problem, document))).await;
                }
            };
            let url = format!("{}/{}", path(tenant), encode(&name));
            (Method::PUT, url, Some(document), "applied")
        }
        "remove" => {
            let url = format!("{}/{}", path(tenant), encode(field("name")));
            (Method::DELETE, url, None, "removed")
        }
        "reset" => (Method::DELETE, path(tenant), None, "reset"),
        _ => {
            let problem = ("That is not a scenario action.".to_owned(), String::new());
            return page(state, asked, session, tenant, Some(problem)).await;
        }
    };
    let raw = body
        .clone()
        .map(|text| ("application/toml", text.into_bytes()));
    let (status, _, answer) = graph_raw(state, asked, session, tenant, method, &url, raw).await;
    if status.is_success() {
        return redirect(&format!("/console/t/{tenant}/scenarios?done={done}"));
    }
    let problem = (graph_message(&answer), body.unwrap_or_default());
    page(state, asked, session, tenant, Some(problem)).await
}
