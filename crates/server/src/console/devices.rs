//! Registered devices: the searchable, sortable, paged table, one device's page with every
//! property, and its changes (name, group tag, user) and deletion, all through the Graph
//! dispatcher as the session's tenant.

use askama::Template;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::session::Session;
use super::{Asked, Chrome, encode, graph, graph_message, html, message, redirect};
use crate::body::Form;
use crate::state::AppState;

const DEVICES: &str = "/beta/deviceManagement/windowsAutopilotDeviceIdentities";
/// The list reads v1.0: every column it shows is there, without beta's profile standing to
/// work out per device.
const LIST: &str = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities";
/// Rows per page.
const PAGE: u32 = 50;

struct Row {
    id: String,
    serial: String,
    manufacturer: String,
    model: String,
    group_tag: String,
    state: String,
    contacted: Option<String>,
}

#[derive(Template)]
#[template(path = "console/devices.html")]
struct DevicesPage {
    chrome: Chrome,
    tenant: String,
    q: String,
    tag: String,
    model: String,
    state: String,
    sort: String,
    desc: bool,
    states: &'static [&'static str],
    sorts: &'static [(&'static str, &'static str)],
    devices: Vec<Row>,
    count: Option<u64>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "console/device.html")]
struct DevicePage {
    chrome: Chrome,
    tenant: String,
    id: String,
    serial: String,
    properties: Vec<(String, String)>,
    write: bool,
    csrf: String,
    display_name: String,
    group_tag: String,
    user: String,
    hardware: Option<super::hash::Inspected>,
}

/// The orders offered; the first (import order, the key's) is the one the indexes serve best.
const SORTS: &[(&str, &str)] = &[
    ("", "Import order"),
    ("serialNumber", "Serial number"),
    ("groupTag", "Group tag"),
    ("model", "Model"),
    ("enrollmentState", "Enrollment state"),
    ("lastContactedDateTime", "Last contacted"),
];

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A date worth showing (Graph writes `0001-01-01` for never).
fn date(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.starts_with("0001-"))
        .map(str::to_owned)
}

/// An OData string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(super) async fn list(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
) -> Response {
    let params = Form::parse(asked.query.as_bytes());
    let q = params.get("q").unwrap_or_default().trim().to_owned();
    let tag = params.get("tag").unwrap_or_default().trim().to_owned();
    let model = params.get("model").unwrap_or_default().trim().to_owned();
    let wanted_state = params.get("state").unwrap_or_default().to_owned();
    let sort = params
        .get("sort")
        .filter(|s| SORTS.iter().any(|(v, _)| v == s))
        .unwrap_or_default()
        .to_owned();
    let desc = params.get("desc") == Some("1");
    let mut filters = Vec::new();
    // Each condition alone is one the store's indexes serve (a trigram index for the serial).
    if !q.is_empty() {
        filters.push(format!("contains(serialNumber,{})", literal(&q)));
    }
    if !tag.is_empty() {
        filters.push(format!("startswith(groupTag,{})", literal(&tag)));
    }
    if !model.is_empty() {
        filters.push(format!("startswith(model,{})", literal(&model)));
    }
    if !wanted_state.is_empty() {
        filters.push(format!("enrollmentState eq {}", literal(&wanted_state)));
    }
    let mut url = format!("{LIST}?$top={PAGE}");
    if !sort.is_empty() {
        url.push_str(&format!(
            "&$orderby={}",
            encode(&format!("{sort}{}", if desc { " desc" } else { "" }))
        ));
    }
    if !filters.is_empty() {
        url.push_str(&format!("&$filter={}", encode(&filters.join(" and "))));
    }
    if let Some(token) = params.get("page") {
        url.push_str(&format!("&$skiptoken={}", encode(token)));
    }
    let (status, body) = graph(state, asked, session, tenant, Method::GET, &url, None).await;
    let mut problem = None;
    let mut devices = Vec::new();
    let mut next = None;
    if status.is_success() {
        for d in body["value"].as_array().into_iter().flatten() {
            devices.push(Row {
                id: text(&d["id"]),
                serial: text(&d["serialNumber"]),
                manufacturer: text(&d["manufacturer"]),
                model: text(&d["model"]),
                group_tag: text(&d["groupTag"]),
                state: text(&d["enrollmentState"]),
                contacted: date(&d["lastContactedDateTime"]),
            });
        }
        next = body["@odata.nextLink"]
            .as_str()
            .and_then(|link| link.split("$skiptoken=").nth(1))
            .map(|token| {
                let token = token.split('&').next().unwrap_or_default();
                let token = percent_encoding::percent_decode_str(token).decode_utf8_lossy();
                format!(
                    "/console/t/{tenant}/devices?q={}&tag={}&model={}&state={}&sort={sort}{}&page={}",
                    encode(&q),
                    encode(&tag),
                    encode(&model),
                    encode(&wanted_state),
                    if desc { "&desc=1" } else { "" },
                    encode(&token)
                )
            });
    } else {
        problem = Some(format!(
            "The search could not run: {}",
            graph_message(&body)
        ));
    }
    let page = DevicesPage {
        chrome: Chrome {
            title: "Registered devices".into(),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            problem,
            ..Chrome::default()
        },
        tenant: tenant.to_owned(),
        q,
        tag,
        model,
        state: wanted_state,
        sort,
        desc,
        states: &[
            "notContacted",
            "enrolled",
            "pendingReset",
            "failed",
            "blocked",
        ],
        sorts: SORTS,
        devices,
        count: None,
        next,
    };
    let status = if page.chrome.problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(status, page.render())
}

/// A device's page; `problem` when a change was refused.
pub(super) async fn page(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    id: &str,
    problem: Option<String>,
) -> Response {
    let path = format!("{DEVICES}/{}", encode(id));
    let (status, body) = graph(state, asked, session, tenant, Method::GET, &path, None).await;
    if !status.is_success() {
        return message(
            asked,
            StatusCode::NOT_FOUND,
            "No such device",
            "This tenant has no registered device with that id. It may have been deleted.",
        );
    }
    let properties = body
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !k.starts_with('@'))
        .map(|(k, v)| (k.clone(), text(v)))
        .collect();
    // The hash lives with the imported record that registered the device, while it is kept.
    let imported = format!(
        "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities?$filter={}",
        encode(&format!("state/deviceRegistrationId eq {}", literal(id)))
    );
    let (_, records) = graph(state, asked, session, tenant, Method::GET, &imported, None).await;
    let hardware = records["value"][0]["hardwareIdentifier"]
        .as_str()
        .map(|h| super::hash::inspect(h, true));
    let params = Form::parse(asked.query.as_bytes());
    let notice = params.get("saved").map(|_| "Saved.".to_owned());
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = DevicePage {
        chrome: Chrome {
            title: text(&body["serialNumber"]),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            notice,
            problem,
        },
        tenant: tenant.to_owned(),
        id: text(&body["id"]),
        serial: text(&body["serialNumber"]),
        properties,
        write: session.write,
        csrf: session.csrf.clone(),
        display_name: text(&body["displayName"]),
        group_tag: text(&body["groupTag"]),
        user: text(&body["userPrincipalName"]),
        hardware,
    };
    html(status, page.render())
}

/// A change to a device, or its deletion.
pub(super) async fn act(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    id: &str,
    form: Option<&Form>,
) -> Response {
    let field = |name: &str| {
        form.and_then(|f| f.get(name))
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let path = format!("{DEVICES}/{}", encode(id));
    match field("action").as_str() {
        "delete" => {
            let (status, body) =
                graph(state, asked, session, tenant, Method::DELETE, &path, None).await;
            if status.is_success() {
                redirect(&format!("/console/t/{tenant}/devices"))
            } else {
                page(
                    state,
                    asked,
                    session,
                    tenant,
                    id,
                    Some(graph_message(&body)),
                )
                .await
            }
        }
        "update" => {
            let user = field("userPrincipalName");
            let mut changes = json!({
                "displayName": field("displayName"),
                "groupTag": field("groupTag"),
            });
            if !user.is_empty() {
                changes["userPrincipalName"] = json!(user);
                changes["addressableUserName"] = json!(user.split('@').next().unwrap_or_default());
            }
            let update = format!("{path}/updateDeviceProperties");
            let (status, body) = graph(
                state,
                asked,
                session,
                tenant,
                Method::POST,
                &update,
                Some(&changes),
            )
            .await;
            if !status.is_success() {
                return page(
                    state,
                    asked,
                    session,
                    tenant,
                    id,
                    Some(graph_message(&body)),
                )
                .await;
            }
            if user.is_empty() {
                let unassign = format!("{path}/unassignUserFromDevice");
                let (status, body) =
                    graph(state, asked, session, tenant, Method::POST, &unassign, None).await;
                if !status.is_success() {
                    return page(
                        state,
                        asked,
                        session,
                        tenant,
                        id,
                        Some(graph_message(&body)),
                    )
                    .await;
                }
            }
            redirect(&format!(
                "/console/t/{tenant}/devices/{}?saved=1",
                encode(id)
            ))
        }
        _ => message(
            asked,
            StatusCode::BAD_REQUEST,
            "Nothing to do",
            "The form named no action the console knows.",
        ),
    }
}
