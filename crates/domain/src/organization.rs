//! A tenant's organization (`microsoft.graph.organization`), as far as Autopilot tooling reads
//! it: its id (the tenant id), display name and verified domains (WindowsAutopilotIntune's
//! `ConvertTo-AutopilotConfigurationJSON` takes the default domain). A tenant nobody set up
//! has the organization Entra gives a new tenant: one initial `onmicrosoft.com` domain.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A tenant's organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub display_name: String,
    pub verified_domains: Vec<VerifiedDomain>,
    pub created_at: OffsetDateTime,
}

/// One verified domain (`microsoft.graph.verifiedDomain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedDomain {
    pub name: String,
    #[serde(rename = "isDefault")]
    pub is_default: bool,
    #[serde(rename = "isInitial")]
    pub is_initial: bool,
}

/// Why an organization cannot be set as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationError(pub String);

/// The initial domain of a tenant named `name`: its letters and digits, `.onmicrosoft.com`.
pub fn initial_domain(name: &str) -> String {
    let label: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(27)
        .collect();
    let label = if label.is_empty() {
        "tenant".to_owned()
    } else {
        label
    };
    format!("{label}.onmicrosoft.com")
}

/// The organization of a tenant nobody set up: named for the tenant, with its initial domain
/// as the default.
pub fn new_tenant(name: &str, now: OffsetDateTime) -> Organization {
    Organization {
        display_name: name.to_owned(),
        verified_domains: vec![VerifiedDomain {
            name: initial_domain(name),
            is_default: true,
            is_initial: true,
        }],
        created_at: now,
    }
}

/// A domain name as Entra takes one: dotted labels of letters, digits and hyphens.
fn valid_domain(name: &str) -> bool {
    name.len() <= 255
        && name.split('.').count() >= 2
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The organization with these custom domains added beside the initial one, `default` (one of
/// them, or the initial domain) the default.
pub fn with_domains(
    mut organization: Organization,
    domains: &[String],
    default: Option<&str>,
) -> Result<Organization, OrganizationError> {
    for name in domains {
        let name = name.trim().to_ascii_lowercase();
        if !valid_domain(&name) {
            return Err(OrganizationError(format!("'{name}' is not a domain name.")));
        }
        if !organization.verified_domains.iter().any(|d| d.name == name) {
            organization.verified_domains.push(VerifiedDomain {
                name,
                is_default: false,
                is_initial: false,
            });
        }
    }
    if let Some(default) = default {
        let default = default.trim().to_ascii_lowercase();
        if !organization
            .verified_domains
            .iter()
            .any(|d| d.name == default)
        {
            return Err(OrganizationError(format!(
                "The default domain '{default}' is not one of the organization's domains."
            )));
        }
        for d in &mut organization.verified_domains {
            d.is_default = d.name == default;
        }
    }
    Ok(organization)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_tenant_has_its_initial_domain_as_default() {
        let org = new_tenant("Contoso Lab", OffsetDateTime::UNIX_EPOCH);
        assert_eq!(org.display_name, "Contoso Lab");
        assert_eq!(org.verified_domains[0].name, "contosolab.onmicrosoft.com");
        assert!(org.verified_domains[0].is_default && org.verified_domains[0].is_initial);
        assert_eq!(initial_domain("--"), "tenant.onmicrosoft.com");
    }

    #[test]
    fn custom_domains_join_and_one_becomes_default() {
        let org = new_tenant("contoso", OffsetDateTime::UNIX_EPOCH);
        let org = with_domains(org, &["Contoso.com".into()], Some("contoso.com")).unwrap();
        let names: Vec<(&str, bool)> = org
            .verified_domains
            .iter()
            .map(|d| (d.name.as_str(), d.is_default))
            .collect();
        assert_eq!(
            names,
            [("contoso.onmicrosoft.com", false), ("contoso.com", true)]
        );
        assert!(with_domains(org.clone(), &["not a domain".into()], None).is_err());
        assert!(with_domains(org, &[], Some("fabrikam.com")).is_err());
    }
}
