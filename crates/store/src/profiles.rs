//! Deployment profiles and their assignments ([`ProfileStore`]).

use async_trait::async_trait;
use autopilot_domain::{
    AddAssignment, DeploymentProfile, ProfileAssignment, ProfileStore, StoreError, TenantId,
};
use uuid::Uuid;

use crate::sql::{Arg, Exec, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id};
use crate::time_codec::{from_micros, to_micros};

#[async_trait]
impl<B: Backend> ProfileStore for SqlStore<B> {
    async fn list_profiles(&self, tenant: &TenantId) -> Result<Vec<DeploymentProfile>, StoreError> {
        let rows = self
            .backend
            .pool()
            .rows(&Sql::with(
                "SELECT id, odata_type, properties, created_at, modified_at \
                 FROM deployment_profiles WHERE tenant = $1 ORDER BY created_at, id",
                vec![tenant.as_str().into()],
            ))
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DeploymentProfile {
                    id: parse_id(&row.text(0)?)?,
                    odata_type: row.text(1)?,
                    properties: row.text(2)?,
                    created_at: from_micros(row.int(3)?),
                    modified_at: from_micros(row.int(4)?),
                })
            })
            .collect()
    }

    async fn put_profile(
        &self,
        tenant: &TenantId,
        p: &DeploymentProfile,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.write().await?;
        tx.exec(&Sql::with(
            "INSERT INTO deployment_profiles \
             (tenant, id, odata_type, properties, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant, id) DO UPDATE SET odata_type = excluded.odata_type, \
             properties = excluded.properties, modified_at = excluded.modified_at",
            vec![
                tenant.as_str().into(),
                id_text(p.id).into(),
                p.odata_type.as_str().into(),
                p.properties.as_str().into(),
                to_micros(p.created_at).into(),
                to_micros(p.modified_at).into(),
            ],
        ))
        .await?;
        tx.commit().await
    }

    async fn delete_profile(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let args = || vec![Arg::from(tenant.as_str()), Arg::from(id_text(id))];
        let done = tx
            .exec(&Sql::with(
                "DELETE FROM deployment_profiles WHERE tenant = $1 AND id = $2",
                args(),
            ))
            .await?;
        tx.exec(&Sql::with(
            "DELETE FROM deployment_profile_assignments WHERE tenant = $1 AND profile_id = $2",
            args(),
        ))
        .await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn list_assignments(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<ProfileAssignment>, StoreError> {
        let rows = self
            .backend
            .pool()
            .rows(&Sql::with(
                "SELECT id, profile_id, group_id, created_at FROM deployment_profile_assignments \
                 WHERE tenant = $1 ORDER BY created_at, id",
                vec![tenant.as_str().into()],
            ))
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ProfileAssignment {
                    id: row.text(0)?,
                    profile_id: parse_id(&row.text(1)?)?,
                    group_id: row.opt_text(2)?,
                    created_at: from_micros(row.int(3)?),
                })
            })
            .collect()
    }

    async fn add_assignment(
        &self,
        tenant: &TenantId,
        a: &ProfileAssignment,
    ) -> Result<AddAssignment, StoreError> {
        let mut tx = self.backend.write().await?;
        let profile = tx
            .row(&Sql::with(
                "SELECT 1 FROM deployment_profiles WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(a.profile_id).into()],
            ))
            .await?;
        if profile.is_none() {
            return Ok(AddAssignment::NoProfile);
        }
        let taken = tx
            .row(&Sql::with(
                "SELECT 1 FROM deployment_profile_assignments \
                 WHERE tenant = $1 AND lower(id) = lower($2)",
                vec![tenant.as_str().into(), a.id.as_str().into()],
            ))
            .await?;
        if taken.is_some() {
            return Ok(AddAssignment::IdTaken);
        }
        tx.exec(&Sql::with(
            "INSERT INTO deployment_profile_assignments \
             (tenant, id, profile_id, group_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            vec![
                tenant.as_str().into(),
                a.id.as_str().into(),
                id_text(a.profile_id).into(),
                a.group_id.clone().into(),
                to_micros(a.created_at).into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(AddAssignment::Added)
    }

    async fn delete_assignment(
        &self,
        tenant: &TenantId,
        profile_id: Uuid,
        id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let done = tx
            .exec(&Sql::with(
                "DELETE FROM deployment_profile_assignments \
                 WHERE tenant = $1 AND profile_id = $2 AND id = $3",
                vec![
                    tenant.as_str().into(),
                    id_text(profile_id).into(),
                    id.into(),
                ],
            ))
            .await?;
        tx.commit().await?;
        Ok(done > 0)
    }
}
