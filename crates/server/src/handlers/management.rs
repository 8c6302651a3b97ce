//! The management API, outside the Graph namespace and reserved to an admin token (a token
//! carrying `AutopilotGraph.Admin` as a scope or role): scenarios per tenant at run time.
//!
//! - `GET /_autopilot-graph/tenants/{tenant}/scenarios`: the tenant's scenarios.
//! - `PUT /_autopilot-graph/tenants/{tenant}/scenarios/{name}`: puts a TOML document (its
//!   `[scenario] name` must be `{name}`); 201 when new, 200 when replaced; a document with a
//!   mistake is 400 naming the line and the rule, and what ran before keeps running.
//! - `DELETE .../scenarios/{name}`: removes one; `DELETE .../scenarios`: removes them all.
//!
//! `{tenant}` is a name or a GUID, as tokens are minted for. Every instance reads the store
//! again within a few seconds; the one that answered, at once.

use autopilot_domain::{Principal, StoredScenario};
use autopilot_scenario::Scenario;
use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::error::GraphError;
use crate::respond;
use crate::scenarios::Scenarios;
use crate::state::AppState;

/// The permission the management API needs.
pub const ADMIN: &str = "AutopilotGraph.Admin";

/// The path prefix of the management API.
pub const PREFIX: &str = "/_autopilot-graph/";

pub(crate) fn is_admin(p: &Principal) -> bool {
    p.scopes
        .iter()
        .chain(&p.roles)
        .any(|s| s.eq_ignore_ascii_case(ADMIN))
}

/// What the path names.
enum Target {
    All { tenant: String },
    One { tenant: String, name: String },
}

fn target(path: &str) -> Result<Target, GraphError> {
    let rest = path.get(PREFIX.len()..).unwrap_or_default();
    let parts: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let tenant = |t: &str| crate::auth::tenant_guid(t).hyphenated().to_string();
    match parts.as_slice() {
        [t, s] if t.eq_ignore_ascii_case("tenants") => Err(GraphError::bad_request(format!(
            "Resource not found for the segment '{s}'."
        ))),
        [tn, t, s] if tn.eq_ignore_ascii_case("tenants") && s.eq_ignore_ascii_case("scenarios") => {
            Ok(Target::All { tenant: tenant(t) })
        }
        [tn, t, s, name]
            if tn.eq_ignore_ascii_case("tenants") && s.eq_ignore_ascii_case("scenarios") =>
        {
            Ok(Target::One {
                tenant: tenant(t),
                name: name.clone(),
            })
        }
        _ => Err(GraphError::NotFound(format!(
            "No management resource at '{path}': the management API serves /_autopilot-graph/tenants/{{tenant}}/scenarios[/{{name}}]."
        ))),
    }
}

fn summary(s: &StoredScenario, parsed: Option<&Scenario>) -> Value {
    json!({
        "name": s.name,
        "version": parsed.map(|p| p.version),
        "description": parsed.map(|p| p.description.clone()),
        "rules": parsed.map(|p| p.rules.len()),
        "updatedDateTime": crate::wire::datetime(s.updated_at),
        "document": s.document,
    })
}

/// Answers a management request by an authenticated caller.
pub async fn call(
    state: &AppState,
    principal: &Principal,
    method: &Method,
    path: &str,
    body: &Bytes,
) -> Result<Response, GraphError> {
    let target = target(path)?;
    if !is_admin(principal) {
        return Err(GraphError::forbidden(&[ADMIN]));
    }
    match (target, method) {
        (Target::All { tenant }, &Method::GET) => {
            let all = state.store.all_scenarios().await?;
            let value: Vec<Value> = all
                .iter()
                .filter(|s| s.tenant == tenant)
                .map(|s| summary(s, Scenario::parse(&s.document).ok().as_ref()))
                .collect();
            Ok(respond::json(StatusCode::OK, &json!({ "value": value })))
        }
        (Target::All { tenant }, &Method::DELETE) => {
            state.store.reset_scenarios(&tenant).await?;
            reload(state, &tenant).await?;
            Ok(respond::no_content())
        }
        (Target::One { tenant, name }, &Method::PUT) => {
            let text = std::str::from_utf8(body).map_err(|_| {
                GraphError::bad_request("A scenario document is TOML text in UTF-8.")
            })?;
            let parsed =
                Scenario::parse(text).map_err(|e| GraphError::bad_request(e.to_string()))?;
            if parsed.name != name {
                return Err(GraphError::bad_request(format!(
                    "The document's scenario is named '{}', but it is put as '{name}'.",
                    parsed.name
                )));
            }
            let checked =
                Scenarios::for_tenant(&tenant, parsed).map_err(GraphError::bad_request)?;
            let stored = StoredScenario {
                tenant: tenant.clone(),
                name,
                document: text.to_owned(),
                updated_at: state.clock.now(),
            };
            let new = state.store.put_scenario(&stored).await?;
            reload(state, &tenant).await?;
            tracing::info!(target: "audit", tenant = %tenant, scenario = %stored.name, version = checked.version, rules = checked.rules.len(), "scenario put");
            let status = if new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(respond::json(status, &summary(&stored, Some(&checked))))
        }
        (Target::One { tenant, name }, &Method::DELETE) => {
            if !state.store.delete_scenario(&tenant, &name).await? {
                return Err(GraphError::NotFound(format!(
                    "Tenant {tenant} has no scenario '{name}'."
                )));
            }
            reload(state, &tenant).await?;
            tracing::info!(target: "audit", tenant = %tenant, scenario = %name, "scenario deleted");
            Ok(respond::no_content())
        }
        (Target::All { .. }, _) => Err(GraphError::method_not_allowed(
            method.as_str(),
            "/_autopilot-graph/tenants/{tenant}/scenarios",
            "GET, DELETE",
        )),
        (Target::One { .. }, _) => Err(GraphError::method_not_allowed(
            method.as_str(),
            "/_autopilot-graph/tenants/{tenant}/scenarios/{name}",
            "PUT, DELETE",
        )),
    }
}

/// This instance runs the store's scenarios at once; the tenant's counted rules start over.
async fn reload(state: &AppState, tenant: &str) -> Result<(), GraphError> {
    state.scenarios.reload(state.store.as_ref()).await?;
    state.scenarios.recount(tenant);
    Ok(())
}
