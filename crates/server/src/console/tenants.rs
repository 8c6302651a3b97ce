//! The admin's first page: every tenant, with its registered devices, imports processing and
//! failed, and its last sync.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::session::Session;
use super::{Asked, Chrome, html, message};
use crate::state::AppState;

/// One row.
struct Row {
    id: String,
    name: String,
    devices: u64,
    processing: u64,
    failed: u64,
    last_sync: Option<String>,
}

#[derive(Template)]
#[template(path = "console/tenants.html")]
struct TenantsPage {
    chrome: Chrome,
    tenants: Vec<Row>,
}

/// The most tenants the page lists.
const LIMIT: u32 = 1000;

pub(super) async fn page(state: &AppState, asked: &Asked, session: &Session) -> Response {
    let summaries = match state.store.tenant_summaries(LIMIT).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "console: tenants not read");
            return message(
                asked,
                StatusCode::SERVICE_UNAVAILABLE,
                "The database did not answer",
                "The tenants could not be read just now. Try again in a moment.",
            );
        }
    };
    let now = state.clock.now();
    let tenants = summaries
        .into_iter()
        .map(|t| {
            let view = autopilot_domain::sync::view(t.sync, now, t.previous_sync);
            Row {
                name: t
                    .name
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("Tenant {}", t.tenant)),
                id: t.tenant,
                devices: t.devices,
                processing: t.processing,
                failed: t.failed,
                last_sync: view.last_sync.map(crate::wire::datetime),
            }
        })
        .collect();
    let page = TenantsPage {
        chrome: Chrome {
            title: "Tenants".into(),
            session: Some(session.clone()),
            ..Chrome::default()
        },
        tenants,
    };
    html(StatusCode::OK, page.render())
}
