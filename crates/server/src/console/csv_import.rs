//! CSV import: a file dropped or chosen on the page is sent by the page's script as it is
//! (`text/csv`, the CSRF token in `X-CSRF-Token`), in whatever encoding Windows wrote it, and
//! checked line by line exactly as the CLI's `import` checks it (`autopilot_csv`) before
//! anything is sent. The valid rows are then imported through the Graph `import` action in
//! batches, and the page follows the records as the imports page does. The failed rows come
//! back as a CSV to fix and import again.
//!
//! The server keeps nothing between the steps: each sends the file again and is checked again.

use askama::Template;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::imports::error_of;
use super::session::Session;
use super::{Asked, Chrome, graph_answer, graph_message, html};
use crate::body::Form;
use crate::state::AppState;

const IMPORT: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import";
/// The largest file the page takes: about 2,800 devices as `Get-WindowsAutopilotInfo` writes
/// them (UTF-16), twice that in UTF-8. The portal takes 500 per file.
pub(crate) const MOST_BYTES: usize = 32 * 1024 * 1024;
/// How often a batch refused with 429 is sent again, after the `Retry-After` it was given.
const RETRIES: u32 = 4;

#[derive(Template)]
#[template(path = "console/import.html")]
struct ImportPage {
    chrome: Chrome,
    tenant: String,
    csrf: String,
    write: bool,
    most_mib: usize,
}

/// A line as the check and the import show it.
struct Shown {
    line: u64,
    serial: String,
    group_tag: String,
    /// `ready`, `not sent`, or the record's import status once sent.
    status: String,
    error: String,
    /// The imported record, once sent.
    id: String,
}

#[derive(Template)]
#[template(path = "console/import_check.html")]
struct CheckPart {
    name: String,
    encoding: String,
    problems: Vec<(u64, String)>,
    lines: Vec<Shown>,
    ready: usize,
    write: bool,
}

#[derive(Template)]
#[template(path = "console/import_sent.html")]
struct SentPart {
    tenant: String,
    lines: Vec<Shown>,
    sent: usize,
    problem: Option<String>,
}

pub(super) fn page(session: &Session, tenant: &str) -> Response {
    let page = ImportPage {
        chrome: Chrome {
            title: "Import a CSV".into(),
            session: Some(session.clone()),
            tenant: Some(tenant.to_owned()),
            ..Chrome::default()
        },
        tenant: tenant.to_owned(),
        csrf: session.csrf.clone(),
        write: session.write,
        most_mib: MOST_BYTES / (1024 * 1024),
    };
    html(StatusCode::OK, page.render())
}

/// The file sent, read and checked; `Err` the words for why it cannot be read (a 400).
fn read(asked: &Asked) -> Result<(String, autopilot_csv::Checked), String> {
    let params = Form::parse(asked.query.as_bytes());
    let name = params.get("name").unwrap_or("the file").to_owned();
    let bytes = asked.upload.as_deref().unwrap_or_default();
    if bytes.is_empty() {
        return Err(format!("{name} is empty."));
    }
    match autopilot_csv::parse(bytes) {
        Ok(file) => {
            let encoding = format!(
                "{}{}",
                file.encoding.name(),
                if file.bom {
                    " with a byte order mark"
                } else {
                    ""
                }
            );
            Ok((encoding, autopilot_csv::check(&[(name, file)])))
        }
        Err(e) => Err(format!("{name} cannot be read as an Autopilot CSV: {e}.")),
    }
}

fn shown(row: &autopilot_csv::CheckedRow) -> Shown {
    let (status, error) = match &row.verdict {
        autopilot_csv::Verdict::Ready => ("ready".to_owned(), row.message()),
        autopilot_csv::Verdict::Invalid {
            code,
            name,
            message,
        } => ("not sent".to_owned(), format!("{code} {name}: {message}")),
    };
    Shown {
        line: row.row.line,
        serial: row.row.serial_number.clone(),
        group_tag: row.row.group_tag.clone().unwrap_or_default(),
        status,
        error,
        id: String::new(),
    }
}

/// `import/check`: the line-by-line check, nothing sent.
pub(super) fn check(asked: &Asked, session: &Session) -> Response {
    let (encoding, checked) = match read(asked) {
        Ok(read) => read,
        Err(problem) => return fragment_problem(StatusCode::BAD_REQUEST, &problem),
    };
    let part = CheckPart {
        name: Form::parse(asked.query.as_bytes())
            .get("name")
            .unwrap_or("The file")
            .to_owned(),
        encoding,
        problems: checked
            .problems
            .iter()
            .map(|p| (p.line, p.message.clone()))
            .collect(),
        lines: checked.rows.iter().map(shown).collect(),
        ready: checked.ready(),
        write: session.write,
    };
    let status = if checked.rows.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(status, part.render())
}

/// `import/send`: checked again, the valid rows imported in batches, the lines to follow.
pub(super) async fn send(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
) -> Response {
    let (_, checked) = match read(asked) {
        Ok(read) => read,
        Err(problem) => return fragment_problem(StatusCode::BAD_REQUEST, &problem),
    };
    let params = Form::parse(asked.query.as_bytes());
    let group_tag = params
        .get("groupTag")
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let mut lines: Vec<Shown> = checked.rows.iter().map(shown).collect();
    let ready: Vec<usize> = (0..checked.rows.len())
        .filter(|&i| checked.rows[i].ready())
        .collect();
    let mut sent = 0;
    let mut problem = None;
    for batch in ready.chunks(state.config.max_devices_per_request.max(1)) {
        let body = json!({
            "importedWindowsAutopilotDeviceIdentities": batch
                .iter()
                .map(|&i| autopilot_csv::import_body(&checked.rows[i].row, group_tag))
                .collect::<Vec<Value>>(),
        });
        let (status, answer) = import_batch(state, asked, session, tenant, &body).await;
        if status.is_success() {
            let records = answer["value"].as_array().cloned().unwrap_or_default();
            for (&i, record) in batch.iter().zip(records.iter()) {
                lines[i].id = record["id"].as_str().unwrap_or_default().to_owned();
                lines[i].group_tag = record["groupTag"].as_str().unwrap_or_default().to_owned();
                lines[i].status = record["state"]["deviceImportStatus"]
                    .as_str()
                    .unwrap_or("unknown")
                    .to_owned();
                lines[i].error = error_of(record);
            }
            sent += batch.len();
            continue;
        }
        // Nothing more is sent after a refusal: a 5xx may come after the service wrote the
        // batch, and sending it again would import the devices twice (806 on the copies).
        let words = graph_message(&answer);
        for &i in &ready[sent..] {
            lines[i].status = "not imported".into();
            lines[i].error = if status.is_server_error() {
                format!(
                    "{} {words} Look at the Imports page before importing these again.",
                    status.as_u16()
                )
            } else {
                format!("{} {words}", status.as_u16())
            };
        }
        problem = Some(format!(
            "The service refused the import ({}): {words}",
            status.as_u16()
        ));
        break;
    }
    let part = SentPart {
        tenant: tenant.to_owned(),
        lines,
        sent,
        problem,
    };
    html(StatusCode::OK, part.render())
}

/// One batch through the `import` action; a 429 is waited out as its `Retry-After` asks.
async fn import_batch(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let mut tries = 0;
    loop {
        let (status, headers, answer) = graph_answer(
            state,
            asked,
            session,
            tenant,
            Method::POST,
            IMPORT,
            Some(body),
        )
        .await;
        tries += 1;
        if status != StatusCode::TOO_MANY_REQUESTS || tries > RETRIES {
            return (status, answer);
        }
        let seconds = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1)
            .clamp(1, 30);
        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
    }
}

/// `import/failures?lines=3,9`: those lines of the file, in the documented columns, as a CSV
/// to download (the lines that were not sent or that the service refused, as the page knows).
pub(super) fn failures(asked: &Asked) -> Response {
    let (_, checked) = match read(asked) {
        Ok(read) => read,
        Err(problem) => return fragment_problem(StatusCode::BAD_REQUEST, &problem),
    };
    let params = Form::parse(asked.query.as_bytes());
    let wanted: std::collections::HashSet<u64> = params
        .get("lines")
        .unwrap_or_default()
        .split(',')
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let text = autopilot_csv::failures_csv(
        checked
            .rows
            .iter()
            .filter(|r| wanted.contains(&r.row.line))
            .map(|r| &r.row),
    );
    let mut response = (StatusCode::OK, text).into_response();
    super::secure_headers(&mut response, "text/csv; charset=utf-8");
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"failed.csv\""),
    );
    response
}

#[derive(Template)]
#[template(
    source = "<p class=\"problem\" role=\"alert\">{{ text }}</p>",
    ext = "html"
)]
struct ProblemPart<'a> {
    text: &'a str,
}

fn fragment_problem(status: StatusCode, text: &str) -> Response {
    html(status, ProblemPart { text }.render())
}
