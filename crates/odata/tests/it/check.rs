//! Queries checked against the entity field tables.

use autopilot_odata::{ErrorKind, Query, entity};

fn check(query: &str, e: &autopilot_odata::EntityType) -> Result<(), autopilot_odata::QueryError> {
    Query::parse(Some(query))?.check(e)
}

#[test]
fn valid_queries_pass() {
    for q in [
        "$filter=contains(serialNumber,'5CG')",
        "$filter=serialNumber eq 'X' and groupTag ne ''",
        "$filter=state/deviceImportStatus eq 'complete'",
        "$filter=state/deviceImportStatus in ('unknown','error')",
        "$filter=state/deviceErrorCode eq 806",
        "$filter=tolower(serialNumber) eq 'abc'",
        "$filter=groupTag eq null",
        "$orderby=serialNumber desc,id&$select=id,serialNumber,state&$top=5&$count=true",
    ] {
        check(q, &entity::IMPORTED_DEVICE).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    check(
        "$expand=deploymentProfile,intendedDeploymentProfile",
        &entity::AUTOPILOT_DEVICE,
    )
    .unwrap();
    check("$filter=enrollmentState eq 'notContacted' and lastContactedDateTime lt 2026-01-01T00:00:00Z", &entity::AUTOPILOT_DEVICE).unwrap();
    check(
        "$filter=status eq 'pending'&$orderby=createdDateTimeUtc desc",
        &entity::UPLOAD,
    )
    .unwrap();
}

#[test]
fn mistakes_name_the_property_or_value() {
    let e = check("$filter=serial eq 'X'", &entity::IMPORTED_DEVICE).unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownProperty);
    assert!(
        e.message.contains("'serial'") && e.message.contains("position 0"),
        "{e}"
    );
    let e = check(
        "$filter=state/deviceImportStatus eq 'done'",
        &entity::IMPORTED_DEVICE,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeMismatch);
    assert!(e.message.contains("'done'"), "{e}");
    for (q, kind) in [
        ("$filter=serialNumber eq 5", ErrorKind::TypeMismatch),
        (
            "$filter=state/deviceErrorCode eq 'x'",
            ErrorKind::TypeMismatch,
        ),
        (
            "$filter=state/deviceErrorCode eq 99999999999",
            ErrorKind::TypeMismatch,
        ),
        (
            "$filter=contains(state/deviceErrorCode,'8')",
            ErrorKind::TypeMismatch,
        ),
        (
            "$filter=tolower(state/deviceErrorCode) eq '8'",
            ErrorKind::TypeMismatch,
        ),
        (
            "$filter=state/deviceImportStatus gt 'complete'",
            ErrorKind::TypeMismatch,
        ),
        (
            "$filter=hardwareIdentifier eq 'x'",
            ErrorKind::NotSupportedOnProperty,
        ),
        ("$orderby=state", ErrorKind::NotSupportedOnProperty),
        ("$select=nope", ErrorKind::UnknownProperty),
        (
            "$select=state/deviceImportStatus",
            ErrorKind::UnknownProperty,
        ),
        ("$expand=deploymentProfile", ErrorKind::UnknownProperty),
        ("$search=abc", ErrorKind::InvalidOption),
    ] {
        let e = check(q, &entity::IMPORTED_DEVICE).unwrap_err();
        assert_eq!(e.kind, kind, "{q}: {e}");
    }
    let e = check(
        "$filter=lastContactedDateTime gt 'yesterday'",
        &entity::AUTOPILOT_DEVICE,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeMismatch);
}
