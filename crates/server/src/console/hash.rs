//! The hash inspector: hardware hashes pasted, each decoded and shown as `hash inspect` shows
//! it (the same summary, `autopilot_hwhash::summary`), or the reason it is not valid.

use askama::Template;
use autopilot_hwhash::DecodeOptions;
use axum::http::StatusCode;
use axum::response::Response;

use super::session::Session;
use super::{Chrome, html};
use crate::body::Form;

/// The most hashes one request inspects.
const MOST: usize = 50;

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

pub(super) fn page(session: &Session, form: Option<&Form>) -> Response {
    let given = form
        .and_then(|f| f.get("hashes"))
        .unwrap_or_default()
        .to_owned();
    let lenient = form.and_then(|f| f.get("lenient")) == Some("1");
    let mut results: Vec<Inspected> = given
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
    let status =
        if results.iter().any(|r| r.problem.is_some()) || (form.is_some() && results.is_empty()) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    results.shrink_to_fit();
    let page = HashPage {
        chrome: Chrome {
            title: "Hash inspector".into(),
            session: Some(session.clone()),
            tenant: session.tenant.clone(),
            problem,
            ..Chrome::default()
        },
        csrf: session.csrf.clone(),
        given,
        lenient,
        results,
    };
    html(status, page.render())
}
