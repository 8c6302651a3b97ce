//! The tenants the store holds, at a glance (the admin console's list).

use async_trait::async_trait;
use autopilot_domain::sync::SyncTimes;
use autopilot_domain::{StoreError, TenantStore, TenantSummary};

use crate::sql::{Exec, Sql};
use crate::sql_store::{Backend, SqlStore};
use crate::time_codec::from_micros;

#[async_trait]
impl<B: Backend> TenantStore for SqlStore<B> {
    async fn tenant_summaries(&self, limit: u32) -> Result<Vec<TenantSummary>, StoreError> {
        let mut sql = Sql::new(
            "WITH t(tenant) AS (SELECT tenant FROM device_counts \
             UNION SELECT tenant FROM imported_devices \
             UNION SELECT tenant FROM organizations \
             UNION SELECT tenant FROM autopilot_settings) \
             SELECT t.tenant, o.display_name, \
             (SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM device_counts c \
              WHERE c.tenant = t.tenant), \
             (SELECT count(*) FROM imported_devices i WHERE i.tenant = t.tenant AND i.status = 0), \
             (SELECT count(*) FROM imported_devices i WHERE i.tenant = t.tenant AND i.status = 4), \
             s.last_trigger_at, s.completes_at, s.previous_sync_at \
             FROM t LEFT JOIN organizations o ON o.tenant = t.tenant \
             LEFT JOIN autopilot_settings s ON s.tenant = t.tenant \
             ORDER BY t.tenant LIMIT ",
        );
        sql.bind(i64::from(limit));
        let count = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut out = Vec::new();
        for row in self.backend.pool().rows(&sql).await? {
            out.push(TenantSummary {
                tenant: row.text(0)?,
                name: row.opt_text(1)?,
                devices: count(row.int(2)?),
                processing: count(row.int(3)?),
                failed: count(row.int(4)?),
                sync: SyncTimes {
                    last_trigger: row.opt_int(5)?.map(from_micros),
                    completes_at: row.opt_int(6)?.map(from_micros),
                },
                previous_sync: row.opt_int(7)?.map(from_micros),
            });
        }
        Ok(out)
    }
}
