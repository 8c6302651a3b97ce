//! A tenant's Autopilot settings and manual syncs ([`SettingsStore`]).

use async_trait::async_trait;
use autopilot_domain::sync::{SyncDecision, SyncTimes};
use autopilot_domain::{SettingsStore, StoreError, TenantId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::sql::{Dialect, Exec, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id};
use crate::time_codec::{from_micros, to_micros};

type SettingsRow = (String, Option<i64>, Option<i64>, Option<i64>);

async fn settings_row(tx: &mut impl Exec, tenant: &TenantId) -> Result<SettingsRow, StoreError> {
    let select = Sql::with(
        "SELECT id, last_trigger_at, completes_at, previous_sync_at \
         FROM autopilot_settings WHERE tenant = $1",
        vec![tenant.as_str().into()],
    );
    if let Some(row) = tx.row(&select).await? {
        return Ok((
            row.text(0)?,
            row.opt_int(1)?,
            row.opt_int(2)?,
            row.opt_int(3)?,
        ));
    }
    let id = id_text(Uuid::new_v4());
    // Two first requests at once: the second one's insert does nothing, and it reads the
    // first one's row.
    tx.exec(&Sql::with(
        "INSERT INTO autopilot_settings (tenant, id) VALUES ($1, $2) \
         ON CONFLICT (tenant) DO NOTHING",
        vec![tenant.as_str().into(), id.into()],
    ))
    .await?;
    let row = tx
        .row(&select)
        .await?
        .ok_or_else(|| StoreError::Backend("the settings row vanished".into()))?;
    Ok((
        row.text(0)?,
        row.opt_int(1)?,
        row.opt_int(2)?,
        row.opt_int(3)?,
    ))
}

#[async_trait]
impl<B: Backend> SettingsStore for SqlStore<B> {
    async fn sync_state(
        &self,
        tenant: &TenantId,
    ) -> Result<(Uuid, SyncTimes, Option<OffsetDateTime>), StoreError> {
        let mut tx = self.backend.write().await?;
        let (id, last, end, previous) = settings_row(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok((
            parse_id(&id)?,
            SyncTimes {
                last_trigger: last.map(from_micros),
                completes_at: end.map(from_micros),
            },
            previous.map(from_micros),
        ))
    }

    async fn trigger_sync(
        &self,
        tenant: &TenantId,
        now: OffsetDateTime,
        interval: time::Duration,
        duration: time::Duration,
    ) -> Result<SyncDecision, StoreError> {
        let mut tx = self.backend.write().await?;
        // Read under the write lock (SQLite) or a row lock (PostgreSQL), so that two
        // triggers at once cannot both start a sync.
        settings_row(&mut tx, tenant).await?;
        let locked = tx
            .row(&Sql::with(
                &format!(
                    "SELECT last_trigger_at, completes_at FROM autopilot_settings \
                     WHERE tenant = $1{}",
                    match B::DIALECT {
                        Dialect::Sqlite => "",
                        Dialect::Postgres => " FOR UPDATE",
                    }
                ),
                vec![tenant.as_str().into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Backend("the settings row vanished".into()))?;
        let times = SyncTimes {
            last_trigger: locked.opt_int(0)?.map(from_micros),
            completes_at: locked.opt_int(1)?.map(from_micros),
        };
        let decision = autopilot_domain::sync::trigger(times, now, interval, duration);
        if let SyncDecision::Start { completes_at } = decision {
            // The run that just ended (if any) becomes the previous sync.
            tx.exec(&Sql::with(
                "UPDATE autopilot_settings SET previous_sync_at = completes_at, \
                 last_trigger_at = $2, completes_at = $3 WHERE tenant = $1",
                vec![
                    tenant.as_str().into(),
                    to_micros(now).into(),
                    to_micros(completes_at).into(),
                ],
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(decision)
    }
}
