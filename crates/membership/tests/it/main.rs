//! Property tests of the rule language: printing reads back, nothing panics, and the
//! evaluator keeps the laws the operators promise.

#![allow(clippy::unwrap_used)]

use autopilot_membership::{Device, Expr, Op, Pattern, Prop, Rule, Value};
use proptest::prelude::*;

const PROPS_TEXT: &[Prop] = &[
    Prop::DisplayName,
    Prop::DeviceModel,
    Prop::DeviceManufacturer,
    Prop::EnrollmentProfileName,
    Prop::ExtensionAttribute(0),
    Prop::ExtensionAttribute(14),
];
const OPS_TEXT: &[Op] = &[
    Op::Eq,
    Op::Ne,
    Op::StartsWith,
    Op::NotStartsWith,
    Op::Contains,
    Op::NotContains,
    Op::EndsWith,
    Op::NotEndsWith,
];

fn text() -> impl Strategy<Value = String> {
    // Quotes and backticks included, to exercise the escaping.
    "[a-zA-Z0-9 \\[\\]:\"`\\\\é-]{0,8}"
}

fn pattern() -> impl Strategy<Value = Value> {
    prop::sample::select(vec!["^lab", "[0-9]+$", "a.c", "^(x|y)z?$", "é"]).prop_map(|p| {
        Value::Pattern(Pattern {
            text: p.to_owned(),
            regex: regex_lite::RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .unwrap(),
        })
    })
}

fn text_cmp() -> impl Strategy<Value = (Op, Value)> {
    prop_oneof![
        (prop::sample::select(OPS_TEXT), text()).prop_map(|(o, s)| (o, Value::Str(s))),
        (
            prop::sample::select(vec![Op::Match, Op::NotMatch]),
            pattern()
        ),
        (
            prop::sample::select(vec![Op::In, Op::NotIn]),
            prop::collection::vec(text(), 1..4)
        )
            .prop_map(|(o, v)| (o, Value::List(v))),
        prop::sample::select(vec![Op::Eq, Op::Ne]).prop_map(|o| (o, Value::Null)),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (prop::sample::select(PROPS_TEXT), text_cmp()).prop_map(|(prop, (op, value))| Expr::Cmp {
            prop,
            op,
            value
        }),
        (
            prop::sample::select(vec![Prop::AccountEnabled, Prop::IsRooted]),
            prop::sample::select(vec![Op::Eq, Op::Ne]),
            any::<bool>()
        )
            .prop_map(|(prop, op, b)| Expr::Cmp {
                prop,
                op,
                value: Value::Bool(b)
            }),
        (
            prop::sample::select(vec![Prop::DevicePhysicalIds, Prop::SystemLabels]),
            any::<bool>(),
            text_cmp()
        )
            .prop_map(|(prop, all, (op, value))| Expr::Each {
                prop,
                all,
                op,
                value
            }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// A device's owned values, lent to [`Device`].
#[derive(Debug, Clone)]
struct Owned {
    texts: [String; 4],
    ext: [String; 2],
    flags: (bool, bool),
    ids: Vec<String>,
    labels: Vec<String>,
}

fn owned() -> impl Strategy<Value = Owned> {
    (
        prop::array::uniform4(text()),
        prop::array::uniform2(text()),
        any::<(bool, bool)>(),
        prop::collection::vec(text(), 0..4),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(|(texts, ext, flags, ids, labels)| Owned {
            texts,
            ext,
            flags,
            ids,
            labels,
        })
}

fn device(o: &Owned) -> Device<'_> {
    let mut ext = [""; 15];
    ext[0] = &o.ext[0];
    ext[14] = &o.ext[1];
    Device {
        display_name: &o.texts[0],
        device_model: &o.texts[1],
        device_manufacturer: &o.texts[2],
        enrollment_profile_name: &o.texts[3],
        extension_attributes: ext,
        account_enabled: o.flags.0,
        is_rooted: o.flags.1,
        physical_ids: &o.ids,
        system_labels: &o.labels,
        ..Device::default()
    }
}

fn rule_of(e: &Expr) -> Rule {
    Rule::parse(&e.to_string()).unwrap_or_else(|err| panic!("{e}: {err}"))
}

proptest! {
    #[test]
    fn printed_rules_read_back_to_the_same_tree(e in expr()) {
        let rule = rule_of(&e);
        prop_assert_eq!(rule.expr(), &e);
    }

    #[test]
    fn any_text_parses_or_fails_cleanly(text in "\\PC{0,80}") {
        let _ = Rule::parse(&text);
    }

    #[test]
    fn damaged_rules_fail_cleanly(e in expr(), at in any::<prop::sample::Index>(), c in any::<char>()) {
        let mut chars: Vec<char> = e.to_string().chars().collect();
        let i = at.index(chars.len());
        chars[i] = c;
        let damaged: String = chars.into_iter().collect();
        if let Err(err) = Rule::parse(&damaged) {
            prop_assert!(err.at.is_none_or(|a| a <= damaged.chars().count()), "{}", err);
        }
    }

    #[test]
    fn not_negates(e in expr(), o in owned()) {
        let d = device(&o);
        let negated = Expr::Not(Box::new(e.clone()));
        prop_assert_eq!(rule_of(&negated).matches(&d), !rule_of(&e).matches(&d));
    }

    #[test]
    fn negated_operators_are_the_negation_of_their_positive(
        prop in prop::sample::select(PROPS_TEXT),
        (op, value) in text_cmp(),
        o in owned(),
    ) {
        let d = device(&o);
        let (positive, negated) = op.positive();
        let with = |op| rule_of(&Expr::Cmp { prop, op, value: value.clone() }).matches(&d);
        prop_assert_eq!(with(op), with(positive) != negated);
    }

    #[test]
    fn in_is_a_disjunction_of_eq(items in prop::collection::vec(text(), 1..4), o in owned()) {
        let d = device(&o);
        let list = Expr::Cmp { prop: Prop::DisplayName, op: Op::In, value: Value::List(items.clone()) };
        let any_eq = items.iter().any(|s| {
            rule_of(&Expr::Cmp { prop: Prop::DisplayName, op: Op::Eq, value: Value::Str(s.clone()) })
                .matches(&d)
        });
        prop_assert_eq!(rule_of(&list).matches(&d), any_eq);
    }

    #[test]
    fn any_and_all_agree_with_their_items(all in any::<bool>(), (op, value) in text_cmp(), o in owned()) {
        let d = device(&o);
        let each = rule_of(&Expr::Each { prop: Prop::DevicePhysicalIds, all, op, value: value.clone() });
        let per_item: Vec<bool> = o.ids.iter().map(|id| {
            let one = [id.clone()];
            let single = Device { physical_ids: &one, ..d };
            rule_of(&Expr::Each { prop: Prop::DevicePhysicalIds, all: false, op, value: value.clone() })
                .matches(&single)
        }).collect();
        let expected = if all { per_item.iter().all(|b| *b) } else { per_item.iter().any(|b| *b) };
        prop_assert_eq!(each.matches(&d), expected);
    }
}
