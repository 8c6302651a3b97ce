//! Query options, served by `autopilot-odata`: parsing and checking against the entity, the
//! store's page request, the opaque `$skiptoken` (the next page's cursor, bound to the query
//! that made it), `@odata.nextLink`, and `$select`.

use autopilot_domain::{Cursor, PageRequest, SortValue};
use autopilot_odata::{EntityType, Expr, Query};
use base64::Engine as _;
use serde_json::Value;
use uuid::Uuid;

use crate::error::GraphError;
use crate::route::{Options, Version};

/// The largest page a list returns (Intune's).
pub const MAX_PAGE: u32 = 1000;

fn bad(e: impl ToString) -> GraphError {
    GraphError::bad_request(e.to_string())
}

/// Parses a request's query string.
pub fn parse(raw: Option<&str>) -> Result<Query, GraphError> {
    Query::parse(raw).map_err(bad)
}

/// Checks the options against the entity a route serves.
pub fn check(query: &Query, entity: &EntityType) -> Result<(), GraphError> {
    query.check(entity).map_err(bad)
}

/// Checks the options against what the resource reads ([`Options`]): collections and counts
/// take them all, single entities `$select` and `$expand`, actions none.
pub fn check_options(query: &Query, options: Options, version: Version) -> Result<(), GraphError> {
    let entity = match options {
        Options::Ignored => return Ok(()),
        Options::SelectOnly(message) => {
            if query.filter.is_some() || !query.orderby.is_empty() || !query.expand.is_empty() {
                return Err(GraphError::bad_request(message));
            }
            return Ok(());
        }
        Options::Single(entity) => {
            if query.filter.is_some()
                || !query.orderby.is_empty()
                || query.top.is_some()
                || query.skip.is_some()
                || query.skiptoken.is_some()
            {
                return Err(GraphError::bad_request(
                    "Query options other than $select and $expand are not allowed on a single entity.",
                ));
            }
            entity
        }
        Options::Collection(entity) => entity,
    };
    check(query, entity)?;
    if let Some(first) = query.expand.first() {
        if version == Version::V1 {
            return Err(GraphError::bad_request(format!(
                "Could not find a navigation property named '{first}' on type 'microsoft.graph.{}' in v1.0.",
                entity.name
            )));
        }
        // The upload's deviceIdentities navigation is reached by path, not expanded.
        if entity.expand.is_empty() || entity.name == autopilot_odata::entity::UPLOAD.name {
            return Err(GraphError::bad_request(format!(
                "$expand is not supported on {}.",
                entity.name
            )));
        }
    }
    Ok(())
}

/// The filter a list runs: `$filter`, and a directory `$search` as the filter it stands for.
pub fn effective_filter(query: &Query, entity: &EntityType) -> Result<Option<Expr>, GraphError> {
    let search = match &query.search {
        Some(text) if entity.searchable => Some(
            autopilot_odata::search_filter(text, entity)
                .map_err(|e| GraphError::bad_request(e.message))?,
        ),
        _ => None,
    };
    Ok(match (query.filter.clone(), search) {
        (Some(f), Some(s)) => Some(Expr::And(Box::new(f), Box::new(s))),
        (f, s) => f.or(s),
    })
}

/// The page size a request asks for.
pub fn page_size(query: &Query) -> u32 {
    query.top.unwrap_or(MAX_PAGE).min(MAX_PAGE)
}

/// What binds a token to its query: the filter and order as printed, and the collection.
fn binding(query: &Query, scope: &str) -> u64 {
    let filter = query
        .filter
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut order: Vec<String> = query.orderby.iter().map(ToString::to_string).collect();
    // A directory `$search` narrows the list as a filter does: its token is bound to it too.
    if let Some(search) = &query.search {
        order.push(format!("\u{2}{search}"));
    }
    // FNV-1a: stable across builds and platforms (not a secret; tampering is caught because a
    // changed query no longer matches).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [scope, "\u{1}", &filter, "\u{1}", &order.join(",")]
        .iter()
        .flat_map(|s| s.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The opaque token of the next page.
pub fn encode_token(cursor: &Cursor, query: &Query, scope: &str) -> String {
    let keys: Vec<Value> = cursor
        .keys
        .iter()
        .map(|k| match k {
            SortValue::Text(s) => Value::String(s.clone()),
            SortValue::Int(n) => Value::from(*n),
        })
        .collect();
    let body = serde_json::json!({
        "v": 1,
        "q": format!("{:016x}", binding(query, scope)),
        "k": keys,
        "id": cursor.id.hyphenated().to_string(),
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body.to_string())
}

fn decode_token(token: &str, query: &Query, scope: &str) -> Result<Cursor, GraphError> {
    let invalid = || {
        GraphError::bad_request(
            "The $skiptoken is not valid for this request: use the @odata.nextLink of the previous page as it is.",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if body["v"] != 1 || body["q"] != format!("{:016x}", binding(query, scope)) {
        return Err(invalid());
    }
    let id = body["id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(invalid)?;
    let keys = body["k"]
        .as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|k| match k {
            Value::String(s) => Ok(SortValue::Text(s.clone())),
            Value::Number(n) => n.as_i64().map(SortValue::Int).ok_or_else(invalid),
            _ => Err(invalid()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if keys.len() != query.orderby.len() {
        return Err(invalid());
    }
    Ok(Cursor { keys, id })
}

/// The store request for one page of a list (`scope` names the collection, for the token).
pub fn page_request(query: &Query, scope: &str) -> Result<PageRequest, GraphError> {
    let after = query
        .skiptoken
        .as_deref()
        .map(|t| decode_token(t, query, scope))
        .transpose()?;
    Ok(PageRequest {
        filter: query.filter.clone(),
        orderby: query.orderby.clone(),
        // `$skip` positions the first page; later pages continue from the token.
        skip: if after.is_some() {
            0
        } else {
            query.skip.unwrap_or(0)
        },
        after,
        limit: page_size(query),
    })
}

const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',')
    .remove(b'/')
    .remove(b'(')
    .remove(b')');

fn push_option(link: &mut String, name: &str, value: &str) {
    link.push(if link.contains('?') { '&' } else { '?' });
    link.push('$');
    link.push_str(name);
    link.push('=');
    link.extend(percent_encoding::utf8_percent_encode(value, QUERY_VALUE));
}

/// `@odata.nextLink`: the request's own URL with its options and the next page's token.
pub fn next_link(base: &str, query: &Query, size: u32, token: &str) -> String {
    let mut link = base.to_owned();
    if let Some(filter) = &query.filter {
        push_option(&mut link, "filter", &filter.to_string());
    }
    if !query.orderby.is_empty() {
        let order: Vec<String> = query.orderby.iter().map(ToString::to_string).collect();
        push_option(&mut link, "orderby", &order.join(","));
    }
    if !query.select.is_empty() {
        let select: Vec<String> = query.select.iter().map(ToString::to_string).collect();
        push_option(&mut link, "select", &select.join(","));
    }
    if !query.expand.is_empty() {
        let expand: Vec<String> = query.expand.iter().map(ToString::to_string).collect();
        push_option(&mut link, "expand", &expand.join(","));
    }
    if let Some(search) = &query.search {
        push_option(&mut link, "search", search);
    }
    push_option(&mut link, "top", &size.to_string());
    if query.count {
        push_option(&mut link, "count", "true");
    }
    push_option(&mut link, "skiptoken", token);
    link
}

/// The names `$select` keeps, in the entity's own spelling (`id` always stays).
pub fn selected(query: &Query, entity: &EntityType) -> Option<Vec<&'static str>> {
    if query.select.is_empty() {
        return None;
    }
    let mut names = vec!["id"];
    for p in &query.select {
        if let Some(field) = entity.field(&p.name())
            && !names.contains(&field.name)
        {
            names.push(field.name);
        }
    }
    Some(names)
}

/// `(a,b,...)` for the `@odata.context` of a `$select`ed response.
pub fn context_suffix(query: &Query, entity: &EntityType) -> String {
    match selected(query, entity) {
        None => String::new(),
        Some(_) => {
            let names: Vec<String> = query
                .select
                .iter()
                .filter_map(|p| entity.field(&p.name()).map(|f| f.name.to_owned()))
                .collect();
            format!("({})", names.join(","))
        }
    }
}

/// Trims an entity's JSON to the selected properties.
pub fn trim(value: Value, names: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k.starts_with('@') || names.iter().any(|n| n == k))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_query() {
        let q = parse(Some(
            "$filter=startswith(serialNumber,'A')&$orderby=groupTag desc",
        ))
        .unwrap();
        let cursor = Cursor {
            keys: vec![SortValue::Text("Lab".into())],
            id: Uuid::now_v7(),
        };
        let token = encode_token(&cursor, &q, "imported");
        let mut with_token = q.clone();
        with_token.skiptoken = Some(token.clone());
        assert_eq!(
            page_request(&with_token, "imported").unwrap().after,
            Some(cursor)
        );
        // Another filter, another collection, or a damaged token: 400.
        let mut other = parse(Some(
            "$filter=startswith(serialNumber,'B')&$orderby=groupTag desc",
        ))
        .unwrap();
        other.skiptoken = Some(token.clone());
        assert_eq!(page_request(&other, "imported").unwrap_err().status(), 400);
        assert_eq!(
            page_request(&with_token, "devices").unwrap_err().status(),
            400
        );
        let mut damaged = with_token.clone();
        damaged.skiptoken = Some(format!("{token}x"));
        assert_eq!(
            page_request(&damaged, "imported").unwrap_err().status(),
            400
        );
    }

    #[test]
    fn next_links_carry_the_options() {
        let q = parse(Some(
            "$filter=contains(serialNumber,'a b')&$select=serialNumber&$count=true",
        ))
        .unwrap();
        let link = next_link("http://h/beta/x", &q, 10, "TOKEN");
        assert_eq!(
            link,
            "http://h/beta/x?$filter=contains(serialNumber,%20%27a%20b%27)&$select=serialNumber&$top=10&$count=true&$skiptoken=TOKEN"
        );
        let back = parse(link.split_once('?').map(|(_, q)| q)).unwrap();
        assert_eq!(back.filter, q.filter);
    }
}
