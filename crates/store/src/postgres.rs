//! The PostgreSQL backend, for several server instances on one database: a registration round
//! takes its records with `FOR UPDATE SKIP LOCKED` in its own transaction, so that no record is
//! decided twice and a crashed instance's records are free again as soon as the database ends
//! its session; the hardware registry's primary key settles two instances registering the same
//! hardware at once.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use autopilot_domain::{ProcessReport, RegistrationStore, StoreError, ThrottleStore};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row as _, Transaction, TypeInfo as _, ValueRef as _};
use time::OffsetDateTime;

use crate::OpenError;
use crate::round::{self, Evaluated, Share};
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
    pub async fn open(url: &str) -> Result<Self, OpenError> {
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
    /// Takes up to `limit` due records in the round's transaction `tx`, each locked until it
    /// ends, none that another round holds: each tenant with records due gets its share of the
    /// round; what the tenants with fewer records due leave goes to those that took their whole
    /// share (a second pass, after the last record each of those took: a transaction's own
    /// locks do not make `SKIP LOCKED` pass over a row).
    async fn take(
        &self,
        tx: &mut impl Exec,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let shares = round::due_shares(&mut self.pool.clone(), now, limit).await?;
        let first: Vec<Share> = shares
            .iter()
            .map(|(tenant, n)| (tenant.clone(), *n, round::FIRST))
            .collect();
        let mut rows = take_shares(tx, now, &first).await?;
        let more = round::second_pass(&shares, &rows, limit)?;
        rows.append(&mut take_shares(tx, now, &more).await?);
        Ok(rows)
    }
}

/// Locks up to each share of due records of its tenant, oldest first, through the partial index
/// of waiting records (tenant first), as rows of the round's columns. A record an older
/// version's instance claimed (`claim_until`) is left to it until its claim ends.
async fn take_shares(
    tx: &mut impl Exec,
    now: OffsetDateTime,
    shares: &[Share],
) -> Result<Vec<Record>, StoreError> {
    if shares.is_empty() {
        return Ok(Vec::new());
    }
    let mut take = Sql::new("WITH s(tenant, n, after_due, after_id) AS (");
    take.values(shares, |row, (tenant, n, (due, id))| {
        row.bind(tenant.as_str())
            .bind(i64::from(*n))
            .bind(*due)
            .bind(id.as_str());
    });
    take.push(") SELECT w.* FROM s CROSS JOIN LATERAL (SELECT ")
        .push(round::ROUND_COLUMNS)
        .push(
            " FROM imported_devices d WHERE d.tenant = s.tenant AND d.status = 0 \
             AND d.due_at <= ",
        )
        .bind(to_micros(now))
        .push(" AND (d.claim_until IS NULL OR d.claim_until < ")
        .bind(to_micros(now))
        .push(
            ") AND (d.due_at, d.id) > (s.after_due, s.after_id) \
             ORDER BY d.due_at, d.id LIMIT s.n::bigint FOR UPDATE OF d SKIP LOCKED) w",
        );
    tx.rows(&take).await
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
    /// Takes the round's records in its transaction, locked ([`PgBackend::take`]), then
    /// decides and writes them there. A round that loses a race on the same hardware to
    /// another instance fails on the registry's key and runs again, now seeing the other
    /// registration (806 or 808). The import kept what each hash says, so nothing slow runs
    /// while the records are locked.
    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        shaper: Option<&dyn autopilot_domain::registration::RecordShaper>,
    ) -> Result<ProcessReport, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.backend.write().await?;
            let rows = self.backend.take(&mut tx, now, limit).await?;
            if rows.is_empty() {
                return Ok(ProcessReport::default());
            }
            let records = round::in_due_order(&rows)?;
            let mine: Vec<&Evaluated> = records.iter().collect();
            // The rows are locked and ours: the outcome needs no guard of its own.
            let result =
                round::decide_and_write(&mut tx, &mine, now, false, shaper, Dialect::Postgres)
                    .await;
            match result {
                Ok(report) => {
                    Tx::commit(tx).await?;
                    return Ok(report);
                }
                // Rolled back now, not when the connection is next used: the next attempt
                // passes over locked records, its own included, and then sees the winner.
                Err(StoreError::Conflict(_)) if attempt < CONFLICT_RETRIES => {
                    tx.rollback().await.map_err(classify)?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A record an instance of an earlier version claimed falls due again when its claim ends
    /// (if that instance died; otherwise it decides the record first). A record another
    /// round holds locked is due as it was: the worker finds nothing to take and tries again
    /// shortly, by when that round has decided it.
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
