//! SQLite connections without a thread hand-off per statement: rusqlite on the caller's
//! thread, statements prepared once per connection and kept. Reads take one of a few reader
//! connections (WAL lets them read beside the writer) for the length of one statement; writes
//! take the one writer connection for the length of their transaction (`BEGIN IMMEDIATE`),
//! behind an async lock, so writers queue without busy-waiting. A write statement runs in
//! `block_in_place` on a multi-threaded runtime, so that a long one (an import, a registration
//! round) does not hold up the tasks queued on its worker.
//!
//! The sqlx driver this replaces ran every statement on a worker thread of its own and handed
//! each back through a channel: a GET by id spent more time in the two context switches than in
//! SQLite.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use autopilot_domain::StoreError;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::sql::{Arg, Exec, Record, Sql, Value};
use crate::sql_store::Tx;

/// Prepared statements kept per connection.
const STATEMENTS: usize = 256;

pub(crate) fn error(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Opens a connection with the server's settings: WAL (for a file), `synchronous = NORMAL`,
/// foreign keys, a 5-second busy timeout for other processes.
pub(crate) fn connect(path: &str, file: bool) -> Result<Connection, rusqlite::Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if file {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(conn)
}

/// Runs `f` where blocking is allowed: in `block_in_place` on a multi-threaded runtime, else
/// as it is.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// The statement prepared (or taken from the connection's cache) with its values bound: an
/// anonymous `?` takes the value of its place, a `$N` the N-th value (as sqlx bound them), so a
/// value may be used twice or out of order.
fn prepare<'c>(
    conn: &'c Connection,
    sql: &Sql,
) -> Result<rusqlite::CachedStatement<'c>, StoreError> {
    let text = crate::sqlite::positional(&sql.text);
    let mut statement = conn.prepare_cached(&text).map_err(error)?;
    for at in 1..=statement.parameter_count() {
        let index = match statement.parameter_name(at) {
            Some(name) => name
                .strip_prefix(['$', '?'])
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| StoreError::Backend(format!("unknown parameter {name}")))?,
            None => at,
        };
        let arg = sql
            .args
            .get(index - 1)
            .ok_or_else(|| StoreError::Backend(format!("no value for parameter {index}")))?;
        match arg {
            Arg::Text(v) => statement.raw_bind_parameter(at, v.as_str()),
            Arg::OptText(v) => statement.raw_bind_parameter(at, v.as_deref()),
            Arg::Int(v) => statement.raw_bind_parameter(at, *v),
            Arg::OptInt(v) => statement.raw_bind_parameter(at, *v),
            Arg::Bytes(v) => statement.raw_bind_parameter(at, v.as_slice()),
        }
        .map_err(error)?;
    }
    Ok(statement)
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        #[allow(clippy::cast_possible_truncation)]
        ValueRef::Real(r) if r.fract() == 0.0 && r.abs() < 9.0e15 => Value::Int(r as i64),
        ValueRef::Real(r) => Value::Text(r.to_string()),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

fn run_rows(conn: &Connection, sql: &Sql) -> Result<Vec<Record>, StoreError> {
    let mut statement = prepare(conn, sql)?;
    let columns = statement.column_count();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        let mut values = Vec::with_capacity(columns);
        for i in 0..columns {
            values.push(value(row.get_ref(i).map_err(error)?));
        }
        out.push(Record(values));
    }
    Ok(out)
}

fn run_exec(conn: &Connection, sql: &Sql) -> Result<u64, StoreError> {
    let mut statement = prepare(conn, sql)?;
    let changed = statement.raw_execute().map_err(error)?;
    Ok(u64::try_from(changed).unwrap_or(0))
}

/// The writer: one connection, one transaction at a time.
pub(crate) type Writer = Arc<tokio::sync::Mutex<Connection>>;

/// Where reads go: a few reader connections, or (an in-memory database, which lives in its
/// one connection) the writer itself.
#[derive(Debug, Clone)]
pub(crate) struct Readers {
    inner: Arc<ReadersInner>,
}

#[derive(Debug)]
struct ReadersInner {
    connections: Vec<Mutex<Connection>>,
    next: AtomicUsize,
    writer: Writer,
}

impl Readers {
    pub fn new(connections: Vec<Connection>, writer: Writer) -> Readers {
        Readers {
            inner: Arc::new(ReadersInner {
                connections: connections.into_iter().map(Mutex::new).collect(),
                next: AtomicUsize::new(0),
                writer,
            }),
        }
    }

    pub fn len(&self) -> usize {
        self.inner.connections.len()
    }

    /// How many reader connections are in use now.
    pub fn busy(&self) -> usize {
        self.inner
            .connections
            .iter()
            .filter(|c| c.try_lock().is_err())
            .count()
    }

    /// Runs `f` on a free reader connection (the next one in turn if all are taken).
    async fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let all = &self.inner.connections;
        if all.is_empty() {
            let conn = self.inner.writer.lock().await;
            return f(&conn);
        }
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..all.len() {
            if let Ok(conn) = all[(start + k) % all.len()].try_lock() {
                return f(&conn);
            }
        }
        let conn = all[start % all.len()]
            .lock()
            .map_err(|_| StoreError::Backend("a reader connection was poisoned".into()))?;
        f(&conn)
    }
}

#[async_trait]
impl Exec for Readers {
    async fn rows(&mut self, sql: &Sql) -> Result<Vec<Record>, StoreError> {
        self.with(|conn| run_rows(conn, sql)).await
    }

    async fn exec(&mut self, sql: &Sql) -> Result<u64, StoreError> {
        // A statement that writes outside a transaction takes the writer.
        let conn = self.inner.writer.lock().await;
        blocking(|| run_exec(&conn, sql))
    }
}

/// A write transaction on the writer connection; dropped without commit, it rolls back.
pub(crate) struct WriteTx {
    conn: tokio::sync::OwnedMutexGuard<Connection>,
    open: bool,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").field("open", &self.open).finish()
    }
}

impl WriteTx {
    /// Takes the writer and begins (`BEGIN IMMEDIATE`: the write lock at once).
    pub async fn begin(writer: &Writer) -> Result<WriteTx, StoreError> {
        let conn = writer.clone().lock_owned().await;
        blocking(|| conn.execute_batch("BEGIN IMMEDIATE")).map_err(error)?;
        Ok(WriteTx { conn, open: true })
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[async_trait]
impl Exec for WriteTx {
    async fn rows(&mut self, sql: &Sql) -> Result<Vec<Record>, StoreError> {
        blocking(|| run_rows(&self.conn, sql))
    }

    async fn exec(&mut self, sql: &Sql) -> Result<u64, StoreError> {
        blocking(|| run_exec(&self.conn, sql))
    }
}

#[async_trait]
impl Tx for WriteTx {
    async fn commit(mut self) -> Result<(), StoreError> {
        let done = blocking(|| self.conn.execute_batch("COMMIT")).map_err(error);
        if done.is_ok() {
            self.open = false;
        }
        done
    }
}

/// Checkpoints the WAL twice a second on a connection and thread of its own, so that a commit
/// does not copy pages into the database file (and sync it) on the writer's time; on two cores
/// the copy runs beside the next round. A passive checkpoint never waits for the writer or
/// readers. The writer keeps a checkpoint of its own for a WAL past 50,000 pages, which a
/// passive checkpoint alone cannot always bring back to its start under continuous writes.
#[derive(Debug)]
pub struct Checkpointer {
    stop: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(conn: Connection) -> Checkpointer {
        let stop = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let (lock, wake) = &*flag;
                loop {
                    {
                        let Ok(stopped) = lock.lock() else { return };
                        let Ok((stopped, _)) = wake.wait_timeout_while(
                            stopped,
                            std::time::Duration::from_millis(500),
                            |stopped| !*stopped,
                        ) else {
                            return;
                        };
                        if *stopped {
                            return;
                        }
                    }
                    // Without the lock: a store dropped meanwhile waits for this one only.
                    if let Err(e) =
                        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "WAL checkpoint failed; the writer's own checkpoints go on");
                    }
                }
            });
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(e) => {
                tracing::warn!(error = %e, "no thread for WAL checkpoints; the writer checkpoints past 50,000 pages");
                None
            }
        };
        Checkpointer { stop, thread }
    }
}

/// Stops the thread and waits for it, so that its connection is closed (and, the last one
/// closed, the WAL checkpointed and removed) before the store is gone.
impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        if let Ok(mut stopped) = lock.lock() {
            *stopped = true;
        }
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
