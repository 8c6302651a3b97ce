use super::*;

#[test]
fn queryable_properties_name_their_column() {
    for e in ALL.iter().copied().chain([&STRING_ITEM]) {
        for f in e.fields {
            assert_eq!(
                f.filterable || f.sortable,
                f.column.is_some(),
                "{}.{}",
                e.name,
                f.name
            );
        }
    }
}

#[test]
fn names_are_unique_and_members_follow_their_complex_property() {
    for e in ALL.iter().copied().chain([&STRING_ITEM]) {
        for (i, f) in e.fields.iter().enumerate() {
            assert_eq!(e.field(f.name), Some(f), "{}.{} twice", e.name, f.name);
            if let Some((parent, _)) = f.name.split_once('/') {
                let p = e.fields[..i].iter().position(|g| g.name == parent);
                assert!(p.is_some(), "{}.{} before its parent", e.name, f.name);
                assert!(e.field(parent).is_some_and(|g| g.ty.is_complex()));
            }
        }
    }
    let state: Vec<_> = IMPORTED_DEVICE
        .members_of("state")
        .map(|f| f.name)
        .collect();
    assert_eq!(state.len(), 4);
    assert_eq!(AUTOPILOT_DEVICE.members_of("id").count(), 0);
}

/// A base's properties that a derived type writes have the base's types (a derived type may
/// leave out what Graph does not write by default, as `user` leaves `deletedDateTime`), and
/// its id always.
#[test]
fn derived_types_keep_their_base_properties() {
    for e in ALL {
        if let Some(base) = e.base {
            assert!(e.field("id").is_some(), "{} has no id", e.name);
            for f in base.fields {
                if let Some(g) = e.field(f.name) {
                    assert_eq!(g.ty, f.ty, "{}.{}", e.name, f.name);
                }
            }
            assert!(
                ALL.iter().any(|a| a.name == base.name),
                "{} not listed",
                base.name
            );
        }
        for name in e.expand {
            assert!(e.navigation(name).is_some(), "{}.{name}", e.name);
        }
        for n in e.navigations {
            assert!(
                ALL.iter().any(|a| a.name == n.target),
                "{} -> {}",
                e.name,
                n.target
            );
        }
    }
}

/// Enum members are unique, and v1.0 has at most beta's.
#[test]
fn enums_are_well_formed() {
    for e in ALL {
        for f in e.fields {
            if let FieldType::Enum(t) = f.ty {
                assert!(t.v1_members <= t.members.len(), "{}", t.name);
                for (i, m) in t.members.iter().enumerate() {
                    assert!(!t.members[..i].contains(m), "{}.{m} twice", t.name);
                }
            }
        }
    }
}
