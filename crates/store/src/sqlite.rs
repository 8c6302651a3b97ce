//! The SQLite backend: a file in WAL mode (or `sqlite::memory:`), writes serialised by
//! `BEGIN IMMEDIATE`, and registration rounds decided in one write transaction.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use autopilot_domain::{ProcessReport, RegistrationStore, StoreError, ThrottleStore};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Row as _, Sqlite, Transaction, TypeInfo as _, ValueRef as _};
use time::OffsetDateTime;

use crate::OpenError;
use crate::round::{self, Evaluated};
use crate::sql::{Dialect, Exec, Record, Sql, Value};
use crate::sql_store::{Backend, SqlStore, Tx};
use crate::time_codec::{from_micros, to_micros};

/// The SQLite migrations, numbered and forward-only (`migrations/sqlite`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Autopilot data in one SQLite database.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// The SQLite side of [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    pool: SqlitePool,
}

pub(crate) fn backend(err: sqlx::Error) -> StoreError {
    StoreError::Backend(err.to_string())
}

impl SqlStore<SqliteBackend> {
    /// Opens `sqlite://PATH` (created when missing, WAL mode) or `sqlite::memory:`, and runs the
    /// migrations.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::Connect(e.to_string()))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let options = if memory {
            options
        } else {
            options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        };
        // An in-memory database lives as long as its one connection: keep exactly one, forever.
        let pool = if memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        }
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        Ok(SqlStore {
            backend: SqliteBackend { pool },
        })
    }

    /// The connection pool (tests, maintenance).
    pub fn pool(&self) -> &SqlitePool {
        &self.backend.pool
    }
}

/// The statement with `?` for `$1`, `$2`, ... when each appears once and in order (anything
/// the builder makes), else as it is. SQLite looks up a named parameter by walking the list of
/// names, so binding n of them costs n², which shows at the thousand values of a multi-row
/// insert; anonymous `?` parameters cost nothing to find.
fn positional(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut expected = 1usize;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let number: Option<usize> = rest[at + 1..at + 1 + digits].parse().ok();
        if number != Some(expected) {
            return std::borrow::Cow::Borrowed(text);
        }
        out.push_str(&rest[..at]);
        out.push('?');
        rest = &rest[at + 1 + digits..];
        expected += 1;
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn record(row: &SqliteRow) -> Result<Record, StoreError> {
    let mut values = Vec::with_capacity(row.columns().len());
    for i in 0..row.columns().len() {
        let raw = row.try_get_raw(i).map_err(backend)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => Value::Int(row.try_get(i).map_err(backend)?),
                "BLOB" => Value::Bytes(row.try_get(i).map_err(backend)?),
                _ => Value::Text(row.try_get(i).map_err(backend)?),
            }
        };
        values.push(value);
    }
    Ok(Record(values))
}

crate::sql::sqlx_exec!(Sqlite, SqliteArguments, positional, record, backend);

#[async_trait]
impl Backend for SqliteBackend {
    type Pool = SqlitePool;
    type Tx = Transaction<'static, Sqlite>;
    const DIALECT: Dialect = Dialect::Sqlite;

    fn pool(&self) -> SqlitePool {
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

    /// A write transaction, taking the write lock at once (`BEGIN IMMEDIATE`): a deferred
    /// transaction that reads first could fail to upgrade while another connection writes.
    async fn write(&self) -> Result<Self::Tx, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl RegistrationStore for SqlStore<SqliteBackend> {
    /// The due records, decided and written in one write transaction: one process, one writer,
    /// so nothing else can take them meanwhile.
    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        shaper: Option<&dyn autopilot_domain::registration::RecordShaper>,
    ) -> Result<ProcessReport, StoreError> {
        let mut tx = self.backend.write().await?;
        let due = Sql::with(
            &format!(
                "SELECT {} FROM imported_devices d \
                 JOIN imported_hashes h ON h.tenant = d.tenant AND h.id = d.id \
                 WHERE d.status = 0 AND d.due_at <= $1 ORDER BY d.due_at, d.id LIMIT $2",
                round::ROUND_COLUMNS
            ),
            vec![to_micros(now).into(), i64::from(limit).into()],
        );
        let rows = tx.rows(&due).await?;
        if rows.is_empty() {
            return Ok(ProcessReport::default());
        }
        let records = rows
            .iter()
            .map(Evaluated::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let records: Vec<&Evaluated> = records.iter().collect();
        let report =
            round::decide_and_write(&mut tx, &records, now, true, shaper, Dialect::Sqlite).await?;
        Tx::commit(tx).await?;
        Ok(report)
    }

    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let sql = Sql::new("SELECT min(due_at) FROM imported_devices WHERE status = 0");
        match self.backend.pool().row(&sql).await? {
            Some(row) => Ok(row.opt_int(0)?.map(from_micros)),
            None => Ok(None),
        }
    }

    /// One process: its own imports wake its worker.
    async fn watch_due(&self, _: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<(), StoreError> {
        Ok(())
    }
}

/// One process: the server counts requests in memory.
impl ThrottleStore for SqlStore<SqliteBackend> {}

#[cfg(test)]
mod tests {
    use super::positional;

    #[test]
    fn sequential_placeholders_become_anonymous() {
        assert_eq!(
            positional("INSERT INTO t VALUES ($1, $2), ($3, $4) -- $5?"),
            "INSERT INTO t VALUES (?, ?), (?, ?) -- ?5?".replace("?5", "?")
        );
        // Reused or out of order: left as named parameters.
        let reused = "SELECT 1 WHERE a = $1 OR b = $1";
        assert_eq!(positional(reused), reused);
        let shuffled = "UPDATE t SET a = $2 WHERE b = $1";
        assert_eq!(positional(shuffled), shuffled);
        assert_eq!(positional("SELECT 1"), "SELECT 1");
    }
}
