//! The OpenAPI 3.0 document of everything this server answers, generated from the code: every
//! Graph route of the route catalog on each version that serves it, with the query options its
//! row of the table reads, its request and response bodies from the entity descriptions and the
//! action table ([`crate::describe`]); the token endpoints, the management API and the
//! operators' paths. Served at `GET /openapi.json` without a token; `autopilot-graph openapi`
//! prints it, and `docs/openapi.json` is the committed copy a test keeps current.
//!
//! Graph's JSON carries OData annotations (`@odata.context`, `@odata.type`, ...) beside the
//! declared properties, so object schemas stay open, and every property may be `null` as Graph
//! writes unset values.

use autopilot_odata::entity::{self, ComplexType, EntityType, EnumType, FieldType};
use serde_json::{Map, Value, json};

mod beside;

use crate::describe::{ACTIONS, Model, wanted};
use crate::route::catalog::{self, Route};
use crate::route::{Devices, Directory, Enrollment, Groups, Options, Profiles, Resource, Version};

/// The document.
pub fn document() -> Value {
    let mut schemas = Map::new();
    for version in [Version::V1, Version::Beta] {
        components(version, &mut schemas);
    }
    schemas.insert("ODataError".into(), odata_error());
    let mut paths = Map::new();
    for route in catalog::every_route() {
        let item = paths
            .entry(route.template.clone())
            .or_insert_with(|| json!({}));
        for method in route.resource.spec().allow.split(", ") {
            item[method.to_lowercase()] = operation(&route, method);
        }
    }
    beside::paths(&mut paths);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "autopilot-graph",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Windows Autopilot's Microsoft Graph surface as autopilot-graph serves it \
                (v1.0 and beta), its token endpoints, its management API and its operators' paths. \
                Generated from the server's route table and entity descriptions.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
            },
        },
    })
}

/// A component's name: the version, then Graph's type name.
fn name(version: Version, ty: &str) -> String {
    format!("{}.{ty}", version.as_str())
}

fn reference(version: Version, ty: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", name(version, ty)) })
}

/// The schema of a value of `ty`; `null` allowed, as Graph writes unset values.
fn value_schema(version: Version, ty: &FieldType) -> Value {
    let mut schema = match ty {
        FieldType::String => json!({ "type": "string" }),
        FieldType::Enum(e) => return nullable_ref(version, e.name),
        FieldType::Int32 => json!({ "type": "integer", "format": "int32" }),
        FieldType::Int64 => json!({ "type": "integer", "format": "int64" }),
        FieldType::Bool => json!({ "type": "boolean" }),
        FieldType::DateTime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Complex(n) => return nullable_ref(version, n),
        FieldType::Binary => json!({ "type": "string", "format": "byte" }),
        FieldType::StringCollection => {
            json!({ "type": "array", "items": { "type": "string", "nullable": true } })
        }
        FieldType::ComplexCollection(c) => {
            json!({ "type": "array", "items": reference(version, c.name) })
        }
    };
    schema["nullable"] = json!(true);
    schema
}

/// A reference that may be `null` (OpenAPI 3.0 takes no siblings beside `$ref`).
fn nullable_ref(version: Version, ty: &str) -> Value {
    json!({ "anyOf": [reference(version, ty)], "nullable": true })
}

fn object<'a>(version: Version, fields: impl Iterator<Item = (&'a str, FieldType)>) -> Value {
    let mut properties = Map::new();
    for (name, ty) in fields {
        properties.insert(name.to_owned(), value_schema(version, &ty));
    }
    json!({ "type": "object", "properties": properties })
}

/// The version's entity, complex and enum types.
fn components(version: Version, out: &mut Map<String, Value>) {
    let model = Model::of(version);
    for e in model.enums.values() {
        out.insert(name(version, e.name), enum_schema(version, e));
    }
    for e in &model.entities {
        out.insert(name(version, e.name), entity_schema(version, e));
    }
    for (ty, members) in &model.complex {
        // The members' names are `parent/member`; the object's properties are `member`.
        let fields = members
            .iter()
            .map(|f| (f.name.rsplit('/').next().unwrap_or(f.name), f.ty));
        out.insert(name(version, ty), object(version, fields));
    }
    for c in model.complex_apart.values() {
        if !model.complex.contains_key(c.name) {
            out.insert(name(version, c.name), complex_schema(version, c));
        }
    }
}

fn enum_schema(version: Version, e: &EnumType) -> Value {
    let count = if version == Version::V1 {
        e.v1_members
    } else {
        e.members.len()
    };
    json!({ "type": "string", "enum": e.members[..count] })
}

fn entity_schema(version: Version, e: &EntityType) -> Value {
    let fields = e
        .fields
        .iter()
        .filter(|f| f.is_top_level() && wanted(version, f.beta_only))
        .map(|f| (f.name, f.ty));
    let mut schema = object(version, fields);
    schema["title"] = json!(e.name);
    schema
}

fn complex_schema(version: Version, c: &ComplexType) -> Value {
    let mut schema = object(version, c.fields.iter().map(|f| (f.name, f.ty)));
    schema["title"] = json!(c.name);
    schema
}

fn odata_error() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string" },
                    "message": { "type": "string" },
                    "innerError": { "type": "object" },
                },
            },
        },
    })
}

/// The entity a resource's bodies are, when it has one.
fn entity_of(resource: &Resource) -> Option<&'static EntityType> {
    if let Options::Collection(e) | Options::Single(e) = resource.spec().options {
        return Some(e);
    }
    Some(match resource {
        Resource::Profiles(Profiles::List | Profiles::Item { .. }) => &entity::PROFILE,
        Resource::Devices(Devices::ProfileNav { .. }) => &entity::PROFILE,
        Resource::Profiles(Profiles::Assignments { .. } | Profiles::AssignmentItem { .. }) => {
            &entity::PROFILE_ASSIGNMENT
        }
        Resource::Profiles(Profiles::AssignedDevices { .. }) => &entity::AUTOPILOT_DEVICE,
        Resource::Settings(crate::route::Settings::Singleton) => &entity::SETTINGS,
        Resource::Enrollment(
            Enrollment::Assignments { .. } | Enrollment::AssignmentItem { .. },
        ) => &entity::ENROLLMENT_ASSIGNMENT,
        Resource::Directory(Directory::MemberOf { .. }) => &entity::GROUP,
        _ => return None,
    })
}

/// Whether GET on the resource answers a collection.
fn is_collection(resource: &Resource) -> bool {
    matches!(resource.spec().options, Options::Collection(_))
        || matches!(
            resource,
            Resource::Profiles(
                Profiles::List | Profiles::Assignments { .. } | Profiles::AssignedDevices { .. }
            ) | Resource::Enrollment(Enrollment::Assignments { .. })
                | Resource::Directory(Directory::MemberOf { .. })
                | Resource::Organization(crate::route::Organization::List)
        )
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn parameters(route: &Route, method: &str) -> Vec<Value> {
    let mut out: Vec<Value> = path_parameters(&route.template);
    if method != "GET" {
        return out;
    }
    let text = || json!({ "type": "string" });
    let options = route.resource.spec().options;
    let collection = matches!(options, Options::Collection(_));
    if collection {
        out.push(query("$filter", "OData filter", text()));
        out.push(query("$orderby", "OData order", text()));
        out.push(query(
            "$top",
            "Page size",
            json!({ "type": "integer", "minimum": 0 }),
        ));
        out.push(query(
            "$skip",
            "Items to skip",
            json!({ "type": "integer", "minimum": 0 }),
        ));
        out.push(query(
            "$count",
            "Include @odata.count",
            json!({ "type": "boolean" }),
        ));
        out.push(query("$skiptoken", "The next page", text()));
    }
    if !matches!(options, Options::Ignored) {
        out.push(query("$select", "Properties to return", text()));
    }
    if let Options::Collection(e) | Options::Single(e) = options {
        if !e.expand.is_empty() {
            out.push(query("$expand", "Navigations to include", text()));
        }
        if collection && e.searchable {
            out.push(query(
                "$search",
                "Directory search (ConsistencyLevel: eventual)",
                text(),
            ));
            out.push(json!({
                "name": "ConsistencyLevel", "in": "header", "required": false,
                "schema": { "type": "string", "enum": ["eventual"] },
            }));
        }
    }
    out
}

/// The `{name}` parts of a path.
fn path_parameters(template: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        out.push(
            json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }),
        );
        rest = &rest[open + close + 1..];
    }
    out
}

pub(super) fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn collection_of(item: Value) -> Value {
    json!({
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": { "type": "array", "items": item },
            "@odata.nextLink": { "type": "string" },
            "@odata.count": { "type": "integer" },
            "@odata.context": { "type": "string" },
        },
    })
}

/// A CSDL type name (`graph.x`, `Collection(graph.x)`, `Edm.String`) as a schema.
fn csdl_schema(version: Version, ty: &str) -> Value {
    if let Some(item) = ty
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
    {
        return json!({ "type": "array", "items": csdl_schema(version, item) });
    }
    match ty {
        "Edm.String" => json!({ "type": "string", "nullable": true }),
        "Edm.Boolean" => json!({ "type": "boolean", "nullable": true }),
        "Edm.Int32" => json!({ "type": "integer", "format": "int32", "nullable": true }),
        other => reference(version, other.trim_start_matches("graph.")),
    }
}

fn operation(route: &Route, method: &str) -> Value {
    let version = route.version;
    let resource = &route.resource;
    let spec = resource.spec();
    let permissions = spec.required(&method.parse().unwrap_or(axum::http::Method::GET));
    let mut op = json!({
        "operationId": operation_id(route, method),
        "tags": [route.template.split('/').nth(2).unwrap_or("graph").trim_start_matches('$')],
        "parameters": parameters(route, method),
        "responses": { "default": {
            "description": "A Graph error",
            "content": json_content(json!({ "$ref": "#/components/schemas/ODataError" })),
        } },
    });
    if !permissions.is_empty() {
        let names: Vec<&str> = permissions.iter().map(|p| p.name()).collect();
        op["security"] = json!([{ "bearer": [] }]);
        op["description"] = json!(format!("Needs one of: {}.", names.join(", ")));
    } else if *resource != Resource::Metadata {
        op["security"] = json!([{ "bearer": [] }]);
    }
    let entity = entity_of(resource);
    let action = ACTIONS
        .iter()
        .find(|a| method == "POST" && resource.path() == a.path);
    let ok = |status: &str, schema: Option<Value>| -> Value {
        let mut r = json!({ "description": format!("{status}") });
        if let Some(s) = schema {
            r["content"] = json_content(s);
        }
        r
    };
    let responses = op["responses"].as_object_mut().expect("an object");
    match (method, resource) {
        (_, Resource::Metadata) => {
            responses.insert(
                "200".into(),
                json!({ "description": "CSDL", "content": { "application/xml": { "schema": { "type": "string" } } } }),
            );
        }
        ("GET", r) if r.path().ends_with("/$count") => {
            responses.insert(
                "200".into(),
                json!({ "description": "The count", "content": { "text/plain": { "schema": { "type": "string" } } } }),
            );
        }
        ("GET", r) => {
            let item = entity.map_or_else(
                || json!({ "type": "object" }),
                |e| reference(version, e.name),
            );
            let body = if is_collection(r) {
                collection_of(item)
            } else {
                item
            };
            responses.insert("200".into(), ok("OK", Some(body)));
        }
        ("DELETE", _) => {
            responses.insert("204".into(), ok("Deleted", None));
        }
        ("PATCH", _) => {
            let body = entity.map(|e| reference(version, e.name));
            op["requestBody"] = json!({ "required": true, "content": json_content(body.clone().unwrap_or_else(|| json!({ "type": "object" }))) });
            let responses = op["responses"].as_object_mut().expect("an object");
            responses.insert("200".into(), ok("Updated", body));
            responses.insert("204".into(), ok("Updated", None));
        }
        ("POST", Resource::Batch) => {
            op["requestBody"] = json!({ "required": true, "content": json_content(json!({
                "type": "object", "required": ["requests"],
                "properties": { "requests": { "type": "array", "items": { "type": "object" } } },
            })) });
            let responses = op["responses"].as_object_mut().expect("an object");
            responses.insert("200".into(), ok("The responses", Some(json!({
                "type": "object",
                "properties": { "responses": { "type": "array", "items": { "type": "object" } } },
            }))));
        }
        ("POST", _) if action.is_some() => {
            let a = action.expect("checked");
            let mut properties = Map::new();
            let extra: &[(&str, &str)] = if version == Version::Beta {
                a.beta_parameters
            } else {
                &[]
            };
            for (p, ty) in a.parameters.iter().chain(extra) {
                properties.insert((*p).to_owned(), csdl_schema(version, ty));
            }
            op["requestBody"] = json!({ "required": !a.parameters.is_empty(),
                "content": json_content(json!({ "type": "object", "properties": properties })) });
            let responses = op["responses"].as_object_mut().expect("an object");
            match a.returns {
                Some(ty) => {
                    let item = csdl_schema(
                        version,
                        ty.trim_start_matches("Collection(").trim_end_matches(')'),
                    );
                    responses.insert("200".into(), ok("Done", Some(collection_of(item))));
                }
                None => {
                    responses.insert("200".into(), ok("Done", None));
                    responses.insert("204".into(), ok("Done", None));
                }
            }
        }
        ("POST", Resource::Groups(Groups::MembersRef { .. })) => {
            op["requestBody"] = json!({ "required": true, "content": json_content(json!({
                "type": "object", "required": ["@odata.id"],
                "properties": { "@odata.id": { "type": "string" } },
            })) });
            let responses = op["responses"].as_object_mut().expect("an object");
            responses.insert("204".into(), ok("Added", None));
        }
        ("POST", _) => {
            let body = entity.map(|e| reference(version, e.name));
            op["requestBody"] = json!({ "required": true, "content": json_content(body.clone().unwrap_or_else(|| json!({ "type": "object" }))) });
            let responses = op["responses"].as_object_mut().expect("an object");
            responses.insert("201".into(), ok("Created", body));
        }
        _ => {}
    }
    op
}

fn operation_id(route: &Route, method: &str) -> String {
    let mut id = format!(
        "{}_{}",
        method.to_lowercase(),
        route.version.as_str().replace('.', "")
    );
    for part in route.template.split('/').skip(2) {
        let clean: String = part
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        id.push('_');
        id.push_str(clean.trim_matches('_'));
    }
    id
}

/// The document as served and committed: pretty JSON and a final newline.
pub fn text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// `GET /openapi.json` (built once).
pub fn respond() -> axum::response::Response {
    use axum::response::IntoResponse as _;
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = TEXT.get_or_init(text).clone();
    let mut response = (axum::http::StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}

/// What differs between a committed document and the current one: operations added, removed
/// or changed, by path and method, then anything else.
pub fn differences(committed: &Value, current: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let empty = Map::new();
    let paths = |doc: &Value| doc["paths"].as_object().cloned().unwrap_or_default();
    let (old, new) = (paths(committed), paths(current));
    for (path, item) in &new {
        let before = old.get(path).and_then(Value::as_object).unwrap_or(&empty);
        for (method, op) in item.as_object().unwrap_or(&empty) {
            match before.get(method) {
                None => out.push(format!("new: {} {path}", method.to_uppercase())),
                Some(b) if b != op => {
                    out.push(format!("changed: {} {path}", method.to_uppercase()))
                }
                Some(_) => {}
            }
        }
    }
    for (path, item) in &old {
        let after = new.get(path).and_then(Value::as_object).unwrap_or(&empty);
        for method in item.as_object().unwrap_or(&empty).keys() {
            if !after.contains_key(method) {
                out.push(format!("gone: {} {path}", method.to_uppercase()));
            }
        }
    }
    if out.is_empty() && committed != current {
        out.push("changed: components or info".into());
    }
    out
}

#[cfg(test)]
mod tests;
