//! Corporate device identifiers on the wire, and the bodies of `importDeviceIdentityList` and
//! `searchExistingIdentities`.

use autopilot_domain::EnrollmentState;
use autopilot_domain::identities::{
    IdentityType, ImportResult, ImportedIdentity, MAX_PER_CALL, Platform, normalize,
};
use autopilot_odata::{EntityType, entity};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::object::member;
use super::shape::{Described, WireValue, described_serialize};
use crate::error::GraphError;

/// An identifier on the wire, as its description orders it.
#[derive(Debug)]
pub struct IdentityWire<'a>(pub &'a ImportedIdentity);

impl Described for IdentityWire<'_> {
    const ENTITY: &'static EntityType = &entity::IMPORTED_IDENTITY;

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        let i = self.0;
        Some(match property {
            "id" => WireValue::Id(i.id),
            "importedDeviceIdentifier" => WireValue::Str(&i.identifier),
            "importedDeviceIdentityType" => WireValue::Str(i.identity_type.as_str()),
            "lastModifiedDateTime" => WireValue::Time(Some(i.modified_at)),
            "createdDateTime" => WireValue::Time(Some(i.created_at)),
            "lastContactedDateTime" => WireValue::Time(i.last_contacted),
            "description" => WireValue::Str(&i.description),
            "enrollmentState" => WireValue::Str(i.enrollment_state.as_str()),
            "platform" => WireValue::Str(i.platform.as_str()),
            _ => return None,
        })
    }
}

described_serialize!(IdentityWire);

/// One `importedDeviceIdentityResult`: the identifier and whether this call wrote it.
pub fn identity_result_json(r: &ImportResult) -> Value {
    let mut object = Map::new();
    object.insert(
        "@odata.type".into(),
        Value::from("#microsoft.graph.importedDeviceIdentityResult"),
    );
    if let Ok(Value::Object(members)) = serde_json::to_value(IdentityWire(&r.identity)) {
        object.extend(members);
    }
    object.insert("status".into(), Value::Bool(r.status));
    Value::Object(object)
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::bad_request(message)
}

/// The Intune error for identifiers that are not of their type.
fn invalid(n: usize) -> GraphError {
    bad(format!(
        "Invalid Device Identifier parameter found for {n} import records!"
    ))
}

/// The `importedDeviceIdentities` list of an action's body.
fn items<'a>(object: &'a Map<String, Value>, action: &str) -> Result<&'a [Value], GraphError> {
    match member(object, "importedDeviceIdentities") {
        Some(Value::Array(items)) if items.is_empty() => Err(bad(format!(
            "The parameter 'importedDeviceIdentities' of '{action}' holds no identifiers."
        ))),
        Some(Value::Array(items)) if items.len() > MAX_PER_CALL => Err(bad(format!(
            "At most {MAX_PER_CALL} identifiers may be given at once; {} were.",
            items.len()
        ))),
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Err(bad(format!(
            "The parameter 'importedDeviceIdentities' of '{action}' is required."
        ))),
        Some(_) => Err(bad(
            "The parameter 'importedDeviceIdentities' must be a collection of importedDeviceIdentity.",
        )),
    }
}

fn text<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a str>, GraphError> {
    match member(object, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{at}.{name} must be a string."))),
    }
}

/// One identifier of a body: its type and its identifier as given, or the reason it is not
/// one (a wrong shape is a 400 of its own; a value that is not of its type is counted).
fn key(item: &Value, at: &str) -> Result<Option<(IdentityType, String)>, GraphError> {
    let object = item
        .as_object()
        .ok_or_else(|| bad(format!("{at} must be an importedDeviceIdentity object.")))?;
    let Some(kind) = text(object, "importedDeviceIdentityType", at)? else {
        return Ok(None);
    };
    let identifier = text(object, "importedDeviceIdentifier", at)?.unwrap_or_default();
    Ok(IdentityType::parse(kind).and_then(|t| normalize(t, identifier).map(|n| (t, n))))
}

/// The body of `importDeviceIdentityList`: the identifiers to write (normalized), and
/// `overwriteImportedDeviceIdentities`.
pub fn parse_identity_import(
    body: &Value,
    now: OffsetDateTime,
) -> Result<(Vec<ImportedIdentity>, bool), GraphError> {
    let object = body.as_object().ok_or_else(|| {
        bad("The body of 'importDeviceIdentityList' must be an object of its parameters.")
    })?;
    let overwrite = match member(object, "overwriteImportedDeviceIdentities") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(bad(
                "The parameter 'overwriteImportedDeviceIdentities' must be true or false.",
            ));
        }
    };
    let mut identities = Vec::new();
    let mut wrong = 0;
    for (i, item) in items(object, "importDeviceIdentityList")?
        .iter()
        .enumerate()
    {
        let at = format!("importedDeviceIdentities[{i}]");
        let Some((identity_type, identifier)) = key(item, &at)? else {
            wrong += 1;
            continue;
        };
        let object = item
            .as_object()
            .ok_or_else(|| bad(format!("{at} must be an object.")))?;
        let platform = match text(object, "platform", &at)? {
            Some(p) => Platform::parse(p)
                .ok_or_else(|| bad(format!("{at}.platform '{p}' is not a platform.")))?,
            None if identity_type == IdentityType::ManufacturerModelSerial => Platform::Windows,
            None => Platform::Unknown,
        };
        let description = text(object, "description", &at)?.unwrap_or_default();
        if description.chars().count() > 128 {
            return Err(bad(format!(
                "{at}.description is longer than 128 characters."
            )));
        }
        identities.push(ImportedIdentity {
            id: Uuid::new_v4(),
            identifier,
            identity_type,
            description: description.to_owned(),
            enrollment_state: EnrollmentState::NotContacted,
            platform,
            created_at: now,
            modified_at: now,
            last_contacted: None,
        });
    }
    if wrong > 0 {
        return Err(invalid(wrong));
    }
    Ok((identities, overwrite))
}

/// The body of `searchExistingIdentities`: the keys to look for (normalized).
pub fn parse_identity_search(body: &Value) -> Result<Vec<(IdentityType, String)>, GraphError> {
    let object = body.as_object().ok_or_else(|| {
        bad("The body of 'searchExistingIdentities' must be an object of its parameters.")
    })?;
    let mut keys = Vec::new();
    let mut wrong = 0;
    for (i, item) in items(object, "searchExistingIdentities")?
        .iter()
        .enumerate()
    {
        match key(item, &format!("importedDeviceIdentities[{i}]"))? {
            Some(k) => keys.push(k),
            None => wrong += 1,
        }
    }
    if wrong > 0 {
        return Err(invalid(wrong));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-12-07 12:00 UTC)
    }

    #[test]
    fn the_community_scripts_bodies_are_read() {
        let body = json!({"importedDeviceIdentities":[{"importedDeviceIdentifier":"Microsoft Corporation,Surface Laptop 5,0F3-21.X","importedDeviceIdentityType":"manufacturerModelSerial"}],"overwriteImportedDeviceIdentities":false});
        let (items, overwrite) = parse_identity_import(&body, now()).unwrap();
        assert!(!overwrite);
        assert_eq!(
            items[0].identifier,
            "MICROSOFTCORPORATION,SURFACELAPTOP5,0F321X"
        );
        assert_eq!(items[0].platform, Platform::Windows);
        let keys = parse_identity_search(&body).unwrap();
        assert_eq!(
            keys,
            vec![(
                IdentityType::ManufacturerModelSerial,
                items[0].identifier.clone()
            )]
        );
        let r = ImportResult {
            identity: items[0].clone(),
            status: true,
        };
        let v = identity_result_json(&r);
        assert_eq!(
            v["@odata.type"],
            "#microsoft.graph.importedDeviceIdentityResult"
        );
        assert_eq!(v["status"], true);
        assert_eq!(v["enrollmentState"], "notContacted");
        assert_eq!(v["lastContactedDateTime"], "0001-01-01T00:00:00Z");
        crate::wire::shape::assert_complete(&IdentityWire(&items[0]));
    }

    #[test]
    fn wrong_identifiers_are_counted_as_intune_counts_them() {
        let body = json!({"importedDeviceIdentities":[
            {"importedDeviceIdentifier":"Dell,Latitude","importedDeviceIdentityType":"manufacturerModelSerial"},
            {"importedDeviceIdentifier":"12AB","importedDeviceIdentityType":"imei"},
            {"importedDeviceIdentifier":"SN1","importedDeviceIdentityType":"serialNumber"}
        ]});
        let e = parse_identity_search(&body).unwrap_err();
        assert!(
            format!("{e:?}")
                .contains("Invalid Device Identifier parameter found for 2 import records!")
        );
        for body in [
            json!({}),
            json!({"importedDeviceIdentities": []}),
            json!({"importedDeviceIdentities": "x"}),
            json!({"importedDeviceIdentities": [1]}),
        ] {
            assert!(parse_identity_search(&body).is_err(), "{body}");
        }
        let body = json!({"importedDeviceIdentities":[{"importedDeviceIdentifier":"SN1","importedDeviceIdentityType":"serialNumber"}],"overwriteImportedDeviceIdentities":"no"});
        assert!(parse_identity_import(&body, now()).is_err());
    }
}
