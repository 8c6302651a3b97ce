//! Probes and metrics: the schema a database holds, the registration queue, the pool. Shared
//! by both databases.

use async_trait::async_trait;
use autopilot_domain::{HealthStore, PoolStats, QueueStats, SchemaState, StoreError};
use time::OffsetDateTime;

use crate::sql::{Exec, Sql};
use crate::sql_store::{Backend, SqlStore};
use crate::time_codec::{from_micros, to_micros};

#[async_trait]
impl<B: Backend> HealthStore for SqlStore<B> {
    async fn schema(&self) -> Result<SchemaState, StoreError> {
        let sql = Sql::new("SELECT max(version) FROM _sqlx_migrations WHERE success");
        let applied = match self.backend.pool().row(&sql).await? {
            Some(row) => row.opt_int(0)?.unwrap_or(0),
            None => 0,
        };
        let expected = self
            .backend
            .migrator()
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        Ok(SchemaState { applied, expected })
    }

    async fn queue(&self, now: OffsetDateTime) -> Result<QueueStats, StoreError> {
        let mut sql = Sql::new("SELECT count(*), sum(CASE WHEN due_at <= ");
        let now = to_micros(now);
        sql.bind(now)
            .push(" THEN 1 ELSE 0 END), min(CASE WHEN due_at <= ")
            .bind(now)
            .push(" THEN due_at END) FROM imported_devices WHERE status = 0");
        let Some(row) = self.backend.pool().row(&sql).await? else {
            return Ok(QueueStats::default());
        };
        let count = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(QueueStats {
            processing: count(row.int(0)?),
            due: count(row.opt_int(1)?.unwrap_or(0)),
            oldest_due: row.opt_int(2)?.map(from_micros),
        })
    }

    fn pool_stats(&self) -> PoolStats {
        self.backend.pool_stats()
    }
}
