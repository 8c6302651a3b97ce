//! Permission usage ([`UsageStore`]): counts added up per application, day, operation and
//! permissions, by every instance.

use async_trait::async_trait;
use autopilot_domain::usage::Usage;
use autopilot_domain::{StoreError, UsageStore};

use crate::sql::{Dialect, Exec, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _};
use crate::time_codec::{from_micros, to_micros};

/// How long counts are kept, in days.
const RETENTION_DAYS: i64 = 90;

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

#[async_trait]
impl<B: Backend> UsageStore for SqlStore<B> {
    async fn add_usage(&self, usage: &[Usage]) -> Result<(), StoreError> {
        let (min, max) = match B::DIALECT {
            Dialect::Sqlite => ("min", "max"),
            Dialect::Postgres => ("least", "greatest"),
        };
        // In key order, so that instances flushing at once lock rows in one order
        // (PostgreSQL).
        let mut rows: Vec<&Usage> = usage.iter().collect();
        rows.sort_by(|a, b| {
            (
                &a.tenant,
                &a.app_id,
                a.day,
                &a.operation,
                &a.needed,
                &a.carried,
            )
                .cmp(&(
                    &b.tenant,
                    &b.app_id,
                    b.day,
                    &b.operation,
                    &b.needed,
                    &b.carried,
                ))
        });
        let mut tx = self.backend.write().await?;
        // Counts older than the retention go.
        if let Some(oldest) = rows.iter().map(|u| u.day).min() {
            tx.exec(&Sql::with(
                "DELETE FROM permission_usage WHERE day < $1",
                vec![(oldest - RETENTION_DAYS).into()],
            ))
            .await?;
        }
        for u in rows {
            tx.exec(&Sql::with(
                &format!(
                    "INSERT INTO permission_usage (tenant, app_id, day, operation, needed, \
                     carried, calls, denied, first_at, last_at) VALUES ($1, $2, $3, $4, $5, $6, \
                     $7, $8, $9, $10) ON CONFLICT (tenant, app_id, day, operation, needed, \
                     carried) DO UPDATE SET calls = permission_usage.calls + excluded.calls, \
                     denied = permission_usage.denied + excluded.denied, \
                     first_at = {min}(permission_usage.first_at, excluded.first_at), \
                     last_at = {max}(permission_usage.last_at, excluded.last_at)"
                ),
                vec![
                    u.tenant.as_str().into(),
                    u.app_id.as_str().into(),
                    u.day.into(),
                    u.operation.as_str().into(),
                    u.needed.join(" ").into(),
                    u.carried.join(" ").into(),
                    i64::try_from(u.calls).unwrap_or(i64::MAX).into(),
                    i64::try_from(u.denied).unwrap_or(i64::MAX).into(),
                    to_micros(u.first_at).into(),
                    to_micros(u.last_at).into(),
                ],
            ))
            .await?;
        }
        tx.commit().await
    }

    async fn usage_of(
        &self,
        tenant: &str,
        app_id: &str,
        since_day: i64,
    ) -> Result<Vec<Usage>, StoreError> {
        self.backend
            .pool()
            .rows(&Sql::with(
                "SELECT tenant, app_id, day, operation, needed, carried, calls, denied, \
                 first_at, last_at FROM permission_usage WHERE tenant = $1 AND app_id = $2 \
                 AND day >= $3 ORDER BY day, operation, needed, carried",
                vec![tenant.into(), app_id.into(), since_day.into()],
            ))
            .await?
            .iter()
            .map(|r| {
                Ok(Usage {
                    tenant: r.text(0)?,
                    app_id: r.text(1)?,
                    day: r.int(2)?,
                    operation: r.text(3)?,
                    needed: words(&r.text(4)?),
                    carried: words(&r.text(5)?),
                    calls: u64::try_from(r.int(6)?).unwrap_or_default(),
                    denied: u64::try_from(r.int(7)?).unwrap_or_default(),
                    first_at: from_micros(r.int(8)?),
                    last_at: from_micros(r.int(9)?),
                })
            })
            .collect()
    }

    async fn usage_apps(&self, since_day: i64) -> Result<Vec<(String, String)>, StoreError> {
        self.backend
            .pool()
            .rows(&Sql::with(
                "SELECT DISTINCT tenant, app_id FROM permission_usage WHERE day >= $1 \
                 ORDER BY tenant, app_id",
                vec![since_day.into()],
            ))
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?)))
            .collect()
    }
}
