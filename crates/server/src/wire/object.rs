//! Reading the members of a directory object's request body (`POST`/`PATCH` of groups and
//! users) with Entra's messages: names in any case, strings and booleans typed.

use serde_json::{Map, Value};

use crate::error::GraphError;

/// A member of a JSON object by name, in any case.
pub fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Entra's message for a missing required property of `resource` (`Group`, `User`).
pub fn required(property: &str, resource: &str) -> GraphError {
    GraphError::DirectoryBadRequest(format!(
        "A value is required for property '{property}' of resource '{resource}'."
    ))
}

/// Entra's message for a property of `resource` with a value it does not take.
pub fn invalid(property: &str, resource: &str) -> GraphError {
    GraphError::DirectoryBadRequest(format!(
        "Invalid value specified for property '{property}' of resource '{resource}'."
    ))
}

/// A string property: absent `None`, `null` `Some(None)`.
pub fn text(
    object: &Map<String, Value>,
    name: &str,
    resource: &str,
) -> Result<Option<Option<String>>, GraphError> {
    match member(object, name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(invalid(name, resource)),
    }
}

/// A boolean property: absent or `null` `None`.
pub fn flag(
    object: &Map<String, Value>,
    name: &str,
    resource: &str,
) -> Result<Option<bool>, GraphError> {
    match member(object, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(name, resource)),
    }
}

/// The body as a JSON object.
pub fn object(body: &Value) -> Result<&Map<String, Value>, GraphError> {
    body.as_object().ok_or_else(|| {
        GraphError::DirectoryBadRequest("The request body must be a JSON object.".into())
    })
}
