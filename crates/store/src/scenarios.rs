//! Scenarios put at run time ([`ScenarioStore`]), per tenant.

use async_trait::async_trait;
use autopilot_domain::{ScenarioStore, StoreError, StoredScenario};

use crate::sql::{Exec, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _};
use crate::time_codec::{from_micros, to_micros};

#[async_trait]
impl<B: Backend> ScenarioStore for SqlStore<B> {
    async fn put_scenario(&self, s: &StoredScenario) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let updated = tx
            .exec(&Sql::with(
                "UPDATE scenarios SET document = $3, updated_at = $4 \
                 WHERE tenant = $1 AND name = $2",
                vec![
                    s.tenant.as_str().into(),
                    s.name.as_str().into(),
                    s.document.as_str().into(),
                    to_micros(s.updated_at).into(),
                ],
            ))
            .await?;
        if updated == 0 {
            tx.exec(&Sql::with(
                "INSERT INTO scenarios (tenant, name, document, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4)",
                vec![
                    s.tenant.as_str().into(),
                    s.name.as_str().into(),
                    s.document.as_str().into(),
                    to_micros(s.updated_at).into(),
                ],
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(updated == 0)
    }

    async fn all_scenarios(&self) -> Result<Vec<StoredScenario>, StoreError> {
        self.backend
            .pool()
            .rows(&Sql::new(
                "SELECT tenant, name, document, updated_at FROM scenarios \
                 ORDER BY tenant, created_at, name",
            ))
            .await?
            .iter()
            .map(|r| {
                Ok(StoredScenario {
                    tenant: r.text(0)?,
                    name: r.text(1)?,
                    document: r.text(2)?,
                    updated_at: from_micros(r.int(3)?),
                })
            })
            .collect()
    }

    async fn delete_scenario(&self, tenant: &str, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let n = tx
            .exec(&Sql::with(
                "DELETE FROM scenarios WHERE tenant = $1 AND name = $2",
                vec![tenant.into(), name.into()],
            ))
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn reset_scenarios(&self, tenant: &str) -> Result<u64, StoreError> {
        let mut tx = self.backend.write().await?;
        let n = tx
            .exec(&Sql::with(
                "DELETE FROM scenarios WHERE tenant = $1",
                vec![tenant.into()],
            ))
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}
