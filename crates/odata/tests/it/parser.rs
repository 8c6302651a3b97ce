//! One test per construct of the grammar.

use autopilot_odata::*;

fn f(text: &str) -> Expr {
    parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn prop(name: &str) -> Operand {
    Operand {
        property: Property::new(name),
        case: None,
    }
}

fn cmp(name: &str, op: CmpOp, right: Literal) -> Expr {
    Expr::Compare {
        left: prop(name),
        op,
        right,
    }
}

#[test]
fn every_comparison_operator() {
    for op in CmpOp::ALL {
        assert_eq!(
            f(&format!("serialNumber {} 'A'", op.as_str())),
            cmp("serialNumber", op, Literal::String("A".into()))
        );
    }
    // Keywords in any case, extra spaces.
    assert_eq!(
        f("  serialNumber  EQ  'A'  "),
        cmp("serialNumber", CmpOp::Eq, Literal::String("A".into()))
    );
}

#[test]
fn logical_operators_precedence_and_parentheses() {
    let a = || cmp("a", CmpOp::Eq, Literal::Int(1));
    let b = || cmp("b", CmpOp::Eq, Literal::Int(2));
    let c = || cmp("c", CmpOp::Eq, Literal::Int(3));
    assert_eq!(
        f("a eq 1 or b eq 2 and c eq 3"),
        Expr::Or(
            Box::new(a()),
            Box::new(Expr::And(Box::new(b()), Box::new(c())))
        )
    );
    assert_eq!(
        f("(a eq 1 or b eq 2) and c eq 3"),
        Expr::And(
            Box::new(Expr::Or(Box::new(a()), Box::new(b()))),
            Box::new(c())
        )
    );
    assert_eq!(f("not a eq 1"), Expr::Not(Box::new(a())));
    assert_eq!(f("not(a eq 1)"), Expr::Not(Box::new(a())));
    assert_eq!(
        f("not not (a eq 1)"),
        Expr::Not(Box::new(Expr::Not(Box::new(a()))))
    );
    // Left-associative chains.
    assert_eq!(
        f("a eq 1 and b eq 2 and c eq 3"),
        Expr::And(
            Box::new(Expr::And(Box::new(a()), Box::new(b()))),
            Box::new(c())
        )
    );
}

#[test]
fn string_functions_and_case_functions() {
    assert_eq!(
        f("contains(serialNumber,'5CG')"),
        Expr::Func {
            func: StrFn::Contains,
            left: prop("serialNumber"),
            value: "5CG".into()
        }
    );
    assert_eq!(
        f("startswith( serialNumber , 'PF' )"),
        Expr::Func {
            func: StrFn::StartsWith,
            left: prop("serialNumber"),
            value: "PF".into()
        }
    );
    assert_eq!(
        f("endswith(groupTag,'-lab')"),
        Expr::Func {
            func: StrFn::EndsWith,
            left: prop("groupTag"),
            value: "-lab".into()
        }
    );
    let lower = Operand {
        property: Property::new("serialNumber"),
        case: Some(Case::Lower),
    };
    assert_eq!(
        f("tolower(serialNumber) eq 'abc'"),
        Expr::Compare {
            left: lower.clone(),
            op: CmpOp::Eq,
            right: Literal::String("abc".into())
        }
    );
    assert_eq!(
        f("contains(tolower(serialNumber),'abc')"),
        Expr::Func {
            func: StrFn::Contains,
            left: lower,
            value: "abc".into()
        }
    );
    let upper = Operand {
        property: Property::new("groupTag"),
        case: Some(Case::Upper),
    };
    assert_eq!(
        f("toupper(groupTag) ne 'X'"),
        Expr::Compare {
            left: upper,
            op: CmpOp::Ne,
            right: Literal::String("X".into())
        }
    );
}

#[test]
fn in_lists() {
    assert_eq!(
        f("state/deviceImportStatus in ('complete', 'error')"),
        Expr::In {
            left: prop("state/deviceImportStatus"),
            values: vec![
                Literal::String("complete".into()),
                Literal::String("error".into())
            ]
        }
    );
    assert_eq!(
        f("a in (1)"),
        Expr::In {
            left: prop("a"),
            values: vec![Literal::Int(1)]
        }
    );
}

#[test]
fn every_literal() {
    let lit = |text: &str| match f(&format!("p eq {text}")) {
        Expr::Compare { right, .. } => right,
        other => panic!("{other:?}"),
    };
    assert_eq!(lit("null"), Literal::Null);
    assert_eq!(lit("true"), Literal::Bool(true));
    assert_eq!(lit("FALSE"), Literal::Bool(false));
    assert_eq!(lit("'it''s'"), Literal::String("it's".into()));
    assert_eq!(lit("''"), Literal::String(String::new()));
    assert_eq!(
        lit("'a b / ( ) , eq'"),
        Literal::String("a b / ( ) , eq".into())
    );
    assert_eq!(lit("42"), Literal::Int(42));
    assert_eq!(lit("-7"), Literal::Int(-7));
    assert_eq!(lit("1.5"), Literal::Decimal("1.5".into()));
    assert_eq!(lit("2e10"), Literal::Decimal("2e10".into()));
    assert_eq!(
        lit("99999999999999999999999"),
        Literal::Decimal("99999999999999999999999".into())
    );
    assert_eq!(
        lit("8D1C1A2B-3C4D-4E5F-8A9B-0C1D2E3F4A5B"),
        Literal::Guid("8d1c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b".into())
    );
    assert_eq!(
        lit("2026-11-28T09:00:00Z"),
        Literal::DateTime("2026-11-28T09:00:00Z".into())
    );
    assert_eq!(
        lit("2026-11-28T09:00:00.1234567+01:00"),
        Literal::DateTime("2026-11-28T09:00:00.1234567+01:00".into())
    );
    assert_eq!(
        lit("2026-11-28T09:00Z"),
        Literal::DateTime("2026-11-28T09:00Z".into())
    );
}

#[test]
fn nested_properties() {
    assert_eq!(
        f("state/deviceImportStatus eq 'complete'"),
        cmp(
            "state/deviceImportStatus",
            CmpOp::Eq,
            Literal::String("complete".into())
        )
    );
}

#[test]
fn orderby_select_expand() {
    let keys = parse_orderby("serialNumber desc, groupTag,id asc").unwrap();
    assert_eq!(
        keys,
        vec![
            OrderBy {
                property: Property::new("serialNumber"),
                descending: true
            },
            OrderBy {
                property: Property::new("groupTag"),
                descending: false
            },
            OrderBy {
                property: Property::new("id"),
                descending: false
            },
        ]
    );
    assert_eq!(
        parse_list("$select", "id, serialNumber").unwrap(),
        vec![Property::new("id"), Property::new("serialNumber")]
    );
    assert_eq!(
        parse_list("$expand", "deploymentProfile,intendedDeploymentProfile").unwrap(),
        vec![
            Property::new("deploymentProfile"),
            Property::new("intendedDeploymentProfile")
        ]
    );
}

#[test]
fn errors_carry_position_and_token() {
    let e = parse_filter("serialNumber eqq 'A'").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert!(e.message.contains("position 13"), "{e}");
    assert!(e.message.contains("'eqq'"), "{e}");
    let e = parse_filter("contains(serialNumber,'abc'").unwrap_err();
    assert!(
        e.message.contains("position 27") && e.message.contains("end of the text"),
        "{e}"
    );
    let e = parse_filter("serialNumber eq 'open").unwrap_err();
    assert!(e.message.contains("unterminated"), "{e}");
    for bad in [
        "",
        "eq 'a'",
        "a eq",
        "a eq 'x' and",
        "(a eq 1",
        "a eq 1)",
        "a in ()",
        "a in (1,)",
        "contains(a, 1)",
        "a eq 1 or or b eq 2",
        "a/ eq 1",
        "a eq 2026-13",
        "a eq 'x' extra",
        "tolower(a eq 'x'",
        "'x' eq a",
    ] {
        assert!(parse_filter(bad).is_err(), "{bad:?} should fail");
    }
    assert!(parse_orderby("serialNumber sideways").is_err());
    assert!(parse_orderby("").is_err());
    assert!(parse_list("$select", "id,,x").is_err());
}

#[test]
fn nesting_is_capped() {
    let ok = format!("{}a eq 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse_filter(&ok).is_ok());
    let deep = format!(
        "{}a eq 1{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert!(
        parse_filter(&deep)
            .unwrap_err()
            .message
            .contains("nested too deeply")
    );
    let nots = format!("{}a eq 1", "not ".repeat(MAX_DEPTH + 1));
    assert!(parse_filter(&nots).is_err());
    // Far beyond the cap: an error, not a stack overflow.
    let huge = format!("{}a eq 1", "(".repeat(100_000));
    assert!(parse_filter(&huge).is_err());
}

#[test]
fn query_strings_as_clients_send_them() {
    let q = Query::parse(Some(
        "%24filter=contains(serialNumber%2C%27ABC%27)&%24top=10&%24count=true&$orderby=serialNumber+desc&select=id,serialNumber&$skiptoken=xyz&cachebuster=1",
    ))
    .unwrap();
    assert_eq!(
        q.filter,
        Some(Expr::Func {
            func: StrFn::Contains,
            left: prop("serialNumber"),
            value: "ABC".into()
        })
    );
    assert_eq!(q.top, Some(10));
    assert!(q.count);
    assert_eq!(q.orderby.len(), 1);
    assert_eq!(q.select.len(), 2);
    assert_eq!(q.skiptoken.as_deref(), Some("xyz"));
    for bad in [
        "$top=-1",
        "$top=x",
        "$skip=-3",
        "$count=maybe",
        "$top=1&top=2",
        "$format=xml",
    ] {
        assert!(Query::parse(Some(bad)).is_err(), "{bad}");
    }
    assert_eq!(Query::parse(None).unwrap(), Query::default());
    let long = format!("$filter=serialNumber eq '{}'", "x".repeat(MAX_OPTION_LEN));
    assert_eq!(
        Query::parse(Some(&long)).unwrap_err().kind,
        ErrorKind::InvalidOption
    );
}
