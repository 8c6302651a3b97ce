//! The SQLite backend: a file in WAL mode (or `sqlite::memory:`), reads on a few reader
//! connections, writes on one writer connection (`BEGIN IMMEDIATE`), and registration rounds
//! decided in one write transaction. The connections are rusqlite's, used on the caller's
//! thread (`sqlite_conn.rs`); the migrations are sqlx's, as they always were, so that a
//! database made by any earlier build upgrades the same way.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use autopilot_domain::{ProcessReport, RegistrationStore, StoreError, ThrottleStore};
use sqlx::ConnectOptions as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use time::OffsetDateTime;

use crate::OpenError;
use crate::round::{self, Evaluated};
use crate::sql::{Dialect, Exec, Sql};
use crate::sql_store::{Backend, SqlStore, Tx};
use crate::sqlite_conn::{Readers, WriteTx, Writer, connect};
use crate::time_codec::{from_micros, to_micros};

/// The SQLite migrations, numbered and forward-only (`migrations/sqlite`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Reader connections of a database file.
const READERS: usize = 4;

/// Autopilot data in one SQLite database.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// The SQLite side of [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    writer: Writer,
    readers: Readers,
    /// The WAL's checkpoints, on a thread of their own (a file only).
    _checkpoints: Option<std::sync::Arc<crate::sqlite_conn::Checkpointer>>,
}

impl SqlStore<SqliteBackend> {
    /// Opens `sqlite://PATH` (created when missing, WAL mode) or `sqlite::memory:`, and runs the
    /// migrations.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let connect_error = |e: &dyn std::fmt::Display| OpenError::Connect(e.to_string());
        // An in-memory database lives in the connections that share it: a name of its own,
        // shared while the migrations run on sqlx's connection, then one connection for
        // everything.
        let (path, options) = if memory {
            let name = format!(
                "file:autopilot-graph-{}?mode=memory&cache=shared",
                uuid::Uuid::new_v4().simple()
            );
            let options = SqliteConnectOptions::from_str(&format!("sqlite:{name}"))
                .map_err(|e| connect_error(&e))?
                .shared_cache(true);
            (name, options)
        } else {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| connect_error(&e))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
            let path = options.get_filename().to_string_lossy().into_owned();
            (path, options)
        };
        let mut migrations = options
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .connect()
            .await
            .map_err(|e| connect_error(&e))?;
        MIGRATOR
            .run(&mut migrations)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        let open = |_| connect(&path, !memory).map_err(|e| connect_error(&e));
        let writer = open(())?;
        if !memory {
            writer_settings(&writer).map_err(|e| connect_error(&e))?;
        }
        let readers = if memory {
            Vec::new()
        } else {
            (0..READERS).map(|_| open(())).collect::<Result<_, _>>()?
        };
        let checkpoints = if memory {
            None
        } else {
            let conn = open(())?;
            Some(std::sync::Arc::new(
                crate::sqlite_conn::Checkpointer::start(conn),
            ))
        };
        // The writer holds an in-memory database from here on.
        drop(migrations);
        let writer = std::sync::Arc::new(tokio::sync::Mutex::new(writer));
        Ok(SqlStore {
            backend: SqliteBackend {
                readers: Readers::new(readers, writer.clone()),
                writer,
                _checkpoints: checkpoints,
            },
        })
    }
}

/// The writer's own settings, beside [`connect`]'s. Its page cache is 32 MiB rather than 2:
/// a registration round inserts into a dozen indexes at places all over them (serials, Entra
/// device ids, physical ids), and with the small cache most of those pages were read from the
/// file again. The WAL is checkpointed by a thread of its own ([`Checkpointer`]); the writer
/// checkpoints only a WAL past 50,000 pages, and a WAL left larger than 64 MiB is cut back
/// afterwards. Durability is the same (`synchronous = NORMAL`, each commit in the WAL).
/// Registration ran about 40% faster with the cache and the checkpoints moved
/// (bench/fairness.sh's backlog: 6,500 to 11,800 devices/s).
///
/// [`Checkpointer`]: crate::sqlite_conn::Checkpointer
pub fn writer_settings(writer: &rusqlite::Connection) -> Result<(), rusqlite::Error> {
    writer.pragma_update(None, "cache_size", -32_768)?;
    writer.pragma_update(None, "wal_autocheckpoint", 50_000)?;
    writer.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    Ok(())
}

/// The statement with `?` for `$1`, `$2`, ... when each appears once and in order (anything
/// the builder makes), else as it is. SQLite looks up a named parameter by walking the list of
/// names, so binding n of them costs n², which shows at the thousand values of a multi-row
/// insert; anonymous `?` parameters cost nothing to find.
pub(crate) fn positional(text: &str) -> std::borrow::Cow<'_, str> {
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

#[async_trait]
impl Backend for SqliteBackend {
    type Pool = Readers;
    type Tx = WriteTx;
    const DIALECT: Dialect = Dialect::Sqlite;

    fn pool(&self) -> Readers {
        self.readers.clone()
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
    }

    fn pool_stats(&self) -> autopilot_domain::PoolStats {
        // The readers and the writer.
        let open = u32::try_from(self.readers.len() + 1).unwrap_or(u32::MAX);
        let busy = self.readers.busy() + usize::from(self.writer.try_lock().is_err());
        autopilot_domain::PoolStats {
            open,
            idle: open.saturating_sub(u32::try_from(busy).unwrap_or(u32::MAX)),
            max: open,
        }
    }

    /// A write transaction, taking the write lock at once (`BEGIN IMMEDIATE`): a deferred
    /// transaction that reads first could fail to upgrade while another connection writes.
    async fn write(&self) -> Result<Self::Tx, StoreError> {
        WriteTx::begin(&self.writer).await
    }
}

#[async_trait]
impl RegistrationStore for SqlStore<SqliteBackend> {
    /// The due records, decided and written in one write transaction: one process, one writer,
    /// so nothing else can take them meanwhile. Each tenant with records due gets its share of
    /// the round, so that no tenant's backlog holds back another's.
    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        shaper: Option<&dyn autopilot_domain::registration::RecordShaper>,
    ) -> Result<ProcessReport, StoreError> {
        let mut tx = self.backend.write().await?;
        let mut rows = Vec::new();
        // Each tenant's share, then what the tenants with fewer records due left of the round
        // to those that took their whole share, after the last record each took.
        let shares = round::due_shares(&mut tx, now, limit).await?;
        for (tenant, share) in &shares {
            let first = due_of(tenant, now, *share, &round::FIRST);
            rows.append(&mut tx.rows(&first).await?);
        }
        for (tenant, share, after) in round::second_pass(&shares, &rows, limit)? {
            rows.append(&mut tx.rows(&due_of(&tenant, now, share, &after)).await?);
        }
        if rows.is_empty() {
            return Ok(ProcessReport::default());
        }
        let records = round::in_due_order(&rows)?;
        let records: Vec<&Evaluated> = records.iter().collect();
        let report =
            round::decide_and_write(&mut tx, &records, now, true, shaper, Dialect::Sqlite).await?;
        Tx::commit(tx).await?;
        Ok(report)
    }

    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let waiting = round::waiting_tenants(&mut self.backend.pool()).await?;
        Ok(waiting.iter().map(|(_, at)| *at).min().map(from_micros))
    }

    /// One process: its own imports wake its worker.
    async fn watch_due(&self, _: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Up to `limit` of the tenant's due records, oldest first, after `after` (a `(due_at, id)`
/// already taken, or [`round::FIRST`]), as rows of the round's columns.
fn due_of(tenant: &str, now: OffsetDateTime, limit: u32, after: &(i64, String)) -> Sql {
    let mut due = Sql::new(&format!(
        "SELECT {} FROM imported_devices d WHERE d.tenant = ",
        round::ROUND_COLUMNS
    ));
    due.bind(tenant)
        .push(" AND d.status = 0 AND d.due_at <= ")
        .bind(to_micros(now));
    if *after != round::FIRST {
        due.push(" AND (d.due_at, d.id) > (")
            .bind(after.0)
            .push(", ")
            .bind(after.1.as_str())
            .push(")");
    }
    due.push(" ORDER BY d.due_at, d.id LIMIT ")
        .bind(i64::from(limit));
    due
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
