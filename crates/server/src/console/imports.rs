//! Imports: the tenant's imported records and how the registration service decided them, the
//! undecided ones followed live (the page's script asks `imports/status` every two seconds
//! for the rows still `unknown`, and rewrites them).

use askama::Template;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::session::Session;
use super::{Asked, Chrome, graph, graph_message, html, message};
use crate::body::Form;
use crate::state::AppState;

const IMPORTED: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";
/// Rows the page shows.
const ROWS: u32 = 500;
/// Ids one status request may ask about.
const MOST: usize = 100;

struct Row {
    id: String,
    serial: String,
    group_tag: String,
    status: String,
    error: String,
}

#[derive(Template)]
#[template(path = "console/imports.html")]
struct ImportsPage {
    chrome: Chrome,
    tenant: String,
    records: Vec<Row>,
    more: bool,
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_default()
}

/// How an error reads: its code, its name, and the portal's words.
pub(super) fn error_of(record: &Value) -> String {
    let state = &record["state"];
    let code = state["deviceErrorCode"].as_i64().unwrap_or(0);
    if code == 0 {
        return String::new();
    }
    let name = text(&state["deviceErrorName"]);
    match autopilot_domain::registration::portal_text(code) {
        Some(words) => format!("{code} {name}: {words}"),
        None => format!("{code} {name}"),
    }
}

pub(super) async fn page(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
) -> Response {
    let url = format!("{IMPORTED}?$top={ROWS}");
    let (status, body) = graph(state, asked, session, tenant, Method::GET, &url, None).await;
    if !status.is_success() {
        return message(
            asked,
            StatusCode::SERVICE_UNAVAILABLE,
            "The imports could not be read",
            &graph_message(&body),
        );
    }
    let records = body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| Row {
            id: text(&r["id"]),
            serial: text(&r["serialNumber"]),
            group_tag: text(&r["groupTag"]),
            status: text(&r["state"]["deviceImportStatus"]),
            error: error_of(r),
        })
        .collect();
    let page = ImportsPage {
        chrome: Chrome {
            title: "Imports".into(),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            ..Chrome::default()
        },
        tenant: tenant.to_owned(),
        records,
        more: body["@odata.nextLink"].is_string(),
    };
    html(StatusCode::OK, page.render())
}

/// `imports/status?ids=a,b`: each record's status and error, as JSON, for the page's script.
pub(super) async fn status(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
) -> Response {
    let params = Form::parse(asked.query.as_bytes());
    let mut out = Map::new();
    for id in params
        .get("ids")
        .unwrap_or_default()
        .split(',')
        .filter(|id| !id.is_empty())
        .take(MOST)
    {
        if uuid::Uuid::parse_str(id).is_err() {
            continue;
        }
        let (status, record) = graph(
            state,
            asked,
            session,
            tenant,
            Method::GET,
            &format!("{IMPORTED}/{id}"),
            None,
        )
        .await;
        let value = if status.is_success() {
            json!({
                "status": text(&record["state"]["deviceImportStatus"]),
                "error": error_of(&record),
            })
        } else {
            json!({ "status": "deleted", "error": "" })
        };
        out.insert(id.to_owned(), value);
    }
    let mut response = (StatusCode::OK, Value::Object(out).to_string()).into_response();
    super::secure_headers(&mut response, "application/json");
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
