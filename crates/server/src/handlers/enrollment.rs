//! beta Enrollment Status Page configurations (`deviceManagement/deviceEnrollmentConfigurations`):
//! list, `$count`, get (with `$expand=assignments`), create, update, delete, `assign`,
//! `setPriority`, and the assignments read by path. The tenant's default is written the first
//! time the collection is looked at. Changes go through the domain's rules
//! ([`autopilot_domain::enrollment::apply`]) in one store transaction.

use autopilot_domain::enrollment::{EnrollmentChange, EnrollmentConfiguration, EnrollmentRefusal};
use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::Value;
use uuid::Uuid;

use crate::error::GraphError;
use crate::route::Enrollment;
use crate::state::{AppState, Ctx};
use crate::{body, respond, wire};

const ENTITY: &str = "deviceEnrollmentConfiguration";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Enrollment,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Enrollment::List, &Method::GET) => list(state, ctx).await,
        (Enrollment::List, &Method::POST) => create(state, ctx, body).await,
        (Enrollment::Count, &Method::GET) => count(state, ctx).await,
        (Enrollment::Item { key }, &Method::GET) => get(state, ctx, key).await,
        (Enrollment::Item { key }, &Method::PATCH) => update(state, ctx, key, body).await,
        (Enrollment::Item { key }, &Method::DELETE) => {
            let guid = find(state, ctx, key).await?.guid;
            change(state, ctx, key, EnrollmentChange::Delete(guid)).await?;
            Ok(respond::no_content())
        }
        (Enrollment::Assign { key }, &Method::POST) => {
            let targets = wire::parse_assign(&body::object(
                body,
                "The body of 'assign' must be a JSON object.",
            )?)?;
            let guid = find(state, ctx, key).await?.guid;
            change(state, ctx, key, EnrollmentChange::Assign(guid, targets)).await?;
            Ok(respond::no_content())
        }
        (Enrollment::SetPriority { key }, &Method::POST) => {
            let priority = wire::parse_priority(&body::object(
                body,
                "The body of 'setPriority' must be a JSON object.",
            )?)?;
            let guid = find(state, ctx, key).await?.guid;
            change(
                state,
                ctx,
                key,
                EnrollmentChange::SetPriority(guid, priority),
            )
            .await?;
            Ok(respond::no_content())
        }
        (Enrollment::Assignments { key }, &Method::GET) => assignments(state, ctx, key).await,
        (Enrollment::AssignmentItem { key, assignment }, &Method::GET) => {
            assignment_item(state, ctx, key, assignment).await
        }
        _ => Err(super::not_allowed(ctx, method)),
    }
}

/// The tenant's default, as it is before anyone changes it.
fn default_of(state: &AppState, ctx: &Ctx) -> EnrollmentConfiguration {
    EnrollmentConfiguration::default_for(ctx.tenant(), state.clock.now())
}

async fn ensure_default(state: &AppState, ctx: &Ctx) -> Result<(), GraphError> {
    let default = default_of(state, ctx);
    Ok(state
        .store
        .ensure_default_enrollment(ctx.tenant(), &default)
        .await?)
}

/// The configuration `key` names, its suffix included (a default's GUID with another kind's
/// suffix names nothing), else 404.
async fn find(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
) -> Result<EnrollmentConfiguration, GraphError> {
    let (guid, is_default) = EnrollmentConfiguration::parse_id(key.trim())
        .ok_or_else(|| GraphError::not_found(ENTITY, key))?;
    ensure_default(state, ctx).await?;
    state
        .store
        .get_enrollment_configuration(ctx.tenant(), guid)
        .await?
        .filter(|c| c.is_default == is_default)
        .ok_or_else(|| GraphError::not_found(ENTITY, key))
}

/// Runs a change; a refusal becomes Graph's error.
async fn change(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    change: EnrollmentChange,
) -> Result<Option<EnrollmentConfiguration>, GraphError> {
    let default = default_of(state, ctx);
    let done = state
        .store
        .change_enrollment_configurations(ctx.tenant(), &default, change, state.clock.now())
        .await?;
    done.map_err(|refusal| match refusal {
        EnrollmentRefusal::NotFound => GraphError::not_found(ENTITY, key),
        EnrollmentRefusal::Default(message) => GraphError::bad_request(message),
        EnrollmentRefusal::Changed => GraphError::Conflict(
            "The configuration changed meanwhile; read it again.".into(),
        ),
        EnrollmentRefusal::Priority(p) => GraphError::bad_request(format!(
            "The priority {p} cannot be given: priorities of Enrollment Status Page configurations start at 1 (0 is the default's)."
        )),
    })
}

fn expands_assignments(ctx: &Ctx) -> bool {
    ctx.options
        .expand
        .iter()
        .any(|p| p.name().eq_ignore_ascii_case("assignments"))
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    ensure_default(state, ctx).await?;
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = respond::page_and_count(
        ctx,
        "enrollmentConfigurations",
        |request| store.list_enrollment_configurations(tenant, request),
        store.count_enrollment_configurations(tenant, ctx.options.filter.as_ref()),
    )
    .await?;
    let expanded = expands_assignments(ctx);
    let page = respond::map_page(&page, |c| wire::enrollment_json(c, expanded));
    Ok(respond::list(
        ctx,
        &entity::ENROLLMENT_CONFIGURATION,
        super::ENROLLMENT,
        "enrollmentConfigurations",
        page,
        count,
    ))
}

async fn count(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    ensure_default(state, ctx).await?;
    let n = state
        .store
        .count_enrollment_configurations(ctx.tenant(), ctx.options.filter.as_ref())
        .await?;
    Ok(respond::text(n.to_string()))
}

async fn get(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let c = find(state, ctx, key).await?;
    Ok(respond::entity(
        ctx,
        &entity::ENROLLMENT_CONFIGURATION,
        super::ENROLLMENT,
        &wire::enrollment_json(&c, expands_assignments(ctx)),
    ))
}

async fn create(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let value = body::object(
        body,
        "The body must be a deviceEnrollmentConfiguration object.",
    )?;
    let mut fresh = default_of(state, ctx);
    fresh.guid = Uuid::new_v4();
    fresh.is_default = false;
    fresh.display_name.clear();
    fresh.description.clear();
    fresh.role_scope_tag_ids = vec!["0".into()];
    fresh.page = Default::default();
    let new = wire::parse_enrollment(&value, None, fresh)?;
    let made = change(state, ctx, "", EnrollmentChange::Create(new))
        .await?
        .ok_or(GraphError::Internal)?;
    Ok(respond::created(
        ctx,
        super::ENROLLMENT,
        made.id(),
        wire::enrollment_json(&made, false),
    ))
}

async fn update(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let value = body::object(
        body,
        "The body must be a deviceEnrollmentConfiguration object.",
    )?;
    // The body goes over the configuration as read; if another change came in between (its
    // version moved on), it is read again, so that no change is lost.
    let mut attempts = 0;
    let made = loop {
        let existing = find(state, ctx, key).await?;
        let new = wire::parse_enrollment(&value, Some(&existing), existing.clone())?;
        match change(state, ctx, key, EnrollmentChange::Update(new)).await {
            Err(e) if e.status() == StatusCode::CONFLICT && attempts < 5 => attempts += 1,
            done => break done?.ok_or_else(|| GraphError::not_found(ENTITY, key))?,
        }
    };
    Ok(respond::single_with(
        ctx,
        StatusCode::OK,
        super::ENROLLMENT,
        wire::enrollment_json(&made, false),
    ))
}

fn assignments_context(c: &EnrollmentConfiguration) -> String {
    format!("{}('{}')/assignments", super::ENROLLMENT, c.id())
}

async fn assignments(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let c = find(state, ctx, key).await?;
    let value: Vec<Value> = c
        .assignments
        .iter()
        .map(|t| wire::enrollment_assignment_json(&c, t))
        .collect();
    Ok(respond::collection(ctx, &assignments_context(&c), value))
}

async fn assignment_item(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    assignment: &str,
) -> Result<Response, GraphError> {
    let c = find(state, ctx, key).await?;
    let target = c
        .assignments
        .iter()
        .find(|t| {
            t.assignment_id(c.guid)
                .eq_ignore_ascii_case(assignment.trim())
        })
        .ok_or_else(|| GraphError::not_found("enrollmentConfigurationAssignment", assignment))?;
    Ok(respond::single(
        ctx,
        &assignments_context(&c),
        wire::enrollment_assignment_json(&c, target),
    ))
}
