//! Printing a parsed filter and parsing it again gives the same AST; nothing panics the parser.

use autopilot_odata::*;
use proptest::prelude::*;

fn property() -> impl Strategy<Value = Property> {
    prop::collection::vec("[a-zA-Z_][a-zA-Z0-9_]{0,8}", 1..3)
        .prop_filter("not a keyword", |path| {
            path.iter().all(|s| {
                let l = s.to_ascii_lowercase();
                ![
                    "not",
                    "null",
                    "true",
                    "false",
                    "contains",
                    "startswith",
                    "endswith",
                    "tolower",
                    "toupper",
                ]
                .contains(&l.as_str())
            })
        })
        .prop_map(|path| Property { path, at: 0 })
}

fn operand() -> impl Strategy<Value = Operand> {
    (
        property(),
        prop::option::of(prop_oneof![Just(Case::Lower), Just(Case::Upper)]),
    )
        .prop_map(|(property, case)| Operand { property, case })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        (0u32..100_000, 1u32..1000).prop_map(|(a, b)| Literal::Decimal(format!("{a}.{b}"))),
        "\\PC{0,12}".prop_map(Literal::String),
        any::<u128>().prop_map(|n| {
            let h = format!("{n:032x}");
            Literal::Guid(format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ))
        }),
        (2000u32..2100, 1u32..13, 1u32..29, 0u32..24, 0u32..60).prop_map(|(y, mo, d, h, mi)| {
            Literal::DateTime(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00Z"))
        }),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    let ops = prop::sample::select(CmpOp::ALL.to_vec());
    let funcs = prop::sample::select(vec![StrFn::Contains, StrFn::StartsWith, StrFn::EndsWith]);
    prop_oneof![
        (operand(), ops, literal()).prop_map(|(left, op, right)| Expr::Compare { left, op, right }),
        (operand(), prop::collection::vec(literal(), 1..4))
            .prop_map(|(left, values)| Expr::In { left, values }),
        (funcs, operand(), "\\PC{0,10}").prop_map(|(func, left, value)| Expr::Func {
            func,
            left,
            value
        }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 40, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

proptest! {
    #[test]
    fn printed_filters_parse_back_to_the_same_ast(e in expr()) {
        let text = e.to_string();
        let parsed = parse_filter(&text);
        prop_assert!(parsed.is_ok(), "{text}: {:?}", parsed.err());
        prop_assert_eq!(parsed.unwrap(), e, "{}", text);
    }

    #[test]
    fn orderby_round_trips(keys in prop::collection::vec((property(), any::<bool>()), 1..4)) {
        let keys: Vec<OrderBy> = keys.into_iter().map(|(property, descending)| OrderBy { property, descending }).collect();
        let text = keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
        prop_assert_eq!(parse_orderby(&text).unwrap(), keys);
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,80}") {
        let _ = parse_filter(&text);
        let _ = parse_orderby(&text);
        let _ = parse_list("$select", &text);
        let _ = Query::parse(Some(&text));
    }

    #[test]
    fn mutated_filters_never_panic(e in expr(), at in any::<prop::sample::Index>(), junk in "[()',/ a-z0-9-]{1,3}") {
        let mut text = e.to_string();
        let mut i = at.index(text.len() + 1);
        while !text.is_char_boundary(i) { i -= 1; }
        text.insert_str(i, &junk);
        let _ = parse_filter(&text);
    }
}
