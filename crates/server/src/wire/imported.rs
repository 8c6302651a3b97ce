//! `importedWindowsAutopilotDeviceIdentity` and its upload on the wire: devices read from
//! request bodies (all or nothing, errors naming index and property), and written back.

use autopilot_domain::{ImportedDevice, NewImportedDevice, Upload};
use autopilot_odata::{EntityType, entity};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use super::shape::{Described, WireValue, described_serialize};
use crate::error::GraphError;

const ENTITY_TYPE: &str = "microsoft.graph.importedWindowsAutopilotDeviceIdentity";
const STATE_TYPE: &str = "microsoft.graph.importedWindowsAutopilotDeviceIdentityState";

/// A base64 reader as lenient as .NET's: padding optional, trailing bits ignored. What no
/// decoder takes (other characters, whitespace inside) is refused.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Decodes `hardwareIdentifier` text: standard or URL-safe base64.
pub fn decode_binary(text: &str) -> Result<Vec<u8>, String> {
    // Standard base64 first (what Windows and every SDK send); the URL-safe alphabet only when
    // the standard one stumbles on one of its symbols.
    let err = match LENIENT_STANDARD.decode(text) {
        Ok(bytes) => return Ok(bytes),
        Err(err) => err,
    };
    let url_safe = matches!(err, base64::DecodeError::InvalidByte(_, b'-' | b'_'));
    let err = if url_safe {
        if text.bytes().any(|b| b == b'+' || b == b'/') {
            return Err("mixes the standard and URL-safe base64 alphabets".into());
        }
        match LENIENT_URL_SAFE.decode(text) {
            Ok(bytes) => return Ok(bytes),
            Err(err) => err,
        }
    } else {
        err
    };
    Err(match err {
        base64::DecodeError::InvalidByte(i, b) => {
            let c = text
                .get(i..)
                .and_then(|s| s.chars().next())
                .unwrap_or(char::from(b));
            format!("is not base64: character {c:?} at position {i}")
        }
        base64::DecodeError::InvalidLength(n) => {
            format!("is not base64: {n} symbols cannot encode whole bytes")
        }
        base64::DecodeError::InvalidLastSymbol { offset: i, .. } => {
            format!("is not base64: invalid last symbol at position {i}")
        }
        base64::DecodeError::InvalidPadding => "is not base64: misplaced padding".into(),
    })
}

/// Finds a member by name, ignoring case (Graph's reader is forgiving here; real scripts use
/// the exact casing anyway).
fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn string_member(object: &Map<String, Value>, name: &str, at: &str) -> Result<String, GraphError> {
    match member(object, name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(GraphError::bad_request(format!(
            "{at}{name} must be a string, not {}.",
            kind(other)
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks an `@odata.type` annotation, with or without `#`, against the expected type.
fn check_type(object: &Map<String, Value>, expected: &str, at: &str) -> Result<(), GraphError> {
    match member(object, "@odata.type") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(t)) => {
            let t = t.trim().trim_start_matches('#');
            if t.eq_ignore_ascii_case(expected)
                || expected
                    .strip_prefix("microsoft.graph.")
                    .is_some_and(|short| t.eq_ignore_ascii_case(short))
            {
                Ok(())
            } else {
                Err(GraphError::bad_request(format!(
                    "{at}@odata.type is '{t}', but '#{expected}' is expected here."
                )))
            }
        }
        Some(other) => Err(GraphError::bad_request(format!(
            "{at}@odata.type must be a string, not {}.",
            kind(other)
        ))),
    }
}

/// Reads one device of a request. `at` prefixes messages (`"importedWindowsAutopilotDeviceIdentities[3]."`).
pub fn parse_device(value: &Value, at: &str) -> Result<NewImportedDevice, GraphError> {
    let Value::Object(object) = value else {
        return Err(GraphError::bad_request(format!(
            "{}must be an importedWindowsAutopilotDeviceIdentity object, not {}.",
            if at.is_empty() {
                "The request body ".to_owned()
            } else {
                format!("{} ", at.trim_end_matches('.'))
            },
            kind(value)
        )));
    };
    check_type(object, ENTITY_TYPE, at)?;
    if let Some(Value::Object(state)) = member(object, "state") {
        // The state is server-controlled; only its annotation is checked.
        check_type(state, STATE_TYPE, &format!("{at}state."))?;
    }
    let hardware_identifier = match member(object, "hardwareIdentifier") {
        None | Some(Value::Null) => {
            return Err(GraphError::bad_request(format!(
                "{at}hardwareIdentifier is missing: every device needs its hardware hash."
            )));
        }
        Some(Value::String(text)) => {
            let bytes = decode_binary(text)
                .map_err(|why| GraphError::bad_request(format!("{at}hardwareIdentifier {why}.")))?;
            if bytes.is_empty() {
                return Err(GraphError::bad_request(format!(
                    "{at}hardwareIdentifier is empty: every device needs its hardware hash."
                )));
            }
            bytes
        }
        // Windows PowerShell 5.1's ConvertTo-Json writes a byte[] as an array of numbers.
        Some(Value::Array(items)) => {
            let mut bytes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_u64().and_then(|n| u8::try_from(n).ok()) {
                    Some(b) => bytes.push(b),
                    None => {
                        return Err(GraphError::bad_request(format!(
                            "{at}hardwareIdentifier[{i}] is {item}: a byte array holds numbers from 0 to 255."
                        )));
                    }
                }
            }
            if bytes.is_empty() {
                return Err(GraphError::bad_request(format!(
                    "{at}hardwareIdentifier is empty: every device needs its hardware hash."
                )));
            }
            bytes
        }
        Some(other) => {
            return Err(GraphError::bad_request(format!(
                "{at}hardwareIdentifier must be base64 text or an array of bytes, not {}.",
                kind(other)
            )));
        }
    };
    let mut group_tag = string_member(object, "groupTag", at)?;
    if group_tag.is_empty() {
        // Older runbooks and copies of Microsoft's module send the retired orderIdentifier.
        group_tag = string_member(object, "orderIdentifier", at)?;
    }
    Ok(NewImportedDevice {
        serial_number: string_member(object, "serialNumber", at)?,
        group_tag,
        product_key: string_member(object, "productKey", at)?,
        assigned_user_principal_name: string_member(object, "assignedUserPrincipalName", at)?,
        hardware_identifier,
    })
}

/// Reads the body of the `import` action.
pub fn parse_import(
    body: &Value,
    max_devices: usize,
) -> Result<Vec<NewImportedDevice>, GraphError> {
    const PARAM: &str = "importedWindowsAutopilotDeviceIdentities";
    let Value::Object(object) = body else {
        return Err(GraphError::bad_request(format!(
            "The request body must be an object with the parameter '{PARAM}', not {}.",
            kind(body)
        )));
    };
    let devices = match member(object, PARAM) {
        Some(Value::Array(devices)) => devices,
        None | Some(Value::Null) => {
            return Err(GraphError::bad_request(format!(
                "The parameter '{PARAM}' is missing from the request body."
            )));
        }
        Some(other) => {
            return Err(GraphError::bad_request(format!(
                "The parameter '{PARAM}' must be an array, not {}.",
                kind(other)
            )));
        }
    };
    if devices.is_empty() {
        return Err(GraphError::bad_request(format!(
            "The parameter '{PARAM}' is empty: there is nothing to import."
        )));
    }
    if devices.len() > max_devices {
        return Err(GraphError::bad_request(format!(
            "The request imports {} devices; this server accepts at most {max_devices} per request.",
            devices.len()
        )));
    }
    devices
        .iter()
        .enumerate()
        .map(|(i, d)| parse_device(d, &format!("{PARAM}[{i}].")))
        .collect()
}

/// An `importedWindowsAutopilotDeviceIdentity` on the wire, as its description orders it.
#[derive(Debug)]
pub struct ImportedWire<'a>(pub &'a ImportedDevice);

impl Described for ImportedWire<'_> {
    const ENTITY: &'static EntityType = &entity::IMPORTED_DEVICE;

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Base64, Id, Int, Str};
        let d = self.0;
        Some(match property {
            "id" => Id(d.id),
            "groupTag" => Str(&d.group_tag),
            "serialNumber" => Str(&d.serial_number),
            "productKey" => Str(&d.product_key),
            "importId" => Str(&d.import_id),
            "hardwareIdentifier" => Base64(&d.hardware_identifier),
            "state/deviceImportStatus" => Str(d.state.device_import_status.as_str()),
            "state/deviceRegistrationId" => Str(&d.state.device_registration_id),
            "state/deviceErrorCode" => Int(d.state.device_error_code),
            "state/deviceErrorName" => Str(&d.state.device_error_name),
            "assignedUserPrincipalName" => Str(&d.assigned_user_principal_name),
            _ => return None,
        })
    }
}

/// An `importedWindowsAutopilotDeviceIdentityUpload` on the wire.
#[derive(Debug)]
pub struct UploadWire<'a>(pub &'a Upload);

impl Described for UploadWire<'_> {
    const ENTITY: &'static EntityType = &entity::UPLOAD;

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        let u = self.0;
        Some(match property {
            "id" => WireValue::Id(u.id),
            "createdDateTimeUtc" => WireValue::Time(Some(u.created_date_time_utc)),
            "status" => WireValue::Str(u.status.as_str()),
            _ => return None,
        })
    }
}

described_serialize!(ImportedWire, UploadWire);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binary_is_read_like_dotnet_does() {
        assert_eq!(decode_binary("QUJD").unwrap(), b"ABC");
        assert_eq!(decode_binary("QUI=").unwrap(), b"AB");
        assert_eq!(decode_binary("QUI").unwrap(), b"AB");
        // The documentation placeholder: no padding, non-canonical trailing bits.
        assert_eq!(decode_binary("Binary").unwrap().len(), 4);
        assert_eq!(
            decode_binary("-_-_").unwrap(),
            decode_binary("+/+/").unwrap()
        );
        for bad in ["*", "%", "QU JD", "QUJD\n", "A", "+_AA"] {
            assert!(decode_binary(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn devices_as_scripts_send_them() {
        let body = json!({
            "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
            "orderIdentifier": "Kiosk",
            "serialNumber": "5CG1457YL8",
            "productKey": "",
            "hardwareIdentifier": "QUJD",
            "assignedUserPrincipalName": "",
            "id": "client-id",
            "state": {
                "@odata.type": "microsoft.graph.importedWindowsAutopilotDeviceIdentityState",
                "deviceImportStatus": "pending", "deviceRegistrationId": "", "deviceErrorCode": 0, "deviceErrorName": ""
            }
        });
        let d = parse_device(&body, "").unwrap();
        assert_eq!(d.group_tag, "Kiosk");
        assert_eq!(d.serial_number, "5CG1457YL8");
        assert_eq!(d.hardware_identifier, b"ABC");
        let bytes = parse_device(
            &json!({"hardwareIdentifier": [65, 66, 67], "groupTag": "G", "orderIdentifier": "O"}),
            "",
        )
        .unwrap();
        assert_eq!(bytes.hardware_identifier, b"ABC");
        assert_eq!(bytes.group_tag, "G");
    }

    #[test]
    fn bad_devices_name_index_and_property() {
        let e = parse_import(
            &json!({"importedWindowsAutopilotDeviceIdentities": [
                {"hardwareIdentifier": "QUJD"}, {"serialNumber": "X"}
            ]}),
            500,
        )
        .unwrap_err();
        assert!(
            e.message().starts_with(
                "importedWindowsAutopilotDeviceIdentities[1].hardwareIdentifier is missing"
            ),
            "{}",
            e.message()
        );
        let e = parse_import(
            &json!({"importedWindowsAutopilotDeviceIdentities": [
                {"hardwareIdentifier": [1, 256]}
            ]}),
            500,
        )
        .unwrap_err();
        assert!(
            e.message().contains("[0].hardwareIdentifier[1] is 256"),
            "{}",
            e.message()
        );
        let e = parse_device(&json!({"hardwareIdentifier": "QU JD"}), "").unwrap_err();
        assert!(e.message().contains("position 2"), "{}", e.message());
        let e = parse_device(
            &json!({"hardwareIdentifier": "QUJD", "serialNumber": 5}),
            "",
        )
        .unwrap_err();
        assert!(
            e.message().contains("serialNumber must be a string"),
            "{}",
            e.message()
        );
        let e = parse_device(
            &json!({"@odata.type": "#microsoft.graph.user", "hardwareIdentifier": "QUJD"}),
            "",
        )
        .unwrap_err();
        assert!(e.message().contains("@odata.type"), "{}", e.message());
        let many = json!({"importedWindowsAutopilotDeviceIdentities": vec![json!({"hardwareIdentifier": "QUJD"}); 3]});
        assert!(
            parse_import(&many, 2)
                .unwrap_err()
                .message()
                .contains("at most 2")
        );
        assert!(parse_import(&json!({"importedWindowsAutopilotDeviceIdentities": []}), 2).is_err());
        assert!(parse_import(&json!([]), 2).is_err());
    }

    #[test]
    fn records_and_uploads_are_written_as_graph_orders_them() {
        use autopilot_domain::{ImportState, ImportStatus, UploadStatus};
        let record = ImportedDevice {
            id: uuid::Uuid::from_u128(1),
            import_id: "imp".into(),
            upload_id: None,
            serial_number: "SN-1".into(),
            group_tag: "Lab".into(),
            product_key: "pk".into(),
            assigned_user_principal_name: "ada@contoso.test".into(),
            hardware_identifier: vec![1, 2, 3, 250],
            state: ImportState {
                device_import_status: ImportStatus::Error,
                device_registration_id: String::new(),
                device_error_code: 806,
                device_error_name: "ZtdDeviceAlreadyAssigned".into(),
            },
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let wire = ImportedWire(&record);
        crate::wire::shape::assert_complete(&wire);
        assert_eq!(
            serde_json::to_string(&wire).unwrap(),
            concat!(
                r#"{"id":"00000000-0000-0000-0000-000000000001","groupTag":"Lab","#,
                r#""serialNumber":"SN-1","productKey":"pk","importId":"imp","#,
                r#""hardwareIdentifier":"AQID+g==","state":{"deviceImportStatus":"error","#,
                r#""deviceRegistrationId":"","deviceErrorCode":806,"#,
                r#""deviceErrorName":"ZtdDeviceAlreadyAssigned"},"#,
                r#""assignedUserPrincipalName":"ada@contoso.test"}"#
            )
        );
        let upload = Upload {
            id: uuid::Uuid::from_u128(2),
            created_date_time_utc: time::macros::datetime!(2026-11-28 09:00:01.5 UTC),
            status: UploadStatus::Pending,
        };
        let wire = UploadWire(&upload);
        crate::wire::shape::assert_complete(&wire);
        assert_eq!(
            serde_json::to_string(&wire).unwrap(),
            concat!(
                r#"{"id":"00000000-0000-0000-0000-000000000002","#,
                r#""createdDateTimeUtc":"2026-11-28T09:00:01.5000000Z","status":"pending"}"#
            )
        );
    }
}
