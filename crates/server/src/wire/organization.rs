//! The tenant's organization on the wire.

use autopilot_domain::organization::Organization;
use autopilot_odata::{EntityType, entity};
use uuid::Uuid;

use super::shape::{Described, WireValue, described_serialize};

/// An `organization` on the wire: the tenant id and its stored (or new-tenant) organization.
#[derive(Debug)]
pub struct OrganizationWire<'a> {
    pub id: Uuid,
    pub organization: &'a Organization,
}

impl Described for OrganizationWire<'_> {
    const ENTITY: &'static EntityType = &entity::ORGANIZATION;

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Null, OptTime, Str, Strings};
        let o = self.organization;
        Some(match property {
            "id" => WireValue::Id(self.id),
            "createdDateTime" => OptTime(Some(o.created_at)),
            "displayName" => Str(&o.display_name),
            "tenantType" => Str("AAD"),
            "verifiedDomains" => WireValue::Json(
                o.verified_domains
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "capabilities": if d.is_initial { "Email, OfficeCommunicationsOnline" } else { "Email" },
                            "isDefault": d.is_default,
                            "isInitial": d.is_initial,
                            "name": d.name,
                            "type": "Managed",
                        })
                    })
                    .collect(),
            ),
            "businessPhones"
            | "marketingNotificationEmails"
            | "securityComplianceNotificationMails"
            | "securityComplianceNotificationPhones"
            | "technicalNotificationMails" => Strings(&[]),
            "deletedDateTime" | "onPremisesLastSyncDateTime" => OptTime(None),
            "city" | "country" | "countryLetterCode" | "defaultUsageLocation" | "onPremisesSyncEnabled"
            | "postalCode" | "preferredLanguage" | "state" | "street" => Null,
            _ => return None,
        })
    }
}

described_serialize!(OrganizationWire);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_is_written_as_graph_writes_it() {
        let org = autopilot_domain::organization::new_tenant(
            "contoso",
            time::macros::datetime!(2026-11-28 09:00:01 UTC),
        );
        let wire = OrganizationWire {
            id: Uuid::from_u128(9),
            organization: &org,
        };
        crate::wire::shape::assert_complete(&wire);
        let v = serde_json::to_value(&wire).unwrap();
        assert_eq!(v["id"], "00000000-0000-0000-0000-000000000009");
        assert_eq!(v["verifiedDomains"][0]["name"], "contoso.onmicrosoft.com");
        assert_eq!(v["verifiedDomains"][0]["isDefault"], true);
        assert_eq!(v["tenantType"], "AAD");
    }
}
