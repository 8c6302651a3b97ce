//! The hash inspector: hardware hashes pasted, or an Autopilot CSV dropped (sent as it is by the
//! page's script and read by `autopilot_csv`), each hash decoded and shown as `hash inspect`
//! shows it (the same summary, `autopilot_hwhash::summary`), or the reason it is not valid.

use askama::Template;
use autopilot_hwhash::DecodeOptions;
use axum::http::StatusCode;
use axum::response::Response;

use super::session::Session;
use super::{Chrome, html};
use crate::body::Form;

/// The most hashes one request inspects.
const MOST: usize = 50;
/// The most rows of a CSV inspected (the portal's file limit).
const MOST_ROWS: usize = autopilot_csv::PORTAL_MAX_ROWS;

pub(crate) struct Inspected {
    pub title: String,
    pub rows: Vec<(String, String)>,
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "console/hash.html")]
struct HashPage {
    chrome: Chrome,
    csrf: String,
    given: String,
    lenient: bool,
    results: Vec<Inspected>,
}

/// One hash, decoded.
pub(crate) fn inspect(text: &str, lenient: bool) -> Inspected {
    match autopilot_hwhash::decode_with(text, DecodeOptions { lenient }) {
        Ok(decoded) => {
            let summary = autopilot_hwhash::summary(&decoded);
            Inspected {
                title: summary.title,
                rows: summary.rows,
                problem: None,
            }
        }
        Err(e) => Inspected {
            title: "not a valid hardware hash".into(),
            rows: Vec::new(),
            problem: Some(e.to_string()),
        },
    }
}

/// `hash/csv?name=&lenient=1`: every row of the CSV sent, as `hash inspect FILE.csv` shows it.
pub(super) fn csv(asked: &super::Asked, session: &Session) -> Response {
    let params = Form::parse(asked.query.as_bytes());
    let name = params.get("name").unwrap_or("The file").to_owned();
    let lenient = params.get("lenient") == Some("1");
    let file = match autopilot_csv::parse(asked.upload.as_deref().unwrap_or_default()) {
        Ok(file) => file,
        Err(e) => {
            return render(
                session,
                String::new(),
                lenient,
                Vec::new(),
                (
                    None,
                    Some(format!("{name} cannot be read as an Autopilot CSV: {e}.")),
                ),
            );
        }
    };
    let results: Vec<Inspected> = file
        .rows
        .iter()
        .take(MOST_ROWS)
        .map(|row| {
            let mut inspected = inspect(
                &autopilot_csv::check::hash_text(&row.hardware_hash),
                lenient,
            );
            inspected.title = format!(
                "line {}, serial {}: {}",
                row.line, row.serial_number, inspected.title
            );
            let hash_serial = inspected
                .rows
                .iter()
                .find(|(label, _)| label == "Serial number")
                .map(|(_, v)| v.clone());
            if let Some(hash_serial) = hash_serial
                && !hash_serial.starts_with('(')
                && !row.serial_number.is_empty()
                && !row.serial_number.eq_ignore_ascii_case(&hash_serial)
            {
                inspected.rows.insert(
                    0,
                    (
                        "Serial number in the CSV".into(),
                        format!("{} (differs from the hash's)", row.serial_number),
                    ),
                );
            }
            inspected
        })
        .collect();
    let invalid = results.iter().filter(|r| r.problem.is_some()).count();
    let mut note = format!(
        "{name}: {} rows, {}{}; {} valid, {invalid} invalid.",
        file.rows.len(),
        file.encoding.name(),
        if file.bom {
            " with a byte order mark"
        } else {
            ""
        },
        results.len() - invalid,
    );
    if file.rows.len() > MOST_ROWS {
        note.push_str(&format!(" Only the first {MOST_ROWS} rows are shown."));
    }
    let problem = (file.rows.is_empty()).then(|| format!("{name} holds no devices."));
    render(
        session,
        String::new(),
        lenient,
        results,
        (Some(note), problem),
    )
}

pub(super) fn page(session: &Session, form: Option<&Form>) -> Response {
    let given = form
        .and_then(|f| f.get("hashes"))
        .unwrap_or_default()
        .to_owned();
    let lenient = form.and_then(|f| f.get("lenient")) == Some("1");
    let results: Vec<Inspected> = given
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(MOST)
        .map(|l| inspect(l, lenient))
        .collect();
    let mut problem = None;
    if form.is_some() && results.is_empty() {
        problem = Some("Paste at least one hash.".to_owned());
    }
    if given.lines().filter(|l| !l.trim().is_empty()).count() > MOST {
        problem = Some(format!("Only the first {MOST} hashes were inspected."));
    }
    render(session, given, lenient, results, (None, problem))
}

/// The page, with the results and (a notice, a problem); 400 when any hash is not valid.
fn render(
    session: &Session,
    given: String,
    lenient: bool,
    results: Vec<Inspected>,
    (notice, problem): (Option<String>, Option<String>),
) -> Response {
    let status = if results.iter().any(|r| r.problem.is_some()) || problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = HashPage {
        chrome: Chrome {
            title: "Hash inspector".into(),
            session: Some(session.clone()),
            tenant: session.tenant.clone(),
            notice,
            problem,
        },
        csrf: session.csrf.clone(),
        given,
        lenient,
        results,
    };
    html(status, page.render())
}
