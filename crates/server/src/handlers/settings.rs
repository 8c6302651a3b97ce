//! beta `windowsAutopilotSettings`: the tenant's singleton (read; a PATCH is checked and
//! changes nothing, every property being the service's) and its `sync` action, which Intune
//! refuses while a sync runs (409) and within ten minutes of the last (429).

use autopilot_domain::sync::SyncDecision;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;

use crate::error::GraphError;
use crate::route::Settings;
use crate::state::{AppState, Ctx};
use crate::{body, query, respond, wire};

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Settings,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Settings::Singleton, &Method::GET) => get(state, ctx).await,
        (Settings::Singleton, &Method::PATCH) => {
            // Every property is the service's own (ids and sync times): the values are read,
            // to answer malformed bodies with 400, and otherwise ignored.
            body::object(
                body,
                "The request body must be a windowsAutopilotSettings object.",
            )?;
            get(state, ctx).await
        }
        (Settings::Sync, &Method::POST) => sync(state, ctx).await,
        _ => Err(super::not_allowed(ctx, method)),
    }
}

async fn get(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (id, times, previous) = state.store.sync_state(ctx.tenant()).await?;
    let view = autopilot_domain::sync::view(times, state.clock.now(), previous);
    let when =
        |t: Option<time::OffsetDateTime>| t.map_or_else(|| wire::NEVER.to_owned(), wire::datetime);
    let body = serde_json::json!({
        "id": id.hyphenated().to_string(),
        "lastSyncDateTime": when(view.last_sync),
        "lastManualSyncTriggerDateTime": when(view.last_manual_trigger),
        "syncStatus": view.status.as_str(),
    });
    let body = match &ctx.options.select[..] {
        [] => body,
        selected => {
            let names: Vec<String> = selected.iter().map(|p| p.name()).collect();
            let refs: Vec<&str> = std::iter::once("id")
                .chain(names.iter().map(String::as_str))
                .collect();
            query::trim(body, &refs)
        }
    };
    Ok(respond::single(
        ctx,
        "deviceManagement/windowsAutopilotSettings",
        body,
    ))
}

async fn sync(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (interval, duration) = state.sync_timing(ctx.tenant());
    let decision = state
        .store
        .trigger_sync(ctx.tenant(), state.clock.now(), interval, duration)
        .await?;
    match decision {
        SyncDecision::Start { .. } => Ok(respond::no_content()),
        SyncDecision::InProgress => Err(GraphError::Conflict(
            "A sync with the Windows Autopilot deployment service is already in progress.".into(),
        )),
        SyncDecision::TooSoon { retry_after_secs } => Err(GraphError::too_many_requests(
            format!(
                "A sync was triggered less than {} minutes ago. Please retry after {retry_after_secs} seconds.",
                interval.whole_minutes()
            ),
            retry_after_secs,
        )),
    }
}
