//! `any` and `all` over string collections, as Entra device queries use them.

use autopilot_odata::{Expr, Query, entity, parse_filter};

fn check(query: &str) -> Result<(), autopilot_odata::QueryError> {
    Query::parse(Some(query))?.check(&entity::DIRECTORY_DEVICE)
}

#[test]
fn lambdas_parse_and_print_back() {
    for (text, printed) in [
        (
            "physicalIds/any(p:p eq '[ZTDID]:6349')",
            "physicalIds/any(p:p eq '[ZTDID]:6349')",
        ),
        (
            "physicalIds/any(p: startswith(p, '[ZTDID]'))",
            "physicalIds/any(p:startswith(p, '[ZTDID]'))",
        ),
        (
            "not (physicalIds/ANY(x:startswith(x,'[ZTDID]'))) and displayName eq 'a'",
            "not physicalIds/any(x:startswith(x, '[ZTDID]')) and displayName eq 'a'",
        ),
        (
            "physicalIds/all(p:p ne 'a' or p eq 'b')",
            "physicalIds/all(p:p ne 'a' or p eq 'b')",
        ),
    ] {
        let e = parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(e.to_string(), printed);
        assert_eq!(parse_filter(printed).unwrap(), e);
        check(&format!("$filter={text}")).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    let e = parse_filter("physicalIds/any(p:p eq 'x')").unwrap();
    assert!(matches!(e, Expr::Lambda { all: false, ref var, .. } if var == "p"));
}

#[test]
fn lambda_mistakes_are_named() {
    for (query, says) in [
        ("$filter=physicalIds/any(p:q eq 'x')", "lambda variable 'p'"),
        ("$filter=displayName/any(p:p eq 'x')", "collection"),
        ("$filter=systemLabels/any(p:p eq 'x')", "collection"),
        ("$filter=physicalIds eq 'x'", "incompatible"),
        ("$filter=physicalIds/any(p:p eq 1)", "incompatible"),
        (
            "$filter=physicalIds/any(p:physicalIds/any(q:q eq 'x'))",
            "nested",
        ),
    ] {
        let e = check(query).unwrap_err();
        assert!(e.message.contains(says), "{query}: {}", e.message);
    }
    for text in [
        "physicalIds/any(p p eq 'x')",
        "physicalIds/any(:p eq 'x')",
        "physicalIds/any(p:p eq 'x'",
    ] {
        assert!(parse_filter(text).is_err(), "{text}");
    }
}
