//! Evaluating a rule against one device. Text compares case-insensitively; an unset text
//! property is `""`, which is what `-eq null` matches.

use crate::Prop;
use crate::parse::{Expr, Op, Value};

/// A device as rules see it: the Entra device object's properties (unset text is `""`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Device<'a> {
    pub account_enabled: bool,
    pub device_category: &'a str,
    pub device_id: &'a str,
    pub device_management_app_id: &'a str,
    pub device_manufacturer: &'a str,
    pub device_model: &'a str,
    pub device_os_type: &'a str,
    pub device_os_version: &'a str,
    pub device_ownership: &'a str,
    pub device_trust_type: &'a str,
    pub display_name: &'a str,
    pub enrollment_profile_name: &'a str,
    pub is_rooted: bool,
    pub management_type: &'a str,
    pub object_id: &'a str,
    pub profile_type: &'a str,
    pub physical_ids: &'a [String],
    pub system_labels: &'a [String],
    pub extension_attributes: [&'a str; 15],
}

enum Field<'a> {
    Text(&'a str),
    Flag(bool),
    Many(&'a [String]),
}

impl<'a> Device<'a> {
    fn field(&self, prop: Prop) -> Field<'a> {
        use Field::{Flag, Many, Text};
        match prop {
            Prop::AccountEnabled => Flag(self.account_enabled),
            Prop::IsRooted => Flag(self.is_rooted),
            Prop::DevicePhysicalIds => Many(self.physical_ids),
            Prop::SystemLabels => Many(self.system_labels),
            Prop::DeviceCategory => Text(self.device_category),
            Prop::DeviceId => Text(self.device_id),
            Prop::DeviceManagementAppId => Text(self.device_management_app_id),
            Prop::DeviceManufacturer => Text(self.device_manufacturer),
            Prop::DeviceModel => Text(self.device_model),
            Prop::DeviceOsType => Text(self.device_os_type),
            Prop::DeviceOsVersion => Text(self.device_os_version),
            Prop::DeviceOwnership => Text(self.device_ownership),
            Prop::DeviceTrustType => Text(self.device_trust_type),
            Prop::DisplayName => Text(self.display_name),
            Prop::EnrollmentProfileName => Text(self.enrollment_profile_name),
            Prop::ExtensionAttribute(i) => Text(
                self.extension_attributes
                    .get(usize::from(i))
                    .copied()
                    .unwrap_or(""),
            ),
            Prop::ManagementType => Text(self.management_type),
            Prop::ObjectId => Text(self.object_id),
            Prop::ProfileType => Text(self.profile_type),
        }
    }
}

pub(crate) fn matches(expr: &Expr, device: &Device<'_>) -> bool {
    match expr {
        Expr::Not(e) => !matches(e, device),
        Expr::And(a, b) => matches(a, device) && matches(b, device),
        Expr::Or(a, b) => matches(a, device) || matches(b, device),
        Expr::Cmp { prop, op, value } => match device.field(*prop) {
            Field::Text(text) => compare(text, *op, value),
            Field::Flag(flag) => {
                let (_, negated) = op.positive();
                (matches!(value, Value::Bool(b) if *b == flag)) != negated
            }
            // The parser refuses a plain comparison on a collection.
            Field::Many(_) => false,
        },
        Expr::Each {
            prop,
            all,
            op,
            value,
        } => {
            let Field::Many(items) = device.field(*prop) else {
                return false;
            };
            if *all {
                items.iter().all(|item| compare(item, *op, value))
            } else {
                items.iter().any(|item| compare(item, *op, value))
            }
        }
    }
}

/// One text value against the rule's value.
fn compare(text: &str, op: Op, value: &Value) -> bool {
    let (positive, negated) = op.positive();
    let hit = match (positive, value) {
        (Op::Eq, Value::Null) => text.is_empty(),
        (Op::Eq, Value::Str(s)) => eq_ci(text, s),
        (Op::StartsWith, Value::Str(s)) => starts_ci(text, s),
        (Op::Contains, Value::Str(s)) => contains_ci(text, s),
        (Op::EndsWith, Value::Str(s)) => ends_ci(text, s),
        (Op::Match, Value::Pattern(p)) => p.regex.is_match(text),
        (Op::In, Value::List(items)) => items.iter().any(|s| eq_ci(text, s)),
        // Other pairs are refused by the parser.
        _ => false,
    };
    hit != negated
}

fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

fn starts_ci(text: &str, prefix: &str) -> bool {
    if text.is_ascii() && prefix.is_ascii() {
        text.len() >= prefix.len()
            && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    } else {
        text.to_lowercase().starts_with(&prefix.to_lowercase())
    }
}

fn ends_ci(text: &str, suffix: &str) -> bool {
    if text.is_ascii() && suffix.is_ascii() {
        text.len() >= suffix.len()
            && text.as_bytes()[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    } else {
        text.to_lowercase().ends_with(&suffix.to_lowercase())
    }
}

fn contains_ci(text: &str, needle: &str) -> bool {
    if text.is_ascii() && needle.is_ascii() {
        let (t, n) = (text.as_bytes(), needle.as_bytes());
        n.is_empty() || t.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        text.to_lowercase().contains(&needle.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Device, Rule};

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn check(rule: &str, device: &Device<'_>) -> bool {
        Rule::parse(rule).unwrap().matches(device)
    }

    #[test]
    fn autopilot_group_rules_select_by_physical_id() {
        let lab = ids(&["[ZTDID]:9a8b", "[OrderId]:Lab", "[PurchaseOrderId]:PO-1"]);
        let d = Device {
            physical_ids: &lab,
            ..Device::default()
        };
        assert!(check(
            r#"(device.devicePhysicalIDs -any (_ -eq "[OrderID]:Lab"))"#,
            &d
        ));
        assert!(check(
            r#"(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]"))"#,
            &d
        ));
        assert!(check(
            r#"(device.devicePhysicalIds -any _ -eq "[PurchaseOrderId]:po-1")"#,
            &d
        ));
        assert!(!check(
            r#"(device.devicePhysicalIDs -any (_ -eq "[OrderID]:Office"))"#,
            &d
        ));
        assert!(!check(
            r#"(device.devicePhysicalIds -all (_ -startsWith "[ZTDId]"))"#,
            &d
        ));
        assert!(check(
            r#"(device.devicePhysicalIds -all (_ -startsWith "["))"#,
            &d
        ));
        let none = Device::default();
        assert!(!check(
            r#"(device.devicePhysicalIds -any (_ -contains "[ZTDId]"))"#,
            &none
        ));
    }

    #[test]
    fn operators_compare_case_insensitively() {
        let d = Device {
            display_name: "LAB-0042",
            device_model: "Surface Laptop 7",
            account_enabled: true,
            ..Device::default()
        };
        assert!(check(r#"device.displayName -eq "lab-0042""#, &d));
        assert!(check(r#"device.displayName -ne "lab-0043""#, &d));
        assert!(check(r#"device.deviceModel -contains "LAPTOP""#, &d));
        assert!(check(r#"device.deviceModel -notContains "book""#, &d));
        assert!(check(r#"device.deviceModel -startsWith "surface""#, &d));
        assert!(check(r#"device.deviceModel -notStartsWith "laptop""#, &d));
        assert!(check(r#"device.deviceModel -endsWith "LAPTOP 7""#, &d));
        assert!(check(r#"device.deviceModel -notEndsWith "8""#, &d));
        assert!(check(r#"device.deviceModel -in ['Surface Laptop 7']"#, &d));
        assert!(check(r#"device.objectId -eq null"#, &d));
        assert!(check(r#"device.displayName -match "^lab-[0-9]{4}$""#, &d));
        assert!(check(r#"device.displayName -notMatch "^office""#, &d));
        assert!(check(
            r#"device.deviceModel -in ["Surface Laptop 7", "x"]"#,
            &d
        ));
        assert!(check(r#"device.deviceModel -notIn ["x", "y"]"#, &d));
        assert!(check(r#"device.accountEnabled -eq true"#, &d));
        assert!(check(r#"device.accountEnabled -ne false"#, &d));
        assert!(check(r#"device.enrollmentProfileName -eq null"#, &d));
        assert!(check(r#"device.displayName -ne null"#, &d));
        assert!(check(
            r#"-not (device.displayName -eq "x") -and device.extensionAttribute3 -eq null"#,
            &d
        ));
        let u = Device {
            display_name: "ÄRGER",
            ..Device::default()
        };
        assert!(check(r#"device.displayName -eq "ärger""#, &u));
        assert!(check(r#"device.displayName -startsWith "är""#, &u));
        assert!(check(r#"device.displayName -contains "RGE""#, &u));
    }
}
