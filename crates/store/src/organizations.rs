//! A tenant's organization ([`OrganizationStore`]): one row per tenant that was set up, its
//! verified domains kept as one JSON array.

use async_trait::async_trait;
use autopilot_domain::organization::{Organization, VerifiedDomain};
use autopilot_domain::{OrganizationStore, StoreError, TenantId};

use crate::sql::{Exec, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _};
use crate::time_codec::{from_micros, to_micros};

#[async_trait]
impl<B: Backend> OrganizationStore for SqlStore<B> {
    async fn get_organization(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<Organization>, StoreError> {
        let row = self
            .backend
            .pool()
            .row(&Sql::with(
                "SELECT display_name, verified_domains, created_at FROM organizations \
                 WHERE tenant = $1",
                vec![tenant.as_str().into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let domains: Vec<VerifiedDomain> = serde_json::from_str(&row.text(1)?)
            .map_err(|e| StoreError::Backend(format!("verified domains: {e}")))?;
        Ok(Some(Organization {
            display_name: row.text(0)?,
            verified_domains: domains,
            created_at: from_micros(row.int(2)?),
        }))
    }

    async fn put_organization(
        &self,
        tenant: &TenantId,
        organization: &Organization,
    ) -> Result<(), StoreError> {
        let domains = serde_json::to_string(&organization.verified_domains)
            .map_err(|e| StoreError::Backend(format!("verified domains: {e}")))?;
        let mut tx = self.backend.write().await?;
        tx.exec(&Sql::with(
            "INSERT INTO organizations (tenant, display_name, verified_domains, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant) DO UPDATE SET \
             display_name = excluded.display_name, verified_domains = excluded.verified_domains",
            vec![
                tenant.as_str().into(),
                organization.display_name.as_str().into(),
                domains.into(),
                to_micros(organization.created_at).into(),
            ],
        ))
        .await?;
        tx.commit().await
    }
}
