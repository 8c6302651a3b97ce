//! Entra ID groups (`/groups`): create, list, get, update, delete; members by `members/$ref`
//! and `members@odata.bind`, listed by `members` and `transitiveMembers`. A dynamic group's
//! members are its rule's, decided by the worker (`--membership-delay` after a change).

use autopilot_domain::groups::{self, DYNAMIC};
use autopilot_domain::{AddMember, Group, GroupPatch, GroupWrite, MemberKind};
use autopilot_odata::entity;
use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::GraphError;
use crate::respond;
use crate::route::Groups;
use crate::state::{AppState, Ctx};
use crate::wire::object::member;
use crate::{body, wire};

const SET: &str = "groups";
/// A list of directory objects of several kinds.
const OBJECTS: &str = "directoryObjects";

pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    resource: &Groups,
    method: &Method,
    body: &Bytes,
) -> Result<Response, GraphError> {
    match (resource, method) {
        (Groups::List, &Method::GET) => list(state, ctx).await,
        (Groups::List, &Method::POST) => create(state, ctx, body).await,
        (Groups::Count, &Method::GET) => count(state, ctx).await,
        (Groups::Item { key }, &Method::GET) => get(state, ctx, key).await,
        (Groups::Item { key }, &Method::PATCH) => update(state, ctx, key, body).await,
        (Groups::Item { key }, &Method::DELETE) => delete(state, ctx, key).await,
        (Groups::Members { key, .. }, &Method::GET) => members(state, ctx, key).await,
        (Groups::MembersCount { key }, &Method::GET) => members_count(state, ctx, key).await,
        (Groups::MembersRef { key }, &Method::POST) => add_ref(state, ctx, key, body).await,
        (Groups::MemberRef { key, member }, &Method::DELETE) => {
            remove_ref(state, ctx, key, member).await
        }
        _ => Err(super::not_allowed(ctx, method)),
    }
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::DirectoryBadRequest(message.into())
}

/// A group id from the path: a GUID, as Entra checks it.
fn group_id(key: &str) -> Result<Uuid, GraphError> {
    Uuid::parse_str(key.trim()).map_err(|_| bad(format!("Invalid object identifier '{key}'.")))
}

async fn find(state: &AppState, ctx: &Ctx, key: &str) -> Result<Group, GraphError> {
    state
        .store
        .get_group(ctx.tenant(), group_id(key)?)
        .await?
        .ok_or_else(|| GraphError::directory_not_found(key))
}

const GROUP: &str = "Group";

fn required(property: &str) -> GraphError {
    wire::object::required(property, GROUP)
}

fn invalid(property: &str) -> GraphError {
    wire::object::invalid(property, GROUP)
}

fn text(object: &Map<String, Value>, name: &str) -> Result<Option<Option<String>>, GraphError> {
    wire::object::text(object, name, GROUP)
}

fn flag(object: &Map<String, Value>, name: &str) -> Result<bool, GraphError> {
    wire::object::flag(object, name, GROUP)?.ok_or_else(|| required(name))
}

/// The member ids of `members@odata.bind`: each URL's last segment.
fn binds(object: &Map<String, Value>) -> Result<Vec<Uuid>, GraphError> {
    match member(object, "members@odata.bind") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(urls)) if urls.len() <= 20 => urls
            .iter()
            .map(|u| {
                u.as_str()
                    .ok_or_else(|| invalid("members@odata.bind"))
                    .and_then(object_id)
            })
            .collect(),
        Some(_) => Err(bad(
            "members@odata.bind takes up to 20 directory object URLs.",
        )),
    }
}

/// The object id an `@odata.id` URL names: `.../directoryObjects/{id}`, `.../devices/{id}` or
/// `...('{id}')`.
fn object_id(url: &str) -> Result<Uuid, GraphError> {
    let last = url
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let key = match last.find('(') {
        Some(open) => last[open + 1..].trim_end_matches(')').trim_matches('\''),
        None => last,
    };
    Uuid::parse_str(key).map_err(|_| {
        GraphError::UnsupportedQuery(
            "Unsupported referenced-object resource identifier for link property 'members'.".into(),
        )
    })
}

fn object(body: &[u8]) -> Result<Map<String, Value>, GraphError> {
    wire::object::object(&body::json(body)?).cloned()
}

/// What the store answered for a group written with its bound members.
fn written(result: GroupWrite, key: &str) -> Result<(), GraphError> {
    match result {
        GroupWrite::Done => Ok(()),
        GroupWrite::NoGroup => Err(GraphError::directory_not_found(key)),
        GroupWrite::NoMember(id) => Err(GraphError::directory_not_found(&id.to_string())),
    }
}

fn dynamic_members() -> GraphError {
    bad("You can't manually add or remove a member of a dynamic membership group.")
}

async fn create(state: &AppState, ctx: &Ctx, body: &[u8]) -> Result<Response, GraphError> {
    let o = object(body)?;
    let name = |p: &str| text(&o, p)?.flatten().ok_or_else(|| required(p));
    let group_types = match member(&o, "groupTypes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid("groupTypes"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("groupTypes")),
    };
    let rule = text(&o, "membershipRule")?;
    let dynamic = group_types.iter().any(|t| t == DYNAMIC);
    let processing_state = match text(&o, "membershipRuleProcessingState")?.flatten() {
        Some(s) if dynamic => Some(groups::check_processing_state(&s).map_err(|e| bad(e.0))?),
        Some(_) => return Err(invalid("membershipRuleProcessingState")),
        None => dynamic.then(|| "On".to_owned()),
    };
    let group = Group {
        id: Uuid::new_v4(),
        display_name: name("displayName")?,
        description: text(&o, "description")?.flatten(),
        mail_nickname: name("mailNickname")?,
        mail_enabled: flag(&o, "mailEnabled")?,
        security_enabled: flag(&o, "securityEnabled")?,
        group_types,
        membership_rule: rule.clone().flatten(),
        processing_state,
        created_at: state.clock.now(),
        rule_processed_at: None,
    };
    groups::check_new(&group, rule.is_some()).map_err(|e| bad(e.0))?;
    let members = binds(&o)?;
    if dynamic && !members.is_empty() {
        return Err(dynamic_members());
    }
    let result = state
        .store
        .create_group(ctx.tenant(), &group, &members)
        .await?;
    written(result, &group.id.to_string())?;
    if dynamic {
        state.wake.wake();
    }
    let version = ctx.target.version;
    Ok(respond::created(
        ctx,
        SET,
        group.id,
        wire::GroupWire {
            group: &group,
            version,
        },
    ))
}

async fn list(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let e = &entity::GROUP;
    let (store, tenant) = (&state.store, ctx.tenant());
    let (page, count) = super::entra::page(
        ctx,
        e,
        SET,
        |request| store.list_groups(tenant, request),
        |filter| async move { store.count_groups(tenant, filter.as_ref()).await },
    )
    .await?;
    let version = ctx.target.version;
    let page = respond::map_page(&page, |group| wire::GroupWire { group, version });
    Ok(respond::list(ctx, e, SET, SET, page, count))
}

async fn count(state: &AppState, ctx: &Ctx) -> Result<Response, GraphError> {
    let (store, tenant) = (&state.store, ctx.tenant());
    super::entra::count(ctx, &entity::GROUP, |filter| async move {
        store.count_groups(tenant, filter.as_ref()).await
    })
    .await
}

async fn get(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let group = find(state, ctx, key).await?;
    let version = ctx.target.version;
    let wire = wire::GroupWire {
        group: &group,
        version,
    };
    Ok(respond::entity(ctx, &entity::GROUP, SET, &wire))
}

async fn update(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let group = find(state, ctx, key).await?;
    let o = object(body)?;
    let mut patch = GroupPatch {
        description: text(&o, "description")?,
        ..GroupPatch::default()
    };
    if let Some(name) = text(&o, "displayName")? {
        let name = name.ok_or_else(|| required("displayName"))?;
        groups::check_display_name(&name).map_err(|e| bad(e.0))?;
        patch.display_name = Some(name);
    }
    if let Some(nickname) = text(&o, "mailNickname")? {
        let nickname = nickname.ok_or_else(|| required("mailNickname"))?;
        groups::check_mail_nickname(&nickname).map_err(|e| bad(e.0))?;
        patch.mail_nickname = Some(nickname);
    }
    if let Some(rule) = text(&o, "membershipRule")? {
        let rule = rule.ok_or_else(|| required("membershipRule"))?;
        if !group.is_dynamic() {
            return Err(invalid("membershipRule"));
        }
        groups::check_rule(&rule).map_err(|e| bad(e.0))?;
        patch.membership_rule = Some(rule);
    }
    if let Some(state_text) = text(&o, "membershipRuleProcessingState")?.flatten() {
        if !group.is_dynamic() {
            return Err(invalid("membershipRuleProcessingState"));
        }
        let checked = groups::check_processing_state(&state_text).map_err(|e| bad(e.0))?;
        patch.processing_state = Some(checked);
    }
    if member(&o, "groupTypes").is_some() {
        return Err(bad(
            "This server does not change groupTypes after creation; create a new group.",
        ));
    }
    let members = binds(&o)?;
    if group.is_dynamic() && !members.is_empty() {
        return Err(dynamic_members());
    }
    let now = state.clock.now();
    let result = state
        .store
        .update_group(ctx.tenant(), group.id, &patch, now, &members)
        .await?;
    written(result, key)?;
    if patch.membership_rule.is_some() || patch.processing_state.is_some() {
        state.wake.wake();
    }
    Ok(respond::no_content())
}

async fn delete(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    if state
        .store
        .delete_group(ctx.tenant(), group_id(key)?)
        .await?
    {
        Ok(respond::no_content())
    } else {
        Err(GraphError::directory_not_found(key))
    }
}

async fn members(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let group = find(state, ctx, key).await?;
    let (store, tenant) = (&state.store, ctx.tenant());
    let e = &entity::DIRECTORY_DEVICE;
    let scope = format!("members:{}", group.id);
    let (page, count) = super::entra::page(
        ctx,
        e,
        &scope,
        |request| store.list_member_devices(tenant, group.id, request),
        |filter| async move {
            let filter = filter.as_ref();
            store.count_member_devices(tenant, group.id, filter).await
        },
    )
    .await?;
    let page = respond::map_page(&page, |d| wire::Typed {
        odata_type: "#microsoft.graph.device",
        object: wire::DirectoryDeviceWire(d, ctx.target.version),
    });
    Ok(respond::list(ctx, e, OBJECTS, &scope, page, count))
}

async fn members_count(state: &AppState, ctx: &Ctx, key: &str) -> Result<Response, GraphError> {
    let group = find(state, ctx, key).await?;
    let (store, tenant) = (&state.store, ctx.tenant());
    super::entra::count(ctx, &entity::DIRECTORY_DEVICE, |filter| async move {
        let filter = filter.as_ref();
        store.count_member_devices(tenant, group.id, filter).await
    })
    .await
}

async fn add_ref(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    body: &[u8],
) -> Result<Response, GraphError> {
    let group = find(state, ctx, key).await?;
    let o = object(body)?;
    let url = member(&o, "@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("The request body must name the member in '@odata.id'."))?;
    let id = object_id(url)?;
    if group.is_dynamic() {
        return Err(dynamic_members());
    }
    let now = state.clock.now();
    let tenant = ctx.tenant();
    let kind = if state.store.get_group(tenant, id).await?.is_some() {
        return Err(bad(
            "This server holds devices as group members; groups as members are not served yet.",
        ));
    } else {
        MemberKind::Device
    };
    match state
        .store
        .add_member(tenant, group.id, id, kind, now)
        .await?
    {
        AddMember::Added => Ok(respond::no_content()),
        AddMember::AlreadyMember => Err(bad(
            "One or more added object references already exist for the following modified properties: 'members'.",
        )),
        AddMember::NoGroup => Err(GraphError::directory_not_found(key)),
        AddMember::NoMember => Err(GraphError::directory_not_found(&id.to_string())),
    }
}

async fn remove_ref(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    member_key: &str,
) -> Result<Response, GraphError> {
    let group = find(state, ctx, key).await?;
    let member = Uuid::parse_str(member_key.trim()).map_err(|_| {
        GraphError::UnsupportedQuery(
            "Unsupported referenced-object resource identifier for link property 'members'.".into(),
        )
    })?;
    if group.is_dynamic() {
        return Err(dynamic_members());
    }
    if state
        .store
        .remove_member(ctx.tenant(), group.id, member)
        .await?
    {
        Ok(respond::no_content())
    } else {
        Err(GraphError::directory_not_found(member_key))
    }
}
