//! The tenant's organization (`/organization`, `/organization/{id}`): its id, name and verified
//! domains. A tenant nobody set up (`autopilot-graph tenant set`) answers the organization
//! Entra gives a new tenant.

use autopilot_domain::organization::{self, Organization};
use autopilot_odata::entity;
use axum::http::Method;
use axum::response::Response;
use uuid::Uuid;

use crate::error::GraphError;
use crate::route::Organization as Route;
use crate::state::{AppState, Ctx};
use crate::{respond, wire};

const SET: &str = "organization";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Route,
    method: &Method,
) -> Result<Response, GraphError> {
    if method != Method::GET {
        return Err(super::not_allowed(ctx, method));
    }
    let id = Uuid::parse_str(ctx.tenant().as_str()).unwrap_or_default();
    let organization = find(state, ctx, id).await?;
    let shaped = wire::OrganizationWire {
        id,
        organization: &organization,
    };
    let e = &entity::ORGANIZATION;
    match resource {
        Route::List => {
            let page = autopilot_domain::Page {
                items: vec![shaped],
                next: None,
            };
            Ok(respond::list(ctx, e, SET, SET, page, None))
        }
        Route::Item { key } if Uuid::parse_str(key.trim()).ok() == Some(id) => {
            Ok(respond::entity(ctx, e, SET, &shaped))
        }
        Route::Item { key } => Err(GraphError::directory_not_found(key)),
    }
}

/// The stored organization, or a new tenant's, named for the first part of its id.
async fn find(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Organization, GraphError> {
    Ok(match state.store.get_organization(ctx.tenant()).await? {
        Some(found) => found,
        None => {
            let short = id.simple().to_string();
            organization::new_tenant(&format!("tenant{}", &short[..8]), state.clock.now())
        }
    })
}
