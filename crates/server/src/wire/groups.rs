//! Entra ID groups on the wire, and directory objects as a group's members list them (each with
//! its `@odata.type`).

use autopilot_domain::Group;
use autopilot_odata::{EntityType, entity};
use serde::Serialize;
use uuid::Uuid;

use super::shape::{Described, WireValue, described_serialize};
use crate::route::Version;

/// A `group` on the wire, as its description orders it.
#[derive(Debug)]
pub struct GroupWire<'a> {
    pub group: &'a Group,
    pub version: Version,
}

/// Entra's security identifier of a directory object: `S-1-12-1-` and the object id as four
/// little-endian 32-bit numbers.
pub fn security_identifier(id: Uuid) -> String {
    let b = id.to_bytes_le();
    let part = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    format!("S-1-12-1-{}-{}-{}-{}", part(0), part(4), part(8), part(12))
}

impl Described for GroupWire<'_> {
    const ENTITY: &'static EntityType = &entity::GROUP;

    fn version(&self) -> Version {
        self.version
    }

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Bool, Null, OptTime, Str, Strings};
        let g = self.group;
        let dynamic = g.is_dynamic();
        Some(match property {
            "id" => WireValue::Id(g.id),
            "createdDateTime" | "renewedDateTime" => OptTime(Some(g.created_at)),
            "description" => WireValue::opt_str(g.description.as_deref()),
            "displayName" => Str(&g.display_name),
            "groupTypes" => Strings(&g.group_types),
            "mailEnabled" => Bool(g.mail_enabled),
            "mailNickname" => Str(&g.mail_nickname),
            "membershipRule" => WireValue::opt_str(g.membership_rule.as_deref()),
            "membershipRuleProcessingState" => WireValue::opt_str(g.processing_state.as_deref()),
            "securityEnabled" => Bool(g.security_enabled),
            "securityIdentifier" => WireValue::Owned(security_identifier(g.id)),
            "creationOptions"
            | "proxyAddresses"
            | "resourceBehaviorOptions"
            | "resourceProvisioningOptions" => Strings(&[]),
            "membershipRuleProcessingStatus/status" => match (dynamic, g.rule_processed_at) {
                (false, _) => Null,
                (true, None) => Str("NotStarted"),
                (true, Some(_)) => Str("Succeeded"),
            },
            "membershipRuleProcessingStatus/lastMembershipUpdated" => OptTime(g.rule_processed_at),
            "deletedDateTime" | "expirationDateTime" | "onPremisesLastSyncDateTime" => {
                OptTime(None)
            }
            "classification"
            | "isAssignableToRole"
            | "mail"
            | "onPremisesSecurityIdentifier"
            | "onPremisesSyncEnabled"
            | "preferredDataLocation"
            | "preferredLanguage"
            | "theme"
            | "visibility"
            | "membershipRuleProcessingStatus/errorMessage" => Null,
            _ => return None,
        })
    }
}

described_serialize!(GroupWire);

/// A directory object in a mixed list (a group's members, a device's groups), with the
/// `@odata.type` that says what it is.
#[derive(Debug, Serialize)]
pub struct Typed<T: Serialize> {
    #[serde(rename = "@odata.type")]
    pub odata_type: &'static str,
    #[serde(flatten)]
    pub object: T,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_written_as_graph_writes_it() {
        let g = Group {
            id: Uuid::from_u128(0x1234),
            display_name: "Autopilot Lab".into(),
            description: None,
            mail_nickname: "autopilot-lab".into(),
            mail_enabled: false,
            security_enabled: true,
            group_types: vec!["DynamicMembership".into()],
            membership_rule: Some(
                "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Lab\"))".into(),
            ),
            processing_state: Some("On".into()),
            created_at: time::macros::datetime!(2026-11-28 09:00:01 UTC),
            rule_processed_at: None,
        };
        let v1 = GroupWire {
            group: &g,
            version: Version::V1,
        };
        crate::wire::shape::assert_complete(&v1);
        let v: serde_json::Value = serde_json::to_value(&v1).unwrap();
        assert_eq!(v["groupTypes"], serde_json::json!(["DynamicMembership"]));
        assert_eq!(v["membershipRuleProcessingState"], "On");
        assert_eq!(v["description"], serde_json::Value::Null);
        assert_eq!(v["securityIdentifier"], "S-1-12-1-0-0-0-873594880");
        assert!(
            v.get("membershipRuleProcessingStatus").is_none(),
            "beta only"
        );
        let beta = GroupWire {
            group: &g,
            version: Version::Beta,
        };
        let v: serde_json::Value = serde_json::to_value(&beta).unwrap();
        assert_eq!(v["membershipRuleProcessingStatus"]["status"], "NotStarted");
        let typed = Typed {
            odata_type: "#microsoft.graph.group",
            object: beta,
        };
        let text = serde_json::to_string(&typed).unwrap();
        assert!(
            text.starts_with(r##"{"@odata.type":"#microsoft.graph.group","id":"##),
            "{text}"
        );
    }
}
