//! The PostgreSQL backend, for several server instances on one database: registration work is
//! claimed with `FOR UPDATE SKIP LOCKED` and a lease, so that no record is decided twice and a
//! crashed instance's records are taken over once its lease ends; the hardware registry's
//! primary key settles two instances registering the same hardware at once.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use autopilot_domain::{ProcessReport, RegistrationStore, StoreError, ThrottleStore};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row as _, Transaction, TypeInfo as _, ValueRef as _};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::OpenError;
use crate::round::{self, Evaluated};
use crate::sql::{Dialect, Exec, Record, Sql, Value};
use crate::sql_store::{Backend, SqlStore, Tx};
use crate::time_codec::{from_micros, to_micros};

/// The PostgreSQL migrations, numbered and forward-only (`migrations/postgres`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The SHA-384 of `0001_schema.sql` as the builds of 2026-11-29 to 2026-12-06 shipped it: that
/// file was edited in place (imported_devices' fillfactor, now migration 0002), so the
/// databases those builds made carry this checksum for version 1 and the migrator would refuse
/// them. Their schema is the first one plus 0002, which is idempotent: [`accept_edited_first`]
/// records the first schema's checksum for them, and 0002 runs again harmlessly.
const EDITED_FIRST_CHECKSUM: &str = "ac1e2ecd220f52da56e74c8f4fc914011c56cd68963bdbf4c5994d8a948b86b62f5acb1a05717a87a9b8e3ad5edd9d98";

/// See [`EDITED_FIRST_CHECKSUM`]; runs before the migrator, is a no-op on any other database.
async fn accept_edited_first(pool: &PgPool) -> Result<(), sqlx::Error> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    let Some(first) = MIGRATOR.iter().next().filter(|_| exists) else {
        return Ok(());
    };
    let edited: Vec<u8> = (0..EDITED_FIRST_CHECKSUM.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(EDITED_FIRST_CHECKSUM.get(i..i + 2)?, 16).ok())
        .collect();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 1 AND checksum = $2")
        .bind(first.checksum.as_ref())
        .bind(edited)
        .execute(pool)
        .await?;
    Ok(())
}

/// How long a claim on due records holds, by default, before another instance may take them
/// over.
pub const CLAIM_LEASE: time::Duration = time::Duration::seconds(30);

/// The channel imports notify on.
const DUE_CHANNEL: &str = "autopilot_graph_due";

/// How many times a round is decided again after losing a race on the same hardware.
const CONFLICT_RETRIES: usize = 8;

/// Autopilot data in a PostgreSQL database, shared by any number of server instances.
pub type PgStore = SqlStore<PgBackend>;

/// The PostgreSQL side of [`PgStore`].
#[derive(Debug, Clone)]
pub struct PgBackend {
    pool: PgPool,
    /// This instance's name on its claims.
    instance: String,
    /// How long its claims hold.
    lease: time::Duration,
    /// Requests counted (for the occasional clean-up of old throttling windows).
    requests: Arc<AtomicU64>,
}

/// Maps a driver error: lost connections and a database that is shutting down or starting are
/// `Unavailable` (the API answers 503); unique and serialisation failures are `Conflict`.
pub(crate) fn classify(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if code == "23505" || code == "40001" || code == "40P01" {
                StoreError::Conflict(err.to_string())
            } else if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
                StoreError::Unavailable(err.to_string())
            } else {
                StoreError::Backend(err.to_string())
            }
        }
        _ => StoreError::Backend(err.to_string()),
    }
}

impl SqlStore<PgBackend> {
    /// Connects to `postgres://...` and brings the schema up to date (the migrations take an
    /// advisory lock, so instances starting together migrate once).
    pub async fn open(url: &str, options: &crate::Options) -> Result<Self, OpenError> {
        let lease = options.claim_lease;
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| OpenError::Connect(crate::redact(&e.to_string())))?
            .application_name("autopilot-graph");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Connect(crate::redact(&e.to_string())))?;
        accept_edited_first(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        Ok(SqlStore {
            backend: PgBackend {
                pool,
                instance: Uuid::new_v4().to_string(),
                lease,
                requests: Arc::new(AtomicU64::new(1)),
            },
        })
    }

    /// The connection pool (tests, maintenance).
    pub fn pool(&self) -> &PgPool {
        &self.backend.pool
    }
}

fn record(row: &PgRow) -> Result<Record, StoreError> {
    let mut values = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let raw = row.try_get_raw(i).map_err(classify)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INT8" => Value::Int(row.try_get(i).map_err(classify)?),
                "INT4" => Value::Int(i64::from(row.try_get::<i32, _>(i).map_err(classify)?)),
                "INT2" => Value::Int(i64::from(row.try_get::<i16, _>(i).map_err(classify)?)),
                "BOOL" => Value::Int(i64::from(row.try_get::<bool, _>(i).map_err(classify)?)),
                "BYTEA" => Value::Bytes(row.try_get(i).map_err(classify)?),
                _ => Value::Text(row.try_get(i).map_err(classify)?),
            }
        };
        values.push(value);
    }
    Ok(Record(values))
}

/// PostgreSQL takes `$1`, `$2`, ... as they are.
fn unchanged(text: &str) -> &str {
    text
}

crate::sql::sqlx_exec!(Postgres, PgArguments, unchanged, record, classify);

impl PgBackend {
    /// Claims up to `limit` due records that nobody holds (or whose holder's lease ended), and
    /// returns them in due order with their hashes.
    async fn claim(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<Record>, StoreError> {
        // Each tenant with records due gets its share of the round; what the tenants with
        // fewer records due leave goes to those that took their whole share (a second claim
        // passes over the records the first took: their claim has not ended).
        let shares = round::due_shares(&mut self.pool.clone(), now, limit).await?;
        let mut rows = self.claim_shares(now, &shares).await?;
        let mut taken = vec![0usize; shares.len()];
        for row in &rows {
            let tenant = row.text(0)?;
            if let Some(i) = shares.iter().position(|(t, _)| *t == tenant) {
                taken[i] += 1;
            }
        }
        let more = round::leftover_shares(&shares, &taken, limit);
        rows.append(&mut self.claim_shares(now, &more).await?);
        Ok(rows)
    }

    /// Claims up to each share of due records of its tenant, through the partial index of
    /// waiting records (tenant first).
    async fn claim_shares(
        &self,
        now: OffsetDateTime,
        shares: &[(String, u32)],
    ) -> Result<Vec<Record>, StoreError> {
        if shares.is_empty() {
            return Ok(Vec::new());
        }
        let mut pool = self.pool.clone();
        let mut claim = Sql::new("WITH s(tenant, n) AS (");
        claim.values(shares, |row, (tenant, n)| {
            row.bind(tenant.as_str()).bind(i64::from(*n));
        });
        claim.push(
            "), c AS (SELECT w.tenant, w.id FROM s CROSS JOIN LATERAL \
               (SELECT tenant, id FROM imported_devices \
                 WHERE tenant = s.tenant AND status = 0 AND due_at <= ",
        );
        claim
            .bind(to_micros(now))
            .push(" AND (claim_until IS NULL OR claim_until < ")
            .bind(to_micros(now))
            .push(
                ") ORDER BY due_at, id LIMIT s.n::bigint FOR UPDATE SKIP LOCKED) w) \
                 UPDATE imported_devices d SET claimed_by = ",
            )
            .bind(self.instance.as_str())
            .push(", claim_until = ")
            .bind(to_micros(now + self.lease))
            .push(" FROM c WHERE d.tenant = c.tenant AND d.id = c.id RETURNING ")
            .push(round::ROUND_COLUMNS);
        // RETURNING gives the round's columns in no order.
        pool.rows(&claim).await
    }
}

#[async_trait]
impl Backend for PgBackend {
    type Pool = PgPool;
    type Tx = Transaction<'static, Postgres>;
    const DIALECT: Dialect = Dialect::Postgres;

    fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
    }

    fn pool_stats(&self) -> autopilot_domain::PoolStats {
        autopilot_domain::PoolStats {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    async fn write(&self) -> Result<Self::Tx, StoreError> {
        self.pool.begin().await.map_err(classify)
    }

    fn after_import(&self) -> Option<Sql> {
        Some(Sql::new(&format!("SELECT pg_notify('{DUE_CHANNEL}', '')")))
    }
}

#[async_trait]
impl RegistrationStore for SqlStore<PgBackend> {
    /// Claim, decode outside any transaction, then decide and write in a transaction that
    /// first locks the records still claimed by this instance. A round that loses a race on the
    /// same hardware to another instance fails on the registry's key and is decided again,
    /// now seeing the other registration (806 or 808).
    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        shaper: Option<&dyn autopilot_domain::registration::RecordShaper>,
    ) -> Result<ProcessReport, StoreError> {
        let rows = self.backend.claim(now, limit).await?;
        if rows.is_empty() {
            return Ok(ProcessReport::default());
        }
        let records = round::in_due_order(&rows)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.backend.write().await?;
            // The records still ours (a claim outlived by its lease may have been taken over),
            // locked until the outcome is written, found by their keys.
            let mut still_ours = Sql::new("WITH c(tenant, id) AS (");
            still_ours.values(&records, |row, r| {
                row.bind(r.tenant()).bind(r.id());
            });
            still_ours
                .push(
                    ") SELECT d.tenant, d.id FROM imported_devices d JOIN c \
                     ON d.tenant = c.tenant AND d.id = c.id \
                     WHERE d.status = 0 AND d.claimed_by = ",
                )
                .bind(self.backend.instance.as_str())
                .push(" ORDER BY d.tenant, d.id FOR UPDATE OF d");
            let held = tx.rows(&still_ours).await?;
            let held: std::collections::HashSet<(String, String)> = held
                .iter()
                .map(|r| Ok((r.text(0)?, r.text(1)?)))
                .collect::<Result<_, StoreError>>()?;
            let mine: Vec<&Evaluated> = records
                .iter()
                .filter(|r| held.contains(&(r.tenant().to_owned(), r.id().to_owned())))
                .collect();
            // The rows are locked and ours: the outcome needs no guard of its own.
            let result =
                round::decide_and_write(&mut tx, &mine, now, false, shaper, Dialect::Postgres)
                    .await;
            match result {
                Ok(report) => {
                    Tx::commit(tx).await?;
                    return Ok(report);
                }
                // Dropping the transaction rolls it back; the next attempt sees the winner.
                Err(StoreError::Conflict(_)) if attempt < CONFLICT_RETRIES => drop(tx),
                Err(e) => return Err(e),
            }
        }
    }

    /// A record claimed by another instance falls due again when the claim ends (if that
    /// instance died; otherwise it decides the record first).
    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let sql = Sql::new(
            "SELECT min(GREATEST(due_at, coalesce(claim_until, due_at))) \
             FROM imported_devices WHERE status = 0",
        );
        match self.backend.pool().row(&sql).await? {
            Some(row) => Ok(row.opt_int(0)?.map(from_micros)),
            None => Ok(None),
        }
    }

    /// Listens for imports through any instance (`NOTIFY`), reconnecting after a lost
    /// connection (and waking then too: imports may have come meanwhile).
    async fn watch_due(&self, wake: Arc<dyn Fn() + Send + Sync>) -> Result<(), StoreError> {
        let mut listener = PgListener::connect_with(&self.backend.pool)
            .await
            .map_err(classify)?;
        listener.listen(DUE_CHANNEL).await.map_err(classify)?;
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(250);
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => {
                        pause = Duration::from_millis(250);
                        wake();
                    }
                    // The connection was lost; the next try_recv reconnects.
                    Ok(None) => wake(),
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the notification channel; retrying");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(10));
                    }
                }
            }
        });
        Ok(())
    }
}

#[async_trait]
impl ThrottleStore for SqlStore<PgBackend> {
    /// One transaction: add one to every key (in key order, so that concurrent requests lock
    /// rows in the same order), and roll back when any count went over its limit.
    async fn count_request(
        &self,
        window: i64,
        keys: &[(String, u32)],
    ) -> Result<Option<Result<(), String>>, StoreError> {
        let mut sorted: Vec<&(String, u32)> = keys.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        sorted.dedup_by(|a, b| a.0 == b.0);
        let mut upsert = Sql::new("INSERT INTO throttle_windows (key, window_start, count) ");
        upsert.values(&sorted, |row, (key, _)| {
            row.bind(key.as_str()).bind(window).bind(1i64);
        });
        upsert.push(
            " ON CONFLICT (key, window_start) DO UPDATE SET count = throttle_windows.count + 1 \
             RETURNING key, count",
        );
        let mut tx = self.backend.write().await?;
        let counts = tx.rows(&upsert).await?;
        let mut admitted = Ok(());
        for row in &counts {
            let key = row.text(0)?;
            let count = row.int(1)?;
            if admitted.is_ok()
                && sorted
                    .iter()
                    .any(|(k, limit)| *k == key && count > i64::from(*limit))
            {
                admitted = Err(key);
            }
        }
        if admitted.is_ok() {
            Tx::commit(tx).await?;
        }
        // Old windows go now and then.
        if self
            .backend
            .requests
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(1024)
        {
            let mut pool = self.backend.pool.clone();
            pool.exec(&Sql::with(
                "DELETE FROM throttle_windows WHERE window_start < $1",
                vec![(window - 1).into()],
            ))
            .await?;
        }
        Ok(Some(admitted))
    }
}
